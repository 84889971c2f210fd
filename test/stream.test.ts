import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import {
  $streamRows,
  bigint,
  ClosqlError,
  connect,
  Database,
  DatabaseError,
  integer,
  QueryEvent,
  relations,
  table,
  text,
  timestamp,
  timestamptz,
} from "closql";
import { databaseUrl } from "./support/database";

/**
 * Streaming over a server-side cursor (runtime/stream.ts), called as compiled `.stream()` code calls
 * it: with the Executor of a `db.<table>` query. What users rely on: the same rows as a plain read,
 * in order, decoded the same way; a batch in memory at a time; and a connection that goes back to the
 * pool (no cursor, no open transaction left) however the loop ends.
 */
const embedded = process.env.CLOSQL_EMBEDDED === "1";
const ROWS = 2500;

const items = table("items", {
  id: integer().primaryKey(),
  name: text(),
  at: timestamptz(),
  ts: timestamp(),
  big: bigint(),
});
const schema = relations({ items });
type Item = { id: number; name: string; at: Date; ts: Date; big: bigint };

const COLUMNS = `"id", "name", "at", "ts", "big"`;
const ALL = `SELECT ${COLUMNS} FROM "items" ORDER BY "id"`;
const mapItem = (r: unknown[]): Item => ({
  id: r[0] as number,
  name: r[1] as string,
  at: r[2] as Date,
  ts: r[3] as Date,
  big: BigInt(r[4] as string),
});
const BASE = Date.UTC(2020, 0, 1);
/** Row `g` as the table holds it (the SQL in `before` builds the same). */
const expected = (g: number): Item => ({
  id: g,
  name: `item ${g} ✓ it's`,
  at: new Date(BASE + g * 60_000),
  ts: new Date(BASE + g * 3_600_000),
  big: 9007199254740993n + BigInt(g),
});

describe("streamRows over a server-side cursor", () => {
  const namespace = `s_${randomBytes(5).toString("hex")}`;
  const app = `closql-stream-${randomBytes(4).toString("hex")}`;
  let pool: pg.Pool;
  let admin: pg.Pool;
  let db: Database<typeof schema>;
  const events: QueryEvent[] = [];
  const stream = (sql: string, params: unknown[] = [], batchSize?: number) =>
    $streamRows(db.items.$executor, sql, params, mapItem, "test/stream.test.ts:1", {
      batchSize,
    }) as AsyncIterableIterator<Item>;
  const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  };
  /** Our sessions on the server, and what they are doing. */
  const sessions = async () =>
    (
      await admin.query<{ pid: number; state: string }>(
        "SELECT pid, state FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid",
        [app],
      )
    ).rows;
  /** Every connection is back in the pool and none is left in a transaction on the server. */
  async function assertReleased(): Promise<void> {
    assert.equal(pool.idleCount, pool.totalCount, "a connection is still checked out");
    assert.equal(pool.waitingCount, 0);
    if (embedded) return;
    for (const s of await sessions()) assert.equal(s.state, "idle", `session ${s.pid} is ${s.state}`);
  }

  before(async () => {
    pool = new pg.Pool({
      connectionString: databaseUrl(),
      max: embedded ? 1 : 3,
      application_name: app,
      options: `-c search_path=${namespace}`,
    });
    admin = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
    db = connect({ schema, pool, onQuery: (e) => events.push(e) });
    if (embedded) await db.execute("DEALLOCATE ALL");
    await db.execute(`CREATE SCHEMA ${namespace}`);
    await db.execute(`SET search_path TO ${namespace}`);
    await db.execute(
      `CREATE TABLE items AS SELECT g AS id, 'item ' || g || ' ✓ it''s' AS name,
         timestamptz '2020-01-01 00:00:00+00' + g * interval '1 minute' AS at,
         timestamp '2020-01-01 00:00:00' + g * interval '1 hour' AS ts,
         9007199254740993 + g AS big
       FROM generate_series(1, ${ROWS}) g`,
    );
    await db.execute("ALTER TABLE items ADD PRIMARY KEY (id)");
  });
  after(async () => {
    await db.execute(`DROP SCHEMA ${namespace} CASCADE`);
    await pool.end();
    await admin.end();
  });

  test("the rows of a plain read, in order, across full, short and empty last batches", async () => {
    const plain = (await pool.query({ text: ALL, rowMode: "array" })).rows.length;
    assert.equal(plain, ROWS);
    const want = Array.from({ length: ROWS }, (_, i) => expected(i + 1));
    // 1000: two full batches and a short one; 500: five full batches, then an empty FETCH; 1: a row per FETCH.
    for (const batchSize of [1000, 500, 7, undefined]) {
      events.length = 0;
      assert.deepEqual(await collect(stream(ALL, [], batchSize)), want, `batchSize ${batchSize}`);
      // One onQuery event for the whole stream, with the read's own text and every row counted.
      assert.equal(events.length, 1);
      assert.equal(events[0].sql, ALL);
      assert.equal(events[0].rowCount, ROWS);
      assert.equal(events[0].source, "test/stream.test.ts:1");
      await assertReleased();
    }
    const few = await collect(stream(`${ALL} LIMIT 3`, [], 1));
    assert.deepEqual(few, [expected(1), expected(2), expected(3)]);
  });

  test("an empty result ends at once and releases the connection", async () => {
    assert.deepEqual(await collect(stream(`SELECT ${COLUMNS} FROM "items" WHERE false`)), []);
    await assertReleased();
  });

  test("parameters are bound, Dates as UTC instants (timestamptz) and wall clocks (timestamp)", async () => {
    const since = new Date(BASE + 100 * 60_000); // `at` of row 100
    const until = new Date(BASE + 120 * 3_600_000); // `ts` of row 120, read as UTC
    const sql = `SELECT ${COLUMNS} FROM "items" WHERE "at" >= $1 AND "ts" <= $2 AND "name" LIKE $3 AND "id" = ANY($4) ORDER BY "id" DESC`;
    const ids = [1, 100, 105, 110, 120, 121];
    const params = [since, until, "item 1%", ids];
    const plain = (await db.items.$executor.run(sql, params, undefined, undefined, "array")).rows.map(mapItem);
    assert.deepEqual(plain, [expected(120), expected(110), expected(105), expected(100)]);
    assert.deepEqual(await collect(stream(sql, params, 2)), plain);
    await assertReleased();
  });

  test("nothing runs before the first next(); return() before it takes no connection", async () => {
    const totalBefore = pool.totalCount;
    events.length = 0;
    const it = stream(ALL);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(pool.totalCount - pool.idleCount, 0);
    assert.deepEqual(await it.return!(), { value: undefined, done: true });
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    assert.equal(events.length, 0);
    assert.equal(pool.totalCount, totalBefore);
  });

  test("break after 3 rows closes the cursor, ends the transaction and releases the connection", async () => {
    const got: Item[] = [];
    let during: { pid: number; state: string }[] = [];
    for await (const item of stream(ALL, [], 100)) {
      got.push(item);
      if (got.length === 1 && !embedded) during = await sessions();
      if (got.length === 3) break;
    }
    assert.deepEqual(got, [expected(1), expected(2), expected(3)]);
    // While iterating, the stream held a connection in an open transaction (what the check below detects).
    if (!embedded)
      assert.ok(
        during.some((s) => s.state === "idle in transaction"),
        JSON.stringify(during),
      );
    await assertReleased();
    // The connection is usable and holds no cursor.
    const client = await pool.connect();
    try {
      assert.deepEqual((await client.query("SELECT name FROM pg_cursors")).rows, []);
    } finally {
      client.release();
    }
  });

  test("a throw in the loop body rolls back, releases, and the consumer's error comes out", async () => {
    const boom = new Error("consumer failed");
    let seen = 0;
    await assert.rejects(async () => {
      for await (const item of stream(ALL, [], 50)) {
        seen = item.id;
        if (item.id === 75) throw boom;
      }
    }, boom);
    assert.equal(seen, 75);
    await assertReleased();
    assert.equal(
      await db.items.$executor.run("SELECT 1", [], undefined, undefined, undefined).then((r) => r.rowCount),
      1,
    );
  });

  test("a server error mid-stream is typed, after the rows before it, and releases the connection", async () => {
    // Division by zero at id 1500, in the second batch of 1000.
    const sql = `SELECT ${COLUMNS}, 1 / ("id" - 1500) AS "x" FROM "items" ORDER BY "id"`;
    const got: number[] = [];
    events.length = 0;
    await assert.rejects(
      async () => {
        for await (const item of stream(sql, [], 1000)) got.push(item.id);
      },
      (e: unknown) => {
        assert.ok(e instanceof DatabaseError, String(e));
        assert.equal(e.code, "22012");
        assert.equal(e.sql, sql);
        assert.equal(e.source, "test/stream.test.ts:1");
        assert.match(e.message, /division by zero \(query at test\/stream\.test\.ts:1\)/);
        return true;
      },
    );
    assert.equal(got.length, 1000);
    assert.equal(events.length, 1);
    assert.ok(events[0].error instanceof DatabaseError);
    assert.equal(events[0].rowCount, 1000);
    await assertReleased();
  });

  test("an error in DECLARE (bad SQL) is typed on the first next() and releases", async () => {
    await assert.rejects(collect(stream(`SELECT "nope" FROM "items"`)), (e: unknown) => {
      assert.ok(e instanceof DatabaseError);
      assert.equal(e.code, "42703");
      return true;
    });
    await assertReleased();
  });

  test("a row the mapper refuses ends the stream with that error and releases", async () => {
    const refuse = new RangeError("row 3 refused");
    const it = $streamRows(
      db.items.$executor,
      ALL,
      [],
      (r) => {
        if (r[0] === 3) throw refuse;
        return r[0];
      },
      "src",
      { batchSize: 10 },
    );
    assert.deepEqual(await it.next(), { value: 1, done: false });
    assert.deepEqual(await it.next(), { value: 2, done: false });
    // Errors come out as closql's, the mapper's own as the cause.
    await assert.rejects(it.next(), (e) => e instanceof ClosqlError && (e as Error).cause === refuse);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    await assertReleased();
  });

  test(
    "two streams at once, interleaved, each on its own connection",
    { skip: embedded && "PGlite: one connection" },
    async () => {
      const a = stream(ALL, [], 300);
      const b = stream(`SELECT ${COLUMNS} FROM "items" ORDER BY "id" DESC`, [], 700);
      const fromA: number[] = [];
      const fromB: number[] = [];
      for (;;) {
        const [x, y] = await Promise.all([a.next(), b.next()]);
        if (!x.done) fromA.push(x.value.id);
        if (!y.done) fromB.push(y.value.id);
        if (fromA.length === 10) assert.equal(pool.totalCount - pool.idleCount, 2);
        if (x.done && y.done) break;
      }
      assert.deepEqual(
        fromA,
        Array.from({ length: ROWS }, (_, i) => i + 1),
      );
      assert.deepEqual(
        fromB,
        Array.from({ length: ROWS }, (_, i) => ROWS - i),
      );
      await assertReleased();
    },
  );

  test("next() calls made without waiting are answered in order", async () => {
    const it = stream(`${ALL} LIMIT 5`, [], 2);
    const results = await Promise.all(Array.from({ length: 7 }, () => it.next()));
    assert.deepEqual(
      results.map((r) => (r.done ? "done" : r.value.id)),
      [1, 2, 3, 4, 5, "done", "done"],
    );
    await assertReleased();
  });

  test("inside a transaction: the cursor lives in it and is closed; the transaction is left to its owner", async () => {
    const client = await (db.items.$executor.target as pg.Pool).connect();
    try {
      await client.query("BEGIN");
      // A transaction's executor runs on its one client, as the transaction helper builds it.
      const Executor = db.items.$executor.constructor as new (
        target: pg.PoolClient,
        options: unknown,
      ) => typeof db.items.$executor;
      const tx = new Executor(client, db.items.$executor.options);
      await client.query(`UPDATE items SET name = 'changed' WHERE id = 2`);
      const got: Item[] = [];
      for await (const item of $streamRows(tx, ALL, [], mapItem, "src", { batchSize: 2 }) as AsyncIterable<Item>) {
        got.push(item);
        if (got.length === 3) break;
      }
      // It sees the transaction's own uncommitted write.
      assert.deepEqual(got, [expected(1), { ...expected(2), name: "changed" }, expected(3)]);
      assert.deepEqual((await client.query("SELECT name FROM pg_cursors")).rows, []);
      // A whole stream, then a failing one: the failure aborts the caller's transaction, as any statement's would.
      assert.equal((await collect($streamRows(tx, ALL, [], mapItem, "src"))).length, ROWS);
      assert.deepEqual((await client.query("SELECT name FROM pg_cursors")).rows, []);
      const failing = `SELECT ${COLUMNS}, 1 / ("id" - 5) FROM "items" ORDER BY "id"`;
      await assert.rejects(collect($streamRows(tx, failing, [], mapItem, "src", { batchSize: 2 })), DatabaseError);
      await assert.rejects(client.query("SELECT 1"), /current transaction is aborted/);
      await client.query("ROLLBACK");
      assert.equal((await client.query("SELECT name FROM items WHERE id = 2")).rows[0].name, expected(2).name);
    } finally {
      // Whatever failed above, the connection goes back without a transaction.
      await client.query("ROLLBACK").catch(() => {});
      client.release();
    }
    await assertReleased();
  });

  test(
    "a connection killed mid-stream fails the stream and is dropped from the pool",
    { skip: embedded && "PGlite has no pg_terminate_backend" },
    async () => {
      const it = stream(ALL, [], 10);
      assert.equal((await it.next()).done, false);
      const [victim] = (await sessions()).filter((s) => s.state === "idle in transaction");
      assert.ok(victim, "the stream's session");
      const total = pool.totalCount;
      await admin.query("SELECT pg_terminate_backend($1)", [victim.pid]);
      await assert.rejects(async () => {
        for (;;) if ((await it.next()).done) break;
      });
      assert.equal(pool.totalCount, total - 1);
      await assertReleased();
      assert.equal((await collect(stream(`${ALL} LIMIT 2`))).length, 2);
    },
  );

  test("memory stays flat: 100,000 rows of 2 kB stream in a fraction of their size", async (t) => {
    const sql = `SELECT g, repeat('x', 2000) FROM generate_series(1, 100000) g`;
    if (global.gc) global.gc();
    const before = process.memoryUsage().rss;
    let peak = before;
    let count = 0;
    let bytes = 0;
    for await (const row of $streamRows(db.items.$executor, sql, [], (r) => r, "src") as AsyncIterable<unknown[]>) {
      count++;
      bytes += (row[1] as string).length;
      if (count % 2000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    assert.equal(count, 100_000);
    assert.equal(bytes, 200_000_000);
    // 200 MB went through (materialized, it would take more than that); a batch of 1000 rows is 2 MB.
    // Measured: 40–50 MB of growth, the garbage collector's lag; the bound leaves room for it.
    const growth = (peak - before) / 1e6;
    t.diagnostic(`RSS growth ${growth.toFixed(1)} MB`);
    assert.ok(growth < 100, `RSS grew ${growth.toFixed(1)} MB while streaming 200 MB`);
    await assertReleased();
  });
  test("compiled .stream(): the chain's SQL over a cursor, also inside a transaction", async () => {
    const from = 2400;
    const got: Item[] = [];
    for await (const row of db.items
      .where((r) => r.id > from)
      .orderBy((r) => r.id)
      .stream({ batchSize: 7 }))
      got.push(row);
    assert.deepEqual(
      got,
      Array.from({ length: ROWS - from }, (_, i) => expected(from + 1 + i)),
    );
    assert.ok(events.some((e) => e.sql === `SELECT ${COLUMNS} FROM "items" WHERE "id" > $1::int8 ORDER BY "id"`));
    const inTx = await db.transaction(async (tx) => {
      const ids: number[] = [];
      for await (const row of tx.items
        .where((r) => r.id <= 3)
        .orderBy((r) => r.id, "desc")
        .stream())
        ids.push(row.id);
      return ids;
    });
    assert.deepEqual(inTx, [3, 2, 1]);
  });
});
