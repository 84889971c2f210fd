// The job queue of examples/src/queue on a real server: concurrent workers with SKIP LOCKED drain
// every job exactly once, failures are retried with backoff then fail for good, an expired lease
// goes back to the queue, and a NOTIFY wakes a sleeping worker.
//
// The example is outside this project's rootDir, so its compiled JavaScript (examples/dist, built
// before the tests by `npm run build`) is loaded with require and typed here by its shape.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { connect, renderDdl, Schema } from "closql";
import { databaseUrl } from "./support/database";

const embedded = process.env.CLOSQL_EMBEDDED === "1";
const SEVERAL_CONNECTIONS = "PGlite is one session: no concurrent transactions, no row locks between connections";

interface TaskRow {
  id: number;
  kind: string;
  payload: { [key: string]: unknown };
  status: "queued" | "running" | "done" | "failed";
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  lockedAt: Date | null;
  lockedBy: string | null;
  lastError: string | null;
}
/** The queue's database: closql's Database of examples/src/queue/schema.ts. */
type QueueDb = { close(): Promise<void>; sql(strings: TemplateStringsArray, ...values: unknown[]): Promise<any[]> };
type Outcome = "done" | "queued" | "failed" | "lost";
interface Bell {
  ring(): void;
  close(): Promise<void>;
}
interface QueueModule {
  enqueue(
    db: QueueDb,
    jobs: readonly { kind: string; payload?: object }[],
    options?: { runAt?: Date; maxAttempts?: number },
  ): Promise<TaskRow[]>;
  claim(db: QueueDb, worker: string, now?: Date): Promise<TaskRow | undefined>;
  complete(db: QueueDb, task: TaskRow): Promise<boolean>;
  fail(db: QueueDb, task: TaskRow, error: unknown, backoff?: (attempts: number) => number): Promise<string | undefined>;
  requeueExpired(db: QueueDb, leaseMs: number): Promise<number>;
  Doorbell: { listen(db: QueueDb): Promise<Bell> };
  startWorker(
    db: QueueDb,
    bell: Bell,
    options: {
      id: string;
      handlers: { [kind: string]: (task: TaskRow, db: QueueDb) => Promise<unknown> };
      pollMs?: number;
      backoff?: (attempts: number) => number;
      onSettled?: (task: TaskRow, outcome: Outcome, error?: unknown) => void;
    },
  ): { stop(): Promise<void> };
}
const queue: QueueModule = require("../../examples/dist/queue/queue");
const { schema }: { schema: Schema } = require("../../examples/dist/queue/schema");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe("job queue (examples/src/queue)", () => {
  const namespace = `q_${randomBytes(5).toString("hex")}`;
  let pool: pg.Pool;
  let db: QueueDb;
  const count = async (where: string) =>
    Number((await pool.query(`SELECT count(*) AS n FROM tasks WHERE ${where}`)).rows[0].n);

  before(async () => {
    pool = new pg.Pool({
      connectionString: databaseUrl(),
      // 8 workers claiming at once, plus the test's own statements.
      max: embedded ? 1 : 12,
      options: `-c search_path=${namespace}`,
    });
    if (embedded) await pool.query("DEALLOCATE ALL");
    await pool.query(`CREATE SCHEMA ${namespace}`);
    await pool.query(`SET search_path TO ${namespace}`);
    for (const statement of renderDdl(schema)) await pool.query(statement);
    // A side table: one row per run of a handler, written by the handler itself.
    await pool.query(
      `CREATE TABLE executions (task_id integer NOT NULL, worker text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`,
    );
    db = connect({ schema, pool }) as unknown as QueueDb;
  });
  after(async () => {
    await db?.close();
    await pool.query(`DROP SCHEMA ${namespace} CASCADE`);
    await pool.end();
  });

  const reset = () => pool.query("TRUNCATE tasks, executions RESTART IDENTITY");
  const record = (task: TaskRow, worker: string, db: QueueDb) =>
    db.sql`INSERT INTO executions (task_id, worker) VALUES (${task.id}, ${worker})`;

  test(
    "8 concurrent workers drain 1,000 jobs with SKIP LOCKED: every job runs exactly once, none lost",
    { skip: embedded && SEVERAL_CONNECTIONS },
    async () => {
      await reset();
      const jobs = Array.from({ length: 1000 }, (_, i) => ({ kind: "work", payload: { n: i } }));
      const enqueued = await queue.enqueue(db, jobs);
      assert.equal(enqueued.length, 1000);
      assert.deepEqual(
        enqueued.map((t) => t.payload.n),
        jobs.map((j) => j.payload.n),
      );

      const bell = await queue.Doorbell.listen(db);
      let running = 0;
      let maxRunning = 0;
      const outcomes = new Map<Outcome, number>();
      const perWorker = new Map<string, number>();
      const workers = Array.from({ length: 8 }, (_, w) => {
        const id = `w${w}`;
        return queue.startWorker(db, bell, {
          id,
          pollMs: 50,
          handlers: {
            async work(task, db) {
              running++;
              maxRunning = Math.max(maxRunning, running);
              try {
                await record(task, id, db);
                if (task.id % 7 === 0) await sleep(1); // uneven task lengths
              } finally {
                running--;
              }
            },
          },
          onSettled: (_task, outcome) => {
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
            perWorker.set(id, (perWorker.get(id) ?? 0) + 1);
          },
        });
      });
      try {
        await until("1,000 done tasks", async () => (await count("status = 'done'")) === 1000);
      } finally {
        for (const w of workers) await w.stop();
        await bell.close();
      }

      const executions = await pool.query(
        "SELECT count(*)::int AS runs, count(DISTINCT task_id)::int AS tasks FROM executions",
      );
      assert.deepEqual(executions.rows[0], { runs: 1000, tasks: 1000 });
      const twice = await pool.query("SELECT task_id FROM executions GROUP BY task_id HAVING count(*) > 1");
      assert.deepEqual(twice.rows, []);
      const missing = await pool.query(
        "SELECT id FROM tasks t WHERE NOT EXISTS (SELECT 1 FROM executions e WHERE e.task_id = t.id)",
      );
      assert.deepEqual(missing.rows, []);
      assert.equal(
        await count("status = 'done' AND attempts = 1 AND locked_by IS NULL AND finished_at IS NOT NULL"),
        1000,
      );
      assert.deepEqual(Object.fromEntries(outcomes), { done: 1000 });
      // The work was shared: several workers ran tasks, several handlers ran at the same moment.
      assert.ok(perWorker.size >= 4, `only ${perWorker.size} workers ran tasks: ${JSON.stringify([...perWorker])}`);
      assert.ok(maxRunning >= 2, `handlers never overlapped (max ${maxRunning} at once)`);
    },
  );

  test(
    "a claim skips a row another transaction has locked instead of waiting for it",
    { skip: embedded && SEVERAL_CONNECTIONS },
    async () => {
      await reset();
      const [first, second] = await queue.enqueue(db, [{ kind: "a" }, { kind: "b" }], {
        runAt: new Date(Date.now() - 1000),
      });
      const other = await pool.connect();
      try {
        await other.query("BEGIN");
        await other.query("SELECT id FROM tasks WHERE id = $1 FOR UPDATE", [first.id]);
        const started = Date.now();
        const claimed = await queue.claim(db, "w");
        assert.equal(claimed?.id, second.id);
        assert.equal(claimed?.status, "running");
        assert.equal(claimed?.attempts, 1);
        assert.equal(claimed?.lockedBy, "w");
        assert.ok(Date.now() - started < 2000, "the claim waited for the lock");
        assert.equal(await queue.claim(db, "w"), undefined, "the locked row is skipped, the claimed one is running");
      } finally {
        await other.query("ROLLBACK");
        other.release();
      }
      assert.equal((await queue.claim(db, "w"))?.id, first.id);
    },
  );

  test("a failing job is retried with backoff, then marked failed; a flaky one succeeds on a retry", async () => {
    await reset();
    const [broken] = await queue.enqueue(db, [{ kind: "broken" }], { maxAttempts: 3 });
    const [flaky] = await queue.enqueue(db, [{ kind: "flaky" }]);
    const bell = await queue.Doorbell.listen(db);
    const settled: { id: number; attempts: number; outcome: Outcome; at: number }[] = [];
    const worker = queue.startWorker(db, bell, {
      id: "solo",
      pollMs: 10,
      backoff: (attempts) => 50 * 2 ** (attempts - 1),
      handlers: {
        async broken(task, db) {
          await record(task, "solo", db);
          throw new Error(`boom ${task.attempts}`);
        },
        async flaky(task, db) {
          await record(task, "solo", db);
          if (task.attempts < 2) throw new Error("not yet");
        },
      },
      onSettled: (task, outcome) => settled.push({ id: task.id, attempts: task.attempts, outcome, at: Date.now() }),
    });
    try {
      await until(
        "the broken task to fail",
        async () => (await count(`id = ${broken.id} AND status = 'failed'`)) === 1,
        20_000,
      );
      await until(
        "the flaky task to be done",
        async () => (await count(`id = ${flaky.id} AND status = 'done'`)) === 1,
        20_000,
      );
    } finally {
      await worker.stop();
      await bell.close();
    }
    const runs = settled.filter((s) => s.id === broken.id);
    assert.deepEqual(
      runs.map((s) => [s.attempts, s.outcome]),
      [
        [1, "queued"],
        [2, "queued"],
        [3, "failed"],
      ],
    );
    // Each retry waited for its backoff (50 ms, then 100 ms) before it was claimed again.
    assert.ok(runs[1].at - runs[0].at >= 50, `retry 1 after ${runs[1].at - runs[0].at} ms`);
    assert.ok(runs[2].at - runs[1].at >= 100, `retry 2 after ${runs[2].at - runs[1].at} ms`);
    const row = (
      await pool.query("SELECT status, attempts, last_error, locked_by, finished_at FROM tasks WHERE id = $1", [
        broken.id,
      ])
    ).rows[0];
    assert.equal(row.status, "failed");
    assert.equal(row.attempts, 3);
    assert.equal(row.last_error, "Error: boom 3");
    assert.equal(row.locked_by, null);
    assert.ok(row.finished_at instanceof Date);
    assert.deepEqual(
      settled.filter((s) => s.id === flaky.id).map((s) => [s.attempts, s.outcome]),
      [
        [1, "queued"],
        [2, "done"],
      ],
    );
    const runsPerTask = await pool.query(
      "SELECT task_id, count(*)::int AS n FROM executions GROUP BY task_id ORDER BY task_id",
    );
    assert.deepEqual(runsPerTask.rows, [
      { task_id: broken.id, n: 3 },
      { task_id: flaky.id, n: 2 },
    ]);
  });

  test("an expired lease goes back to the queue, and the late worker's result is fenced off", async () => {
    await reset();
    await queue.enqueue(db, [{ kind: "slow" }], { runAt: new Date(Date.now() - 1000), maxAttempts: 2 });
    const first = (await queue.claim(db, "crashed"))!;
    assert.equal(first.attempts, 1);
    assert.equal(await queue.requeueExpired(db, 60_000), 0, "a fresh lease stays");
    await sleep(5);
    assert.equal(await queue.requeueExpired(db, 1), 1);
    const second = (await queue.claim(db, "healthy"))!;
    assert.equal(second.id, first.id);
    assert.equal(second.attempts, 2);
    assert.equal(await queue.complete(db, first), false, "the crashed worker's late result changes nothing");
    assert.equal(await queue.fail(db, first, new Error("late")), undefined);
    assert.equal(await queue.complete(db, second), true);
    assert.equal(await count(`id = ${first.id} AND status = 'done' AND attempts = 2`), 1);
    // A task on its last attempt fails when its lease expires.
    const [last] = await queue.enqueue(db, [{ kind: "slow" }], { runAt: new Date(Date.now() - 1000), maxAttempts: 1 });
    await queue.claim(db, "crashed");
    await sleep(5);
    assert.equal(await queue.requeueExpired(db, 1), 1);
    assert.equal(await count(`id = ${last.id} AND status = 'failed' AND last_error = 'lease expired'`), 1);
  });

  test(
    "a sleeping worker is woken by NOTIFY and picks the job up promptly",
    { skip: embedded && "PGlite delivers no notifications to a listening connection" },
    async () => {
      await reset();
      const bell = await queue.Doorbell.listen(db);
      let picked: number | undefined;
      const worker = queue.startWorker(db, bell, {
        id: "sleeper",
        pollMs: 60_000, // polling cannot explain a prompt pickup
        handlers: {
          async ping() {
            picked = Date.now();
          },
        },
      });
      // Another process enqueues: its own connection and its own notify.
      const otherPool = new pg.Pool({
        connectionString: databaseUrl(),
        max: 2,
        options: `-c search_path=${namespace}`,
      });
      const other = connect({ schema, pool: otherPool }) as unknown as QueueDb;
      try {
        await sleep(300); // the worker found the queue empty and sleeps on the doorbell
        const enqueuedAt = Date.now();
        await queue.enqueue(other, [{ kind: "ping" }]);
        await until("the job to be picked up", async () => picked !== undefined, 5_000);
        const latency = picked! - enqueuedAt;
        assert.ok(latency < 1000, `picked up after ${latency} ms`);
        await until("the job to be done", async () => (await count("status = 'done'")) === 1, 5_000);
      } finally {
        await worker.stop();
        await bell.close();
        await other.close();
        await otherPool.end();
      }
    },
  );
});
