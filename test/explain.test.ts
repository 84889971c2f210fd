import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { index, integer, relations, serial, table, text, timestamptz } from "closql";
import { openTestDatabase, TestDatabase } from "./support/database";

/** NULL-correct forms must still be able to use a btree index: EXPLAIN shows the plan. */
const people = table(
  "people",
  {
    id: serial().primaryKey(),
    nick: text().nullable(),
    age: integer().nullable(),
    seen: timestamptz(),
  },
  (t) => [index("people_nick_idx").on(t.nick), index("people_age_idx").on(t.age), index("people_seen_idx").on(t.seen)],
);
const schema = relations({ people });

let t: TestDatabase<typeof schema>;
before(async () => {
  t = await openTestDatabase(schema);
  await t.db.execute(`INSERT INTO people (nick, age, seen)
    SELECT CASE WHEN i % 10 = 0 THEN NULL ELSE 'n' || i END, CASE WHEN i % 7 = 0 THEN NULL ELSE i % 90 END, now() - i * interval '1 minute'
    FROM generate_series(1, 5000) AS i`);
  await t.db.execute("ANALYZE people");
});
after(() => t.close());

/** The index names in the plan PostgreSQL chooses for the last statement (sequential scans disabled). */
async function indexesUsed(): Promise<string[]> {
  const { sql, params } = t.last();
  const client = await t.db.pool.connect();
  try {
    await client.query("SET enable_seqscan = off");
    const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, params as unknown[]);
    const found: string[] = [];
    const walk = (node: Record<string, unknown>) => {
      if (typeof node["Index Name"] === "string") found.push(node["Index Name"]);
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk((rows[0]["QUERY PLAN"] as { Plan: Record<string, unknown> }[])[0].Plan);
    return found;
  } finally {
    await client.query("RESET enable_seqscan");
    client.release();
  }
}

test("nullable equality with a maybe-null value uses the index for both branches", async () => {
  for (const maybe of ["n15", null]) {
    await t.db.people.where((p) => p.nick === maybe).count();
    assert.equal(t.last().sql, `SELECT count(*) FROM "people" WHERE ("nick" = $1 OR ("nick" IS NULL AND $1 IS NULL))`);
    assert.ok((await indexesUsed()).includes("people_nick_idx"), `plan for ${maybe}`);
  }
});

test("IS NULL, narrowed ranges and integer bounds use the index", async () => {
  await t.db.people.where((p) => p.age === null).count();
  assert.deepEqual(await indexesUsed(), ["people_age_idx"]);
  const x = 41.5;
  await t.db.people.where((p) => p.age !== null && p.age > x).count();
  assert.equal(t.last().sql, `SELECT count(*) FROM "people" WHERE ("age" IS NOT NULL AND "age" > $1::int8)`);
  assert.deepEqual(await indexesUsed(), ["people_age_idx"]);
  const ages = [3, 4.5, 5];
  await t.db.people.where((p) => ages.includes(p.age!)).count();
  assert.deepEqual(await indexesUsed(), ["people_age_idx"]);
});

test("millisecond-precise Date comparisons keep the bare column, so the index is used", async () => {
  const since = new Date(Date.now() - 30 * 60 * 1000);
  await t.db.people.where((p) => p.seen > since).count();
  assert.equal(t.last().sql, `SELECT count(*) FROM "people" WHERE "seen" >= $1`);
  assert.deepEqual(await indexesUsed(), ["people_seen_idx"]);
  await t.db.people.where((p) => p.seen.getTime() === since.getTime()).count();
  assert.deepEqual(await indexesUsed(), ["people_seen_idx"]);
});

test("a literal equality on a nullable column is the plain indexable form", async () => {
  await t.db.people.where((p) => p.nick === "n42").first();
  assert.match(t.last().sql, /WHERE "nick" = 'n42' LIMIT 1$/);
  assert.deepEqual(await indexesUsed(), ["people_nick_idx"]);
});

test("a negated integer comparison is the opposite comparison (no IS NOT TRUE) and uses the index", async () => {
  const n = 80.5;
  const rows = await t.db.people.where((p) => p.age !== null && !(p.age > n)).count();
  assert.equal(t.last().sql, `SELECT count(*) FROM "people" WHERE ("age" IS NOT NULL AND "age" <= $1::int8)`);
  assert.deepEqual(t.last().params, [80]);
  assert.deepEqual(await indexesUsed(), ["people_age_idx"]);
  const expected = await t.db.sql<{ n: string }>`SELECT count(*) AS n FROM people WHERE age <= 80`;
  assert.equal(rows, Number(expected[0].n));
});
