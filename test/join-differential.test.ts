import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { doublePrecision, integer, relations, serial, table, text } from "closql";
import { openTestDatabase, TestDatabase } from "./support/database";

// Differential: every where-closure of a joined query, run in JavaScript over the joined pairs (a
// left-joined side is null where nothing matched), keeps exactly the pairs the compiled SQL returns.
const owners = table("owners", {
  id: serial().primaryKey(),
  name: text().nullable(),
  age: integer().nullable(),
  score: doublePrecision().nullable(),
});
const pets = table("pets", {
  id: serial().primaryKey(),
  ownerId: integer().nullable(),
  name: text().nullable(),
  legs: integer().nullable(),
  weight: doublePrecision().nullable(),
});
const schema = relations({ owners, pets });
type Owner = typeof owners.$row;
type Pet = typeof pets.$row;

const OWNERS: Owner[] = [
  { id: 1, name: "ann", age: 30, score: 1.5 },
  { id: 2, name: null, age: null, score: null },
  { id: 3, name: "", age: 0, score: -0 },
  { id: 4, name: "50%_off\\", age: 4, score: NaN },
  { id: 5, name: "Ünï", age: 2147483647, score: 1e308 },
  { id: 6, name: "rex", age: 4, score: 0 },
];
const PETS: Pet[] = [
  { id: 1, ownerId: 1, name: "rex", legs: 4, weight: 3.5 },
  { id: 2, ownerId: 1, name: null, legs: null, weight: null },
  { id: 3, ownerId: 3, name: "", legs: 0, weight: -0 },
  { id: 4, ownerId: 4, name: "50%_off\\", legs: 2, weight: NaN },
  { id: 5, ownerId: null, name: "stray", legs: 3, weight: 1 },
  { id: 6, ownerId: 5, name: "Ünï", legs: 4, weight: 1e308 },
  { id: 7, ownerId: 6, name: "rex", legs: 4, weight: 0 },
];

/** The pairs a left join of owners to pets on `ownerId` gives, in JavaScript. */
function leftJoined(): [Owner, Pet | null][] {
  return OWNERS.flatMap((o) => {
    const matches = PETS.filter((p) => o.id === p.ownerId);
    return matches.length === 0 ? [[o, null] as [Owner, Pet | null]] : matches.map((p) => [o, p] as [Owner, Pet]);
  });
}

const key = (o: number, p: number | null) => `${o}:${p}`;

describe("join closures equal JavaScript over the joined rows", () => {
  let t: TestDatabase<typeof schema>;
  before(async () => {
    t = await openTestDatabase(schema);
    await t.seed(owners, OWNERS);
    await t.seed(pets, PETS);
  });
  after(() => t.close());

  /** Runs a compiled left join and compares its pairs with the kept where-closures run in JavaScript. */
  async function check(run: () => Promise<{ o: number; p: number | null }[]>) {
    const rows = await run();
    const event = t.last();
    const closures = event.closures ?? [];
    assert.ok(closures.length > 0, "the test build keeps closures");
    const expected = leftJoined()
      .filter(([o, p]) => closures.every((c) => (c as (o: Owner, p: Pet | null) => unknown)(o, p)))
      .map(([o, p]) => key(o.id, p === null ? null : p.id));
    assert.deepEqual(
      rows.map((r) => key(r.o, r.p)).sort(),
      expected.sort(),
      `${event.sql} ${JSON.stringify(event.params)}`,
    );
    return event.sql;
  }

  const q = () => t.db.owners.leftJoin(pets, (o, p) => o.id === p.ownerId);
  const out = { select: (o: Owner, p: Pet | null) => ({ o: o.id, p: p?.id ?? null }) };
  void out;

  test("the left-joined row itself: null, not null, truthiness", async () => {
    await check(() =>
      q()
        .where((o, p) => p === null)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
    await check(() =>
      q()
        .where((o, p) => p !== null)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
    await check(() =>
      q()
        .where((o, p) => !p)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
    await check(() =>
      q()
        .where((o, p) => (p ? p.legs === 4 : o.age === null))
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
  });

  test("optional chaining: missing row (undefined) vs NULL column (null)", async () => {
    const sql = await check(() =>
      q()
        .where((o, p) => p?.name === null)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
    assert.equal(
      sql,
      `SELECT "owners"."id" AS "o", "pets"."id" AS "p" FROM "owners" LEFT JOIN "pets" ON "owners"."id" = "pets"."owner_id" WHERE ("pets"."id" IS NOT NULL AND "pets"."name" IS NULL)`,
    );
    await check(() =>
      q()
        .where((o, p) => p?.name === undefined)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
    await check(() =>
      q()
        .where((o, p) => p?.legs !== undefined)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
    await check(() =>
      q()
        .where((o, p) => (p?.legs ?? 0) > 1)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
    await check(() =>
      q()
        .where((o, p) => p?.name?.startsWith("r") === true)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
    await check(() =>
      q()
        .where((o, p) => !p?.name)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
  });

  test("comparisons across both sides, with NULLs, '', NaN, -0 and escapes", async () => {
    await check(() =>
      q()
        .where((o, p) => p?.name === o.name)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
    await check(() =>
      q()
        .where((o, p) => p !== null && p.name !== o.name)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
    await check(() =>
      q()
        .where((o, p) => p !== null && p.weight === o.score)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
    await check(() =>
      q()
        .where((o, p) => p !== null && o.name !== null && p.name !== null && p.name.includes(o.name))
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
    await check(() =>
      q()
        .where((o, p) => o.age === p?.legs)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
    await check(() =>
      q()
        .where((o, p) => (p === null || p.legs === null ? o.age : p.legs) === 4)
        .select((o, p) => ({ o: o.id, p: p?.id ?? null }))
        .all(),
    );
  });

  test("inner join: the pairs where the condition holds, NULL keys match nothing", async () => {
    const rows = await t.db.owners
      .join(pets, (o, p) => o.name === p.name)
      .select((o, p) => ({ o: o.id, p: p.id }))
      .all();
    const expected = OWNERS.flatMap((o) => PETS.filter((p) => o.name === p.name).map((p) => key(o.id, p.id)));
    // JavaScript's null === null is true, and so is the compiled condition: NULL names pair up.
    assert.deepEqual(rows.map((r) => key(r.o, r.p)).sort(), expected.sort());
  });
});
