import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { avg, count, max, min, sum } from "closql";
import { openTestDatabase, TestDatabase } from "./support/database";
import * as A from "./support/fuzz-multi-reference";
import { CHILDREN, mc, MICROSECONDS, mp, multiSchema, PARENTS } from "./support/fuzz-multi-schema";

// Regressions found by the multi-table fuzzer (test/fuzz-multi.test.ts): each query's exact SQL,
// and its rows against the same closures computed in JavaScript over the seeded rows.
describe("aggregates, grouping and distinct as JavaScript computes them", () => {
  let t: TestDatabase<typeof multiSchema>;
  before(async () => {
    t = await openTestDatabase(multiSchema);
    await t.seed(mp, PARENTS);
    await t.seed(mc, CHILDREN);
    for (const statement of MICROSECONDS) await t.db.execute(statement);
  });
  after(() => t.close());

  test("an aggregate inside a repeated operand is repeated, not moved into a subquery of its own", async () => {
    const rows = await t.db.mp
      .groupBy((a) => a.n)
      .orderBy((a) => a.n)
      .select((a) => ({ n: a.n, fewer: count() - count(a.nn) < count(a.f) }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT "n", ((count(*)::float8 - count("nn")::float8) < count("f") AND (count(*)::float8 - count("nn")::float8) <> 'NaN') IS TRUE AS "fewer" FROM "mp" GROUP BY "n" ORDER BY "n"`,
    );
    const expected = A.groups(A.start(PARENTS), (a) => a.n)
      .map((g) => ({ n: A.key(g, (a) => a.n), fewer: A.count(g) - A.count(g, (a) => a.nn) < A.count(g, (a) => a.f) }))
      .sort((x, y) => x.n - y.n);
    assert.deepEqual(rows, expected);
  });

  test("min/max of strings combine with case-mapped strings (no clash of explicit collations)", async () => {
    const rows = await t.db.mp
      .groupBy((a) => a.s.toLowerCase())
      .having((a) => (min(a.s) ?? "") !== a.s.toLowerCase())
      .orderBy((a) => a.s.toLowerCase())
      .select((a) => ({ key: a.s.toLowerCase(), least: min(a.s), most: max(a.ns) }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT lower("s" COLLATE "und-x-icu") AS "key", (SELECT min("s" COLLATE "C")) AS "least", (SELECT max("ns" COLLATE "C")) AS "most" FROM "mp" GROUP BY lower("s" COLLATE "und-x-icu") HAVING COALESCE((SELECT min("s" COLLATE "C")), '') <> lower("s" COLLATE "und-x-icu") ORDER BY lower("s" COLLATE "und-x-icu") COLLATE "C"`,
    );
    const expected = A.groups(A.start(PARENTS), (a) => a.s.toLowerCase())
      .filter((g) => (A.min(g, (a) => a.s) ?? "") !== A.key(g, (a) => a.s.toLowerCase()))
      .map((g) => ({
        key: A.key(g, (a) => a.s.toLowerCase()),
        least: A.min(g, (a) => a.s),
        most: A.max(g, (a) => a.ns),
      }))
      .sort((x, y) => A.compareValues(x.key, y.key));
    assert.deepEqual(rows, expected);
  });

  test("an aggregate over no values is null, also of a left-joined row's optional column", async () => {
    const rows = await t.db.mp
      .leftJoin(mc, (a, b) => a.id === b.pid)
      .groupBy((a) => a.id)
      .orderBy((a) => a.id)
      .select((a, b) => ({ id: a.id, first: min(b?.s), lowest: min(b?.n), kids: count(b) }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT "mp"."id", (SELECT min("mc"."s" COLLATE "C")) AS "first", min("mc"."n") AS "lowest", count("mc"."id") AS "kids" FROM "mp" LEFT JOIN "mc" ON "mp"."id" = "mc"."pid" GROUP BY "mp"."id" ORDER BY "mp"."id"`,
    );
    const expected = A.groups(
      A.join(A.start(PARENTS), CHILDREN, (a, b) => a.id === b.pid, true),
      (a, _b) => a.id,
    ).map((g) => ({
      id: A.key(g, (a, _b) => a.id),
      first: A.min(g, (a, b) => b?.s),
      lowest: A.min(g, (a, b) => b?.n),
      kids: A.count(g, (a, b) => b),
    }));
    assert.ok(expected.some((r) => r.first === null));
    assert.deepEqual(rows, expected);
  });

  test('numeric groups and distinct rows as JavaScript strings: "1.0", "1.00" and "1" are three', async () => {
    const groups = await t.db.mp
      .groupBy((a) => a.dec)
      .select((a) => ({ dec: a.dec, n: count() }))
      .all();
    assert.equal(t.last().sql, `SELECT "dec"::text AS "dec", count(*) AS "n" FROM "mp" GROUP BY "dec"::text`);
    const expected = A.groups(A.start(PARENTS), (a) => a.dec).map((g) => ({
      dec: A.key(g, (a) => a.dec),
      n: A.count(g),
    }));
    const byDec = (x: { dec: string | null }, y: { dec: string | null }) =>
      A.canonical(x.dec).localeCompare(A.canonical(y.dec));
    assert.deepEqual([...groups].sort(byDec), [...expected].sort(byDec));
    const distinct = await t.db.mp
      .leftJoin(mc, (a, b) => a.id === b.pid)
      .distinct()
      .select((a, b) => ({ dec: a.dec, kid: b }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT DISTINCT "mp"."dec"::text AS "dec", "mc"."id", "mc"."pid", "mc"."s", "mc"."ns", "mc"."n", "mc"."nn", "mc"."f", "mc"."big", "mc"."dec"::text, "mc"."b", date_trunc('milliseconds', "mc"."at"), date_trunc('milliseconds', "mc"."ts"), "mc"."d", "mc"."u", "mc"."m", "mc"."j" FROM "mp" LEFT JOIN "mc" ON "mp"."id" = "mc"."pid"`,
    );
    const rows = A.output(
      A.join(A.start(PARENTS), CHILDREN, (a, b) => a.id === b.pid, true),
      (a, b) => ({ dec: a.dec, kid: b }),
      [],
      true,
    ).map((e) => e.v);
    const canonical = (rs: readonly unknown[]) => rs.map(A.canonical).sort();
    assert.deepEqual(canonical(distinct), canonical(rows));
  });

  test("distinct sorted by a selected string: the select-list entry takes the sort's collation", async () => {
    const rows = await t.db.mp
      .distinct()
      .orderBy((a) => a.s, "desc")
      .select((a) => ({ s: a.s, lower: a.s.toLowerCase() }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT DISTINCT "s" COLLATE "C" AS "s", lower("s" COLLATE "und-x-icu") AS "lower" FROM "mp" ORDER BY "s" COLLATE "C" DESC`,
    );
    const expected = A.output(A.start(PARENTS), (a) => ({ s: a.s, lower: a.s.toLowerCase() }), [(a) => a.s], true)
      .sort((x, y) => A.compareKeys(x.k, y.k, [["desc", null]]))
      .map((e) => e.v);
    assert.deepEqual(rows, expected);
  });

  test("timestamps group by the millisecond a Date holds (rows 1, 2 and 12 differ in microseconds only)", async () => {
    const rows = await t.db.mp
      .where((a) => a.at !== null && a.at < new Date("2024-01-02"))
      .groupBy((a) => a.at)
      .select((a) => ({ at: a.at, n: count() }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT date_trunc('milliseconds', "at") AS "at", count(*) AS "n" FROM "mp" WHERE ("at" IS NOT NULL AND "at" < $1) GROUP BY date_trunc('milliseconds', "at")`,
    );
    const expected = A.groups(
      A.start(A.withInfiniteDates(PARENTS)).filter(([a]) => a.at !== null && a.at < new Date("2024-01-02")),
      (a) => a.at,
    ).map((g) => ({ at: A.key(g, (a) => a.at), n: A.count(g) }));
    const canonical = (rs: readonly unknown[]) => rs.map(A.canonical).sort();
    assert.deepEqual(canonical(rows), canonical(expected));
  });

  test("aggregates of a JSON path take its JavaScript values and skip JSON null and missing keys", async () => {
    const row = await t.db.mp
      .select((a) => ({
        most: max(a.j?.v),
        total: sum(a.j?.v),
        mean: avg(a.j?.v),
        n: count(a.j?.k),
        least: min(a.j?.k),
      }))
      .one();
    assert.equal(
      t.last().sql,
      `SELECT max(CASE WHEN ("j" -> 'v') = 'null'::jsonb THEN NULL WHEN abs(("j" -> 'v')::numeric) >= 1.797693134862315807937289714053034150799e308 THEN CASE WHEN ("j" -> 'v')::numeric < 0 THEN '-Infinity'::float8 ELSE 'Infinity'::float8 END WHEN abs(("j" -> 'v')::numeric) < 2.470328229206232720882843964341106861826e-324 THEN CASE WHEN ("j" -> 'v')::numeric < 0 THEN '-0'::float8 ELSE '0'::float8 END ELSE ("j" -> 'v')::numeric::float8 END) AS "most", sum(CASE WHEN ("j" -> 'v') = 'null'::jsonb THEN NULL WHEN abs(("j" -> 'v')::numeric) >= 1.797693134862315807937289714053034150799e308 THEN CASE WHEN ("j" -> 'v')::numeric < 0 THEN '-Infinity'::float8 ELSE 'Infinity'::float8 END WHEN abs(("j" -> 'v')::numeric) < 2.470328229206232720882843964341106861826e-324 THEN CASE WHEN ("j" -> 'v')::numeric < 0 THEN '-0'::float8 ELSE '0'::float8 END ELSE ("j" -> 'v')::numeric::float8 END) AS "total", avg(CASE WHEN ("j" -> 'v') = 'null'::jsonb THEN NULL WHEN abs(("j" -> 'v')::numeric) >= 1.797693134862315807937289714053034150799e308 THEN CASE WHEN ("j" -> 'v')::numeric < 0 THEN '-Infinity'::float8 ELSE 'Infinity'::float8 END WHEN abs(("j" -> 'v')::numeric) < 2.470328229206232720882843964341106861826e-324 THEN CASE WHEN ("j" -> 'v')::numeric < 0 THEN '-0'::float8 ELSE '0'::float8 END ELSE ("j" -> 'v')::numeric::float8 END) AS "mean", count(("j" -> 'k') #>> '{}') AS "n", (SELECT min((("j" -> 'k') #>> '{}') COLLATE "C")) AS "least" FROM "mp" LIMIT 2`,
    );
    const g = A.start(PARENTS);
    assert.deepEqual(row, {
      most: A.max(g, (a) => a.j?.v),
      total: A.sum(g, (a) => a.j?.v, "double"),
      mean: A.avg(g, (a) => a.j?.v, "double"),
      n: A.count(g, (a) => a.j?.k),
      least: A.min(g, (a) => a.j?.k),
    });
  });

  test("getTime() of two absent timestamps: undefined === undefined (NULL with NULL), ±infinity equal", async () => {
    const pairs = await t.db.mp
      .join(mc, (a, b) => a.at?.getTime() === b.at?.getTime())
      .orderBy((a) => a.id)
      .orderBy((a, b) => b.id)
      .select((a, b) => ({ a: a.id, b: b.id }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT "mp"."id" AS "a", "mc"."id" AS "b" FROM "mp" JOIN "mc" ON (date_trunc('milliseconds', "mp"."at") = date_trunc('milliseconds', "mc"."at") OR ("mp"."at" IS NULL AND "mc"."at" IS NULL)) ORDER BY "mp"."id", "mc"."id"`,
    );
    const [parents, children] = [A.withInfiniteDates(PARENTS), A.withInfiniteDates(CHILDREN)];
    const expected = A.output(
      A.join(A.start(parents), children, (a, b) => a.at?.getTime() === b.at?.getTime(), false),
      (a, b) => ({ a: a.id, b: b.id }),
      [],
    )
      .map((e) => e.v)
      .sort((x, y) => (x.a as number) - (y.a as number) || (x.b as number) - (y.b as number));
    assert.deepEqual(pairs, expected);
  });

  test("a group key's expression stays at the grouped level: an operand reading it is repeated, not shared in a subquery", async () => {
    const rows = await t.db.mp
      .groupBy((a) => a.f ?? -1)
      .having((a) => (a.f ?? -1) * (a.f ?? -1) !== (a.f ?? -1))
      .select((a) => ({ key: a.f ?? -1, square: (a.f ?? -1) * (a.f ?? -1) !== (a.f ?? -1), n: count() }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT COALESCE("f", (-1)::float8) AS "key", (((COALESCE("f", (-1)::float8) * COALESCE("f", (-1)::float8)) = COALESCE("f", (-1)::float8) AND (COALESCE("f", (-1)::float8) * COALESCE("f", (-1)::float8)) <> 'NaN' AND COALESCE("f", (-1)::float8) <> 'NaN') IS NOT TRUE) IS TRUE AS "square", count(*) AS "n" FROM "mp" GROUP BY COALESCE("f", (-1)::float8) HAVING ((COALESCE("f", (-1)::float8) * COALESCE("f", (-1)::float8)) = COALESCE("f", (-1)::float8) AND (COALESCE("f", (-1)::float8) * COALESCE("f", (-1)::float8)) <> 'NaN' AND COALESCE("f", (-1)::float8) <> 'NaN') IS NOT TRUE`,
    );
    const expected = A.groups(A.start(PARENTS), (a) => a.f ?? -1)
      .filter((g) => A.key(g, (a) => (a.f ?? -1) * (a.f ?? -1) !== (a.f ?? -1)))
      .map((g) => ({
        key: A.key(g, (a) => a.f ?? -1),
        square: A.key(g, (a) => (a.f ?? -1) * (a.f ?? -1) !== (a.f ?? -1)),
        n: A.count(g),
      }));
    const canonical = (rs: readonly unknown[]) => rs.map(A.canonical).sort();
    assert.ok(expected.length > 1);
    assert.deepEqual(canonical(rows), canonical(expected));
    // A plain group key may be read in the subquery: the operand stays shared there.
    const plain = await t.db.mp
      .groupBy((a) => a.f)
      .having((a) => (a.f ?? -1) * (a.f ?? -1) !== (a.f ?? -1))
      .select((a) => ({ f: a.f, n: count() }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT "f", count(*) AS "n" FROM "mp" GROUP BY "f" HAVING (SELECT ("closql_let1"."closql_let1_1" = COALESCE("f", (-1)::float8) AND "closql_let1"."closql_let1_1" <> 'NaN' AND COALESCE("f", (-1)::float8) <> 'NaN') IS NOT TRUE FROM (SELECT COALESCE("f", (-1)::float8) * COALESCE("f", (-1)::float8) AS "closql_let1_1") AS "closql_let1")`,
    );
    const plainExpected = A.groups(A.start(PARENTS), (a) => a.f)
      .filter((g) => A.key(g, (a) => (a.f ?? -1) * (a.f ?? -1) !== (a.f ?? -1)))
      .map((g) => ({ f: A.key(g, (a) => a.f), n: A.count(g) }));
    assert.deepEqual(canonical(plain), canonical(plainExpected));
  });

  test("a timestamp key another key follows sorts by the millisecond a Date holds (rows 1, 2 and 12 tie)", async () => {
    const rows = await t.db.mp
      .where((a) => a.at !== null && a.at < new Date("2024-01-02"))
      .orderBy((a) => a.at)
      .orderBy((a) => a.id, "desc")
      .select((a) => ({ id: a.id, at: a.at }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT "id", "at" FROM "mp" WHERE ("at" IS NOT NULL AND "at" < $1) ORDER BY date_trunc('milliseconds', "at" AT TIME ZONE 'UTC'), "id" DESC`,
    );
    const expected = A.start(A.withInfiniteDates(PARENTS))
      .map(([a]) => a)
      .filter((a) => a.at !== null && a.at < new Date("2024-01-02"))
      .sort((x, y) => x.at!.getTime() - y.at!.getTime() || y.id - x.id)
      .map((a) => ({ id: a.id, at: a.at }));
    const tied = rows.findIndex((r) => r.id === 12);
    assert.deepEqual(
      rows.slice(tied, tied + 3).map((r) => r.id),
      [12, 2, 1],
    );
    assert.deepEqual(rows.map(A.canonical), expected.map(A.canonical));
    // Grouped, the key is the GROUP BY key, cut the same way (PostgreSQL matches it).
    const groups = await t.db.mp
      .where((a) => a.at !== null && a.at < new Date("2024-01-02"))
      .groupBy((a) => a.at)
      .orderBy((a) => a.at, "desc")
      .select((a) => ({ at: a.at, n: count() }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT date_trunc('milliseconds', "at") AS "at", count(*) AS "n" FROM "mp" WHERE ("at" IS NOT NULL AND "at" < $1) GROUP BY date_trunc('milliseconds', "at") ORDER BY date_trunc('milliseconds', "at") DESC`,
    );
    const expectedGroups = A.groups(
      A.start(A.withInfiniteDates(PARENTS)).filter(([a]) => a.at !== null && a.at < new Date("2024-01-02")),
      (a) => a.at,
    )
      .map((g) => ({ at: A.key(g, (a) => a.at), n: A.count(g) }))
      .sort((x, y) => y.at!.getTime() - x.at!.getTime());
    assert.deepEqual(groups.map(A.canonical), expectedGroups.map(A.canonical));
  });
});
