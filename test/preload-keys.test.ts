import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { integer, relations, serial, table, text } from "closql";
import { compileWithClosql } from "./support/compile";
import { openTestDatabase, TestDatabase } from "./support/database";

/**
 * Relation keys must compare in SQL as JavaScript's `===` compares them: the strategies differ
 * otherwise. Found by the preload fuzzer's probe of key types: with numeric keys `"1.0"` (parent)
 * and `"1.00"` (child), the batched strategy (rows matched by the key's value in a Map) loaded
 * `bs: []`, as JavaScript's `c.aid === a.id` does, while the JSON strategy (matched in SQL, where
 * 1.0 = 1.00) loaded the child. numeric, real and double precision keys now fail the build (TS91073).
 */
test("numeric and float relation keys fail the build (TS91073)", () => {
  const file = path.resolve(__dirname, "../fixtures/preload-keys-refused.ts");
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const expected = lines.flatMap((text, i) => (/\/\/ TS91073$/.test(text) ? [i + 1] : []));
  const { diagnostics } = compileWithClosql([file]);
  assert.deepEqual(
    diagnostics.map((d) => [d.line, d.code]),
    expected.map((line) => [line, 91073]),
    JSON.stringify(diagnostics, null, 1),
  );
  assert.match(diagnostics[0].message, /its key "(id|aid)" is numeric, whose SQL equality is not JavaScript's ===/);
});

/** Integer keys stay exact both ways: the same rows by either strategy (SQL and rows asserted). */
const ka = table("ka", { id: serial().primaryKey(), s: text() });
const kb = table("kb", { id: serial().primaryKey(), aid: integer().nullable() });
const schema = relations({ ka, kb }, (r) => ({ ka: { bs: r.hasMany(kb, (b) => b.aid) } }));
let t: TestDatabase<typeof schema>;
before(async () => {
  t = await openTestDatabase(schema);
  await t.seed(ka, [{ id: 1, s: "a" }]);
  await t.seed(kb, [
    { id: 7, aid: 1 },
    { id: 8, aid: null },
  ]);
});
after(async () => t?.close());

test("integer keys: batched and JSON load the same rows", async () => {
  const before = t.events.length;
  const batched = await t.db.ka.preload("bs", { orderBy: (b) => b.id }).all();
  const json = await t.db.ka.preload("bs", { orderBy: (b) => b.id }).first();
  assert.deepEqual(
    t.events.slice(before).map((e) => e.sql),
    [
      `SELECT "id", "s" FROM "ka"`,
      `SELECT "id", "aid" FROM "kb" WHERE "aid" = ANY($1) ORDER BY "id"`,
      `SELECT "id", "s", array_to_json(ARRAY(SELECT json_build_array("kb"."id", "kb"."aid") FROM "kb" WHERE "kb"."aid" = "ka"."id" ORDER BY "id")) AS "bs" FROM "ka" LIMIT 1`,
    ],
  );
  assert.deepEqual(batched, [{ id: 1, s: "a", bs: [{ id: 7, aid: 1 }] }]);
  assert.deepEqual(json, batched[0]);
});
