import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import {
  connect,
  Database,
  DatabaseError,
  integer,
  Query,
  relations,
  renderDdl,
  table,
  text,
  InvalidArgumentError,
} from "closql";
import { databaseUrl } from "./support/database";

// Named prepared statements at run time: re-prepared once after the server dropped them or their
// result type changed, bounded per connection, named by a hash of their text.

const things = table("things", { id: integer().primaryKey(), label: text(), qty: integer() });
const schema = relations({ things });
type Thing = typeof things.$row;
type Db = Database<typeof schema>;

const seedRows: Thing[] = [
  { id: 1, label: "a", qty: 0 },
  { id: 2, label: "b", qty: 1 },
  { id: 3, label: "c", qty: 2 },
  { id: 4, label: "b", qty: 3 },
  { id: 5, label: "e", qty: 5 },
];

/** `test/prepared.test.ts:N` for the line of this file that contains `marker`. */
function sourceLine(marker: string): string {
  const lines = fs.readFileSync(path.resolve(__dirname, "../prepared.test.ts"), "utf8").split("\n");
  return `test/prepared.test.ts:${lines.findIndex((l) => l.includes(marker)) + 1}`;
}

/** The name closql gives a statement text (the transformer's rule, restated independently). */
function expectedName(sql: string): string {
  return `closql_${createHash("sha1").update(sql).digest("hex").slice(0, 16)}`;
}

interface NamedCall {
  readonly name: string;
  /** SQLSTATE when the call failed. */
  code?: string;
}

/**
 * A pool of ONE connection (so "the connection" is well defined) in a fresh namespace, with the
 * things table seeded, and a spy on that client's `query` recording every named statement sent and
 * how it ended: a retry shows up as a second call.
 */
async function openOne(options: { maxPreparedStatements?: number; prepare?: boolean } = {}) {
  const namespace = `t_${randomBytes(5).toString("hex")}`;
  const pool = new pg.Pool({
    connectionString: databaseUrl(),
    max: 1,
    idleTimeoutMillis: 0,
    options: `-c search_path=${namespace}`,
  });
  const embedded = process.env.CLOSQL_EMBEDDED === "1";
  // Embedded PGlite is one session behind every pool: start it without earlier statements.
  if (embedded) await pool.query("DEALLOCATE ALL");
  await pool.query(`CREATE SCHEMA ${namespace}`);
  if (embedded) await pool.query(`SET search_path TO ${namespace}`);
  for (const statement of renderDdl(schema)) await pool.query(statement);
  await seed(pool, seedRows);
  const calls: NamedCall[] = [];
  const client = await pool.connect();
  const query = client.query;
  client.query = function (this: pg.PoolClient, config: any, ...rest: any[]) {
    if (typeof config !== "object" || !config.name) return (query as any).call(this, config, ...rest);
    const call: NamedCall = { name: config.name };
    calls.push(call);
    if (typeof config.submit === "function") {
      // closql's statements are pg submittables (runtime/statement.ts): pg reports a server error to
      // their handleError. A re-prepared statement is the same object sent again: the first code stays.
      const handleError = config.handleError;
      config.handleError = function (error: { code?: string }, ...more: unknown[]) {
        call.code ??= error.code;
        return handleError.call(this, error, ...more);
      };
      return (query as any).call(this, config, ...rest);
    }
    const callback = rest.findIndex((a) => typeof a === "function");
    if (callback >= 0) {
      const original = rest[callback];
      rest[callback] = (error: { code?: string } | null, result: unknown) => {
        if (error) call.code = error.code;
        original(error, result);
      };
    }
    const result = (query as any).call(this, config, ...rest);
    result?.catch((e: { code?: string }) => (call.code = e.code));
    return result;
  } as any;
  client.release();
  const db = connect({ schema, pool, ...options });
  return {
    pool,
    db,
    namespace,
    calls,
    /** The closql statements prepared on the connection, by name. */
    async prepared(): Promise<{ name: string; statement: string }[]> {
      const { rows } = await pool.query(
        "SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'closql\\_%' ORDER BY name",
      );
      return rows;
    },
    async close() {
      await pool.query(`DROP SCHEMA IF EXISTS ${namespace} CASCADE`);
      await pool.end();
    },
  };
}

async function seed(pool: pg.Pool, rows: readonly Thing[]): Promise<void> {
  await pool.query(`INSERT INTO things SELECT * FROM jsonb_populate_recordset(NULL::things, $1::jsonb)`, [
    JSON.stringify(rows),
  ]);
}

const staticSql = `SELECT "id", "label" FROM "things" WHERE "qty" > $1::int8 ORDER BY "id"`;

/** A chain folded at build time into one constant, named statement. */
function labelsAbove(db: Db, min: number) {
  return db.things
    .where((r) => r.qty > min)
    .orderBy((r) => r.id)
    .select((r) => ({ id: r.id, label: r.label }))
    .all();
}

/** Five chains built across `if`s (variant 0–4): five distinct texts, composed at run time. */
function variant(db: Db, which: number): Promise<Thing[]> {
  let q: Query<typeof things> = db.things.where((r) => r.id > 0);
  if (which === 1) q = q.where((r) => r.qty > 1);
  if (which === 2) q = q.where((r) => r.label !== "b");
  if (which === 3) q = q.orderBy((r) => r.qty, "desc");
  if (which === 4) q = q.limit(2);
  return q.orderBy((r) => r.id).all();
}

function variantExpected(which: number): Thing[] {
  let rows = seedRows.slice();
  if (which === 1) rows = rows.filter((r) => r.qty > 1);
  if (which === 2) rows = rows.filter((r) => r.label !== "b");
  if (which === 3) rows = rows.sort((a, b) => b.qty - a.qty || a.id - b.id);
  if (which === 4) rows = rows.slice(0, 2);
  return rows;
}

const above1 = seedRows.filter((r) => r.qty > 1).map(({ id, label }) => ({ id, label }));

describe("named prepared statements", () => {
  test("after the schema is dropped and recreated with another column type, the next run re-prepares once", async () => {
    const t = await openOne();
    try {
      assert.deepEqual(await labelsAbove(t.db, 1), above1);
      assert.deepEqual(t.calls, [{ name: expectedName(staticSql) }]);
      assert.deepEqual(await t.prepared(), [{ name: expectedName(staticSql), statement: staticSql }]);

      // What a test suite does between two runs: drop everything, recreate it (label is now varchar).
      await t.pool.query(`DROP SCHEMA ${t.namespace} CASCADE`);
      await t.pool.query(`CREATE SCHEMA ${t.namespace}`);
      await t.pool.query(
        `CREATE TABLE things (id integer PRIMARY KEY, label varchar(10) NOT NULL, qty integer NOT NULL)`,
      );
      await seed(t.pool, [...seedRows, { id: 6, label: "f", qty: 9 }]);

      t.calls.length = 0;
      assert.deepEqual(await labelsAbove(t.db, 1), [...above1, { id: 6, label: "f" }]);
      // The stale plan failed once (cached plan must not change result type), then re-prepared.
      assert.deepEqual(t.calls, [{ name: expectedName(staticSql), code: "0A000" }, { name: expectedName(staticSql) }]);
      t.calls.length = 0;
      assert.deepEqual(await labelsAbove(t.db, 4), [
        { id: 5, label: "e" },
        { id: 6, label: "f" },
      ]);
      assert.deepEqual(t.calls, [{ name: expectedName(staticSql) }]);
      assert.deepEqual(await t.prepared(), [{ name: expectedName(staticSql), statement: staticSql }]);
    } finally {
      await t.close();
    }
  });

  test("after another session ALTERs a column, static and if-built chains re-prepare once", async () => {
    const t = await openOne();
    const other = new pg.Client({ connectionString: databaseUrl(), options: `-c search_path=${t.namespace}` });
    await other.connect();
    try {
      assert.deepEqual(await labelsAbove(t.db, 1), above1);
      assert.deepEqual(await variant(t.db, 2), variantExpected(2));
      await other.query(`ALTER TABLE things ALTER COLUMN label TYPE varchar(20)`);
      t.calls.length = 0;
      assert.deepEqual(await labelsAbove(t.db, 1), above1);
      assert.deepEqual(await variant(t.db, 2), variantExpected(2));
      assert.deepEqual(
        t.calls.map((c) => c.code),
        ["0A000", undefined, "0A000", undefined],
      );
    } finally {
      await other.end();
      await t.close();
    }
  });

  for (const reset of ["DEALLOCATE ALL", "DISCARD ALL"]) {
    test(`after ${reset}, the next run re-prepares once`, async () => {
      const t = await openOne();
      try {
        assert.deepEqual(await labelsAbove(t.db, 1), above1);
        assert.deepEqual(await variant(t.db, 1), variantExpected(1));
        const before = await t.prepared();
        assert.equal(before.length, 2);
        await t.pool.query(reset);
        // Embedded PGlite has no startup options: its search_path was SET, and DISCARD ALL resets it.
        if (process.env.CLOSQL_EMBEDDED === "1") await t.pool.query(`SET search_path TO ${t.namespace}`);
        assert.deepEqual(await t.prepared(), []);
        t.calls.length = 0;
        assert.deepEqual(await labelsAbove(t.db, 1), above1);
        assert.deepEqual(await variant(t.db, 1), variantExpected(1));
        assert.deepEqual(
          t.calls.map((c) => c.code),
          ["26000", undefined, "26000", undefined],
        );
        assert.deepEqual(await t.prepared(), before);
        t.calls.length = 0;
        assert.deepEqual(await variant(t.db, 1), variantExpected(1));
        assert.deepEqual(t.calls, [{ name: before.find((s) => s.statement !== staticSql)!.name }]);
      } finally {
        await t.close();
      }
    });
  }

  test("a statement already on the session under its name, unknown to pg, is re-prepared once", async () => {
    const t = await openOne();
    try {
      // What a session shared by several clients looks like (e.g. embedded PGlite).
      await t.pool.query(`PREPARE ${expectedName(staticSql)} AS ${staticSql}`);
      assert.deepEqual(await labelsAbove(t.db, 1), above1);
      assert.deepEqual(
        t.calls.map((c) => c.code),
        ["42P05", undefined],
      );
    } finally {
      await t.close();
    }
  });

  test("a genuine error is not retried and surfaces typed", async () => {
    const t = await openOne();
    try {
      assert.deepEqual(await labelsAbove(t.db, 1), above1);
      await t.pool.query(`DROP TABLE things`);
      t.calls.length = 0;
      const err = await t.db.things
        .where((r) => r.qty > 1) // missing-table
        .all()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(err instanceof DatabaseError, String(err));
      assert.equal(err.code, "42P01");
      assert.equal(err.sql, `SELECT "id", "label", "qty" FROM "things" WHERE "qty" > 1`);
      assert.equal(err.source, sourceLine("const err = await t.db.things"));
      assert.deepEqual(t.calls, [{ name: expectedName(err.sql), code: "42P01" }]);
      // The connection stays in the pool after a server error, its statements still prepared.
      assert.deepEqual(await t.prepared(), [{ name: expectedName(staticSql), statement: staticSql }]);
    } finally {
      await t.close();
    }
  });

  test("a re-prepare that fails again surfaces the second error, typed, after exactly one retry", async () => {
    const t = await openOne();
    try {
      assert.deepEqual(await variant(t.db, 3), variantExpected(3));
      const sql = t.calls[0].name;
      await t.pool.query(`DEALLOCATE ALL`);
      await t.pool.query(`DROP TABLE things`);
      t.calls.length = 0;
      const err = await variant(t.db, 3).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof DatabaseError, String(err));
      assert.equal(err.code, "42P01");
      assert.equal(err.sql, `SELECT "id", "label", "qty" FROM "things" WHERE "id" > 0 ORDER BY "qty" DESC, "id"`);
      assert.equal(err.source, sourceLine("return q.orderBy((r) => r.id).all();"));
      assert.deepEqual(t.calls, [
        { name: sql, code: "26000" },
        { name: sql, code: "42P01" },
      ]);
    } finally {
      await t.close();
    }
  });

  test("statements per connection are bounded: the least recently used is deallocated, in the same round trip", async () => {
    const t = await openOne({ maxPreparedStatements: 3 });
    try {
      const names = new Map<number, string>();
      const recent: number[] = [];
      for (const which of [0, 1, 2, 3, 4, 0, 4, 1, 1, 2, 0, 3]) {
        const callsBefore = t.calls.length;
        assert.deepEqual(await variant(t.db, which), variantExpected(which), `variant ${which}`);
        // One statement, one call: no retry, no separate DEALLOCATE round trip.
        assert.equal(t.calls.length, callsBefore + 1);
        assert.equal(t.calls[t.calls.length - 1].code, undefined);
        names.set(which, t.calls[t.calls.length - 1].name);
        if (recent.includes(which)) recent.splice(recent.indexOf(which), 1);
        recent.push(which);
        const prepared = await t.prepared();
        assert.ok(prepared.length <= 3, JSON.stringify(prepared));
        // Exactly the three most recently used, each under the hash of its own text.
        assert.deepEqual(
          prepared.map((s) => s.name),
          recent
            .slice(-3)
            .map((w) => names.get(w)!)
            .sort(),
        );
        for (const s of prepared) assert.equal(s.name, expectedName(s.statement));
      }
      assert.equal(names.size, 5);
    } finally {
      await t.close();
    }
  });

  test("maxPreparedStatements must be a positive integer", () => {
    const pool = new pg.Pool({ connectionString: databaseUrl() });
    for (const bad of [0, -1, 1.5, NaN])
      assert.throws(() => connect({ schema, pool, maxPreparedStatements: bad }), InvalidArgumentError);
    void pool.end();
  });

  test("two copies of the runtime on one pool do not collide on names", async () => {
    const t = await openOne({ maxPreparedStatements: 2 });
    try {
      const copy = loadSecondRuntimeCopy();
      assert.notEqual(copy.connect, connect, "a second module instance");
      const other: Db = copy.connect({ schema, pool: t.pool, maxPreparedStatements: 2 });
      // Under process-wide counters each copy named its first if-built text `closql_d1`.
      for (const [db, which] of [
        [t.db, 1],
        [other, 2],
        [other, 1],
        [t.db, 2],
        [other, 3],
        [t.db, 4],
        [t.db, 1],
      ] as const)
        assert.deepEqual(await variant(db, which), variantExpected(which), `variant ${which}`);
      assert.ok(t.calls.every((c) => c.code === undefined));
      const prepared = await t.prepared();
      for (const s of prepared) assert.equal(s.name, expectedName(s.statement));
      // The copies share the connection's bound.
      assert.ok(prepared.length <= 2, JSON.stringify(prepared));
    } finally {
      await t.close();
    }
  });

  test("prepare: false runs unnamed statements, which need no re-prepare", async () => {
    const t = await openOne({ prepare: false });
    try {
      assert.deepEqual(await labelsAbove(t.db, 1), above1);
      assert.deepEqual(await variant(t.db, 2), variantExpected(2));
      await t.pool.query(`ALTER TABLE things ALTER COLUMN label TYPE varchar(20)`);
      assert.deepEqual(await labelsAbove(t.db, 1), above1);
      assert.deepEqual(await variant(t.db, 2), variantExpected(2));
      assert.deepEqual(t.calls, []);
      assert.deepEqual(await t.prepared(), []);
    } finally {
      await t.close();
    }
  });
});

/**
 * A second instance of the closql runtime, as when a bundle or two package versions load it twice:
 * its own module state, the same pool. (The first instance's cache entries are put back.)
 */
function loadSecondRuntimeCopy(): typeof import("closql") {
  const dist = path.dirname(require.resolve("closql"));
  const saved = Object.entries(require.cache).filter(([key]) => key.startsWith(dist + path.sep));
  for (const [key] of saved) delete require.cache[key];
  try {
    return require("closql");
  } finally {
    for (const [key, module] of saved) require.cache[key] = module;
  }
}
