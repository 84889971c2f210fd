import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import {
  bigint,
  boolean,
  bytea,
  ColumnValueError,
  date,
  doublePrecision,
  integer,
  jsonb,
  numeric,
  pgEnum,
  real,
  relations,
  serial,
  smallint,
  table,
  text,
  timestamp,
  timestamptz,
  uuid,
  varchar,
} from "closql";
import { openTestDatabase, TestDatabase } from "./support/database";

// insertMany sends each column as one array parameter, encoded in one pass (runtime/batch-encode.ts):
// binary for most types, an array literal for the rest. Every value here must be stored as the
// single-row insert (one value per parameter, the other path) stores it, and read back as given.

const mood = pgEnum("mood", ["ok", 'say "hi"', "back\\slash", "NULL", "{x,y}", ""]);
const columns = () => ({
  id: serial().primaryKey(),
  i2: smallint().nullable(),
  i4: integer().nullable(),
  i8: bigint().nullable(),
  i8n: bigint({ mode: "number" }).nullable(),
  f8: doublePrecision().nullable(),
  f4: real().nullable(),
  num: numeric().nullable(),
  txt: text().nullable(),
  vc: varchar(12).nullable(),
  flag: boolean().nullable(),
  ts: timestamptz().nullable(),
  tsl: timestamp().nullable(),
  day: date().nullable(),
  uid: uuid().nullable(),
  doc: jsonb<unknown>().nullable(),
  bin: bytea().nullable(),
  feel: mood().nullable(),
  words: text().array().nullable(),
  counts: integer().array().nullable(),
});
const viaMany = table("via_many", columns());
const viaOne = table("via_one", columns());
const schema = relations({ viaMany, viaOne });
type Insert = typeof viaMany.$insert;

const nastyStrings = [
  "",
  "NULL",
  "null",
  '"',
  '""',
  "\\",
  "\\\\",
  '\\"',
  "{",
  "}",
  "{}",
  "{a,b}",
  ",",
  " padded ",
  "tab\there",
  "new\nline\r\n",
  "é ü ß",
  "😀 astral 𝄞",
  "\u2028\u2029",
  "'single'",
  'a,b,"c",{d}',
];

const instants = [
  new Date(Date.UTC(2000, 0, 1)),
  new Date(Date.UTC(1970, 0, 1)),
  new Date(-1),
  new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)),
  new Date(Date.UTC(2026, 5, 15, 12, 30, 45, 123)),
  (() => {
    const d = new Date(Date.UTC(2000, 0, 1));
    d.setUTCFullYear(-4713, 10, 24); // PostgreSQL's first timestamp
    return d;
  })(),
  (() => {
    const d = new Date(Date.UTC(2000, 0, 1));
    d.setUTCFullYear(50); // a year Date.UTC would read as 1950
    return d;
  })(),
  new Date(8.64e15), // the last Date
];

/** Row i: every column a nasty value or NULL, in turn. */
function nastyRow(i: number): Insert {
  const s = nastyStrings[i % nastyStrings.length];
  const pick = <T>(values: readonly T[]) => values[i % values.length];
  return {
    i2: pick([0, -1, 32767, -32768, null]),
    i4: pick([0, 2147483647, -2147483648, 42, null]),
    i8: pick([0n, 9223372036854775807n, -9223372036854775808n, 1n << 53n, null]),
    i8n: pick([0, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, -7, null]),
    f8: pick([0, -0, NaN, Infinity, -Infinity, 0.1, 1e308, 5e-324, -1.5, Number.MAX_SAFE_INTEGER + 2, null]),
    f4: pick([0, -0, NaN, Infinity, -Infinity, 0.1, 3.4e38, 1.5, 16777217, null]),
    num: pick(["0", "-12.50", "NaN", "123456789012345678901234567890.000000001", "Infinity", null]),
    txt: i % 23 === 22 ? null : s,
    vc: i % 19 === 18 ? null : s.slice(0, 12),
    flag: pick([true, false, null]),
    ts: pick([...instants, null]),
    tsl: pick([null, ...instants]),
    day: pick(["2024-02-29", "0001-01-01 BC", "infinity", "-infinity", "10000-01-01", null]),
    uid: pick(["00000000-0000-0000-0000-000000000000", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", null]),
    doc: pick<unknown>([
      { s },
      [s, 1, null, true],
      s,
      { 'k"ey': "va\\lue", nested: { deep: ['"', "\\", "{", "}"] } },
      0,
      null,
      { empty: "" },
    ]),
    bin: pick([Buffer.from([]), Buffer.from([0, 1, 2, 255, 92, 34, 123, 125, 44]), new Uint8Array([7, 0, 7]), null]),
    feel: pick(["ok", 'say "hi"', "back\\slash", "NULL", "{x,y}", "", null] as const),
    words: pick([[], [s], ["NULL", "", s, "{a}"], null]),
    counts: pick([[], [1, -2, 2147483647], null]),
  };
}

/** A row as stored: id dropped, Uint8Array as Buffer (pg reads bytea as a Buffer). */
function stored(row: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, ...rest } = row;
  return rest;
}

/** What a value of the input reads back as, for the columns that change on the way. */
function expectedOf(row: Insert): Record<string, unknown> {
  const lowered = row.uid === null || row.uid === undefined ? row.uid : row.uid.toLowerCase();
  const bin = row.bin instanceof Uint8Array ? Buffer.from(row.bin) : row.bin;
  const { f4: _f4, ...rest } = row;
  return { ...rest, uid: lowered, bin };
}

describe("insertMany: array parameters encoded in one pass", () => {
  let t: TestDatabase<typeof schema>;
  before(async () => {
    t = await openTestDatabase(schema);
  });
  after(() => t.close());

  test("nasty values: stored as the single-row insert stores them, read back as given, exact SQL", async () => {
    const rows = Array.from({ length: 400 }, (_, i) => nastyRow(i));
    const returned = await t.db.viaMany.insertMany(rows);
    assert.equal(
      t.last().sql,
      `INSERT INTO "via_many" ("i2", "i4", "i8", "i8n", "f8", "f4", "num", "txt", "vc", "flag", "ts", "tsl", "day", "uid", "doc", "bin", "feel", "words", "counts") ` +
        `SELECT "i2", "i4", "i8", "i8n", "f8", "f4", "num", "txt", "vc", "flag", "ts", "tsl", "day", "uid", "doc"::jsonb, "bin", "feel", "words"::text[], "counts"::integer[] ` +
        `FROM unnest($1::smallint[], $2::integer[], $3::bigint[], $4::bigint[], $5::double precision[], $6::real[], $7::numeric[], $8::text[], $9::varchar[], $10::boolean[], $11::timestamptz[], $12::timestamp[], $13::date[], $14::uuid[], $15::text[], $16::bytea[], $17::"mood"[], $18::text[], $19::text[]) ` +
        `WITH ORDINALITY AS r("i2", "i4", "i8", "i8n", "f8", "f4", "num", "txt", "vc", "flag", "ts", "tsl", "day", "uid", "doc", "bin", "feel", "words", "counts", closql_ord) ORDER BY closql_ord ` +
        `RETURNING "id", "i2", "i4", "i8", "i8n", "f8", "f4", "num", "txt", "vc", "flag", "ts", "tsl", "day", "uid", "doc", "bin", "feel", "words", "counts"`,
    );
    for (const row of rows) await t.db.viaOne.insert(row);
    const many = await t.db.viaMany.orderBy((r) => r.id).all();
    const one = await t.db.viaOne.orderBy((r) => r.id).all();
    assert.equal(many.length, rows.length);
    // Both paths store the same values (real included, whatever float4 rounds to).
    assert.deepEqual(many.map(stored), one.map(stored));
    // What insertMany returned is what a read gives, in input order.
    assert.deepEqual(returned, many);
    // And it is the input (real aside: float4 rounds).
    assert.deepEqual(
      many.map((r) => {
        const { f4: _f4, ...rest } = stored(r);
        return rest;
      }),
      rows.map(expectedOf),
    );
    // -0 keeps its sign in double precision and real.
    const negativeZero = many.filter((_, i) => Object.is(rows[i].f8, -0));
    assert.ok(negativeZero.length > 0 && negativeZero.every((r) => Object.is(r.f8, -0)));
    assert.ok(many.some((r, i) => Object.is(rows[i].f4, -0) && Object.is(r.f4, -0)));
  });

  test("NULL, 'NULL' and '' stay apart in every text-like column", async () => {
    const rows: Insert[] = [null, "NULL", ""].map((v) => ({
      txt: v,
      vc: v,
      doc: v,
      feel: v as "NULL" | "" | null,
      words: v === null ? null : [v],
      num: null,
    }));
    const back = await t.db.viaMany.insertMany(rows);
    assert.deepEqual(
      back.map((r) => [r.txt, r.vc, r.doc, r.feel, r.words]),
      [
        [null, null, null, null, null],
        ["NULL", "NULL", "NULL", "NULL", ["NULL"]],
        ["", "", "", "", [""]],
      ],
    );
  });

  test("a value that does not fit its column names the column; a batch of several statements stores nothing", async () => {
    const before = await t.db.viaMany.count();
    const rows = Array.from({ length: 10_050 }, (_, i): Insert => ({ i4: i, txt: `r${i}` }));
    rows[10_020] = { i4: 1.5, txt: "bad" };
    await assert.rejects(
      t.db.viaMany.insertMany(rows),
      (e: unknown) => e instanceof ColumnValueError && e.column === "via_many.i4" && /fraction/.test(e.message),
    );
    rows[10_020] = { i4: 1, txt: "ok", ts: new Date(NaN) };
    await assert.rejects(
      t.db.viaMany.insertMany(rows, { returning: false }),
      (e: unknown) => e instanceof ColumnValueError && e.column === "via_many.ts",
    );
    rows[10_020] = { i4: 1, txt: "bad\u0000" };
    await assert.rejects(
      t.db.viaMany.insertMany(rows),
      (e: unknown) => e instanceof ColumnValueError && e.column === "via_many.txt",
    );
    rows[10_020] = { i4: 1, bin: "not bytes" as never };
    await assert.rejects(
      t.db.viaMany.insertMany(rows),
      (e: unknown) => e instanceof ColumnValueError && e.column === "via_many.bin",
    );
    assert.equal(await t.db.viaMany.count(), before);
    // The same rows, fixed, in three statements: all stored, in input order.
    rows[10_020] = { i4: 10_020, txt: "r10020" };
    const back = await t.db.viaMany.insertMany(rows);
    assert.deepEqual(
      back.map((r) => [r.i4, r.txt]),
      rows.map((r) => [r.i4, r.txt]),
    );
    assert.equal(await t.db.viaMany.count(), before + rows.length);
  });

  test("mixed shapes over several slices come back in input order", async () => {
    const rows = Array.from({ length: 21_000 }, (_, i): Insert =>
      i % 3 === 0 ? { i4: i } : i % 3 === 1 ? { i4: i, txt: `t${i}` } : { i4: i, txt: null, flag: true },
    );
    const back = await t.db.viaMany.insertMany(rows);
    assert.deepEqual(
      back.map((r) => [r.i4, r.txt, r.flag]),
      rows.map((r) => [r.i4, r.txt ?? null, r.flag ?? null]),
    );
  });
});

describe("timestamptz read without a regular expression", () => {
  let t: TestDatabase<typeof schema>;
  before(async () => {
    t = await openTestDatabase(schema);
  });
  after(() => t.close());

  test("the same Dates as pg's own parser, in any TimeZone", async () => {
    const pgParse = pg.types.getTypeParser(1184, "text") as (s: string) => unknown;
    const texts = [
      "2026-01-01 00:00:07.007+00",
      "2000-01-01 00:00:00",
      "1999-12-31 23:59:59.999999",
      "0050-06-01 12:00:00",
      "0001-01-01 00:00:00 BC",
      "4713-11-24 00:00:00 BC",
      "275760-09-13 00:00:00",
      "2020-02-29 12:00:00.5",
      "1900-01-01 00:00:00",
      "infinity",
      "-infinity",
    ];
    for (const zone of ["UTC", "Asia/Kolkata", "America/St_Johns", "Europe/Amsterdam", "Pacific/Kiritimati"]) {
      await t.db.transaction(async (tx) => {
        await tx.execute(`SET LOCAL TIME ZONE '${zone}'`);
        for (const text of texts) {
          const rows = await tx.sql<{
            v: Date | number;
            s: string;
          }>`SELECT ${text}::timestamptz AS v, ${text}::timestamptz::text AS s`;
          // As numbers: an Invalid Date (a year past a Date's range) compares as NaN.
          assert.equal(
            String(Number(rows[0].v)),
            String(Number(pgParse(rows[0].s))),
            `${text} in ${zone} (${rows[0].s})`,
          );
          assert.equal(rows[0].v instanceof Date, pgParse(rows[0].s) instanceof Date);
        }
      });
    }
  });
});
