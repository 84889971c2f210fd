import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { useSeededDatabase } from "./support/database";
import { expectSameAsJs } from "./support/differential";
import { Item, items, nastyRows, nastySchema } from "./support/nasty";

/**
 * Each case asserts the exact SQL the transformer produced and that PostgreSQL returned exactly the
 * rows for which the closure, run in JavaScript on the same rows, is truthy.
 */
describe("where: SQL text and rows equal JavaScript's", () => {
  const rows = nastyRows();
  const t = useSeededDatabase(nastySchema, items, rows);

  const same = (run: () => Promise<Item[]>, sql: string) => expectSameAsJs(t, rows, run, sql);
  const SELECT = `SELECT "id", "s", "ns", "n", "nn", "f", "big", "b", "tags", "at" FROM "items"`;

  test("equality on non-nullable columns, literal and bound", async () => {
    await same(
      () =>
        t.db.items
          .where((r) => r.s === "abc")
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "s" = 'abc' ORDER BY "id"`,
    );
    const v = "%";
    await same(
      () =>
        t.db.items
          .where((r) => r.s === v)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "s" = $1 ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.n !== 7)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "n" <> 7 ORDER BY "id"`,
    );
  });

  test("nullable operands: equality, negation and JS null", async () => {
    await same(
      () =>
        t.db.items
          .where((r) => r.ns === "a")
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "ns" = 'a' ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.ns !== "a")
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("ns" <> 'a' OR "ns" IS NULL) ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => !(r.ns === "a"))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("ns" <> 'a' OR "ns" IS NULL) ORDER BY "id"`,
    );
    for (const v of ["a", null] as (string | null)[]) {
      await same(
        () =>
          t.db.items
            .where((r) => r.ns === v)
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE ("ns" = $1 OR ("ns" IS NULL AND $1 IS NULL)) ORDER BY "id"`,
      );
      await same(
        () =>
          t.db.items
            .where((r) => r.ns !== v)
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE "ns" IS DISTINCT FROM $1 ORDER BY "id"`,
      );
    }
    await same(
      () =>
        t.db.items
          .where((r) => r.ns === r.s)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "ns" = "s" ORDER BY "id"`,
    );
  });

  test("null checks", async () => {
    await same(
      () =>
        t.db.items
          .where((r) => r.nn === null)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "nn" IS NULL ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.nn != null)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "nn" IS NOT NULL ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => null !== r.ns)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "ns" IS NOT NULL ORDER BY "id"`,
    );
  });

  test("numbers against an integer column: fractions, NaN and huge values give JS answers", async () => {
    await same(
      () =>
        t.db.items
          .where((r) => r.n > 1.5)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "n" > 1 ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.n >= 1.5)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "n" >= 2 ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.n === 1.5)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "n" = NULL ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.n !== 1.5)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("n" = NULL) IS NOT TRUE ORDER BY "id"`,
    );
    for (const x of [1.5, -0.5, NaN, Infinity, -Infinity, 1e300, 7, 2147483647]) {
      await same(
        () =>
          t.db.items
            .where((r) => r.n < x)
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE "n" < $1::int8 ORDER BY "id"`,
      );
      await same(
        () =>
          t.db.items
            .where((r) => r.n === x)
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE "n" = $1::int8 ORDER BY "id"`,
      );
      await same(
        () =>
          t.db.items
            .where((r) => !(r.n <= x))
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE "n" > $1::int8 ORDER BY "id"`,
      );
      await same(
        () =>
          t.db.items
            .where((r) => r.nn === x)
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE "nn" = $1::int8 ORDER BY "id"`,
      );
    }
  });

  test("double precision: PostgreSQL's NaN is guarded to behave like JavaScript's", async () => {
    await same(
      () =>
        t.db.items
          .where((r) => r.f !== null && r.f > 1)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("f" IS NOT NULL AND "f" > 1 AND "f" <> 'NaN') ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.f !== null && !(r.f > 1))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("f" IS NOT NULL AND ("f" > 1 AND "f" <> 'NaN') IS NOT TRUE) ORDER BY "id"`,
    );
    for (const x of [NaN, 7, -0]) {
      await same(
        () =>
          t.db.items
            .where((r) => r.f === x)
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE ("f" = $1 AND "f" <> 'NaN') ORDER BY "id"`,
      );
    }
  });

  test("bigint columns compare with bigint values", async () => {
    const v = 2000000014n;
    await same(
      () =>
        t.db.items
          .where((r) => r.big === v)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "big" = $1 ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.big !== null && r.big < 0n)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("big" IS NOT NULL AND "big" < 0) ORDER BY "id"`,
    );
  });

  test("&&, || and ! with nullable operands", async () => {
    await same(
      () =>
        t.db.items
          .where((r) => !(r.ns === "a" || r.nn === 7) && r.n > 0)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE (("ns" <> 'a' OR "ns" IS NULL) AND ("nn" <> 7 OR "nn" IS NULL) AND "n" > 0) ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => !(r.b === true && r.ns !== null))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("b" <> TRUE OR "b" IS NULL OR "ns" IS NULL) ORDER BY "id"`,
    );
  });

  test("JS truthiness of non-boolean and nullable operands", async () => {
    await same(
      () =>
        t.db.items
          .where((r) => !r.ns)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("ns" = '' OR "ns" IS NULL) ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.ns)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "ns" <> '' ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.nn)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "nn" <> 0 ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => !r.f)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("f" = 0 OR "f" = 'NaN' OR "f" IS NULL) ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.b)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "b" ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => !r.b)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "b" IS NOT TRUE ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => !r.big)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("big" = 0 OR "big" IS NULL) ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.tags)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "tags" IS NOT NULL ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => !r.at)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "at" IS NULL ORDER BY "id"`,
    );
  });

  test("row-independent conditions are decided in JavaScript and bound", async () => {
    for (const flag of [true, false, "", "x", 0]) {
      await same(
        () =>
          t.db.items
            .where((r) => flag && r.n === 7)
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE ($1::boolean AND "n" = 7) ORDER BY "id"`,
      );
    }
    await same(
      () =>
        t.db.items
          .where(() => true)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE TRUE ORDER BY "id"`,
    );
  });

  test("startsWith / endsWith / includes escape %, _ and \\", async () => {
    await same(
      () =>
        t.db.items
          .where((r) => r.s.startsWith("a%"))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "s" LIKE E'a\\\\%%' ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.s.endsWith("_b"))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "s" LIKE E'%\\\\_b' ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.s.includes("\\"))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "s" LIKE E'%\\\\\\\\%' ORDER BY "id"`,
    );
    for (const v of ["%", "_", "\\", "", "a", "😀", "'"]) {
      await same(
        () =>
          t.db.items
            .where((r) => r.s.includes(v))
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE "s" LIKE $1 ORDER BY "id"`,
      );
      await same(
        () =>
          t.db.items
            .where((r) => r.s.startsWith(v))
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE "s" LIKE $1 ORDER BY "id"`,
      );
      await same(
        () =>
          t.db.items
            .where((r) => !r.ns?.endsWith(v))
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE ("ns" NOT LIKE $1 OR "ns" IS NULL) ORDER BY "id"`,
      );
    }
    await same(
      () =>
        t.db.items
          .where((r) => r.ns !== null && r.s.startsWith(r.ns))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("ns" IS NOT NULL AND "s" LIKE (replace(replace(replace(COALESCE("ns", 'null'), E'\\\\', E'\\\\\\\\'), '%', E'\\\\%'), '_', E'\\\\_') || '%')) ORDER BY "id"`,
    );
  });

  test("list.includes(column) and arrayColumn.includes(value)", async () => {
    const ids = [1, 2.5, 7, NaN, 42];
    await same(
      () =>
        t.db.items
          .where((r) => ids.includes(r.n))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "n" = ANY($1::int8[]) ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => !ids.includes(r.n))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("n" = ANY($1::int8[])) IS NOT TRUE ORDER BY "id"`,
    );
    const withNull: (string | null)[] = ["a", null];
    await same(
      () =>
        t.db.items
          .where((r) => withNull.includes(r.ns))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("ns" = ANY($1) OR ("ns" IS NULL AND array_position($1, NULL) IS NOT NULL)) ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => ["a", "%", "é"].includes(r.s))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "s" IN ('a', '%', 'é') ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => [].includes(r.s as never))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE FALSE ORDER BY "id"`,
    );
    for (const v of ["a", "%", ""]) {
      await same(
        () =>
          t.db.items
            .where((r) => r.tags !== null && r.tags.includes(v))
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE ("tags" IS NOT NULL AND $1 = ANY("tags")) ORDER BY "id"`,
      );
      await same(
        () =>
          t.db.items
            .where((r) => r.tags !== null && !r.tags.includes(v))
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE ("tags" IS NOT NULL AND ($1 = ANY("tags")) IS NOT TRUE) ORDER BY "id"`,
      );
    }
  });

  test('string ordering compares code points (COLLATE "C"), never the database collation', async () => {
    for (const v of ["a", "B", "é", "_"]) {
      await same(
        () =>
          t.db.items
            .where((r) => r.s < v)
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE ("s" COLLATE "C") < $1 ORDER BY "id"`,
      );
    }
  });

  test("dates compare with < and >", async () => {
    const since = new Date(Date.UTC(2024, 0, 20));
    await same(
      () =>
        t.db.items
          .where((r) => r.at !== null && r.at >= since)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("at" IS NOT NULL AND "at" >= $1) ORDER BY "id"`,
    );
  });

  test("several where calls AND together", async () => {
    await same(
      () =>
        t.db.items
          .where((r) => r.n > 0)
          .where((r) => r.ns !== null)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE "n" > 0 AND "ns" IS NOT NULL ORDER BY "id"`,
    );
  });
});

describe("reads: projection, ordering, paging and terminals", () => {
  const rows = nastyRows();
  const t = useSeededDatabase(nastySchema, items, rows);

  test("select projects columns and computed booleans", async () => {
    const got = await t.db.items
      .where((r) => r.id <= 4)
      .orderBy((r) => r.id)
      .select((r) => ({ id: r.id, label: r.ns, isA: r.ns === "a", hasNn: r.nn !== null }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT "id", "ns" AS "label", ("ns" = 'a') IS TRUE AS "isA", "nn" IS NOT NULL AS "hasNn" FROM "items" WHERE "id" <= 4 ORDER BY "id"`,
    );
    assert.deepEqual(
      got,
      rows.slice(0, 4).map((r) => ({ id: r.id, label: r.ns, isA: r.ns === "a", hasNn: r.nn !== null })),
    );
  });

  test("orderBy: several keys, desc, nulls first/last", async () => {
    const got = await t.db.items
      .orderBy((r) => r.nn, "desc", { nulls: "last" })
      .orderBy((r) => r.id, "asc")
      .select((r) => ({ id: r.id, nn: r.nn }))
      .all();
    assert.equal(t.last().sql, `SELECT "id", "nn" FROM "items" ORDER BY "nn" DESC NULLS LAST, "id"`);
    const expected = [...rows].sort((a, b) =>
      a.nn === b.nn ? a.id - b.id : a.nn === null ? 1 : b.nn === null ? -1 : b.nn - a.nn,
    );
    assert.deepEqual(
      got,
      expected.map((r) => ({ id: r.id, nn: r.nn })),
    );
    await t.db.items.orderBy((r) => r.nn, "asc", { nulls: "first" }).first();
    assert.equal(
      t.last().sql,
      `SELECT "id", "s", "ns", "n", "nn", "f", "big", "b", "tags", "at" FROM "items" ORDER BY "nn" NULLS FIRST LIMIT 1`,
    );
  });

  test("limit and offset, literal and bound", async () => {
    const got = await t.db.items
      .orderBy((r) => r.id)
      .limit(3)
      .offset(2)
      .select((r) => ({ id: r.id }))
      .all();
    assert.equal(t.last().sql, `SELECT "id" FROM "items" ORDER BY "id" LIMIT 3 OFFSET 2`);
    assert.deepEqual(got, [{ id: 3 }, { id: 4 }, { id: 5 }]);
    const n = 2;
    const page = 5;
    const got2 = await t.db.items
      .orderBy((r) => r.id)
      .limit(n)
      .offset(page * n)
      .select((r) => ({ id: r.id }))
      .all();
    assert.equal(t.last().sql, `SELECT "id" FROM "items" ORDER BY "id" LIMIT $1 OFFSET $2`);
    assert.deepEqual(got2, [{ id: 11 }, { id: 12 }]);
    await assert.rejects(() => t.db.items.limit(-1 * n).all(), /non-negative integer/);
  });

  test("first, one, count, exists", async () => {
    assert.equal(
      (
        await t.db.items
          .where((r) => r.id > 10)
          .orderBy((r) => r.id)
          .first()
      )?.id,
      11,
    );
    assert.equal(
      t.last().sql,
      `SELECT "id", "s", "ns", "n", "nn", "f", "big", "b", "tags", "at" FROM "items" WHERE "id" > 10 ORDER BY "id" LIMIT 1`,
    );
    assert.equal(await t.db.items.where((r) => r.id > 1000).first(), undefined);

    assert.equal((await t.db.items.where((r) => r.id === 5).one()).id, 5);
    assert.equal(
      t.last().sql,
      `SELECT "id", "s", "ns", "n", "nn", "f", "big", "b", "tags", "at" FROM "items" WHERE "id" = 5 LIMIT 2`,
    );
    await assert.rejects(() => t.db.items.where((r) => r.id > 5).one(), { name: "CardinalityError" });
    await assert.rejects(() => t.db.items.where((r) => r.id > 500).one(), { name: "CardinalityError" });

    assert.equal(await t.db.items.where((r) => r.ns === null).count(), rows.filter((r) => r.ns === null).length);
    assert.equal(t.last().sql, `SELECT count(*) FROM "items" WHERE "ns" IS NULL`);
    assert.equal(
      await t.db.items
        .orderBy((r) => r.id)
        .limit(5)
        .offset(57)
        .count(),
      3,
    );
    assert.equal(t.last().sql, `SELECT count(*) FROM (SELECT 1 FROM "items" LIMIT 5 OFFSET 57) AS q`);

    assert.equal(await t.db.items.where((r) => r.s === "😀").exists(), true);
    assert.equal(t.last().sql, `SELECT EXISTS (SELECT 1 FROM "items" WHERE "s" = '😀')`);
    assert.equal(await t.db.items.where((r) => r.s === "nope").exists(), false);

    const lim = 3;
    assert.equal(
      (
        await t.db.items
          .orderBy((r) => r.id)
          .limit(lim)
          .first()
      )?.id,
      1,
    );
    assert.equal(
      t.last().sql,
      `SELECT "id", "s", "ns", "n", "nn", "f", "big", "b", "tags", "at" FROM "items" ORDER BY "id" LIMIT LEAST($1, 1)`,
    );
  });
});
