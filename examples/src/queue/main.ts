// `npm run queue`: the job queue demo. Three workers in this process drain a dozen tasks: some
// succeed, a flaky one succeeds on its third attempt, a broken one fails for good after its retries,
// a delayed one waits for its time. On DATABASE_URL, or on embedded PGlite (which delivers no
// notifications: the workers fall back to polling there).
import { connect, renderDdl, renderDrop, QueryEvent } from "closql";
import { openDatabase } from "../../../tools/database";
import { schema, Task } from "./schema";
import { Doorbell, enqueue, requeueExpired, startWorker, Handler } from "./queue";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const handlers: Record<string, Handler> = {
  async email(task) {
    await sleep(20 + Math.random() * 30); // pretend to talk to an SMTP server
    log(`  sent email to ${task.payload.to}`);
  },
  async flaky(task) {
    if (task.attempts < 3) throw new Error(`upstream timeout (attempt ${task.attempts})`);
    log(`  flaky task #${task.id} made it on attempt ${task.attempts}`);
  },
  async broken() {
    throw new Error("this always fails");
  },
};

let started = Date.now();
function log(line: string) {
  console.log(`${String(Date.now() - started).padStart(5)} ms ${line}`);
}

async function main() {
  const database = await openDatabase();
  console.log(
    database.embedded
      ? "DATABASE_URL is not set: running on embedded PGlite (no NOTIFY delivery there: workers poll)."
      : `Running on ${database.url.replace(/\/\/[^@]*@/, "//")}`,
  );
  const statements = new Map<string, QueryEvent>();
  const db = connect({
    schema,
    url: database.url,
    poolSize: database.poolSize,
    onQuery: (e) => e.source && !statements.has(e.source) && statements.set(e.source, e),
  });
  try {
    for (const statement of [...renderDrop(schema), ...renderDdl(schema)]) await db.execute(statement);

    const bell = await Doorbell.listen(db);
    started = Date.now();
    const workers = ["w1", "w2", "w3"].map((id) =>
      startWorker(db, bell, {
        id,
        handlers,
        pollMs: 250,
        backoff: (attempts) => 100 * 2 ** (attempts - 1), // short for the demo
        onSettled: (task, outcome, error) =>
          log(
            `${id}: task #${task.id} (${task.kind}, attempt ${task.attempts}) → ${outcome}${error ? `: ${error}` : ""}`,
          ),
      }),
    );

    log("enqueue 8 emails, a flaky task, a broken task");
    await enqueue(db, [
      ...["ada", "bob", "cy", "di", "eve", "fay", "gus", "hal"].map((n) => ({
        kind: "email",
        payload: { to: `${n}@example.com` },
      })),
      { kind: "flaky" },
    ]);
    await enqueue(db, [{ kind: "broken" }], { maxAttempts: 3 });
    log("enqueue an email due in 1 s");
    await enqueue(db, [{ kind: "email", payload: { to: "later@example.com" } }], {
      runAt: new Date(Date.now() + 1000),
    });

    // Wait for the queue to drain (a real service would just keep its workers running).
    for (let i = 0; i < 200; i++) {
      const pending = await db.tasks.where((t) => t.status === "queued" || t.status === "running").count();
      if (pending === 0) break;
      await sleep(100);
    }
    await requeueExpired(db, 60_000); // what a periodic job does for crashed workers (nothing here)
    for (const w of workers) await w.stop();
    await bell.close();

    const all: Task[] = await db.tasks.orderBy((t) => t.id).all();
    console.log("\nid  kind    status  attempts  last_error");
    for (const t of all)
      console.log(
        `${String(t.id).padEnd(3)} ${t.kind.padEnd(7)} ${t.status.padEnd(7)} ${String(t.attempts).padEnd(9)} ${t.lastError ?? ""}`,
      );
    console.log("\nThe compiled statements, one per call site:");
    for (const e of statements.values()) console.log(`\n-- ${e.source}\n${e.sql}`);
  } finally {
    await db.close();
    await database.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
