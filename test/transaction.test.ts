import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  connect,
  Database,
  DeadlockDetected,
  DatabaseError,
  ForeignKeyViolation,
  integer,
  relations,
  SerializationFailure,
  table,
  text,
  TransactionAbortedError,
  TransactionMisuseError,
  TransactionMisuse,
  UniqueViolation,
  InvalidArgumentError,
} from "closql";
import { openTestDatabase, TestDatabase } from "./support/database";

// db.transaction: commit on return, rollback on throw, savepoints, isolation and access mode,
// retry on serialization failure and deadlock, one connection per transaction, and the misuse
// detection (a query on `db` inside a transaction callback).

const embedded = process.env.CLOSQL_EMBEDDED === "1";
const needsSessions = embedded ? "embedded PGlite is one session: no concurrent transactions" : false;
/** A query outside the transaction while it is open needs a second connection (the embedded pool has one). */
const needsTwoConnections = embedded ? "embedded PGlite runs with a pool of one connection" : false;

const accounts = table("accounts", { id: integer().primaryKey(), owner: text(), balance: integer() });
const doctors = table("doctors", { id: integer().primaryKey(), name: text(), onCall: integer() });
const schema = relations({ accounts, doctors });
type Db = Database<typeof schema>;

/** `test/transaction.test.ts:N` for the line of this file that contains `marker`. */
function sourceLine(marker: string): string {
  const lines = fs.readFileSync(path.resolve(__dirname, "../transaction.test.ts"), "utf8").split("\n");
  return `test/transaction.test.ts:${lines.findIndex((l) => l.includes(marker)) + 1}`;
}

/** Resolves for everyone once `n` parties have arrived: forces two transactions to interleave. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++arrived === n) open();
    return opened;
  };
}

describe("transactions", () => {
  let t: TestDatabase<typeof schema>;
  /** A second Database over the test's pool, with the misuse detection under test. */
  const dbs = new Map<TransactionMisuse, Db>();
  const dbWith = (misuse: TransactionMisuse): Db => {
    let db = dbs.get(misuse);
    if (!db)
      dbs.set(
        misuse,
        (db = connect({ schema, pool: t.db.pool, transactionMisuse: misuse, onQuery: (e) => t.events.push(e) })),
      );
    return db;
  };
  before(async () => {
    t = await openTestDatabase(schema);
  });
  after(() => t.close());

  /** Empties the tables and seeds them: each test starts from the same rows. */
  async function reset(): Promise<void> {
    await t.db.execute("TRUNCATE accounts, doctors CASCADE");
    await t.db.execute("INSERT INTO accounts VALUES (1, 'ada', 100), (2, 'bob', 50)");
    await t.db.execute("INSERT INTO doctors VALUES (1, 'alice', 1), (2, 'bruno', 1)");
  }
  const balances = async () =>
    (await t.db.accounts.orderBy((a) => a.id).all()).map((a) => [a.owner, a.balance] as [string, number]);

  test("commits on return and resolves to the callback's value; tx statements run on one connection", async () => {
    await reset();
    const from = t.events.length;
    const result = await t.db.transaction(async (tx) => {
      await tx.sql`UPDATE accounts SET balance = balance - ${30} WHERE id = ${1}`;
      await tx.sql`UPDATE accounts SET balance = balance + ${30} WHERE id = ${2}`;
      // The transaction sees its own uncommitted write; a query outside it does not.
      const inside = await tx.accounts.where((a) => a.balance === 80).all(); // marker:compiled-in-tx
      const outside = embedded
        ? []
        : await t.db.outsideTransaction(() => t.db.accounts.where((a) => a.balance === 80).all());
      return { inside, outside };
    });
    const sqls = t.events.slice(from).map((e) => e.sql);
    assert.equal(sqls[0], "BEGIN");
    assert.equal(sqls[sqls.length - 1], "COMMIT");
    assert.deepEqual(result.inside, [{ id: 2, owner: "bob", balance: 80 }]);
    assert.deepEqual(result.outside, []);
    assert.deepEqual(await balances(), [
      ["ada", 70],
      ["bob", 80],
    ]);
    const compiled = t.events.slice(from).find((e) => e.source === sourceLine("marker:compiled-in-tx"));
    // A chain on `tx` folds into one constant statement at build time, as on `db`.
    assert.equal(compiled?.sql, `SELECT "id", "owner", "balance" FROM "accounts" WHERE "balance" = 80`);
  });

  test("a throw rolls everything back and rejects with the very error thrown", async () => {
    await reset();
    const thrown = new Error("changed my mind");
    const from = t.events.length;
    await assert.rejects(
      t.db.transaction(async (tx) => {
        await tx.sql`UPDATE accounts SET balance = 0`;
        await tx.execute("INSERT INTO accounts VALUES (3, 'cy', 1)");
        throw thrown;
      }),
      (e) => e === thrown,
    );
    assert.deepEqual(await balances(), [
      ["ada", 100],
      ["bob", 50],
    ]);
    assert.deepEqual(
      t.events.slice(from, from + 4).map((e) => e.sql),
      ["BEGIN", "UPDATE accounts SET balance = 0", "INSERT INTO accounts VALUES (3, 'cy', 1)", "ROLLBACK"],
    );
  });

  test("a nested transaction is a savepoint: its rollback keeps the outer work, its success is kept", async () => {
    await reset();
    const inner = new Error("inner fails");
    const from = t.events.length;
    const value = await t.db.transaction(async (tx) => {
      await tx.execute("INSERT INTO accounts VALUES (3, 'cy', 3)");
      await assert.rejects(
        tx.transaction(async (sp) => {
          await sp.execute("INSERT INTO accounts VALUES (4, 'di', 4)");
          await sp.transaction(async (deeper) => deeper.execute("INSERT INTO accounts VALUES (5, 'ed', 5)"));
          throw inner;
        }),
        (e) => e === inner,
      );
      const kept = await tx.transaction(async (sp) => {
        await sp.execute("INSERT INTO accounts VALUES (6, 'fa', 6)");
        return "kept";
      });
      await tx.execute("INSERT INTO accounts VALUES (7, 'gu', 7)");
      return kept;
    });
    assert.equal(value, "kept");
    assert.deepEqual(
      (await balances()).map(([owner]) => owner),
      ["ada", "bob", "cy", "fa", "gu"],
    );
    assert.deepEqual(
      t.events
        .slice(from)
        .map((e) => e.sql)
        .filter((s) => /SAVEPOINT/.test(s)),
      [
        "SAVEPOINT closql_savepoint_1",
        "SAVEPOINT closql_savepoint_2",
        "RELEASE SAVEPOINT closql_savepoint_2",
        "ROLLBACK TO SAVEPOINT closql_savepoint_1; RELEASE SAVEPOINT closql_savepoint_1",
        "SAVEPOINT closql_savepoint_3",
        "RELEASE SAVEPOINT closql_savepoint_3",
      ],
    );
  });

  test("isolation level, access mode and deferrable are applied; a write in a read-only transaction fails typed", async () => {
    await reset();
    for (const isolationLevel of ["read committed", "repeatable read", "serializable"] as const) {
      const shown = await t.db.transaction(
        async (tx) => (await tx.sql<{ transaction_isolation: string }>`SHOW transaction_isolation`)[0],
        { isolationLevel },
      );
      assert.deepEqual(shown, { transaction_isolation: isolationLevel });
    }
    const modes = await t.db.transaction(
      async (tx) => ({
        readOnly: (await tx.sql<{ transaction_read_only: string }>`SHOW transaction_read_only`)[0]
          .transaction_read_only,
        deferrable: (await tx.sql<{ transaction_deferrable: string }>`SHOW transaction_deferrable`)[0]
          .transaction_deferrable,
      }),
      { isolationLevel: "serializable", accessMode: "read only", deferrable: true },
    );
    assert.deepEqual(modes, { readOnly: "on", deferrable: "on" });
    assert.equal(
      t.events.find((e) => e.sql.startsWith("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY"))?.sql,
      "BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE",
    );
    await assert.rejects(
      t.db.transaction(async (tx) => tx.sql`UPDATE accounts SET balance = ${0}`, { accessMode: "read only" }),
      (e) => e instanceof DatabaseError && e.code === "25006" && /read-only transaction/.test(e.message),
    );
    assert.deepEqual(await balances(), [
      ["ada", 100],
      ["bob", 50],
    ]);
  });

  test("options are checked before anything is sent; a nested transaction takes none", async () => {
    const from = t.events.length;
    await assert.rejects(
      t.db.transaction(async () => 1, { isolationLevel: "serializable; DROP TABLE accounts" as never }),
      InvalidArgumentError,
    );
    await assert.rejects(
      t.db.transaction(async () => 1, { retry: { maxAttempts: 0 } }),
      InvalidArgumentError,
    );
    assert.equal(t.events.length, from, "nothing sent");
    await assert.rejects(
      t.db.transaction(async (tx) => tx.transaction(async () => 1, { isolationLevel: "serializable" })),
      (e) => e instanceof TransactionMisuseError && /outermost/.test(e.message),
    );
  });

  test("statements issued together on one tx run one at a time on its connection", async () => {
    await reset();
    const rows = await t.db.transaction(async (tx) => {
      await tx.execute("UPDATE accounts SET balance = balance + 1");
      return Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          i % 2 === 0
            ? tx.sql<{
                pid: number;
                xid: string;
                i: number;
              }>`SELECT pg_backend_pid() AS pid, txid_current()::text AS xid, ${i}::int AS i`
            : tx.accounts.where((a) => a.id === 1).all(),
        ),
      );
    });
    const probes = rows.filter((_, i) => i % 2 === 0).map((r) => r[0] as { pid: number; xid: string; i: number });
    assert.deepEqual(
      probes.map((p) => p.i),
      Array.from({ length: 13 }, (_, i) => 2 * i),
    );
    assert.equal(new Set(probes.map((p) => `${p.pid}/${p.xid}`)).size, 1, "one backend, one transaction");
    for (const [i, r] of rows.entries()) if (i % 2 === 1) assert.deepEqual(r, [{ id: 1, owner: "ada", balance: 101 }]);
  });

  test("a query on a tx after its callback finished throws and sends nothing", async () => {
    let leaked: Db | undefined;
    await t.db.transaction(async (tx) => {
      leaked = tx;
    });
    const from = t.events.length;
    await assert.rejects(
      leaked!.accounts.where((a) => a.id === 1).all(), // marker:after-end
      (e) =>
        e instanceof TransactionMisuseError &&
        e.message.includes("after its transaction callback had finished") &&
        e.message.includes(sourceLine("marker:after-end")),
    );
    await assert.rejects(
      leaked!.transaction(async () => 1),
      TransactionMisuseError,
    );
    await assert.rejects(leaked!.close(), TransactionMisuseError);
    assert.equal(t.events.length, from);
  });

  test("two nested transactions at once on one tx are refused", async () => {
    await reset();
    await assert.rejects(
      t.db.transaction(async (tx) =>
        Promise.all([
          tx.transaction(async (a) => a.execute("SELECT 1")),
          tx.transaction(async (b) => b.execute("SELECT 1")),
        ]),
      ),
      (e) => e instanceof TransactionMisuseError && /side by side/.test(e.message),
    );
  });

  test("a callback that caught a failed statement and returned commits nothing: TransactionAbortedError", async () => {
    await reset();
    await assert.rejects(
      t.db.transaction(async (tx) => {
        await tx.execute("INSERT INTO accounts VALUES (3, 'cy', 3)");
        await tx.execute("INSERT INTO accounts VALUES (1, 'dup', 0)").catch(() => {});
        return "looks fine";
      }),
      (e) => e instanceof TransactionAbortedError && e.cause instanceof UniqueViolation,
    );
    // The same inside a savepoint: rolled back to it, the outer transaction commits.
    await t.db.transaction(async (tx) => {
      await tx.execute("INSERT INTO accounts VALUES (4, 'di', 4)");
      await assert.rejects(
        tx.transaction(async (sp) => {
          await sp.execute("INSERT INTO accounts VALUES (5, 'ed', 5)");
          await sp.execute("INSERT INTO accounts VALUES (1, 'dup', 0)").catch(() => {});
        }),
        (e) => e instanceof TransactionAbortedError && e.cause instanceof UniqueViolation,
      );
    });
    assert.deepEqual(
      (await balances()).map(([owner]) => owner),
      ["ada", "bob", "di"],
    );
  });

  test("a failed COMMIT surfaces typed and persists nothing", async () => {
    await reset();
    await t.db.execute(
      "CREATE TABLE refs (account_id integer CONSTRAINT refs_account_fk REFERENCES accounts DEFERRABLE INITIALLY DEFERRED)",
    );
    await assert.rejects(
      t.db.transaction(async (tx) => {
        await tx.execute("INSERT INTO refs VALUES (42)"); // checked at COMMIT
        await tx.execute("INSERT INTO accounts VALUES (3, 'cy', 3)");
      }),
      (e) => e instanceof ForeignKeyViolation && e.constraint === "refs_account_fk" && e.sql === "COMMIT",
    );
    assert.deepEqual((await balances()).length, 2);
    assert.deepEqual(await t.db.sql`SELECT * FROM refs`, []);
    await t.db.execute("DROP TABLE refs");
  });

  test("retry: a serialization failure re-runs the callback, bounded by maxAttempts", async () => {
    let runs = 0;
    await assert.rejects(
      t.db.transaction(
        async (tx) => {
          runs++;
          await tx.execute("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$");
        },
        { retry: { maxAttempts: 3, baseDelayMs: 1 } },
      ),
      SerializationFailure,
    );
    assert.equal(runs, 3);
    runs = 0;
    await assert.rejects(
      t.db.transaction(
        async (tx) => {
          runs++;
          await tx.execute("DO $$ BEGIN RAISE EXCEPTION 'other' USING ERRCODE = '23514'; END $$");
        },
        { retry: true },
      ),
      DatabaseError,
    );
    assert.equal(runs, 1, "only serialization failures and deadlocks are retried");
    runs = 0;
    const value = await t.db.transaction(
      async (tx) => {
        if (++runs < 3) await tx.execute("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$");
        return runs;
      },
      { retry: { baseDelayMs: 1 } },
    );
    assert.equal(value, 3);
    // A callback that caught the serialization failure and returned is retried too.
    runs = 0;
    const caught = await t.db.transaction(
      async (tx) => {
        if (++runs === 1)
          await tx.execute("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$").catch(() => {});
        return runs;
      },
      { retry: { baseDelayMs: 1 } },
    );
    assert.equal(caught, 2);
  });

  /**
   * Write skew: each of two SERIALIZABLE transactions takes a doctor off call only if two are on
   * call. Run side by side, both would succeed and leave nobody on call; PostgreSQL fails one.
   */
  async function goOffCall(
    db: Db,
    doctorId: number,
    read: () => Promise<void>,
    wrote: () => Promise<void>,
    retry: boolean,
  ) {
    let attempt = 0;
    await db.transaction(
      async (tx) => {
        attempt++;
        const onCall = await tx.doctors.where((d) => d.onCall === 1).count();
        if (attempt === 1) await read();
        if (onCall >= 2) await tx.sql`UPDATE doctors SET on_call = 0 WHERE id = ${doctorId}`;
        if (attempt === 1) await wrote();
      },
      { isolationLevel: "serializable", retry: retry && { baseDelayMs: 1 } },
    );
    return attempt;
  }

  test(
    "two conflicting SERIALIZABLE transactions: one fails with SerializationFailure",
    { skip: needsSessions },
    async () => {
      await reset();
      const [read, wrote] = [barrier(2), barrier(2)];
      const outcomes = await Promise.allSettled([
        goOffCall(t.db, 1, read, wrote, false),
        goOffCall(t.db, 2, read, wrote, false),
      ]);
      const failed = outcomes.filter((o) => o.status === "rejected");
      assert.equal(failed.length, 1);
      const error = (failed[0] as PromiseRejectedResult).reason;
      assert.ok(error instanceof SerializationFailure && error.code === "40001", String(error));
      assert.equal((await t.db.doctors.where((d) => d.onCall === 1).all()).length, 1);
    },
  );

  test(
    "…and with retry both end, with the right result: exactly one doctor left on call",
    { skip: needsSessions },
    async () => {
      await reset();
      const [read, wrote] = [barrier(2), barrier(2)];
      const attempts = await Promise.all([
        goOffCall(t.db, 1, read, wrote, true),
        goOffCall(t.db, 2, read, wrote, true),
      ]);
      // The loser runs again; under load its retry can start before the winner commits and fail once
      // more, so it may take more than one retry.
      const [winner, loser] = attempts.sort((a, b) => a - b);
      assert.equal(winner, 1, "the winner ran once");
      assert.ok(loser >= 2, "the loser ran again (and, once it saw one on call, changed nothing)");
      assert.equal((await t.db.doctors.where((d) => d.onCall === 1).all()).length, 1);
    },
  );

  test(
    "a deadlock fails one transaction with DeadlockDetected; with retry it re-runs and both commit",
    { skip: needsSessions },
    async () => {
      for (const retry of [false, true]) {
        await reset();
        const locked = barrier(2);
        const transfer = (from: number, to: number) =>
          t.db.transaction(
            async (tx) => {
              await tx.execute("SET LOCAL deadlock_timeout = '50ms'");
              await tx.sql`UPDATE accounts SET balance = balance - 10 WHERE id = ${from}`;
              await Promise.race([locked(), new Promise((r) => setTimeout(r, 2000))]);
              await tx.sql`UPDATE accounts SET balance = balance + 10 WHERE id = ${to}`;
            },
            { retry: retry && { baseDelayMs: 1 } },
          );
        const outcomes = await Promise.allSettled([transfer(1, 2), transfer(2, 1)]);
        if (retry) {
          assert.deepEqual(
            outcomes.map((o) => o.status),
            ["fulfilled", "fulfilled"],
          );
          assert.deepEqual(await balances(), [
            ["ada", 100],
            ["bob", 50],
          ]);
        } else {
          const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
          assert.equal(failed.length, 1);
          assert.ok(
            failed[0].reason instanceof DeadlockDetected && failed[0].reason.code === "40P01",
            String(failed[0].reason),
          );
          // The winner's transfer happened, the loser's not at all.
          const winner = outcomes[0].status === "fulfilled" ? 1 : 2;
          assert.deepEqual(
            await balances(),
            winner === 1
              ? [
                  ["ada", 90],
                  ["bob", 60],
                ]
              : [
                  ["ada", 110],
                  ["bob", 40],
                ],
          );
        }
      }
    },
  );

  describe("a query on `db` inside a transaction callback", () => {
    test("throws by default (not in production), naming the query and the way out; nothing is sent", async () => {
      await reset();
      const db = dbWith("throw");
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.sql`UPDATE accounts SET balance = 0 WHERE id = ${1}`;
          await db.accounts.where((a) => a.id === 1).first(); // marker:misuse
        }),
        (e) =>
          e instanceof TransactionMisuseError &&
          e.message.includes(sourceLine("marker:misuse")) &&
          e.message.includes("use the callback's `tx`") &&
          e.message.includes("db.outsideTransaction"),
      );
      assert.equal(t.events.filter((e) => e.source === sourceLine("marker:misuse")).length, 0, "not sent");
      // The callback threw, so the transaction rolled back.
      assert.deepEqual((await balances())[0], ["ada", 100]);
      // A db.transaction inside is the same mistake (tx.transaction was meant).
      await assert.rejects(
        db.transaction(async () => db.transaction(async () => 1)),
        (e) => e instanceof TransactionMisuseError && /tx\.transaction/.test(e.message),
      );
    });

    test(
      "db.outsideTransaction marks the deliberate case: an audit record that survives the rollback",
      { skip: needsTwoConnections },
      async () => {
        await reset();
        const db = dbWith("throw");
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.sql`UPDATE accounts SET balance = 0`;
            await db.outsideTransaction(() => db.sql`INSERT INTO accounts VALUES (9, 'audit', 0)`);
            throw new Error("rolled back");
          }),
          /rolled back/,
        );
        assert.deepEqual(await balances(), [
          ["ada", 100],
          ["bob", 50],
          ["audit", 0],
        ]);
      },
    );

    test("work started inside a callback that runs after it ended is not flagged", async () => {
      const db = dbWith("throw");
      let later!: Promise<unknown>;
      await db.transaction(async () => {
        later = new Promise((r) => setTimeout(r, 20)).then(() => db.accounts.where((a) => a.id === 1).count());
      });
      assert.equal(await later, 1);
    });

    test(
      '"warn" warns once per query location and runs the query; "ignore" says nothing',
      { skip: needsTwoConnections },
      async () => {
        await reset();
        const warnings: Error[] = [];
        const onWarning = (w: Error) => warnings.push(w);
        process.on("warning", onWarning);
        try {
          for (const misuse of ["warn", "ignore"] as const) {
            const db = dbWith(misuse);
            const counts = await db.transaction(async () => {
              const seen: number[] = [];
              for (let i = 0; i < 3; i++) seen.push(await db.accounts.where((a) => a.balance > 60).count()); // marker:warned
              return seen;
            });
            assert.deepEqual(counts, [1, 1, 1]);
          }
          await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
        } finally {
          process.off("warning", onWarning);
        }
        const ours = warnings.filter((w) => (w as { code?: string }).code === "CLOSQL_QUERY_OUTSIDE_TRANSACTION");
        assert.equal(ours.length, 1);
        assert.ok(ours[0].message.includes(sourceLine("marker:warned")));
      },
    );
  });
});
