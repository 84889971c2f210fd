import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import {
  ClosqlError,
  connect,
  Database,
  doublePrecision,
  integer,
  pgEnum,
  Query,
  QueryEvent,
  relations,
  renderDdl,
  serial,
  table,
  text,
  timestamptz,
} from "closql";
import { databaseUrl } from "./support/database";

/**
 * Keyset pagination, `.after(cursor)`: paging through every order with pages of 1, 2 and 7 rows gives
 * exactly the full ordered result (no row skipped or repeated), with NULLs, duplicates, NaN, case and
 * accent variants, mixed directions and NULLS FIRST/LAST; on the server's C database and on an ICU
 * database whose default collation orders the same strings differently.
 */

const kind = pgEnum("keyset_kind", ["zeta", "alpha", "mid"]);
const entries = table("entries", {
  id: serial().primaryKey(),
  name: text(),
  nick: text().nullable(),
  n: integer().nullable(),
  score: doublePrecision(),
  kind: kind(),
  at: timestamptz(),
});
const schema = relations({ entries }, () => ({}));
type Entry = typeof entries.$row;
type NewEntry = typeof entries.$insert;

const NAMES = ["a", "B", "ä", "Z", "a b", "a-b", "😀", "A", "b", "ab", "", "ü", "a", "B", "Ä", "z", "é", "e", "E", "ß"];
const NICKS = [
  "b",
  null,
  "A",
  "a",
  null,
  "ä",
  "Z",
  null,
  "a b",
  "a-b",
  "😀",
  null,
  "b",
  "é",
  "",
  null,
  "a",
  "Ä",
  null,
  "z",
];
const NS = [3, null, 1, 3, null, 2, 2, null, 1, 3, 5, null, 1, 2, 3, null, 0, -1, 4, 3];
const SCORES = [1.5, NaN, 0, -Infinity, 1.5, 2, NaN, 1.5, 0, -0, 3, 1.5, Infinity, 0, 2, -1, 1.5, NaN, 0, 2];
const KINDS = ["zeta", "alpha", "mid"] as const;

const ROWS: NewEntry[] = NAMES.map((name, i) => ({
  name,
  nick: NICKS[i],
  n: NS[i],
  score: SCORES[i],
  kind: KINDS[i % 3],
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i % 4)),
}));

const COLUMNS = `"id", "name", "nick", "n", "score", "kind", "at"`;

/** One order: its full result, one page after a cursor (or the first page), and the SQL of that page. */
interface Order {
  readonly name: string;
  all(db: Database<typeof schema>): Promise<Entry[]>;
  page(db: Database<typeof schema>, size: number, cursor?: Entry): Promise<Entry[]>;
  readonly sql: string;
}

const ORDERS: Order[] = [
  {
    name: "name asc, id asc: one row comparison",
    all: (db) =>
      db.entries
        .orderBy((e) => e.name)
        .orderBy((e) => e.id)
        .all(),
    page: (db, size, c) =>
      c
        ? db.entries
            .orderBy((e) => e.name)
            .orderBy((e) => e.id)
            .after(c)
            .limit(size)
            .all()
        : db.entries
            .orderBy((e) => e.name)
            .orderBy((e) => e.id)
            .limit(size)
            .all(),
    sql: `SELECT ${COLUMNS} FROM "entries" WHERE ROW("name" COLLATE "C", "id") > ROW($1::text COLLATE "C", $2::integer) ORDER BY "name" COLLATE "C", "id" LIMIT $3`,
  },
  {
    name: "name desc, id desc",
    all: (db) =>
      db.entries
        .orderBy((e) => e.name, "desc")
        .orderBy((e) => e.id, "desc")
        .all(),
    page: (db, size, c) =>
      c
        ? db.entries
            .orderBy((e) => e.name, "desc")
            .orderBy((e) => e.id, "desc")
            .after(c)
            .limit(size)
            .all()
        : db.entries
            .orderBy((e) => e.name, "desc")
            .orderBy((e) => e.id, "desc")
            .limit(size)
            .all(),
    sql: `SELECT ${COLUMNS} FROM "entries" WHERE ROW("name" COLLATE "C", "id") < ROW($1::text COLLATE "C", $2::integer) ORDER BY "name" COLLATE "C" DESC, "id" DESC LIMIT $3`,
  },
  {
    name: "nullable nick asc (NULLS LAST), id asc",
    all: (db) =>
      db.entries
        .orderBy((e) => e.nick)
        .orderBy((e) => e.id)
        .all(),
    page: (db, size, c) =>
      c
        ? db.entries
            .orderBy((e) => e.nick)
            .orderBy((e) => e.id)
            .after(c)
            .limit(size)
            .all()
        : db.entries
            .orderBy((e) => e.nick)
            .orderBy((e) => e.id)
            .limit(size)
            .all(),
    sql: `SELECT ${COLUMNS} FROM "entries" WHERE (("nick" COLLATE "C") > ($1::text COLLATE "C") OR (("nick" COLLATE "C") IS NULL AND ($1::text COLLATE "C") IS NOT NULL) OR ((("nick" COLLATE "C") = ($1::text COLLATE "C") OR (("nick" COLLATE "C") IS NULL AND ($1::text COLLATE "C") IS NULL)) AND "id" > $2::integer)) ORDER BY "nick" COLLATE "C", "id" LIMIT $3`,
  },
  {
    name: "nullable nick desc (NULLS FIRST), id asc: mixed directions",
    all: (db) =>
      db.entries
        .orderBy((e) => e.nick, "desc")
        .orderBy((e) => e.id)
        .all(),
    page: (db, size, c) =>
      c
        ? db.entries
            .orderBy((e) => e.nick, "desc")
            .orderBy((e) => e.id)
            .after(c)
            .limit(size)
            .all()
        : db.entries
            .orderBy((e) => e.nick, "desc")
            .orderBy((e) => e.id)
            .limit(size)
            .all(),
    sql: `SELECT ${COLUMNS} FROM "entries" WHERE (("nick" COLLATE "C") < ($1::text COLLATE "C") OR (("nick" COLLATE "C") IS NOT NULL AND ($1::text COLLATE "C") IS NULL) OR ((("nick" COLLATE "C") = ($1::text COLLATE "C") OR (("nick" COLLATE "C") IS NULL AND ($1::text COLLATE "C") IS NULL)) AND "id" > $2::integer)) ORDER BY "nick" COLLATE "C" DESC, "id" LIMIT $3`,
  },
  {
    name: "nick asc NULLS FIRST, n desc NULLS LAST, id desc",
    all: (db) =>
      db.entries
        .orderBy((e) => e.nick, "asc", { nulls: "first" })
        .orderBy((e) => e.n, "desc", { nulls: "last" })
        .orderBy((e) => e.id, "desc")
        .all(),
    page: (db, size, c) =>
      c
        ? db.entries
            .orderBy((e) => e.nick, "asc", { nulls: "first" })
            .orderBy((e) => e.n, "desc", { nulls: "last" })
            .orderBy((e) => e.id, "desc")
            .after(c)
            .limit(size)
            .all()
        : db.entries
            .orderBy((e) => e.nick, "asc", { nulls: "first" })
            .orderBy((e) => e.n, "desc", { nulls: "last" })
            .orderBy((e) => e.id, "desc")
            .limit(size)
            .all(),
    sql: `SELECT ${COLUMNS} FROM "entries" WHERE (("nick" COLLATE "C") > ($1::text COLLATE "C") OR (("nick" COLLATE "C") IS NOT NULL AND ($1::text COLLATE "C") IS NULL) OR ((("nick" COLLATE "C") = ($1::text COLLATE "C") OR (("nick" COLLATE "C") IS NULL AND ($1::text COLLATE "C") IS NULL)) AND ("n" < $2::integer OR ("n" IS NULL AND $2::integer IS NOT NULL) OR (("n" = $2::integer OR ("n" IS NULL AND $2::integer IS NULL)) AND "id" < $3::integer)))) ORDER BY "nick" COLLATE "C" NULLS FIRST, "n" DESC NULLS LAST, "id" DESC LIMIT $4`,
  },
  {
    name: "score desc (NaN, ±Infinity, -0), enum kind asc, id asc",
    all: (db) =>
      db.entries
        .orderBy((e) => e.score, "desc")
        .orderBy((e) => e.kind)
        .orderBy((e) => e.id)
        .all(),
    page: (db, size, c) =>
      c
        ? db.entries
            .orderBy((e) => e.score, "desc")
            .orderBy((e) => e.kind)
            .orderBy((e) => e.id)
            .after(c)
            .limit(size)
            .all()
        : db.entries
            .orderBy((e) => e.score, "desc")
            .orderBy((e) => e.kind)
            .orderBy((e) => e.id)
            .limit(size)
            .all(),
    sql: `SELECT ${COLUMNS} FROM "entries" WHERE ("score" < $1::double precision OR ("score" = $1::double precision AND (("kind"::text COLLATE "C") > ($2::"keyset_kind"::text COLLATE "C") OR (("kind"::text COLLATE "C") = ($2::"keyset_kind"::text COLLATE "C") AND "id" > $3::integer)))) ORDER BY "score" DESC, "kind"::text COLLATE "C", "id" LIMIT $4`,
  },
  {
    name: "computed keys: n ?? -1 asc, name.length desc, id asc",
    all: (db) =>
      db.entries
        .orderBy((e) => e.n ?? -1)
        .orderBy((e) => e.name.length, "desc")
        .orderBy((e) => e.id)
        .all(),
    page: (db, size, c) =>
      c
        ? db.entries
            .orderBy((e) => e.n ?? -1)
            .orderBy((e) => e.name.length, "desc")
            .orderBy((e) => e.id)
            .after(c)
            .limit(size)
            .all()
        : db.entries
            .orderBy((e) => e.n ?? -1)
            .orderBy((e) => e.name.length, "desc")
            .orderBy((e) => e.id)
            .limit(size)
            .all(),
    sql: "",
  },
  {
    name: "timestamps by their milliseconds (the server keeps microseconds), id desc",
    all: (db) =>
      db.entries
        .orderBy((e) => e.at.getTime())
        .orderBy((e) => e.id, "desc")
        .all(),
    page: (db, size, c) =>
      c
        ? db.entries
            .orderBy((e) => e.at.getTime())
            .orderBy((e) => e.id, "desc")
            .after(c)
            .limit(size)
            .all()
        : db.entries
            .orderBy((e) => e.at.getTime())
            .orderBy((e) => e.id, "desc")
            .limit(size)
            .all(),
    sql: `SELECT ${COLUMNS} FROM "entries" WHERE (floor(extract(epoch FROM "at") * 1000)::int8 > floor(extract(epoch FROM $1::timestamptz) * 1000)::int8 OR (floor(extract(epoch FROM "at") * 1000)::int8 = floor(extract(epoch FROM $1::timestamptz) * 1000)::int8 AND "id" < $2::integer)) ORDER BY floor(extract(epoch FROM "at") * 1000)::int8, "id" DESC LIMIT $3`,
  },
  {
    name: "a timestamp key another key follows: by its milliseconds (the server keeps microseconds), id desc",
    all: (db) =>
      db.entries
        .orderBy((e) => e.at)
        .orderBy((e) => e.id, "desc")
        .all(),
    page: (db, size, c) =>
      c
        ? db.entries
            .orderBy((e) => e.at)
            .orderBy((e) => e.id, "desc")
            .after(c)
            .limit(size)
            .all()
        : db.entries
            .orderBy((e) => e.at)
            .orderBy((e) => e.id, "desc")
            .limit(size)
            .all(),
    sql: `SELECT ${COLUMNS} FROM "entries" WHERE (date_trunc('milliseconds', "at" AT TIME ZONE 'UTC') > date_trunc('milliseconds', $1::timestamptz AT TIME ZONE 'UTC') OR (date_trunc('milliseconds', "at" AT TIME ZONE 'UTC') = date_trunc('milliseconds', $1::timestamptz AT TIME ZONE 'UTC') AND "id" < $2::integer)) ORDER BY date_trunc('milliseconds', "at" AT TIME ZONE 'UTC'), "id" DESC LIMIT $3`,
  },
];

/** Pages through `order` with pages of `size` rows, each after the last row of the one before. */
async function pageThrough(db: Database<typeof schema>, order: Order, size: number): Promise<Entry[]> {
  const seen: Entry[] = [];
  let page = await order.page(db, size);
  for (let guard = 0; page.length > 0; guard++) {
    assert.ok(guard <= ROWS.length, `${order.name}: paging does not end`);
    seen.push(...page);
    if (page.length < size) break;
    page = await order.page(db, size, page[page.length - 1]);
  }
  return seen;
}

/** JavaScript's `<` on strings: UTF-16 code units. */
const codeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface Server {
  db: Database<typeof schema>;
  events: QueryEvent[];
  raw: pg.Pool;
}

/** Opens closql on `url` in a fresh namespace with the table seeded; `close` drops it. */
async function openServer(url: string): Promise<Server & { close(): Promise<void> }> {
  const namespace = `t_${randomBytes(5).toString("hex")}`;
  const raw = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${namespace}` });
  await raw.query(`CREATE SCHEMA ${namespace}`);
  for (const statement of renderDdl(schema)) await raw.query(statement);
  const events: QueryEvent[] = [];
  const db = connect({ schema, pool: raw, onQuery: (e) => events.push(e) });
  await db.entries.insertMany(ROWS);
  // Microseconds a Date cannot hold, so a cursor's timestamp is not its row's.
  await raw.query(`UPDATE "entries" SET "at" = "at" + ("id" % 3) * interval '1 microsecond'`);
  return {
    db,
    events,
    raw,
    async close() {
      await raw.query(`DROP SCHEMA ${namespace} CASCADE`);
      await raw.end();
    },
  };
}

/** The paging tests, on one server. */
function pagingTests(open: () => Server | string) {
  /** The server, or undefined after skipping the test with the reason it cannot run. */
  const serverFor = (t: { skip(why: string): void }): Server | undefined => {
    const s = open();
    if (typeof s === "string") return void t.skip(s);
    return s;
  };
  for (const order of ORDERS) {
    test(`${order.name}: pages of 1, 2 and 7 rows give the full order`, async (t) => {
      const s = serverFor(t);
      if (!s) return;
      const { db, events } = s;
      const full = await order.all(db);
      assert.equal(full.length, ROWS.length);
      for (const size of [1, 2, 7]) {
        const paged = await pageThrough(db, order, size);
        assert.deepEqual(
          paged.map((r) => r.id),
          full.map((r) => r.id),
          `${order.name}, pages of ${size}`,
        );
      }
      await order.page(db, 2, full[3]);
      if (order.sql) assert.equal(events[events.length - 1].sql, order.sql);
      assert.deepEqual(events[events.length - 1].params.slice(-1), [2]);
    });
  }

  test("strings are ordered by code units, as JavaScript's `<`, whatever the database's collation", async (t) => {
    const s = serverFor(t);
    if (!s) return;
    const { db } = s;
    const full = await ORDERS[0].all(db);
    const expected = [...full].sort((a, b) => codeUnits(a.name, b.name) || a.id - b.id);
    assert.deepEqual(
      full.map((r) => r.id),
      expected.map((r) => r.id),
    );
  });

  test("a timestamp key another key follows ties as JavaScript's Dates do, to the millisecond", async (t) => {
    const s = serverFor(t);
    if (!s) return;
    const order = ORDERS.find((o) => o.name.startsWith("a timestamp key another key follows"))!;
    const full = await order.all(s.db);
    const expected = [...full].sort((a, b) => a.at.getTime() - b.at.getTime() || b.id - a.id);
    assert.deepEqual(
      full.map((r) => r.id),
      expected.map((r) => r.id),
    );
  });

  test("a projection holding the key columns is a cursor", async (t) => {
    const s = serverFor(t);
    if (!s) return;
    const { db } = s;
    const full = await ORDERS[0].all(db);
    const first = await db.entries
      .orderBy((e) => e.name)
      .orderBy((e) => e.id)
      .select((e) => ({ id: e.id, name: e.name }))
      .limit(5)
      .all();
    const last = first[first.length - 1];
    const next = await db.entries
      .orderBy((e) => e.name)
      .orderBy((e) => e.id)
      .after(last)
      .select((e) => ({ id: e.id, name: e.name }))
      .limit(5)
      .all();
    assert.deepEqual(
      [...first, ...next].map((r) => r.id),
      full.slice(0, 10).map((r) => r.id),
    );
  });

  test("a chain built across ifs folds the same SQL at run time", async (t) => {
    const s = serverFor(t);
    if (!s) return;
    const { db, events } = s;
    const full = await ORDERS[0].all(db);
    const cursor = full[4];
    const size = 3;
    await ORDERS[0].page(db, size, cursor);
    const staticSql = events[events.length - 1].sql;
    for (const narrow of [false, true]) {
      let q: Query<typeof entries> = db.entries;
      if (narrow) q = q.where((e) => e.n !== null);
      const page = await q
        .orderBy((e) => e.name)
        .orderBy((e) => e.id)
        .after(cursor)
        .limit(size)
        .all();
      const expected = full.slice(5).filter((r) => !narrow || r.n !== null);
      assert.deepEqual(
        page.map((r) => r.id),
        expected.slice(0, size).map((r) => r.id),
      );
      if (!narrow) assert.equal(events[events.length - 1].sql, staticSql);
    }
  });

  test("at run time, a sort key added around the chain that calls .after() is refused", async (t) => {
    const s = serverFor(t);
    if (!s) return;
    const { db } = s;
    const [cursor] = await ORDERS[0].all(db);
    const sorted: Query<typeof entries> = db.entries.orderBy((e) => e.kind);
    await assert.rejects(
      sorted
        .orderBy((e) => e.id)
        .after(cursor)
        .all(),
      (e: unknown) => e instanceof ClosqlError && /covers 1 sort key\(s\) but the query sorts by 2/.test(e.message),
    );
    const paged: Query<typeof entries> = db.entries.limit(3);
    await assert.rejects(
      paged
        .orderBy((e) => e.id)
        .after(cursor)
        .all(),
      (e: unknown) => e instanceof ClosqlError && /follows \.limit\(\) or \.offset\(\)/.test(e.message),
    );
    let later = db.entries.orderBy((e) => e.id).after(cursor);
    later = later.orderBy((e) => e.name);
    await assert.rejects(
      later.all(),
      (e: unknown) => e instanceof ClosqlError && /\.orderBy\(\) follows \.after\(\)/.test(e.message),
    );
  });
}

describe("keyset pagination on the server's database", () => {
  let server: (Server & { close(): Promise<void> }) | undefined;
  before(async () => {
    server = await openServer(databaseUrl());
  });
  after(() => server?.close());
  pagingTests(() => server!);
});

/**
 * A database whose default collation is not C, created for these tests and dropped after them.
 * PostgreSQL 15 with ICU: `LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`; else a libc `en_US.UTF-8` locale.
 */
describe("keyset pagination on a non-C (ICU en-US) database", () => {
  const embedded = process.env.CLOSQL_EMBEDDED === "1";
  const name = `closql_keyset_${randomBytes(4).toString("hex")}`;
  let admin: pg.Client | undefined;
  let server: (Server & { close(): Promise<void> }) | undefined;
  let unavailable: string | undefined;

  before(async () => {
    if (embedded) {
      unavailable = "embedded PGlite has one database: set DATABASE_URL to a PostgreSQL server";
      return;
    }
    admin = new pg.Client({ connectionString: databaseUrl() });
    await admin.connect();
    const tries = [
      `CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`,
      `CREATE DATABASE ${name} TEMPLATE template0 LC_COLLATE 'en_US.UTF-8' LC_CTYPE 'en_US.UTF-8'`,
    ];
    const errors: string[] = [];
    for (const sql of tries) {
      try {
        await admin.query(sql);
        const url = new URL(databaseUrl());
        url.pathname = `/${name}`;
        server = await openServer(url.toString());
        return;
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    unavailable = `the server cannot create a non-C database (${errors.join("; ")})`;
  });
  after(async () => {
    await server?.close();
    if (server) await admin!.query(`DROP DATABASE ${name}`);
    await admin?.end();
  });

  test("its default collation orders the test's strings differently from code units", async (t) => {
    if (unavailable) return t.skip(unavailable);
    const { rows } = await server!.raw.query<{ name: string }>(`SELECT "name" FROM "entries" ORDER BY "name", "id"`);
    const byCollation = rows.map((r) => r.name);
    const byCodeUnits = [...byCollation].sort(codeUnits);
    assert.notDeepEqual(byCollation, byCodeUnits);
    // And a comparison without COLLATE "C" disagrees with code units too: the regression this would catch.
    const { rows: cmp } = await server!.raw.query<{ gt: boolean }>(`SELECT 'a' > 'B' AS gt`);
    assert.equal(cmp[0].gt, false);
    assert.equal("a" > "B", true);
  });

  describe("paging", () => {
    pagingTests(() => unavailable ?? server!);
  });
});
