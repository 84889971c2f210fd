import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import pg from "pg";
import {
  ColumnValueError,
  connect,
  ConnectOptions,
  Database,
  DatabaseError,
  integer,
  InvalidArgumentError,
  QueryCanceled,
  QueryEvent,
  relations,
  renderDdl,
  RunOptions,
  table,
  text,
  TransactionAbortedError,
  UniqueViolation,
} from "closql";
import { databaseUrl } from "./support/database";

// Pipelined execution (runtime/lanes.ts): statements on `db` outside transactions share a few
// connections, several in flight on each, each with its own Sync. Proven from the socket (what was
// written before the first reply came) and from the server (which backend ran what).

const embedded = process.env.CLOSQL_EMBEDDED === "1";
const needsSessions = embedded ? "embedded PGlite is one session" : false;

const items = table("items", { id: integer().primaryKey(), label: text(), qty: integer() });
const schema = relations({ items });
type Db = Database<typeof schema>;
type Options = Partial<ConnectOptions<typeof schema>>;

const seedRows = [
  { id: 1, label: "a", qty: 3 },
  { id: 2, label: "b", qty: 0 },
  { id: 3, label: "c", qty: 7 },
  { id: 4, label: "d", qty: 1 },
];

let namespace: string;
before(async () => {
  namespace = `t_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${namespace}`);
  await admin.query(`SET search_path TO ${namespace}`);
  for (const statement of renderDdl(schema)) await admin.query(statement);
  await admin.query(`INSERT INTO items SELECT * FROM jsonb_populate_recordset(NULL::items, $1::jsonb)`, [
    JSON.stringify(seedRows),
  ]);
  await admin.end();
});
after(async () => {
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  await admin.query(`DROP SCHEMA ${namespace} CASCADE`);
  await admin.end();
});

/**
 * A Database over a pool of its own (`max` connections, search_path on the test's namespace) that
 * records what closql writes to each connection's socket, and every statement's event.
 */
function open(options: Options = {}, max = 4) {
  const pool = new pg.Pool({ connectionString: databaseUrl(), max, options: `-c search_path=${namespace}` });
  /** Every chunk written to any of the pool's sockets, in order, as text (protocol framing included). */
  const written: string[] = [];
  pool.on("connect", (client) => {
    const stream = (
      client as unknown as { connection: { stream: { write: (chunk: unknown, ...a: unknown[]) => boolean } } }
    ).connection.stream;
    const write = stream.write;
    stream.write = function (chunk: unknown, ...rest: unknown[]) {
      written.push(Buffer.isBuffer(chunk) ? chunk.toString("latin1") : String(chunk));
      return write.call(this, chunk, ...rest);
    };
  });
  const events: QueryEvent[] = [];
  const db = connect({ schema, pool, onQuery: (e) => events.push(e), ...options });
  return {
    db,
    pool,
    events,
    written,
    /** How many chunks written so far hold `sql` (its Parse carries the text). */
    sent: (sql: string) => written.filter((w) => w.includes(sql)).length,
    close: () => pool.end(),
  };
}

/** Runs raw SQL through the db's executor with a statement name and options, rows as objects. */
function run(db: Db, text: string, params: unknown[] = [], options?: RunOptions, name?: string) {
  const executor = (db.items as unknown as { $executor: { run: (...args: unknown[]) => Promise<{ rows: any[] }> } })
    .$executor;
  return executor.run(text, params, name, "test:run", undefined, undefined, options);
}

/**
 * An admin session holding what the statements under test wait on: `hold` takes it and says how to
 * see a backend waiting (a count `n`) and how to let go. `release()` lets go and disconnects; again,
 * it does nothing (a test's `finally` may call it after the test did).
 */
async function holder(
  hold: (admin: pg.Client) => Promise<{ waiting: string; params: unknown[]; letGo: () => Promise<unknown> }>,
  options?: string,
) {
  const admin = new pg.Client({ connectionString: databaseUrl(), options });
  await admin.connect();
  const { waiting, params, letGo } = await hold(admin);
  let released = false;
  return {
    /** Resolves once a backend waits on what is held. */
    waited: () => waitFor(admin, waiting, params),
    async release() {
      if (released) return;
      released = true;
      await letGo();
      await admin.end();
    },
  };
}

/** An advisory lock the statements under test wait on. */
const lockHolder = (key: number) =>
  holder(async (admin) => {
    await admin.query("SELECT pg_advisory_lock($1)", [key]);
    return {
      waiting: "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1",
      params: [key],
      letGo: () => admin.query("SELECT pg_advisory_unlock($1)", [key]),
    };
  });

/** Polls `sql` (a count `n`) on `admin` every 10 ms until it is above 0, for up to 5 s. */
async function waitFor(admin: pg.Client, sql: string, params: unknown[]): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await admin.query(sql, params)).rows[0].n > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("nobody waited within 5 s");
}

/** Polls `condition` every few ms for up to 5 s. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), "condition not met within 5 s");
}

const WAIT = "SELECT pg_advisory_lock_shared($1) AS locked, pg_backend_pid() AS pid";
const PID = "SELECT $1::int AS n, pg_backend_pid() AS pid";

describe("pipelined execution", { skip: needsSessions }, () => {
  test("statements issued together are written to one connection before the first is answered, and answered in order", async () => {
    const t = open({ pipeline: { connections: 1, depth: 8 } });
    const lock = await lockHolder(4101);
    try {
      const blocked = run(t.db, WAIT, [4101]);
      await lock.waited();
      const behind = [1, 2, 3].map((n) => run(t.db, PID, [n], undefined, "closql_pipeline_pid"));
      await new Promise((r) => setImmediate(r));
      // The first still waits on the lock: nothing was answered, yet the others are on the socket.
      assert.equal(t.events.length, 0);
      // Parsed once, bound and executed three times.
      assert.equal(t.sent(PID), 1);
      assert.equal(t.written.filter((w) => w[0] === "B" && w.includes("closql_pipeline_pid")).length, 3);
      await lock.release();
      const first = (await blocked).rows[0];
      const results = await Promise.all(behind);
      assert.deepEqual(
        results.map((r) => r.rows[0]),
        [1, 2, 3].map((n) => ({ n, pid: first.pid })),
      );
      assert.deepEqual(
        t.events.map((e) => e.params),
        [[4101], [1], [2], [3]],
      );
    } finally {
      await t.close();
    }
  });

  test("an error fails only its own statement; its neighbours in the pipeline succeed", async () => {
    const t = open({ pipeline: { connections: 1, depth: 8 } });
    const lock = await lockHolder(4102);
    try {
      const blocked = run(t.db, WAIT, [4102]);
      await lock.waited();
      const calls = [
        run(t.db, PID, [1], undefined, "closql_pipeline_pid"),
        run(t.db, "SELECT 1 / $1::int AS n", [0]),
        run(t.db, "SELECT * FROM no_such_table WHERE id = $1", [1], undefined, "closql_pipeline_missing"),
        run(t.db, PID, [4], undefined, "closql_pipeline_pid"),
        run(t.db, "INSERT INTO items (id, label, qty) VALUES ($1, 'e', 1) RETURNING id", [5]),
        run(t.db, "INSERT INTO items (id, label, qty) VALUES ($1, 'dup', 1)", [1]),
      ];
      const outcomes = Promise.allSettled(calls);
      await new Promise((r) => setImmediate(r));
      assert.equal(t.events.length, 0, "all sent while the first waits");
      await lock.release();
      const { pid } = (await blocked).rows[0];
      const settled = await outcomes;
      assert.deepEqual(
        settled.map((s) => (s.status === "fulfilled" ? s.value.rows : (s.reason as DatabaseError).code)),
        [[{ n: 1, pid }], "22012", "42P01", [{ n: 4, pid }], [{ id: 5 }], "23505"],
      );
      for (const s of settled) if (s.status === "rejected") assert.ok(s.reason instanceof DatabaseError);
      // Each statement had its own implicit transaction: the insert between two failures committed.
      assert.deepEqual((await run(t.db, "SELECT label FROM items WHERE id = 5")).rows, [{ label: "e" }]);
      assert.deepEqual(
        t.events.map((e) => e.error === undefined),
        [true, true, false, false, true, true, false, true],
      );
    } finally {
      await run(t.db, "DELETE FROM items WHERE id = 5");
      await t.close();
    }
  });

  test("canceling one pipelined statement: it alone fails; the cancel waits until the ones before it are answered", async () => {
    const t = open({ pipeline: { connections: 1, depth: 8 } });
    try {
      // The timeout fires while `before` still runs on the connection's backend: canceling right
      // then would hit `before`. closql sends the cancel once `slow` is the oldest in flight.
      const before = run(t.db, "SELECT pg_sleep(0.4) AS slept, pg_backend_pid() AS pid");
      const slow = run(t.db, "SELECT pg_sleep(30) AS slept", [], { timeoutMs: 100 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const after = run(t.db, PID, [3], undefined, "closql_pipeline_pid");
      // Once the connection is open, what it may send is written at once.
      await until(() => t.sent("pg_sleep(0.4)") === 1);
      assert.equal(t.sent("pg_sleep(30)"), 1);
      assert.equal(t.sent(PID), 0, "nothing is sent behind a statement that may be canceled");
      const started = Date.now();
      const { pid } = (await before).rows[0];
      const canceled = await slow;
      assert.ok(canceled instanceof QueryCanceled, String(canceled));
      assert.equal(canceled.message, "closql: canceled after its timeoutMs (100 ms) (query at test:run)");
      assert.ok(Date.now() - started < 5000, "canceled, not run to its end");
      assert.deepEqual((await after).rows, [{ n: 3, pid }]);
    } finally {
      await t.close();
    }
  });

  test("an aborted signal cancels a statement still waiting for room on a connection at once; nothing of it is sent", async () => {
    const t = open({ pipeline: { connections: 1, depth: 1 } });
    const lock = await lockHolder(4103);
    try {
      const blocked = run(t.db, WAIT, [4103]);
      await lock.waited();
      const controller = new AbortController();
      const waiting = run(t.db, "SELECT 'never sent' AS x", [], { signal: controller.signal });
      const next = run(t.db, PID, [2], undefined, "closql_pipeline_pid");
      controller.abort();
      await assert.rejects(waiting, QueryCanceled);
      await lock.release();
      await blocked;
      assert.equal((await next).rows[0].n, 2);
      assert.equal(t.sent("never sent"), 0);
    } finally {
      await t.close();
    }
  });

  test("statements spread over at most `connections` connections; a transaction gets one of its own", async () => {
    const t = open({ pipeline: { connections: 2, depth: 16 } }, 4);
    try {
      let txPid = 0;
      let rows: { n: number; pid: number; qty: number }[] = [];
      await t.db.transaction(async (tx) => {
        txPid = (await tx.sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`)[0].pid;
        await tx.items.where((i) => i.id === 4).update({ qty: 100 });
        // Meanwhile on db (deliberately outside the transaction): pipelined elsewhere, not seeing its write.
        const results = await t.db.outsideTransaction(() =>
          Promise.all(
            Array.from({ length: 40 }, (_, n) =>
              run(t.db, "SELECT $1::int AS n, pg_backend_pid() AS pid, qty FROM items WHERE id = 4", [n]),
            ),
          ),
        );
        rows = results.map((r) => r.rows[0]);
        const txRows = await Promise.all([1, 2, 3].map(() => tx.items.where((i) => i.id === 4).first()));
        assert.deepEqual(
          txRows.map((r) => r?.qty),
          [100, 100, 100],
        );
      });
      assert.deepEqual(
        rows.map((r) => r.n),
        Array.from({ length: 40 }, (_, n) => n),
      );
      assert.ok(rows.every((r) => r.qty === 1));
      const pids = new Set(rows.map((r) => r.pid));
      assert.ok(pids.size >= 1 && pids.size <= 2, `at most 2 connections, got ${pids.size}`);
      assert.ok(!pids.has(txPid), "the transaction's connection ran none of them");
    } finally {
      await run(t.db, "UPDATE items SET qty = 1 WHERE id = 4");
      await t.close();
    }
  });
});

/** An uncommitted insert of item `id`: an insert of the same id waits for its transaction to end. */
const uncommittedItem = (id: number) =>
  holder(async (admin) => {
    await admin.query("BEGIN");
    await admin.query("INSERT INTO items (id, label, qty) VALUES ($1, 'held', 0)", [id]);
    const xid = (await admin.query("SELECT txid_current()::text AS xid")).rows[0].xid as string;
    return {
      waiting:
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted AND transactionid::text = $1",
      params: [xid],
      letGo: () => admin.query("ROLLBACK"),
    };
  }, `-c search_path=${namespace}`);

/** Bind messages written since `mark` (one write each): statements sent. */
const bindsSince = (written: readonly string[], mark: number) => written.slice(mark).filter((w) => w[0] === "B").length;

describe("pipelined transactions and batch inserts", { skip: needsSessions }, () => {
  test("a transaction's statements issued together are written before the first is answered; a failure makes those behind it fail as aborted, and nothing commits", async () => {
    const t = open({ pipeline: { connections: 1, depth: 8 } });
    const lock = await lockHolder(4105);
    try {
      const outcome = t.db.transaction(async (tx) => {
        await tx.items.where((i) => i.id === 1).update({ qty: 50 });
        const mark = t.written.length;
        const blocked = tx.sql<{ locked: string }>`SELECT pg_advisory_lock_shared(${4105})::text AS locked`;
        await lock.waited();
        const failing = tx.sql`SELECT 1 / ${0}::int AS n`;
        const behind = tx.items.where((i) => i.id === 2).first();
        const settled = Promise.allSettled([blocked, failing, behind]);
        await new Promise((r) => setImmediate(r));
        // All three are on the socket while the first still waits on the lock.
        const sent = bindsSince(t.written, mark);
        await lock.release();
        assert.equal(sent, 3);
        const [first, second, third] = await settled;
        assert.deepEqual(first.status === "fulfilled" && first.value, [{ locked: "" }]);
        assert.ok(second.status === "rejected" && second.reason instanceof DatabaseError);
        assert.equal(second.reason.code, "22012");
        assert.ok(third.status === "rejected" && third.reason instanceof DatabaseError);
        assert.equal(third.reason.code, "25P02");
        return "returned";
      });
      // The callback caught its failures and returned: PostgreSQL could only roll back.
      await assert.rejects(
        outcome,
        (e: unknown) => e instanceof TransactionAbortedError && (e.cause as DatabaseError).code === "22012",
      );
      assert.equal((await t.db.items.where((i) => i.id === 1).first())?.qty, 3, "the update was rolled back");
    } finally {
      await lock.release();
      await t.close();
    }
  });

  test("insertMany pipelines its statements in its transaction: 4 in flight, rows back in input order", async () => {
    const t = open({ pipeline: { connections: 1, depth: 8 } });
    // 5 statements of 2,000 rows; the first row's key is held by an uncommitted insert, so the first waits.
    const rows = Array.from({ length: 10_000 }, (_, n) => ({ id: 10_000 + n, label: `r${n}`, qty: n % 7 }));
    const held = await uncommittedItem(10_000);
    try {
      const mark = t.written.length;
      const inserted = t.db.items.insertMany(rows);
      await held.waited();
      await new Promise((r) => setImmediate(r));
      const sent = bindsSince(t.written, mark);
      await held.release();
      assert.equal(sent, 4, "four statements sent while the first waits; the fifth waits for room");
      const back = await inserted;
      assert.deepEqual(back, rows);
      assert.equal(bindsSince(t.written, mark), 5);
      assert.equal(await t.db.items.where((i) => i.id >= 10_000).count(), 10_000);
    } finally {
      await held.release();
      await t.db.items.where((i) => i.id >= 10_000).delete();
      await t.close();
    }
  });

  test("insertMany: a failure in any statement, or a value refused while others are in flight, leaves nothing and is reported as itself", async () => {
    const t = open();
    try {
      const rows = Array.from({ length: 9_000 }, (_, n) => ({ id: 20_000 + n, label: `r${n}`, qty: n }));
      // A duplicate key in the first statement: the four behind it fail as aborted; the first failure is reported.
      const duplicate = [{ ...rows[1] }, ...rows];
      await assert.rejects(t.db.items.insertMany(duplicate), (e: unknown) => e instanceof UniqueViolation);
      // A value its column refuses, in the fifth slice: found while the first four are in flight.
      const refused = rows.map((r, n) => (n === 8_500 ? { ...r, qty: 1.5 } : r));
      await assert.rejects(t.db.items.insertMany(refused), (e: unknown) => e instanceof ColumnValueError);
      assert.equal(await t.db.items.where((i) => i.id >= 20_000).count(), 0, "nothing stayed");
      // The connection went back to the pool in a clean state.
      assert.equal(await t.db.items.insertMany(rows, { returning: false }), 9_000);
    } finally {
      await t.db.items.where((i) => i.id >= 20_000).delete();
      await t.close();
    }
  });

  test("insertMany on `tx` is all or nothing too: a value refused in a later slice leaves none of its rows and the transaction usable; a failed statement aborts the transaction as any does", async () => {
    const t = open();
    const mark = t.written.length;
    try {
      const rows = Array.from({ length: 5_000 }, (_, n) => ({ id: 40_000 + n, label: `r${n}`, qty: n }));
      const counted = await t.db.transaction(async (tx) => {
        await tx.items.insert({ id: 39_999, label: "before", qty: 1 });
        // Refused in the third slice: on `tx`, every value is checked before the first statement is sent.
        const refused = rows.map((r, n) => (n === 4_500 ? { ...r, qty: 1.5 } : r));
        const binds = bindsSince(t.written, mark);
        await assert.rejects(tx.items.insertMany(refused), (e: unknown) => e instanceof ColumnValueError);
        assert.equal(bindsSince(t.written, mark), binds, "nothing of it was sent");
        assert.equal(await tx.items.where((i) => i.id >= 40_000).count(), 0);
        assert.equal(await tx.items.insertMany(rows, { returning: false }), 5_000);
        return tx.items.where((i) => i.id >= 39_999).count();
      });
      assert.equal(counted, 5_001);
      assert.equal(await t.db.items.where((i) => i.id >= 39_999).count(), 5_001, "committed");
      // A duplicate key in the third slice: the server fails it, and the transaction is aborted.
      const duplicate = [{ id: 50_000, label: "new", qty: 0 }, ...rows.slice(0, 4_500), { ...rows[0] }];
      const outcome = t.db.transaction(async (tx) => {
        await assert.rejects(tx.items.insertMany(duplicate), (e: unknown) => e instanceof UniqueViolation);
        await assert.rejects(tx.items.count(), (e: unknown) => (e as DatabaseError).code === "25P02");
      });
      await assert.rejects(outcome, (e: unknown) => e instanceof TransactionAbortedError);
      assert.equal(await t.db.items.where((i) => i.id === 50_000).count(), 0);
    } finally {
      await t.db.items.where((i) => i.id >= 39_999).delete();
      await t.close();
    }
  });

  test("pipeline: false: a transaction's and a batch's statements go one at a time", async () => {
    const t = open({ pipeline: false });
    const lock = await lockHolder(4106);
    const rows = Array.from({ length: 6_000 }, (_, n) => ({ id: 30_000 + n, label: `r${n}`, qty: 1 }));
    const held = await uncommittedItem(30_000);
    try {
      await t.db.transaction(async (tx) => {
        const mark = t.written.length;
        const blocked = tx.sql`SELECT pg_advisory_lock_shared(${4106})::text AS locked`;
        await lock.waited();
        const behind = tx.items.where((i) => i.id === 2).first();
        await new Promise((r) => setImmediate(r));
        const sent = bindsSince(t.written, mark);
        await lock.release();
        assert.equal(sent, 1);
        await blocked;
        assert.equal((await behind)?.label, "b");
      });
      const mark = t.written.length;
      const inserted = t.db.items.insertMany(rows, { returning: false });
      await held.waited();
      await new Promise((r) => setImmediate(r));
      const sent = bindsSince(t.written, mark);
      await held.release();
      assert.equal(sent, 1);
      assert.equal(await inserted, 6_000);
    } finally {
      await lock.release();
      await held.release();
      await t.db.items.where((i) => i.id >= 30_000).delete();
      await t.close();
    }
  });
});

describe("pipeline switch and PgBouncer mode", { skip: needsSessions }, () => {
  /** The same reads and writes; their results and the SQL closql ran. */
  async function workload(db: Db) {
    const results = await Promise.all([
      db.items.orderBy((i) => i.id).all(),
      db.items.where((i) => i.qty > 0).count(),
      db.items.where((i) => i.id === 3).first(),
      db.items
        .where((i) => i.label === "b")
        .select((i) => ({ id: i.id, double: i.qty * 2 }))
        .all(),
    ]);
    const changed = await db.items.where((i) => i.id === 2).update({ qty: 9 });
    const after = await db.items.where((i) => i.id === 2).first();
    await db.items.where((i) => i.id === 2).update({ qty: 0 });
    return [...results, changed, after];
  }

  test("pipeline: false and pgbouncer: true give the same results and SQL as the default", async () => {
    const runs: { results: unknown; sql: string[] }[] = [];
    for (const options of [{}, { pipeline: false }, { pgbouncer: true }] as Options[]) {
      const t = open(options);
      try {
        runs.push({ results: await workload(t.db), sql: t.events.map((e) => e.sql).sort() });
      } finally {
        await t.close();
      }
    }
    assert.deepEqual(runs[0].results, [
      seedRows,
      3,
      seedRows[2],
      [{ id: 2, double: 0 }],
      1,
      { ...seedRows[1], qty: 9 },
    ]);
    assert.deepEqual(runs[1], runs[0]);
    assert.deepEqual(runs[2], runs[0]);
  });

  test("pipeline: false runs one statement per connection at a time; pgbouncer: true prepares nothing", async () => {
    const off = open({ pipeline: false }, 4);
    const lock = await lockHolder(4104);
    try {
      const blocked = run(off.db, WAIT, [4104]);
      await lock.waited();
      // The connection waiting on the lock takes nothing more: the next statement runs on another.
      const other = (await run(off.db, PID, [1], undefined, "closql_pipeline_pid")).rows[0];
      await lock.release();
      assert.notEqual((await blocked).rows[0].pid, other.pid);
    } finally {
      await off.close();
    }
    const bouncer = open({ pgbouncer: true }, 1);
    try {
      await workload(bouncer.db);
      const prepared = await run(bouncer.db, "SELECT count(*)::int AS n FROM pg_prepared_statements");
      assert.deepEqual(prepared.rows, [{ n: 0 }]);
      // No `options` startup parameter either (PgBouncer refuses it): settings are pinned with SET.
      assert.ok(bouncer.written.some((w) => w.includes("SET DateStyle = ISO")));
    } finally {
      await bouncer.close();
    }
  });

  test("options are checked", () => {
    const pool = new pg.Pool({ connectionString: databaseUrl() });
    for (const pipeline of [{ connections: 0 }, { depth: 1.5 }, { depth: -1 }, "yes"])
      assert.throws(() => connect({ schema, pool, pipeline: pipeline as never }), InvalidArgumentError);
    assert.throws(() => connect({ schema, pool, pgbouncer: true, prepare: true }), InvalidArgumentError);
    assert.throws(() => connect({ schema, pool, pgbouncer: true, pipeline: { depth: 4 } }), InvalidArgumentError);
    assert.throws(() => connect({ schema, pool, pgbouncer: true, statementTimeoutMs: 100 }), InvalidArgumentError);
    void pool.end();
  });
});

test("a pool of pg.native clients (no protocol connection to write on) is refused with a typed error, the client released", async () => {
  // pg.native's Client (libpq) as closql sees it: a client without pg's protocol `connection`.
  class NativeLikeClient extends EventEmitter {
    connect(callback: (error?: Error) => void) {
      process.nextTick(callback);
    }
    end(callback?: () => void) {
      if (callback) process.nextTick(callback);
      return Promise.resolve();
    }
  }
  const pool = new pg.Pool({ Client: NativeLikeClient as never, max: 1, idleTimeoutMillis: 1 });
  const db = connect({ schema, pool, checkBuild: false });
  try {
    for (const attempt of [() => db.items.all(), () => db.transaction(async (tx) => tx.items.count())])
      await assert.rejects(attempt(), (error: unknown) => {
        assert.ok(error instanceof InvalidArgumentError);
        assert.match(error.message, /pg\.native \(libpq\) clients, which closql cannot run statements on/);
        return true;
      });
    assert.equal(pool.totalCount - pool.idleCount, 0, "nothing left checked out");
  } finally {
    await db.close();
    await pool.end();
  }
});

describe("closql's own pool", { skip: needsSessions }, () => {
  test("starts sessions with closql's settings merged into the URL's options; nothing is SET", async () => {
    const url = new URL(databaseUrl());
    url.searchParams.set("options", `-c search_path=${namespace} -c extra_float_digits=0`);
    const written: string[] = [];
    const db = connect({ schema, url: url.toString(), statementTimeoutMs: 5000 });
    db.pool.on("connect", (client) => {
      const stream = (
        client as unknown as { connection: { stream: { write: (c: unknown, ...a: unknown[]) => boolean } } }
      ).connection.stream;
      const write = stream.write;
      stream.write = function (chunk: unknown, ...rest: unknown[]) {
        written.push(Buffer.isBuffer(chunk) ? chunk.toString("latin1") : String(chunk));
        return write.call(this, chunk, ...rest);
      };
    });
    try {
      assert.deepEqual(await db.items.where((i) => i.id === 1).first(), seedRows[0]);
      assert.deepEqual(
        await db.sql`SELECT current_setting('DateStyle') AS d, current_setting('extra_float_digits') AS f, current_setting('statement_timeout') AS t, current_setting('search_path') AS p`,
        [{ d: "ISO, MDY", f: "3", t: "5s", p: namespace }],
      );
      assert.ok(!written.some((w) => w.includes("SET ")), "no SET was sent");
    } finally {
      await db.close();
    }
  });
});
