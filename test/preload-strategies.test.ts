import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  bigint,
  boolean,
  bytea,
  date,
  doublePrecision,
  integer,
  jsonb,
  numeric,
  pgEnum,
  primaryKey,
  real,
  relations,
  serial,
  table,
  text,
  timestamp,
  timestamptz,
  uuid,
  varchar,
} from "closql";
import { openTestDatabase, TestDatabase } from "./support/database";

/**
 * The two preload strategies (print/preload-strategy.ts) return the same values: "json" (relations
 * inside the read's statement, for reads of few rows) and "batched" (one statement per relation). Each
 * pair below reads the same rows once in a shape that compiles to each strategy, over values where a
 * JSON round trip could lose something: int8 beyond 2^53, numeric digits and NaN, float NaN/±Infinity/-0,
 * timestamps with microseconds and infinity, dates, bytea, jsonb (null, nested, big numbers), enums
 * and arrays of every kind with NULL elements, quotes and braces, and NULL everywhere.
 */
const mood = pgEnum("mood", ["ok", "not ok", `it's "fine"`, "{a,b}"]);
const owners = table("owners", { id: serial().primaryKey(), code: text().unique(), name: text() });
const things = table("things", {
  id: serial().primaryKey(),
  ownerId: integer().nullable(),
  big: bigint().nullable(),
  small: bigint({ mode: "number" }).nullable(),
  amount: numeric(40, 10).nullable(),
  r: real().nullable(),
  d: doublePrecision().nullable(),
  at: timestamptz().nullable(),
  local: timestamp().nullable(),
  day: date().nullable(),
  bytes: bytea().nullable(),
  doc: jsonb<unknown>().nullable(),
  uid: uuid().nullable(),
  mood: mood().nullable(),
  moods: mood().array().nullable(),
  label: varchar(40).nullable(),
  s: text().nullable(),
  flag: boolean().nullable(),
  texts: text().array().nullable(),
  bigs: bigint().array().nullable(),
  amounts: numeric().array().nullable(),
  ats: timestamptz().array().nullable(),
  days: date().array().nullable(),
  ints: integer().array().nullable(),
});
const parts = table("parts", {
  id: serial().primaryKey(),
  thingId: integer(),
  weight: numeric().nullable(),
  at: timestamptz().nullable(),
});
const labels = table("labels", { id: serial().primaryKey(), name: text() });
const thingLabels = table("thing_labels", { thingId: integer(), labelId: integer() }, (t) => [
  primaryKey(t.thingId, t.labelId),
]);
const badges = table("badges", { id: serial().primaryKey(), ownerId: integer().unique(), since: date() });
const schema = relations({ owners, things, parts, labels, thingLabels, badges }, (r) => ({
  owners: { things: r.hasMany(things, (t) => t.ownerId), badge: r.hasOne(badges, (b) => b.ownerId) },
  things: {
    owner: r.belongsTo(owners, (t) => t.ownerId),
    parts: r.hasMany(parts, (p) => p.thingId),
    labels: r.manyToMany(labels, { through: thingLabels, from: (j) => j.thingId, to: (j) => j.labelId }),
  },
}));

const OWNERS = 12;
const strings = ["", "a", "'", '"', "\\", "{", "}", ",", "NULL", "null", "é😀", "line\nbreak\ttab\u0001", "a,b {c}"];
const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length];

/** Rows given as text where a JavaScript value cannot say it (microseconds, infinity, numeric NaN). */
function seedRows() {
  const thingRows: Record<string, unknown>[] = [];
  for (let i = 0; i < OWNERS * 6; i++) {
    const nul = (k: number) => i % k === 0;
    thingRows.push({
      id: i + 1,
      ownerId: i % 13 === 5 ? null : (i % OWNERS) + 1,
      big: nul(7) ? null : pick(["9223372036854775807", "-9223372036854775808", "9007199254740993", "0", "-1"], i),
      small: nul(5) ? null : pick([0, -1, 9007199254740991, -9007199254740991, 42], i),
      amount: nul(6)
        ? null
        : pick(["0", "-0.0000000001", "123456789012345678901234567890.1234567890", "NaN", "1e20"], i),
      r: nul(8) ? null : pick([0.1, "NaN", "Infinity", "-Infinity", "-0", 3.4028234e38, 1e-45], i),
      d: nul(9) ? null : pick([0.1, "NaN", "-Infinity", "-0", 1.7976931348623157e308, 5e-324, 1 / 3], i),
      at: nul(4)
        ? null
        : pick(
            ["2024-02-29T23:59:59.999999Z", "infinity", "-infinity", "1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z"],
            i,
          ),
      local: nul(5) ? null : pick(["2024-03-31 02:30:00.123456", "infinity", "2000-01-01 00:00:00"], i),
      day: nul(3) ? null : pick(["2024-02-29", "0001-01-01", "infinity", "1999-12-31"], i),
      bytes: nul(4) ? null : pick(["\\x", "\\x00ff10", "\\x5c78"], i),
      doc: nul(5)
        ? null
        : pick([null, { a: [1, null, "x"], "": {} }, 12345678901234567890, "null", [], { k: "é😀\n" }], i),
      uid: nul(6) ? null : pick(["00000000-0000-0000-0000-000000000000", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"], i),
      mood: nul(3) ? null : pick(mood.values, i),
      moods: nul(4) ? null : pick([[], ["ok", null], [`it's "fine"`, "{a,b}"]], i),
      label: nul(5) ? null : pick(strings, i + 3),
      s: nul(7) ? null : pick(strings, i),
      flag: nul(3) ? null : i % 2 === 0,
      texts: nul(4) ? null : [pick(strings, i), null, pick(strings, i + 7)].slice(0, i % 4),
      bigs: nul(5) ? null : [pick(["9223372036854775807", "-3"], i), null],
      amounts: nul(6) ? null : [pick(["NaN", "0.10", "-1e-10"], i), null],
      ats: nul(7) ? null : ["2024-01-01T00:00:00.000001Z", null, "infinity"],
      days: nul(8) ? null : ["2024-01-01", null, "-infinity"],
      ints: nul(9) ? null : [2147483647, null, -2147483648],
    });
  }
  const partRows = thingRows.flatMap((t, i) =>
    Array.from({ length: i % 4 }, (_, k) => ({
      id: i * 4 + k + 1,
      thingId: t.id,
      weight: k === 1 ? null : pick(["NaN", "1.000", "-12345678901234567890.5"], i + k),
      at: k === 2 ? null : pick(["2024-01-01T12:00:00.5Z", "infinity"], k),
    })),
  );
  const labelRows = strings.map((name, i) => ({ id: i + 1, name }));
  const joins = thingRows.flatMap((t, i) =>
    Array.from({ length: i % 5 }, (_, k) => ({ thingId: t.id, labelId: ((i + k * 3) % strings.length) + 1 })),
  );
  const uniqueJoins = [...new Map(joins.map((j) => [`${j.thingId}/${j.labelId}`, j])).values()];
  const ownerRows = Array.from({ length: OWNERS }, (_, i) => ({
    id: i + 1,
    code: `o${i + 1}`,
    name: pick(strings, i),
  }));
  const badgeRows = ownerRows
    .filter((o) => o.id % 3 !== 0)
    .map((o) => ({ id: o.id, ownerId: o.id, since: "2020-02-02" }));
  return { ownerRows, thingRows, partRows, labelRows, uniqueJoins, badgeRows };
}

describe("preload strategies: json and batched give the same values", () => {
  let t: TestDatabase<typeof schema>;
  before(async () => {
    t = await openTestDatabase(schema);
    const rows = seedRows();
    await t.seed(owners, rows.ownerRows);
    await t.seed(things, rows.thingRows as never[]);
    await t.seed(parts, rows.partRows as never[]);
    await t.seed(labels, rows.labelRows);
    await t.seed(thingLabels, rows.uniqueJoins as never[]);
    await t.seed(badges, rows.badgeRows as never[]);
  });
  after(() => t.close());

  /** The result and the SQL of the statements `run` issued. */
  const statementsOf = async <R>(run: () => Promise<R>) => {
    const from = t.events.length;
    const result = await run();
    return { result, sql: t.events.slice(from).map((e) => e.sql) };
  };

  test("one owner by key, the whole tree: 1 statement against 5, deep-equal values", async () => {
    for (let id = 1; id <= OWNERS; id++) {
      const json = await statementsOf(() =>
        t.db.owners
          .where((o) => o.id === id)
          .preload("things", { orderBy: (x) => x.id })
          .preload("things.parts", { orderBy: (p) => p.id })
          .preload("things.labels", { orderBy: (l) => l.id })
          .preload("badge")
          .all(),
      );
      const batched = await statementsOf(() =>
        t.db.owners
          .where((o) => o.id >= id && o.id <= id)
          .preload("things", { orderBy: (x) => x.id })
          .preload("things.parts", { orderBy: (p) => p.id })
          .preload("things.labels", { orderBy: (l) => l.id })
          .preload("badge")
          .all(),
      );
      assert.equal(json.sql.length, 1);
      assert.equal(batched.sql.length, 5);
      assert.deepStrictEqual(json.result, batched.result);
      // And each related row is what a read of its own table gives.
      const own = await t.db.things
        .where((x) => x.ownerId === id)
        .orderBy((x) => x.id)
        .all();
      assert.deepStrictEqual(
        json.result[0].things.map(({ parts: _p, labels: _l, ...thing }) => thing),
        own,
      );
    }
  });

  test("the exact statement: filters, order and per-parent limits at two levels, values bound in order", async () => {
    const min = 0n;
    const since = new Date(Date.UTC(2000, 0, 1));
    const heavy = "0";
    const json = await statementsOf(() =>
      t.db.owners
        .where((o) => o.code === "o3")
        .preload("things", (x) => x.big !== null && x.big >= min && x.at !== null && x.at > since, {
          orderBy: (x) => x.id,
          direction: "desc",
          limit: 2,
        })
        .preload("things.parts", (p) => p.weight !== heavy, { orderBy: (p) => p.id, limit: 1 })
        .first(),
    );
    assert.deepEqual(json.sql, [
      `SELECT "id", "code", "name", array_to_json(ARRAY(SELECT json_build_array("things"."id", "things"."owner_id", "things"."big"::text, "things"."small"::text, "things"."amount"::text, "things"."r"::text, "things"."d"::text, "things"."at"::text, "things"."local"::text, "things"."day"::text, "things"."bytes"::text, "things"."doc", "things"."uid", "things"."mood", "things"."moods"::text, "things"."label", "things"."s", "things"."flag", "things"."texts"::text, "things"."bigs"::text, "things"."amounts"::text, "things"."ats"::text, "things"."days"::text, "things"."ints"::text, ` +
        `array_to_json(ARRAY(SELECT json_build_array("parts"."id", "parts"."thing_id", "parts"."weight"::text, "parts"."at"::text) FROM "parts" WHERE "parts"."thing_id" = "things"."id" AND ("weight"::text <> $1 OR "weight"::text IS NULL) ORDER BY "id" LIMIT 1))) ` +
        `FROM "things" WHERE "things"."owner_id" = "owners"."id" AND ("big" IS NOT NULL AND "big" >= $2 AND "at" IS NOT NULL AND "at" >= $3) ORDER BY "id" DESC LIMIT 2)) AS "things" ` +
        `FROM "owners" WHERE "code" = 'o3' LIMIT 1`,
    ]);
    assert.deepEqual(t.events[t.events.length - 1].params, [heavy, min, "2000-01-01 00:00:00.001+00"]);
    const batched = await statementsOf(() =>
      t.db.owners
        .where((o) => o.code >= "o3" && o.code <= "o3")
        .preload("things", (x) => x.big !== null && x.big >= min && x.at !== null && x.at > since, {
          orderBy: (x) => x.id,
          direction: "desc",
          limit: 2,
        })
        .preload("things.parts", (p) => p.weight !== heavy, { orderBy: (p) => p.id, limit: 1 })
        .all(),
    );
    assert.equal(batched.sql.length, 3);
    assert.deepStrictEqual(json.result, batched.result[0]);
    assert.ok(json.result!.things.length > 0);
  });

  test("few rows by a literal limit, to-one relations, many-to-many: the same rows as batched", async () => {
    const json = await statementsOf(() =>
      t.db.things
        .where((x) => x.id > 1)
        .orderBy((x) => x.id)
        .limit(5)
        .preload("owner.badge")
        .preload("labels", (l) => l.name !== "", { orderBy: (l) => l.name })
        .preload("parts")
        .all(),
    );
    const batched = await statementsOf(() =>
      t.db.things
        .where((x) => x.id > 1 && x.id <= 6)
        .orderBy((x) => x.id)
        .preload("owner.badge")
        .preload("labels", (l) => l.name !== "", { orderBy: (l) => l.name })
        .preload("parts")
        .all(),
    );
    assert.equal(json.sql.length, 1);
    assert.equal(batched.sql.length, 5);
    // Parts have no order: compare them sorted.
    const sorted = (rows: typeof json.result) =>
      rows.map((x) => ({ ...x, parts: [...x.parts].sort((a, b) => a.id - b.id) }));
    assert.deepStrictEqual(sorted(json.result), sorted(batched.result));
    assert.ok(json.result.some((x) => x.owner === null));
    assert.ok(json.result.some((x) => x.owner !== null && x.owner.badge === null));
    assert.ok(json.result.some((x) => x.labels.length > 1));
  });

  test("a tree that names a table twice on a path, and reads of many rows, stay batched", async () => {
    const selfNamed = await statementsOf(() =>
      t.db.owners
        .where((o) => o.id === 1)
        .preload("things.owner")
        .first(),
    );
    assert.equal(selfNamed.sql.length, 3);
    assert.equal(selfNamed.result!.things[0].owner!.id, 1);
    const many = await statementsOf(() => t.db.owners.limit(6).preload("things").all());
    assert.equal(many.sql.length, 2);
  });
});
