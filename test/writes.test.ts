import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  bigint,
  boolean,
  ColumnValueError,
  date,
  doublePrecision,
  integer,
  jsonb,
  numeric,
  pgEnum,
  relations,
  serial,
  table,
  text,
  timestamptz,
  uuid,
  UniqueViolation,
  Query,
  QueryCanceled,
  ClosqlError,
} from "closql";
import { openTestDatabase, TestDatabase } from "./support/database";

const level = pgEnum("level", ["low", "high"]);
const accounts = table("accounts", {
  id: serial().primaryKey(),
  email: text().unique(),
  name: text(),
  level: level().default("low"),
  age: integer().nullable(),
  score: doublePrecision().default(0),
  balance: bigint().default(0n),
  tags: text().array().default([]),
  meta: jsonb<{ plan: string; seats?: number }>().nullable(),
  active: boolean().default(true),
  createdAt: timestamptz().defaultNow(),
  day: date().nullable(),
  uid: uuid().nullable(),
  price: numeric().nullable(),
});
const schema = relations({ accounts });
type Account = typeof accounts.$row;

const COLUMNS = `"id", "email", "name", "level", "age", "score", "balance", "tags", "meta", "active", "created_at", "day", "uid", "price"`;

describe("writes", () => {
  let t: TestDatabase<typeof schema>;
  before(async () => {
    t = await openTestDatabase(schema);
  });
  after(() => t.close());

  test("insert returns the stored row with defaults filled", async () => {
    const before = Date.now();
    const row = await t.db.accounts.insert({ email: "a@x", name: "Ann" });
    assert.equal(t.last().sql, `INSERT INTO "accounts" ("email", "name") VALUES ($1, $2) RETURNING ${COLUMNS}`);
    assert.deepEqual(t.last().params, ["a@x", "Ann"]);
    assert.equal(typeof row.id, "number");
    assert.deepEqual(
      { ...row, id: 0, createdAt: 0 },
      {
        id: 0,
        email: "a@x",
        name: "Ann",
        level: "low",
        age: null,
        score: 0,
        balance: 0n,
        tags: [],
        meta: null,
        active: true,
        createdAt: 0,
        day: null,
        uid: null,
        price: null,
      },
    );
    assert.ok(row.createdAt.getTime() >= before - 5000);
  });

  test("insert of every type reads back equal", async () => {
    const values = {
      email: "b@x",
      name: "Bé \\ % _ 'q' \"dq\" 😀",
      level: "high" as const,
      age: -2147483648,
      score: -0,
      balance: 9223372036854775807n,
      tags: ["a", "", "b,c", '"q"', "\\", "NULL"],
      meta: { plan: "pro", seats: 3 },
      active: false,
      createdAt: new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)),
      day: "2024-02-29",
      uid: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      price: "12345678901234567890.123456789",
    };
    const row = await t.db.accounts.insert(values);
    assert.deepEqual({ ...row, id: 0 }, { ...values, id: 0 });
    assert.ok(Object.is(row.score, -0));
    const read = await t.db.accounts.where((a) => a.id === row.id).one();
    assert.deepEqual(read, row);
  });

  test("a row object of optional keys: undefined keys take their defaults", async () => {
    const input: typeof accounts.$insert = { email: "c@x", name: "Cy", age: undefined, level: "high" };
    const row = await t.db.accounts.insert(input);
    assert.equal(
      t.last().sql,
      `INSERT INTO "accounts" ("email", "name", "level") VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
    );
    assert.equal(row.level, "high");
    assert.equal(row.age, null);
  });

  test("values that do not fit their column fail before sending, naming the column", async () => {
    const bad = { email: "d@x", name: "D", age: "12" } as unknown as typeof accounts.$insert;
    await assert.rejects(
      t.db.accounts.insert(bad),
      (e: unknown) => e instanceof ColumnValueError && e.column === "accounts.age" && /integer/.test(e.message),
    );
    await assert.rejects(
      t.db.accounts.insert({ email: "d@x", name: "D", age: 1.5 }),
      (e: unknown) => e instanceof ColumnValueError && e.column === "accounts.age",
    );
  });

  test("unique violations are typed and carry the source", async () => {
    await t.db.accounts.insert({ email: "dup@x", name: "1" });
    await assert.rejects(
      t.db.accounts.insert({ email: "dup@x", name: "2" }),
      (e: unknown) =>
        e instanceof UniqueViolation &&
        e.constraint === "accounts_email_key" &&
        /writes\.test\.ts:\d+$/.test(e.source!),
    );
  });

  test("insertMany: one statement, rows in input order, mixed shapes", async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({
      email: `m${i}@x`,
      name: `n${i}`,
      ...(i % 3 === 0 ? { level: "high" as const } : {}),
      tags: i % 2 ? ["x", `${i}`] : [],
      meta: i % 5 ? { plan: `p${i}` } : null,
    }));
    const inserted = await t.db.accounts.insertMany(rows);
    assert.deepEqual(
      inserted.map((r) => [r.email, r.level, r.tags, r.meta]),
      rows.map((r) => [r.email, r.level ?? "low", r.tags, r.meta]),
    );
    const again = await t.db.accounts
      .where((a) => a.email.startsWith("m"))
      .orderBy((a) => a.id)
      .all();
    assert.deepEqual(
      again,
      [...inserted].sort((a, b) => a.id - b.id),
    );
  });

  test("insertMany without returning; several statements are all-or-nothing", async () => {
    const n = await t.db.accounts.insertMany(
      [
        { email: "nr1@x", name: "a" },
        { email: "nr2@x", name: "b" },
      ],
      { returning: false },
    );
    assert.equal(n, 2);
    assert.equal(
      t.last().sql,
      `INSERT INTO "accounts" ("email", "name") SELECT "email", "name" FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS r("email", "name", closql_ord) ORDER BY closql_ord`,
    );
    // 10,001 rows are two statements; the last row's duplicate email fails the second: nothing stays.
    const many = Array.from({ length: 10_001 }, (_, i) => ({ email: `bulk${i}@x`, name: "b" }));
    many[10_000] = { email: "bulk0@x", name: "dup" };
    await assert.rejects(t.db.accounts.insertMany(many), (e: unknown) => e instanceof UniqueViolation);
    assert.equal(await t.db.accounts.where((a) => a.email.startsWith("bulk")).count(), 0);
  });

  test("update with values and with a closure; delete; returning", async () => {
    const a = await t.db.accounts.insert({ email: "u@x", name: "U", age: 10 });
    const n = await t.db.accounts.where((x) => x.id === a.id).update({ name: "V" });
    assert.equal(n, 1);
    assert.equal(t.last().sql, `UPDATE "accounts" SET "name" = $1 WHERE "id" = $2::int8`);
    const rows = await t.db.accounts
      .where((x) => x.id === a.id)
      .update((x) => ({ age: x.age! + 1, score: x.score / 4 }))
      .returning();
    assert.deepEqual(
      rows.map((r) => [r.name, r.age, r.score]),
      [["V", 11, 0]],
    );
    await assert.rejects(t.db.accounts.where((x) => x.id === a.id).update((x) => ({ age: x.age! / 4 })));
    // A computed label into an enum column; integer arithmetic into an integer column stays integer.
    const [labelled] = await t.db.accounts
      .where((x) => x.id === a.id)
      .update((x) => ({ level: x.age !== null && x.age > 10 ? "high" : "low", score: x.score + 1 }))
      .returning();
    assert.equal(labelled.level, "high");
    await t.db.accounts.where((x) => x.id === a.id).update((x) => ({ balance: x.balance * 2n, active: !x.active }));

    const gone = await t.db.accounts
      .where((x) => x.id === a.id)
      .delete()
      .returning();
    assert.deepEqual(
      gone.map((r) => r.id),
      [a.id],
    );
    assert.equal(await t.db.accounts.where((x) => x.id === a.id).count(), 0);
  });

  test("upsert: on a column, with an update closure, and do nothing", async () => {
    const first = await t.db.accounts.upsert({ email: "up@x", name: "A", age: 1 }, { on: (a) => a.email });
    const second = await t.db.accounts.upsert({ email: "up@x", name: "B" }, { on: (a) => a.email });
    assert.equal(second.id, first.id);
    assert.equal(second.name, "B");
    assert.equal(second.age, 1);
    const third = await t.db.accounts.upsert(
      { email: "up@x", name: "C", age: 5 },
      { on: (a) => a.email, update: (old, proposed) => ({ age: old.age! + proposed.age! }) },
    );
    assert.deepEqual([third.name, third.age], ["B", 6]);
    const none = await t.db.accounts.upsert({ email: "up@x", name: "D" }, { on: (a) => a.email, doNothing: true });
    assert.equal(none, undefined);
  });

  test("raw SQL: values bound, identifiers quoted, errors carry the source line", async () => {
    const evil = "x'); DROP TABLE accounts; --";
    const rows = await t.db.sql<{ v: string }>`SELECT ${evil}::text AS v`;
    assert.deepEqual(rows, [{ v: evil }]);
    assert.deepEqual(t.last().params, [evil]);
    await t.db.accounts.insert({ email: "raw@x", name: "R" });
    const column = t.db.sql.identifier("email");
    const got = await t.db.sql<{
      email: string;
    }>`SELECT ${column} FROM ${t.db.sql.identifier("accounts")} WHERE ${column} = ${"raw@x"}`;
    assert.equal(t.last().sql, `SELECT "email" FROM "accounts" WHERE "email" = $1`);
    assert.deepEqual(got, [{ email: "raw@x" }]);
    await assert.rejects(
      t.db.sql`INSERT INTO accounts (email, name) VALUES (${"raw@x"}, ${"again"})`,
      (e: unknown) =>
        e instanceof UniqueViolation && /^test\/writes\.test\.ts:\d+$/.test(e.source!) && e.sql.includes("$1"),
    );
  });

  test("a write on a query built elsewhere takes the helper's conditions, and refuses to run without any", async () => {
    const onlyActive = <Q extends Query<typeof accounts>>(q: Q): Q => q.where((a) => a.active) as Q;
    await t.db.accounts.insertMany([
      { email: "h1@x", name: "H", active: true },
      { email: "h2@x", name: "H", active: false },
    ]);
    const n = await onlyActive(t.db.accounts)
      .where((a) => a.name === "H")
      .update({ name: "H2" });
    assert.equal(n, 1);
    assert.equal(t.last().sql, `UPDATE "accounts" SET "name" = $1 WHERE "active" AND "name" = 'H'`);
    assert.deepEqual(
      (
        await t.db.accounts
          .where((a) => a.email.startsWith("h"))
          .orderBy((a) => a.email)
          .all()
      ).map((a) => a.name),
      ["H2", "H"],
    );
    const everything: Query<typeof accounts> = t.db.accounts;
    const before = t.events.length;
    await assert.rejects(
      everything.delete(),
      (e: unknown) => e instanceof ClosqlError && /without where/.test((e as Error).message),
    );
    await assert.rejects(everything.limit(1).delete(), /cannot follow \.limit\(\)/);
    assert.equal(t.events.length, before, "nothing was sent");
  });

  test("upsert on a named constraint", async () => {
    const first = await t.db.accounts.upsert(
      { email: "c@constraint", name: "A" },
      { constraint: "accounts_email_key" },
    );
    const second = await t.db.accounts.upsert(
      { email: "c@constraint", name: "B" },
      { constraint: "accounts_email_key", update: (old, proposed) => ({ name: old.name + proposed.name }) },
    );
    assert.equal(
      t.last().sql,
      `INSERT INTO "accounts" ("email", "name") VALUES ($1, $2) ON CONFLICT ON CONSTRAINT "accounts_email_key" DO UPDATE SET "name" = "accounts"."name" || "excluded"."name" RETURNING ${COLUMNS}`,
    );
    assert.deepEqual([second.id, second.name], [first.id, "AB"]);
  });

  test("reads and writes take { signal, timeoutMs }: a lock wait past its timeout is canceled", async () => {
    const row = await t.db.accounts.insert({ email: "lock@x", name: "L" });
    await assert.rejects(
      t.db.accounts.where((a) => a.id === row.id).all({ signal: AbortSignal.abort() }),
      (e: unknown) => e instanceof QueryCanceled,
    );
    if (process.env.CLOSQL_EMBEDDED === "1") return; // one session: no lock can wait
    await t.db.transaction(async (tx) => {
      await tx.accounts
        .where((a) => a.id === row.id)
        .forUpdate()
        .one();
      // An uncommitted key: an insert of the same key elsewhere waits for this transaction to end.
      await tx.accounts.insert({ email: "pending@x", name: "P" });
      // Another connection waits for the lock until its timeout cancels it on the server.
      const started = Date.now();
      await t.db.outsideTransaction(() =>
        assert.rejects(
          t.db.accounts
            .where((a) => a.id === row.id)
            .forUpdate()
            .all({ timeoutMs: 200 }),
          (e: unknown) => e instanceof QueryCanceled,
        ),
      );
      assert.ok(Date.now() - started < 5000);
      await t.db.outsideTransaction(() =>
        assert.rejects(
          // Waits for the transaction holding the same key to end.
          t.db.accounts.insert({ email: "pending@x", name: "waits" }, { timeoutMs: 200 }),
          (e: unknown) => e instanceof QueryCanceled,
        ),
      );
    });
  });

  test("row locks compile into the statement", async () => {
    await t.db.accounts
      .where((a) => a.id > 0)
      .forUpdate({ skipLocked: true })
      .limit(1)
      .all();
    assert.equal(t.last().sql, `SELECT ${COLUMNS} FROM "accounts" WHERE "id" > 0 LIMIT 1 FOR UPDATE SKIP LOCKED`);
    await t.db.accounts
      .where((a) => a.id > 0)
      .forShare()
      .count();
    assert.equal(t.last().sql, `SELECT count(*) FROM (SELECT 1 FROM "accounts" WHERE "id" > 0 FOR SHARE) AS q`);
  });
});

void (0 as unknown as Account);
