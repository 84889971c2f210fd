import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  containsAll,
  contains,
  hasKey,
  ilike,
  integer,
  jsonb,
  matches,
  overlaps,
  pgEnum,
  relations,
  serial,
  similarity,
  sqlFunction,
  table,
  text,
  timestamptz,
} from "closql";
import { useSeededDatabase } from "./support/database";
import { expectSameAsJs } from "./support/differential";
import { Item, items, nastyRows, nastySchema } from "./support/nasty";

const SELECT = `SELECT "id", "s", "ns", "n", "nn", "f", "big", "b", "tags", "at" FROM "items"`;

describe("the closure language on the nasty rows", () => {
  const rows = nastyRows();
  const t = useSeededDatabase(nastySchema, items, rows);
  const same = (run: () => Promise<Item[]>, sql: string) => expectSameAsJs(t, rows, run, sql);

  test("?? and ?: (CASE)", async () => {
    await same(
      () =>
        t.db.items
          .where((r) => (r.nn ?? 0) > 5)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE COALESCE("nn", 0) > 5 ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => (r.ns ?? "a") === "a")
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE COALESCE("ns", 'a') = 'a' ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => (r.b === null ? r.n > 1 : r.b))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE CASE WHEN "b" IS NULL THEN "n" > 1 ELSE "b" END ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => !(r.b === null ? r.n > 1 : r.b))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE CASE WHEN "b" IS NULL THEN "n" <= 1 ELSE "b" IS NOT TRUE END ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => (r.n > 0 ? r.s : "x") === "a")
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE CASE WHEN "n" > 0 THEN "s" ELSE 'x' END = 'a' ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => !(r.ns || r.s))
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("ns" = '' OR "ns" IS NULL) AND "s" = '' ORDER BY "id"`.replace(
        `WHERE ("ns" = '' OR "ns" IS NULL) AND "s" = ''`,
        `WHERE (("ns" = '' OR "ns" IS NULL) AND "s" = '')`,
      ),
    );
  });

  test("arithmetic has JavaScript semantics: doubles, no integer division, x/0 is ±Infinity or NaN", async () => {
    await same(
      () =>
        t.db.items
          .where((r) => r.n / 2 === 0.5)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE (("n"::float8 / 2) = 0.5 AND ("n"::float8 / 2) <> 'NaN') ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.n * 2 + 1 > 10)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ((("n"::float8 * 2) + 1) > 10 AND (("n"::float8 * 2) + 1) <> 'NaN') ORDER BY "id"`,
    );
    for (const d of [0, -0, 2, -3]) {
      await same(
        () =>
          t.db.items
            .where((r) => r.n / d > 1)
            .orderBy((r) => r.id)
            .all(),
        `${SELECT} WHERE (SELECT ("closql_let1"."closql_let1_1" > 1 AND "closql_let1"."closql_let1_1" <> 'NaN') FROM (SELECT CASE WHEN $1::float8 = 0 THEN CASE WHEN ("n"::float8 = 'NaN' OR "n"::float8 = 0) THEN 'NaN'::float8 WHEN ("n"::float8 > 0) = ($1::float8::text NOT LIKE '-%') THEN 'Infinity'::float8 ELSE '-Infinity'::float8 END ELSE "n"::float8 / $1::float8 END AS "closql_let1_1") AS "closql_let1") ORDER BY "id"`,
      );
    }
    await same(
      () =>
        t.db.items
          .where((r) => r.n % 3 === -1)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("n" % 3) = (-1) ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.f !== null && r.f - 1 < 0)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("f" IS NOT NULL AND ("f" - 1) < 0 AND ("f" - 1) <> 'NaN') ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => -r.n > 0)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ((-"n"::float8) > 0 AND (-"n"::float8) <> 'NaN') ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.big !== null && r.big / 3n > 1n)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("big" IS NOT NULL AND div("big"::numeric, 3) > 1) ORDER BY "id"`,
    );
  });

  test("string + and template literals use JavaScript's ToString (null becomes 'null')", async () => {
    await same(
      () =>
        t.db.items
          .where((r) => r.s + "!" === "a!")
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("s" || '!') = 'a!' ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => `${r.ns}-${r.n}` === "null-7")
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ((COALESCE("ns", 'null') || '-') || "n"::text) = 'null-7' ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.s + r.b === "atrue")
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("s" || COALESCE("b"::text, 'null')) = 'atrue' ORDER BY "id"`,
    );
  });

  test("toLowerCase, toUpperCase, trim and length follow JavaScript (full case mapping, UTF-16 length)", async () => {
    await same(
      () =>
        t.db.items
          .where((r) => r.s.toUpperCase() === "A")
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE upper("s" COLLATE "und-x-icu") = 'A' ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.s.toLowerCase() === r.s)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE lower("s" COLLATE "und-x-icu") = "s" ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.s.length === 2)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE (char_length("s") + (char_length("s") - char_length(regexp_replace("s", E'[\\\\U00010000-\\\\U0010FFFF]', '', 'g')))) = 2 ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.s.trim() !== r.s)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE btrim("s", E'\\u0009\\u000a\\u000b\\u000c\\u000d\\u0020\\u00a0\\u1680\\u2000\\u2001\\u2002\\u2003\\u2004\\u2005\\u2006\\u2007\\u2008\\u2009\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff') <> "s" ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.items
          .where((r) => r.tags !== null && r.tags.length > 1)
          .orderBy((r) => r.id)
          .all(),
      `${SELECT} WHERE ("tags" IS NOT NULL AND cardinality("tags") > 1) ORDER BY "id"`,
    );
  });

  test("Date comparisons are to the millisecond, like JavaScript's, while still index-friendly", async () => {
    // Give some rows microseconds JavaScript cannot see.
    await t.db.execute(`UPDATE items SET "at" = "at" + interval '500 microseconds' WHERE id % 2 = 0`);
    const fresh = await t.db.items.orderBy((r) => r.id).all();
    const sameFresh = (run: () => Promise<Item[]>, sql: string) => expectSameAsJs(t, fresh, run, sql);
    for (const r of fresh.filter((x) => x.at !== null).slice(0, 6)) {
      const d = r.at!;
      await sameFresh(
        () =>
          t.db.items
            .where((x) => x.at !== null && x.at > d)
            .orderBy((x) => x.id)
            .all(),
        `${SELECT} WHERE ("at" IS NOT NULL AND "at" >= $1) ORDER BY "id"`,
      );
      await sameFresh(
        () =>
          t.db.items
            .where((x) => x.at !== null && x.at <= d)
            .orderBy((x) => x.id)
            .all(),
        `${SELECT} WHERE ("at" IS NOT NULL AND "at" < $1) ORDER BY "id"`,
      );
      await sameFresh(
        () =>
          t.db.items
            .where((x) => x.at !== null && x.at.getTime() === d.getTime())
            .orderBy((x) => x.id)
            .all(),
        `${SELECT} WHERE ("at" IS NOT NULL AND "at" >= $1 AND "at" < $2) ORDER BY "id"`,
      );
    }
    const since = new Date(Date.UTC(2024, 0, 15));
    const day = 24 * 3600 * 1000;
    await sameFresh(
      () =>
        t.db.items
          .where((x) => x.at !== null && x.at < new Date(since.getTime() + 3 * day))
          .orderBy((x) => x.id)
          .all(),
      `${SELECT} WHERE ("at" IS NOT NULL AND "at" < $1) ORDER BY "id"`,
    );
    await sameFresh(
      () =>
        t.db.items
          .where((x) => x.at !== null && !(x.at >= since))
          .orderBy((x) => x.id)
          .all(),
      `${SELECT} WHERE ("at" IS NOT NULL AND ("at" >= $1) IS NOT TRUE) ORDER BY "id"`,
    );
  });

  test("row-independent subexpressions are evaluated once per execution in JavaScript and bound", async () => {
    let calls = 0;
    const f = (x: number) => (calls++, x + 1);
    const obj = { a: { b: "a" } };
    const got = await t.db.items
      .where((r) => r.n === f(6) && r.s !== obj.a.b)
      .orderBy((r) => r.id)
      .all();
    assert.equal(calls, 1, "evaluated once per execution, not per row");
    assert.equal(t.last().sql, `${SELECT} WHERE ("n" = $1::int8 AND "s" <> $2) ORDER BY "id"`);
    assert.deepEqual(t.last().params, [7, "a"]);
    assert.deepEqual(
      got.map((r) => r.id),
      rows.filter((r) => r.n === 7 && r.s !== "a").map((r) => r.id),
    );
  });
});

export const plan = pgEnum("plan", ["free", "pro"]);
export const docs = table("docs", {
  id: serial().primaryKey(),
  title: text(),
  body: text().nullable(),
  plan: plan(),
  rank: integer().nullable(),
  meta: jsonb<{ plan: string; seats?: number; flags?: string[]; nested?: { a: number | null } }>().nullable(),
  labels: text().array(),
  created: timestamptz().nullable(),
});
const docsSchema = relations({ docs });
type Doc = typeof docs.$row;

const levenshtein = sqlFunction<(a: string, b: string) => number>("levenshtein");
const upperText = sqlFunction<(a: string) => string>("upper");

describe("JSONB paths, enums and PostgreSQL marker functions", () => {
  const rows: Doc[] = [
    {
      id: 1,
      title: "Postgres full text search",
      body: "The quick brown fox jumps over the lazy dog",
      plan: "pro",
      rank: 3,
      meta: { plan: "pro", seats: 5, flags: ["a", "b"], nested: { a: 1 } },
      labels: ["db", "pg"],
      created: null,
    },
    {
      id: 2,
      title: "postgres arrays",
      body: null,
      plan: "free",
      rank: null,
      meta: { plan: "free" },
      labels: ["pg"],
      created: null,
    },
    { id: 3, title: "Closures", body: "", plan: "free", rank: 0, meta: null, labels: [], created: null },
    {
      id: 4,
      title: "JSON null",
      body: "foxes",
      plan: "pro",
      rank: -1,
      meta: { plan: "", seats: 0, nested: { a: null } },
      labels: ["json", "db"],
      created: null,
    },
    {
      id: 5,
      title: "Seats as zero",
      body: "dogs",
      plan: "free",
      rank: 10,
      meta: { plan: "team", seats: 12 },
      labels: ["x"],
      created: null,
    },
  ];
  const t = useSeededDatabase(docsSchema, docs, rows);
  const same = (run: () => Promise<Doc[]>, sql: string) => expectSameAsJs(t, rows, run, sql);
  const DOCS = `SELECT "id", "title", "body", "plan", "rank", "meta", "labels", "created" FROM "docs"`;

  test("JSONB property paths with optional chaining and typed comparison", async () => {
    await same(
      () =>
        t.db.docs
          .where((d) => d.meta?.plan === "pro")
          .orderBy((d) => d.id)
          .all(),
      `${DOCS} WHERE ("meta" -> 'plan') = '"pro"'::jsonb ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.docs
          .where((d) => d.meta?.seats === undefined)
          .orderBy((d) => d.id)
          .all(),
      `${DOCS} WHERE ("meta" -> 'seats') IS NULL ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.docs
          .where((d) => d.meta?.nested?.a === null)
          .orderBy((d) => d.id)
          .all(),
      `${DOCS} WHERE (("meta" -> 'nested') -> 'a') = 'null'::jsonb ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.docs
          .where((d) => !d.meta?.seats)
          .orderBy((d) => d.id)
          .all(),
      `${DOCS} WHERE (SELECT ("closql_let1"."closql_let1_1" = 0 OR "closql_let1"."closql_let1_1" = 'NaN') FROM (SELECT CASE WHEN ("meta" -> 'seats') IS NULL THEN 'NaN'::float8 WHEN ("meta" -> 'seats') = 'null'::jsonb THEN 0::float8 WHEN abs(("meta" -> 'seats')::numeric) >= 1.797693134862315807937289714053034150799e308 THEN CASE WHEN ("meta" -> 'seats')::numeric < 0 THEN '-Infinity'::float8 ELSE 'Infinity'::float8 END WHEN abs(("meta" -> 'seats')::numeric) < 2.470328229206232720882843964341106861826e-324 THEN CASE WHEN ("meta" -> 'seats')::numeric < 0 THEN '-0'::float8 ELSE '0'::float8 END ELSE ("meta" -> 'seats')::numeric::float8 END AS "closql_let1_1") AS "closql_let1") ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.docs
          .where((d) => (d.meta?.seats ?? 0) > 4)
          .orderBy((d) => d.id)
          .all(),
      `${DOCS} WHERE (SELECT CASE WHEN abs("closql_let1"."closql_let1_1"::numeric) >= 1.797693134862315807937289714053034150799e308 THEN CASE WHEN "closql_let1"."closql_let1_1"::numeric < 0 THEN '-Infinity'::float8 ELSE 'Infinity'::float8 END WHEN abs("closql_let1"."closql_let1_1"::numeric) < 2.470328229206232720882843964341106861826e-324 THEN CASE WHEN "closql_let1"."closql_let1_1"::numeric < 0 THEN '-0'::float8 ELSE '0'::float8 END ELSE "closql_let1"."closql_let1_1"::numeric::float8 END FROM (SELECT CASE WHEN (("meta" -> 'seats') IS NULL OR ("meta" -> 'seats') = 'null'::jsonb) THEN '0'::jsonb ELSE "meta" -> 'seats' END AS "closql_let1_1") AS "closql_let1") > 4 ORDER BY "id"`,
    );
    const p = "free";
    await same(
      () =>
        t.db.docs
          .where((d) => d.meta !== null && d.meta.plan !== p)
          .orderBy((d) => d.id)
          .all(),
      `${DOCS} WHERE ("meta" IS NOT NULL AND "meta" <> 'null'::jsonb AND (("meta" -> 'plan') = $1::jsonb) IS NOT TRUE) ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.docs
          .where((d) => d.meta !== null && d.meta.plan.startsWith("t"))
          .orderBy((d) => d.id)
          .all(),
      `${DOCS} WHERE ("meta" IS NOT NULL AND "meta" <> 'null'::jsonb AND (("meta" -> 'plan') #>> '{}') LIKE 't%') ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.docs
          .where((d) => d.meta?.flags?.[0] === "a")
          .orderBy((d) => d.id)
          .all(),
      `${DOCS} WHERE (("meta" -> 'flags') -> 0) = '"a"'::jsonb ORDER BY "id"`,
    );
  });

  test("enums compare as the string JavaScript sees", async () => {
    await same(
      () =>
        t.db.docs
          .where((d) => d.plan === "pro")
          .orderBy((d) => d.id)
          .all(),
      `${DOCS} WHERE "plan" = 'pro' ORDER BY "id"`,
    );
    await same(
      () =>
        t.db.docs
          .where((d) => d.plan < "g")
          .orderBy((d) => d.id)
          .all(),
      `${DOCS} WHERE ("plan"::text COLLATE "C") < 'g' ORDER BY "id"`,
    );
  });

  test("marker functions compile to PostgreSQL operators", async () => {
    const byIlike = await t.db.docs
      .where((d) => ilike(d.title, "postgres%"))
      .orderBy((d) => d.id)
      .select((d) => ({ id: d.id }))
      .all();
    assert.equal(t.last().sql, `SELECT "id" FROM "docs" WHERE "title" ILIKE 'postgres%' ORDER BY "id"`);
    assert.deepEqual(byIlike, [{ id: 1 }, { id: 2 }]);

    const fox = await t.db.docs
      .where((d) => d.body !== null && matches(d.body, "fox"))
      .select((d) => ({ id: d.id }))
      .orderBy((d) => d.id)
      .all();
    assert.equal(
      t.last().sql,
      `SELECT "id" FROM "docs" WHERE ("body" IS NOT NULL AND to_tsvector('english'::regconfig, "body") @@ websearch_to_tsquery('english'::regconfig, 'fox')) ORDER BY "id"`,
    );
    assert.deepEqual(fox, [{ id: 1 }, { id: 4 }]);

    const keyed = await t.db.docs
      .where((d) => d.meta !== null && hasKey(d.meta, "seats"))
      .orderBy((d) => d.id)
      .select((d) => ({ id: d.id }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT "id" FROM "docs" WHERE ("meta" IS NOT NULL AND "meta" <> 'null'::jsonb AND "meta" ? 'seats') ORDER BY "id"`,
    );
    assert.deepEqual(keyed, [{ id: 1 }, { id: 4 }, { id: 5 }]);

    const want = { plan: "pro" };
    const pro = await t.db.docs
      .where((d) => d.meta !== null && contains(d.meta, want))
      .select((d) => ({ id: d.id }))
      .all();
    assert.equal(
      t.last().sql,
      `SELECT "id" FROM "docs" WHERE ("meta" IS NOT NULL AND "meta" <> 'null'::jsonb AND "meta" @> $1::jsonb)`,
    );
    assert.deepEqual(pro, [{ id: 1 }]);

    const some = ["db", "x"];
    const any = await t.db.docs
      .where((d) => overlaps(d.labels, some))
      .orderBy((d) => d.id)
      .select((d) => ({ id: d.id }))
      .all();
    assert.equal(t.last().sql, `SELECT "id" FROM "docs" WHERE "labels" && $1 ORDER BY "id"`);
    assert.deepEqual(any, [{ id: 1 }, { id: 4 }, { id: 5 }]);
    const all = await t.db.docs
      .where((d) => containsAll(d.labels, ["db", "pg"]))
      .select((d) => ({ id: d.id }))
      .all();
    assert.equal(t.last().sql, `SELECT "id" FROM "docs" WHERE "labels" @> $1`);
    assert.deepEqual(all, [{ id: 1 }]);

    await t.db.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm");
    await t.db.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch").catch(() => undefined);
    const similar = await t.db.docs
      .select((d) => ({ id: d.id, sim: similarity(d.title, "postgres") }))
      .orderBy((d) => similarity(d.title, "postgres"), "desc")
      .limit(2)
      .all();
    assert.equal(
      t.last().sql,
      `SELECT "id", similarity("title", 'postgres') AS "sim" FROM "docs" ORDER BY similarity("title", 'postgres') DESC LIMIT 2`,
    );
    assert.deepEqual(similar.map((s) => s.id).sort(), [1, 2]);
    assert.ok(similar[0].sim > 0.3);

    const shout = await t.db.docs
      .where((d) => upperText(d.title) === "CLOSURES")
      .select((d) => ({ id: d.id }))
      .all();
    assert.equal(t.last().sql, `SELECT "id" FROM "docs" WHERE upper("title") = 'CLOSURES'`);
    assert.deepEqual(shout, [{ id: 3 }]);
  });

  test("calling a marker at run time throws", () => {
    assert.throws(() => ilike("a", "b"), { name: "UncompiledQueryError" });
    assert.throws(() => levenshtein("a", "b"), { name: "UncompiledQueryError" });
  });
});
