import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import { promisify } from "node:util";
import { connect, ConnectionError, Database, integer, relations, table, text } from "closql";
import { databaseUrl, openTestDatabase, TestDatabase } from "./support/database";

// The PostgreSQL server restarts while statements are in flight: they fail with ConnectionError
// (not a hang, not an untyped error), a transaction in flight commits nothing, the pool recovers on
// its own (new statements succeed on new connections) and the process does not crash on the idle
// connections' errors. Restarting the machine's server disturbs everything else using it, so this
// runs only with CLOSQL_TEST_RESTART=1 (CI sets it).

const notes = table("notes", { id: integer().primaryKey(), body: text() });
const schema = relations({ notes });
type Db = Database<typeof schema>;

const skip =
  process.env.CLOSQL_TEST_RESTART !== "1"
    ? "restarts the PostgreSQL server: set CLOSQL_TEST_RESTART=1 to run it"
    : process.env.CLOSQL_EMBEDDED === "1"
      ? "needs a real PostgreSQL server (embedded PGlite cannot restart)"
      : false;

/** Rejects if `promise` has not settled within `ms`: nothing may hang. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function restartServer(): Promise<void> {
  const [version] = fs.readdirSync("/etc/postgresql");
  await promisify(execFile)("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "restart"], {
    timeout: 60_000,
  });
}

describe("server restart mid-run", { skip }, () => {
  let t: TestDatabase<typeof schema>;
  /** closql's own pool from a URL (search_path through the URL's options): 4 busy, 2 idle at restart. */
  let db: Db;
  before(async () => {
    t = await openTestDatabase(schema);
    // The test pool is the caller's: its idle connections' errors are ours to hear.
    t.db.pool.on("error", () => {});
    const url = new URL(databaseUrl());
    url.searchParams.set("options", `-c search_path=${t.namespace}`);
    db = connect({ schema, url: url.toString(), poolSize: 6, connectionTimeoutMs: 10_000 });
  });
  after(async () => {
    await db?.close();
    await t?.close();
  });

  test("in-flight statements fail with ConnectionError, nothing hangs, the pool recovers, listeners re-listen", async () => {
    // Warm every connection of the pool (prepared statements and pinned settings on each).
    await Promise.all(Array.from({ length: 6 }, () => db.notes.where((n) => n.id > 0).count()));
    const heard: string[] = [];
    await db.listen("restart channel", (payload) => void heard.push(payload));
    const inFlight = [
      db.sql`SELECT pg_sleep(60)`,
      db.sql`SELECT pg_sleep(60)`,
      db.transaction(async (tx) => {
        await tx.sql`INSERT INTO notes VALUES (${1}, ${"written before the restart"})`;
        await tx.sql`SELECT pg_sleep(60)`;
      }),
      // Statements pipelined behind a sleep on a transaction's connection: all fail, none hangs.
      db.transaction(async (tx) => {
        await Promise.all([
          tx.sql`SELECT pg_sleep(60)`,
          tx.sql`INSERT INTO notes VALUES (${3}, ${"sent behind the sleep"})`,
          tx.notes.where((n) => n.id > 0).count(),
        ]);
      }),
    ];
    const settled = inFlight.map((p) =>
      p.then(
        () => "ok" as const,
        (e: unknown) => e,
      ),
    );
    // Wait until the four sleeps are running on the server.
    for (let i = 0; ; i++) {
      const [{ n }] = await t.db.sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'`;
      if (n === inFlight.length) break;
      assert.ok(i < 500, "the sleeps never started");
      await new Promise((r) => setTimeout(r, 10));
    }
    const started = Date.now();
    await within(60_000, "pg_ctlcluster restart", restartServer());
    const outcomes = await within(20_000, "the in-flight statements", Promise.all(settled));
    for (const outcome of outcomes) {
      assert.ok(outcome instanceof ConnectionError, `expected a ConnectionError, got ${String(outcome)}`);
      // Fast shutdown terminates each backend (57P01) or the socket closes first (no SQLSTATE).
      assert.ok(outcome.code === undefined || outcome.code === "57P01" || /^E[A-Z]+$/.test(outcome.code), outcome.code);
      assert.match(outcome.message, /^closql: lost the connection to 127\.0\.0\.1:\d+ \(database /);
    }
    assert.ok(Date.now() - started < 60_000);

    // New statements succeed: the pool drops the dead connections and opens new ones.
    const recovered = await within(
      30_000,
      "recovery",
      (async () => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await db.sql<{ one: number }>`SELECT 1 AS one`;
          } catch (error) {
            // The server may still be starting up (57P03 "the database system is starting up").
            if (!(error instanceof ConnectionError) || attempt >= 100) throw error;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      })(),
    );
    assert.deepEqual(recovered, [{ one: 1 }]);
    // Every connection of the pool works again, compiled (prepared) statements included.
    const counts = await within(
      20_000,
      "statements after recovery",
      Promise.all(Array.from({ length: 12 }, () => db.notes.where((n) => n.id > 0).count())),
    );
    assert.deepEqual(counts, Array(12).fill(0), "the interrupted transaction committed nothing");
    await within(
      20_000,
      "a transaction after recovery",
      db.transaction(async (tx) => tx.sql`INSERT INTO notes VALUES (${2}, ${"after"})`),
    );
    assert.deepEqual(await db.notes.where((n) => n.id > 0).count(), 1);

    // The listener reconnects with backoff and LISTENs again; what is sent before then is lost
    // (documented), so notify until one arrives.
    await within(
      30_000,
      "re-listening after the restart",
      (async () => {
        for (let i = 0; heard.length === 0; i++) {
          await db.notify("restart channel", `after ${i}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      })(),
    );
  });
});
