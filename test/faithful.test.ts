import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import {
  bigint,
  integer,
  jsonb,
  numeric,
  real,
  relations,
  serial,
  table,
  text,
  uuid,
  date,
  UnrepresentableValueError,
} from "closql";
import { expectSameAsJs } from "./support/differential";
import { useSeededDatabase } from "./support/database";

/**
 * Issue 7's classes of silent difference, one test each: the exact SQL, and rows equal to the
 * closure run in JavaScript over the rows as PostgreSQL hands them back.
 */
const kinds = table("kinds", {
  id: serial().primaryKey(),
  s: text(),
  ns: text().nullable(),
  nn: integer().nullable(),
  u: uuid().nullable(),
  d: date().nullable(),
  dec: numeric().nullable(),
  r: real().nullable(),
  big: bigint(),
  meta: jsonb<{ x?: number; s?: string; list?: number[] }>().nullable(),
});
const schema = relations({ kinds });
type Kind = typeof kinds.$row;

const seed: Partial<Kind>[] = [
  { id: 1, s: "a\\' OR TRUE --", ns: null, nn: null, u: null, d: null, dec: null, r: null, big: 9223372036854775807n },
  {
    id: 2,
    s: "",
    ns: "x",
    nn: 0,
    u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    d: "2020-01-01",
    dec: "1.0",
    r: 0.1,
    big: -1n,
  },
  {
    id: 3,
    s: "b",
    ns: "",
    nn: 3,
    u: "00000000-0000-0000-0000-000000000000",
    d: "2024-02-29",
    dec: "1.00",
    r: 1.5,
    big: 0n,
  },
  {
    id: 4,
    s: "c",
    ns: "null",
    nn: -4,
    u: null,
    d: "0044-03-15",
    dec: "10",
    r: 3.4028235e38,
    big: -9223372036854775808n,
  },
];
/** JSON written as text, so numbers outside a double's range reach the server as they are. */
const json: Record<number, string> = {
  1: `{"x": 1e400, "s": "a", "list": [1, 2]}`,
  2: `{"x": 1e-400, "s": null}`,
  3: `{"x": 12345678901234567890, "list": null}`,
  4: `null`,
};

describe("faithful beyond the fuzzer", () => {
  const t = useSeededDatabase(schema, kinds, seed);
  let rows: Kind[] = [];
  before(async () => {
    for (const [id, text] of Object.entries(json))
      await t.db.sql`UPDATE kinds SET meta = ${text}::jsonb WHERE id = ${Number(id)}`;
    // What JavaScript sees: the rows as PostgreSQL hands them back (1e400 becomes Infinity).
    rows = await t.db.kinds.orderBy((k) => k.id).all();
  });
  const same = (q: () => Promise<Kind[]>, sql: string) => expectSameAsJs(t, rows, q, sql);
  const SELECT = `SELECT "id", "s", "ns", "nn", "u", "d", "dec", "r", "big", "meta" FROM "kinds"`;

  test("undefined is not null: an optional parameter left undefined, ?. yielding undefined, projections", async () => {
    const nick: string | undefined = [undefined][0];
    await same(
      () =>
        t.db.kinds
          .where((k) => k.ns === nick)
          .orderBy((k) => k.id)
          .all(),
      `${SELECT} WHERE "ns" = $1 ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.kinds
          .where((k) => k.ns?.length === undefined)
          .orderBy((k) => k.id)
          .all(),
      `${SELECT} WHERE (char_length("ns") + (char_length("ns") - char_length(regexp_replace("ns", E'[\\\\U00010000-\\\\U0010FFFF]', '', 'g')))) IS NULL ORDER BY "id"`,
    );
    const projected = await t.db.kinds
      .orderBy((k) => k.id)
      .select((k) => ({ id: k.id, len: k.ns?.length, x: k.meta?.x, s: k.meta?.s }))
      .all();
    assert.deepEqual(
      projected,
      rows.map((k) => ({ id: k.id, len: k.ns?.length, x: k.meta?.x, s: k.meta?.s })),
    );
  });

  test("a captured string joining a JSONB branch keeps its value; one JSONB cannot hold fails before sending", async () => {
    const fallback = "x";
    const projected = await t.db.kinds
      .orderBy((k) => k.id)
      .select((k) => ({ id: k.id, v: (k.meta?.s ?? fallback) + k.id }))
      .all();
    assert.deepEqual(
      projected,
      rows.map((k) => ({ id: k.id, v: (k.meta?.s ?? fallback) + k.id })),
    );
    // 100k fuzz finding: a lone surrogate became SQL NULL here (JavaScript: "a\udc00" + 2).
    const lone = "a\udc00";
    const before = t.events.length;
    await assert.rejects(
      t.db.kinds.select((k) => ({ v: (k.meta?.s ?? lone) + k.id })).all(),
      (e: unknown) => e instanceof UnrepresentableValueError,
    );
    assert.equal(t.events.length, before, "nothing was sent");
  });

  test("uuid, date and numeric compare as the strings JavaScript sees; real as the double it parses", async () => {
    for (const u of ["A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "not a uuid"]) {
      await same(
        () =>
          t.db.kinds
            .where((k) => k.u === u)
            .orderBy((k) => k.id)
            .all(),
        `${SELECT} WHERE "u" = $1 ORDER BY "id"`,
      );
    }
    for (const d of ["2020-1-1", "2020-01-01", "2021-02-30"]) {
      await same(
        () =>
          t.db.kinds
            .where((k) => k.d === d)
            .orderBy((k) => k.id)
            .all(),
        `${SELECT} WHERE "d" = $1 ORDER BY "id"`,
      );
    }
    await same(
      () =>
        t.db.kinds
          .where((k) => k.dec === "1.0")
          .orderBy((k) => k.id)
          .all(),
      `${SELECT} WHERE "dec"::text = '1.0' ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.kinds
          .where((k) => k.r === 0.1)
          .orderBy((k) => k.id)
          .all(),
      `${SELECT} WHERE ("r"::text::float8 = 0.1 AND "r"::text::float8 <> 'NaN') ORDER BY "id"`,
    );
  });

  test("bigint arithmetic is exact beyond int8; JSONB numbers are the doubles JavaScript parses", async () => {
    await same(
      () =>
        t.db.kinds
          .where((k) => k.big + 1n > k.big)
          .orderBy((k) => k.id)
          .all(),
      `${SELECT} WHERE ("big"::numeric + 1) > "big" ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.kinds
          .where((k) => -k.big > 0n)
          .orderBy((k) => k.id)
          .all(),
      `${SELECT} WHERE (-"big"::numeric) > 0 ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.kinds
          .where((k) => k.meta?.x === Infinity)
          .orderBy((k) => k.id)
          .all(),
      `${SELECT} WHERE CASE WHEN jsonb_typeof("meta" -> 'x') = 'number' THEN CASE WHEN abs(("meta" -> 'x')::numeric) >= 1.797693134862315807937289714053034150799e308 THEN CASE WHEN ("meta" -> 'x')::numeric < 0 THEN '-Infinity'::float8 ELSE 'Infinity'::float8 END WHEN abs(("meta" -> 'x')::numeric) < 2.470328229206232720882843964341106861826e-324 THEN CASE WHEN ("meta" -> 'x')::numeric < 0 THEN '-0'::float8 ELSE '0'::float8 END ELSE ("meta" -> 'x')::numeric::float8 END ELSE NULL END = $1 ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.kinds
          .where((k) => !k.meta?.x)
          .orderBy((k) => k.id)
          .all(),
      `${SELECT} WHERE (SELECT ("closql_let1"."closql_let1_1" = 0 OR "closql_let1"."closql_let1_1" = 'NaN') FROM (SELECT CASE WHEN ("meta" -> 'x') IS NULL THEN 'NaN'::float8 WHEN ("meta" -> 'x') = 'null'::jsonb THEN 0::float8 WHEN abs(("meta" -> 'x')::numeric) >= 1.797693134862315807937289714053034150799e308 THEN CASE WHEN ("meta" -> 'x')::numeric < 0 THEN '-Infinity'::float8 ELSE 'Infinity'::float8 END WHEN abs(("meta" -> 'x')::numeric) < 2.470328229206232720882843964341106861826e-324 THEN CASE WHEN ("meta" -> 'x')::numeric < 0 THEN '-0'::float8 ELSE '0'::float8 END ELSE ("meta" -> 'x')::numeric::float8 END AS "closql_let1_1") AS "closql_let1") ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.kinds
          .where((k) => k.meta?.x === 12345678901234567000)
          .orderBy((k) => k.id)
          .all(),
      `${SELECT} WHERE (CASE WHEN jsonb_typeof("meta" -> 'x') = 'number' THEN CASE WHEN abs(("meta" -> 'x')::numeric) >= 1.797693134862315807937289714053034150799e308 THEN CASE WHEN ("meta" -> 'x')::numeric < 0 THEN '-Infinity'::float8 ELSE 'Infinity'::float8 END WHEN abs(("meta" -> 'x')::numeric) < 2.470328229206232720882843964341106861826e-324 THEN CASE WHEN ("meta" -> 'x')::numeric < 0 THEN '-0'::float8 ELSE '0'::float8 END ELSE ("meta" -> 'x')::numeric::float8 END ELSE NULL END = '12345678901234567000'::float8::float8 AND '12345678901234567000'::float8::float8 <> 'NaN') ORDER BY "id"`,
    );
  });

  test("a non-null assertion does not change the value: null + 1 is 1", async () => {
    await same(
      () =>
        t.db.kinds
          .where((k) => k.nn! + 1 === 1)
          .orderBy((k) => k.id)
          .all(),
      `${SELECT} WHERE ((COALESCE("nn", 0)::float8 + 1) = 1 AND (COALESCE("nn", 0)::float8 + 1) <> 'NaN') ORDER BY "id"`,
    );
  });

  test("literals mean the same with standard_conforming_strings off", async () => {
    await t.db.execute("SET standard_conforming_strings = off");
    try {
      await same(
        () =>
          t.db.kinds
            .where((k) => k.s === "a\\' OR TRUE --")
            .orderBy((k) => k.id)
            .all(),
        `${SELECT} WHERE "s" = E'a\\\\'' OR TRUE --' ORDER BY "id"`,
      );
      await same(
        () =>
          t.db.kinds
            .where((k) => k.s.startsWith("a\\"))
            .orderBy((k) => k.id)
            .all(),
        `${SELECT} WHERE "s" LIKE E'a\\\\\\\\%' ORDER BY "id"`,
      );
    } finally {
      await t.db.execute("SET standard_conforming_strings = on");
    }
  });

  test("where after limit filters the page; non-integer literals come back as numbers", async () => {
    const page = await t.db.kinds
      .orderBy((k) => k.id)
      .limit(2)
      .where((k) => k.nn !== null)
      .all();
    assert.equal(
      t.last().sql,
      `SELECT "id", "s", "ns", "nn", "u", "d", "dec", "r", "big", "meta" FROM (${SELECT} ORDER BY "id" LIMIT 2) AS "kinds" WHERE "nn" IS NOT NULL`,
    );
    assert.deepEqual(
      page.map((k) => k.id),
      rows
        .slice(0, 2)
        .filter((k) => k.nn !== null)
        .map((k) => k.id),
    );
    const v = await t.db.kinds
      .orderBy((k) => k.id)
      .limit(1)
      .select((k) => ({ half: -2.25, flag: true }))
      .all();
    assert.deepEqual(v, [{ half: -2.25, flag: true }]);
  });
});
