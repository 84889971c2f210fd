import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import util from "node:util";
import pg from "pg";
import {
  check,
  CheckViolation,
  ClosqlError,
  connect,
  ConnectionError,
  Database,
  DatabaseError,
  ForeignKeyViolation,
  integer,
  NotNullViolation,
  pgEnum,
  PoolTimeoutError,
  QueryCanceled,
  relations,
  RunOptions,
  serial,
  table,
  text,
  UniqueViolation,
  InvalidArgumentError,
} from "closql";
import { databaseUrl, openTestDatabase, TestDatabase } from "./support/database";

// Every error closql throws is a ClosqlError: server errors typed by SQLSTATE with the constraint,
// column, table, SQL and source; connection failures as ConnectionError without the password; no
// bound value in any message; statements canceled by a signal, a timeout or statement_timeout.

const embedded = process.env.CLOSQL_EMBEDDED === "1";
const needsSessions = embedded ? "embedded PGlite is one session" : false;
const needsCancel = embedded ? "embedded PGlite ignores cancel requests and statement_timeout" : false;

const role = pgEnum("role", ["user", "admin"]);
const users = table(
  "users",
  { id: serial().primaryKey(), email: text().unique(), name: text(), age: integer(), role: role() },
  () => [check("users_age_adult", "age >= 18")],
);
const posts = table("posts", { id: serial().primaryKey(), userId: integer().references(() => users.id) });
const schema = relations({ users, posts });
type Db = Database<typeof schema>;

/** `test/errors.test.ts:N` for the line of this file that contains `marker`. */
function sourceLine(marker: string): string {
  const lines = fs.readFileSync(path.resolve(__dirname, "../errors.test.ts"), "utf8").split("\n");
  return `test/errors.test.ts:${lines.findIndex((l) => l.includes(marker)) + 1}`;
}

/** A server error of a raw SQL call: the server's message and the call's `file:line`, which the transformer gives `db.sql`. */
function assertMessage(e: DatabaseError, message: string): void {
  assert.match(e.source ?? "", /^test\/errors\.test\.ts:\d+$/);
  assert.equal(e.message, `${message} (query at ${e.source})`);
}

/** Asserts `secret` is nowhere a log line could carry it: message, stack, util.inspect (causes included), JSON. */
function assertNoValue(error: unknown, ...secrets: string[]): void {
  const e = error as Error;
  for (const secret of secrets) {
    for (const [where, text] of [
      ["message", e.message],
      ["stack", e.stack ?? ""],
      ["inspect", util.inspect(e, { depth: 10 })],
      ["JSON", JSON.stringify(e)],
      ["String", String(e)],
    ])
      assert.ok(!text.includes(secret), `${where} holds ${secret}: ${text}`);
  }
}

/** Runs `text` through the db's executor with per-statement options (what `.all({ signal, timeoutMs })` calls). */
function runWith(db: Db, text: string, options: RunOptions, source = "test:runWith") {
  const executor = (db.users as unknown as { $executor: { run: (...args: unknown[]) => Promise<pg.QueryResult> } })
    .$executor;
  return executor.run(text, [], undefined, source, undefined, undefined, options);
}

describe("server errors", () => {
  let t: TestDatabase<typeof schema>;
  before(async () => {
    t = await openTestDatabase(schema);
    await t.db
      .sql`INSERT INTO users (email, name, age, role) VALUES (${"ada.private@example.com"}, ${"Ada"}, ${36}, ${"admin"})`;
  });
  after(() => t.close());
  const insertUser = (email: unknown, name: unknown, age: unknown, r: unknown = "user") =>
    t.db.sql`INSERT INTO users (email, name, age, role) VALUES (${email}, ${name}, ${age}, ${r})`;

  test("unique violation: UniqueViolation with constraint and table; the key's value only in `detail`", async () => {
    const email = "ada.private@example.com";
    await assert.rejects(insertUser(email, "Other", 40), (e) => {
      assert.ok(e instanceof UniqueViolation && e instanceof DatabaseError && e instanceof ClosqlError);
      assert.equal(e.code, "23505");
      assert.equal(e.constraint, "users_email_key");
      assert.equal(e.table, "users");
      assertMessage(e, 'duplicate key value violates unique constraint "users_email_key"');
      assert.equal(e.sql, "INSERT INTO users (email, name, age, role) VALUES ($1, $2, $3, $4)");
      assert.equal(e.detail, `Key (email)=(${email}) already exists.`);
      assertNoValue(e, email);
      return true;
    });
  });

  test("foreign key, not-null and check violations: their classes, with constraint or column", async () => {
    await assert.rejects(t.db.sql`INSERT INTO posts (user_id) VALUES (${424242})`, (e) => {
      assert.ok(e instanceof ForeignKeyViolation);
      assert.equal(e.code, "23503");
      assert.equal(e.constraint, "posts_user_id_fkey");
      assert.equal(e.table, "posts");
      assert.equal(e.detail, 'Key (user_id)=(424242) is not present in table "users".');
      assertNoValue(e, "424242");
      return true;
    });
    await assert.rejects(insertUser("nameless.private@example.com", null, 30), (e) => {
      assert.ok(e instanceof NotNullViolation);
      assert.equal(e.code, "23502");
      assert.equal(e.column, "name");
      assert.equal(e.table, "users");
      assertMessage(e, 'null value in column "name" of relation "users" violates not-null constraint');
      assertNoValue(e, "nameless.private@example.com");
      return true;
    });
    await assert.rejects(insertUser("young.private@example.com", "Kid", 12), (e) => {
      assert.ok(e instanceof CheckViolation);
      assert.equal(e.code, "23514");
      assert.equal(e.constraint, "users_age_adult");
      assertMessage(e, 'new row for relation "users" violates check constraint "users_age_adult"');
      assert.match(e.detail ?? "", /young\.private@example\.com/);
      assertNoValue(e, "young.private@example.com");
      return true;
    });
    // The failed inserts left nothing behind.
    assert.equal(await t.db.users.count(), 1);
  });

  test("messages that quote an input value have it replaced with …", async () => {
    const cases: [() => Promise<unknown>, string, string][] = [
      [() => t.db.sql`SELECT ${"s3cret-token"}::int`, "22P02", 'invalid input syntax for type integer: "…"'],
      [() => t.db.sql`SELECT ${"99999999999"}::int`, "22003", 'value "…" is out of range for type integer'],
      [
        () => insertUser("x.private@example.com", "X", 30, "root-s3cret"),
        "22P02",
        'invalid input value for enum role: "…"',
      ],
      [() => t.db.sql`SELECT ${"2020-13-45 s3cret"}::date`, "22007", 'invalid input syntax for type date: "…"'],
    ];
    for (const [query, code, message] of cases)
      await assert.rejects(query(), (e) => {
        assert.ok(e instanceof DatabaseError, String(e));
        assert.equal(e.code, code);
        assertMessage(e, message);
        assertNoValue(e, "s3cret", "99999999999");
        return true;
      });
  });

  test("redactErrors: false keeps the server's message and appends its detail", async () => {
    const open = connect({ schema, pool: t.db.pool, redactErrors: false });
    await assert.rejects(open.sql`SELECT ${"s3cret-token"}::int`, {
      message: /^invalid input syntax for type integer: "s3cret-token" \(query at test\/errors\.test\.ts:\d+\)$/,
    });
    await assert.rejects(open.sql`INSERT INTO posts (user_id) VALUES (${424242})`, {
      message:
        /^insert or update on table "posts" violates foreign key constraint "posts_user_id_fkey" \(Key \(user_id\)=\(424242\) is not present in table "users"\.\) \(query at test\/errors\.test\.ts:\d+\)$/,
    });
  });

  test("a compiled query's error carries its SQL and its source line", { skip: needsSessions }, async () => {
    // Another transaction holds the table; the read waits past statement_timeout and is canceled.
    const slow = connect({ schema, pool: t.db.pool, statementTimeoutMs: 150 });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = t.db.transaction(async (tx) => {
      await tx.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
      locked();
      await held;
    });
    await isLocked;
    try {
      await assert.rejects(
        slow.users.where((u) => u.age > 20).count(), // marker:compiled-error
        (e) => {
          assert.ok(e instanceof QueryCanceled);
          assert.equal(e.code, "57014");
          assert.equal(e.source, sourceLine("marker:compiled-error"));
          assert.equal(e.sql, `SELECT count(*) FROM "users" WHERE "age" > 20`);
          assert.equal(e.message, `canceling statement due to statement timeout (query at ${e.source})`);
          return true;
        },
      );
    } finally {
      release();
      await holder;
    }
  });
});

describe("connection errors", () => {
  const password = "hunter2-do-not-log";
  /** DATABASE_URL with a password and another port / host / database. */
  const urlWith = (change: (u: URL) => void): string => {
    const u = new URL(databaseUrl());
    u.password = password;
    change(u);
    return u.toString();
  };

  test("refused: ConnectionError with host, port and database, never the password", async () => {
    const db = connect({ schema, url: urlWith((u) => (u.port = "1")) });
    const database = new URL(databaseUrl()).pathname.slice(1);
    try {
      const attempts: [() => Promise<unknown>, string | undefined][] = [
        [() => db.sql`SELECT 1`, sourceLine("marker:sql-refused")], // marker:sql-refused
        [() => db.users.where((u) => u.id === 1).first(), sourceLine("marker:refused")], // marker:refused
        [() => db.transaction(async (tx) => tx.sql`SELECT 1`), undefined],
      ];
      for (const [attempt, source] of attempts)
        await assert.rejects(attempt(), (e) => {
          assert.ok(e instanceof ConnectionError && !(e instanceof PoolTimeoutError), String(e));
          assert.equal(e.code, "ECONNREFUSED");
          assert.equal(e.host, "127.0.0.1");
          assert.equal(e.port, 1);
          assert.equal(e.database, database);
          assert.equal(e.source, source);
          assert.match(e.message, /^closql: could not connect to 127\.0\.0\.1:1 \(database "[^"]+", user "[^"]+"\): /);
          assertNoValue(e, password);
          return true;
        });
    } finally {
      await db.close();
    }
  });

  test("an unknown host (DNS): ConnectionError naming the host", async () => {
    const db = connect({ schema, url: urlWith((u) => (u.hostname = "closql-no-such-host.invalid")) });
    try {
      await assert.rejects(db.sql`SELECT 1`, (e) => {
        assert.ok(e instanceof ConnectionError);
        assert.ok(e.code === "ENOTFOUND" || e.code === "EAI_AGAIN", e.code);
        assert.equal(e.host, "closql-no-such-host.invalid");
        assert.match(e.message, /could not connect to closql-no-such-host\.invalid:/);
        assertNoValue(e, password);
        return true;
      });
    } finally {
      await db.close();
    }
  });

  test(
    "an unknown database: ConnectionError with the server's SQLSTATE",
    { skip: embedded && "embedded PGlite serves any database name" },
    async () => {
      const db = connect({ schema, url: urlWith((u) => (u.pathname = "/closql_no_such_database")) });
      try {
        await assert.rejects(db.sql`SELECT 1`, (e) => {
          assert.ok(e instanceof ConnectionError);
          assert.equal(e.code, "3D000");
          assert.equal(e.database, "closql_no_such_database");
          assertNoValue(e, password);
          return true;
        });
      } finally {
        await db.close();
      }
    },
  );

  test(
    "a backend terminated mid-statement: ConnectionError; the pool then works on a new connection",
    { skip: needsSessions },
    async () => {
      const db = connect({ schema, url: databaseUrl(), poolSize: 1 });
      const admin = new pg.Client(databaseUrl());
      await admin.connect();
      try {
        const [{ pid }] = await db.sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`;
        // Observed from the start: it rejects while this test awaits the admin connection, and an
        // unobserved rejection at that moment fails the run (unhandledRejection) before assert.rejects.
        const sleeping = db.sql`SELECT pg_sleep(30)`;
        sleeping.catch(() => {});
        await waitFor(
          async () =>
            (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND query LIKE '%pg_sleep%'`, [pid]))
              .rowCount === 1,
        );
        const started = Date.now();
        await admin.query("SELECT pg_terminate_backend($1)", [pid]);
        await assert.rejects(sleeping, (e) => {
          assert.ok(e instanceof ConnectionError, String(e));
          assert.equal(e.code, "57P01");
          assert.equal(e.sql, "SELECT pg_sleep(30)");
          assert.match(
            e.message,
            /^closql: lost the connection to .*terminating connection due to administrator command/,
          );
          return true;
        });
        assert.ok(Date.now() - started < 5000);
        const [{ pid: next }] = await db.sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`;
        assert.notEqual(next, pid);
      } finally {
        await admin.end();
        await db.close();
      }
    },
  );

  test("pool exhausted past connectionTimeoutMs: PoolTimeoutError, and the pool works once freed", async () => {
    const db = connect({ schema, url: databaseUrl(), poolSize: 1, connectionTimeoutMs: 150 });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const isHolding = new Promise<void>((r) => (holding = r));
    const holder = db.transaction(async (tx) => {
      await tx.sql`SELECT 1`;
      holding();
      await held;
    });
    try {
      await isHolding;
      const started = Date.now();
      await assert.rejects(db.sql`SELECT 1`, (e) => {
        assert.ok(e instanceof PoolTimeoutError && e instanceof ConnectionError, String(e));
        assert.match(
          e.message,
          /^closql: no connection to .* became free within the pool's connection timeout \(query at test\/errors\.test\.ts:\d+\)$/,
        );
        return true;
      });
      const waited = Date.now() - started;
      assert.ok(waited >= 140 && waited < 2000, `waited ${waited} ms`);
    } finally {
      release();
      await holder;
    }
    assert.deepEqual(await db.sql`SELECT 1 AS one`, [{ one: 1 }]);
    await db.close();
    assert.throws(() => connect({ schema, pool: db.pool, connectionTimeoutMs: 100 }), InvalidArgumentError);
  });
});

describe("cancellation", () => {
  let t: TestDatabase<typeof schema>;
  /** A Database over a pool of ONE connection, so "the connection comes back usable" is about that one. */
  let db: Db;
  let pool: pg.Pool;
  const events: string[] = [];
  before(async () => {
    t = await openTestDatabase(schema);
    pool = new pg.Pool({ connectionString: databaseUrl(), max: 1, options: `-c search_path=${t.namespace}` });
    db = connect({ schema, pool, onQuery: (e) => events.push(e.sql) });
  });
  after(async () => {
    await pool.end();
    await t.close();
  });
  const pidOf = async () => (await db.sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`)[0].pid;

  test(
    "an aborted signal cancels the statement on the server; the same connection is usable after",
    { skip: needsCancel },
    async () => {
      const pid = await pidOf();
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      await assert.rejects(runWith(db, "SELECT pg_sleep(30)", { signal: controller.signal }), (e) => {
        assert.ok(e instanceof QueryCanceled, String(e));
        assert.equal(e.code, "57014");
        assert.equal(e.message, "closql: canceled by its AbortSignal (query at test:runWith)");
        assert.equal(e.sql, "SELECT pg_sleep(30)");
        return true;
      });
      assert.ok(Date.now() - started < 5000, "canceled, not run to its end");
      assert.equal(await pidOf(), pid, "same connection");
      const activity = await t.db.sql<{
        state: string;
        query: string;
      }>`SELECT state, query FROM pg_stat_activity WHERE pid = ${pid}`;
      assert.equal(activity[0].state, "idle");
    },
  );

  test("timeoutMs cancels the statement on the server", { skip: needsCancel }, async () => {
    const pid = await pidOf();
    const started = Date.now();
    await assert.rejects(runWith(db, "SELECT pg_sleep(30)", { timeoutMs: 100 }), (e) => {
      assert.ok(e instanceof QueryCanceled);
      assert.equal(e.message, "closql: canceled after its timeoutMs (100 ms) (query at test:runWith)");
      return true;
    });
    const took = Date.now() - started;
    assert.ok(took >= 95 && took < 5000, `took ${took} ms`);
    assert.equal(await pidOf(), pid);
    // A statement that ends in time is not affected, and its timer does not outlive it.
    assert.equal((await runWith(db, "SELECT 1 AS one", { timeoutMs: 1000 })).rows[0].one, 1);
  });

  test("an already aborted signal rejects without sending anything", async () => {
    const controller = new AbortController();
    controller.abort();
    const from = events.length;
    await assert.rejects(
      runWith(db, "INSERT INTO posts (user_id) VALUES (NULL)", { signal: controller.signal }),
      QueryCanceled,
    );
    assert.equal(events.length, from);
    await assert.rejects(runWith(db, "SELECT 1", { timeoutMs: -1 }), InvalidArgumentError);
  });

  test("a statement waiting for a connection is canceled at once; the pool works after", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const isHolding = new Promise<void>((r) => (holding = r));
    const holder = db.transaction(async (tx) => {
      await tx.sql`SELECT 1`;
      holding();
      await held;
    });
    await isHolding;
    const controller = new AbortController();
    const waiting = runWith(db, "SELECT 1", { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(waiting, QueryCanceled);
    release();
    await holder;
    assert.deepEqual(await db.sql`SELECT 2 AS two`, [{ two: 2 }]);
  });

  test(
    "canceling a statement in a transaction fails it; the callback's throw rolls back",
    { skip: needsCancel },
    async () => {
      const pid = await pidOf();
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.sql`INSERT INTO users (email, name, age, role) VALUES (${"t@x"}, ${"T"}, ${30}, ${"user"})`;
          const executor = (tx.users as unknown as { $executor: { run: (...a: unknown[]) => Promise<unknown> } })
            .$executor;
          await executor.run("SELECT pg_sleep(30)", [], undefined, "tx", undefined, undefined, { timeoutMs: 50 });
        }),
        QueryCanceled,
      );
      assert.equal(await db.users.count(), 0);
      assert.equal(await pidOf(), pid);
    },
  );

  test(
    "statementTimeoutMs: PostgreSQL statement_timeout pinned on each connection, also on a pool you pass in",
    { skip: needsCancel },
    async () => {
      // The pool's connections come configured without a timeout; closql's setting wins.
      const own = new pg.Pool({ connectionString: databaseUrl(), max: 1, options: "-c statement_timeout=0" });
      const timed = connect({ schema, pool: own, statementTimeoutMs: 100 });
      try {
        assert.deepEqual(await timed.sql`SHOW statement_timeout`, [{ statement_timeout: "100ms" }]);
        await assert.rejects(timed.sql`SELECT pg_sleep(30)`, (e) => {
          assert.ok(e instanceof QueryCanceled);
          assertMessage(e, "canceling statement due to statement timeout");
          return true;
        });
        assert.deepEqual(await timed.sql`SELECT 3 AS three`, [{ three: 3 }]);
      } finally {
        await own.end();
      }
    },
  );
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition not met within 2 s");
}
