import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { Database } from "closql";
import { ColumnValueError, DatabaseError } from "closql";
import { compileWithClosql } from "./support/compile";
import { useSeededDatabase } from "./support/database";
import { Item, items, nastyRows, nastySchema } from "./support/nasty";

/**
 * Update and upsert closures run in JavaScript over the nasty rows, compared with what the compiled
 * statement stored: every row equal, or — where JavaScript's value does not fit the column (a
 * non-integer into an integer column, a value past its range) — the statement fails as a whole
 * (it never stores a rounded or clamped value). Each case is written once: the same source text is
 * compiled with the transformer (`run`) and kept as plain JavaScript (`js`).
 */

type Patch = Partial<Item>;
type Db = Database<typeof nastySchema>;

/** `[where, set]`: the rows to update, and the closure computing the new values. */
const UPDATES: [string, string][] = [
  ["(r) => r.id > 0", "(r) => ({ f: r.n / 3 })"],
  ["(r) => r.id > 0", "(r) => ({ f: r.f !== null ? -r.f : null })"],
  ["(r) => r.n < 1000", "(r) => ({ n: r.n * 2 + 1 })"],
  ["(r) => r.id > 0", "(r) => ({ n: r.n + 1 })"],
  ["(r) => r.id > 0", "(r) => ({ nn: r.nn === null ? 0 : r.nn / 2 })"],
  ["(r) => r.nn === null || r.nn % 2 === 0", "(r) => ({ nn: r.nn === null ? 0 : r.nn / 2 })"],
  ["(r) => r.id > 0", "(r) => ({ nn: r.n % 7 })"],
  ["(r) => r.id > 0", "(r) => ({ s: r.s + '!' + r.n })"],
  ["(r) => r.id > 0", "(r) => ({ s: `${r.n}:${r.s}` })"],
  ["(r) => r.id > 0", "(r) => ({ ns: r.ns ?? r.s })"],
  ["(r) => r.id > 0", "(r) => ({ b: r.n > 5 && r.s !== '' })"],
  ["(r) => r.id > 0", "(r) => ({ b: !r.b })"],
  ["(r) => r.id > 0", "(r) => ({ big: r.big === null ? null : r.big * 3n })"],
  ["(r) => r.id > 0", "(r) => ({ tags: r.tags, at: r.at })"],
  ["(r) => r.id > 0", "(r) => ({ s: x, nn: k })"],
  ["(r) => r.id > 0", "(r) => ({ nn: half })"],
  ["(r) => r.id > 0", "(r) => ({ f: r.f === null ? r.n : r.f * 2, ns: r.ns === null ? x : null })"],
];

/** `(existing, proposed) => …` of an upsert on `id`: existing rows meet proposed ones. */
const UPSERTS: string[] = [
  "(e, p) => ({ s: e.s + p.s, nn: e.nn ?? p.n })",
  "(e, p) => ({ f: e.f === null || p.f === null ? null : e.f - p.f })",
  "(e, p) => ({ b: e.b === p.b })",
];

/** Would PostgreSQL store exactly this JavaScript value in this column? */
function fits(key: keyof Item, v: unknown): boolean {
  if (v === undefined) return true;
  switch (key) {
    case "n":
      return typeof v === "number" && Number.isInteger(v) && Math.abs(v) <= 2147483647 && v >= -2147483648;
    case "nn":
      return v === null || (typeof v === "number" && Number.isInteger(v) && v <= 2147483647 && v >= -2147483648);
    case "s":
      return typeof v === "string";
    case "big":
      return v === null || (typeof v === "bigint" && v <= 9223372036854775807n && v >= -9223372036854775808n);
    default:
      return true;
  }
}

function merged(row: Item, patch: Patch): Item {
  const out = { ...row } as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = v;
  return out as Item;
}

function compileCases(): {
  updates: ((db: Db) => { run: () => Promise<Item[]>; where: (r: Item) => unknown; js: (r: Item) => Patch })[];
  upserts: ((db: Db) => { run: (row: Item) => Promise<Item>; js: (e: Item, p: Item) => Patch })[];
} {
  const root = path.resolve(__dirname, "../..");
  const dir = path.join(root, "test/fixtures/.generated");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "write-cases.ts");
  const typed = (closure: string, params: string) => closure.replace(/^\((r|e, p)\) =>/, `(${params}) =>`);
  fs.writeFileSync(
    file,
    [
      `import type { Database } from "closql";`,
      `import type { nastySchema, Item } from "../../support/nasty";`,
      `type Db = Database<typeof nastySchema>;`,
      `const x = "it's 50%_off \\\\ 😀";`,
      `const k: number | undefined = 7;`,
      `const half = 1.5;`,
      `export const updates = [`,
      ...UPDATES.map(
        ([where, set]) =>
          `  (db: Db) => ({ run: () => db.items.where(${where}).update(${set}).returning(), where: ${typed(where, "r: Item")}, js: ${typed(set, "r: Item")} }),`,
      ),
      `];`,
      `export const upserts = [`,
      ...UPSERTS.map(
        (u) =>
          `  (db: Db) => ({ run: (row: Item) => db.items.upsert(row, { on: (r) => r.id, update: ${u} }), js: ${typed(u, "e: Item, p: Item")} }),`,
      ),
      `];`,
    ].join("\n"),
  );
  const { diagnostics, output } = compileWithClosql([file]);
  assert.deepEqual(diagnostics, [], "every case compiles");
  const compiled = path.join(root, "test/dist/fixtures/.generated/write-cases.js");
  fs.mkdirSync(path.dirname(compiled), { recursive: true });
  fs.writeFileSync(compiled, output.get(path.relative(root, file).replace(/\.ts$/, ".js"))!);
  delete require.cache[compiled];
  return require(compiled);
}

describe("write closures agree with JavaScript", () => {
  const rows = nastyRows();
  const t = useSeededDatabase(nastySchema, items, rows);
  const reset = async () => {
    await t.db.execute("DELETE FROM items");
    await t.seed(items, rows);
  };
  const cases = compileCases();

  test("update closures over the nasty rows", async () => {
    for (const [i, make] of cases.updates.entries()) {
      await reset();
      const c = make(t.db);
      const kept = rows.filter((r) => c.where(r));
      const expected = kept.map((r) => ({ row: r, patch: c.js(r) }));
      const allFit = expected.every(({ patch }) => Object.entries(patch).every(([k, v]) => fits(k as keyof Item, v)));
      const label = `${UPDATES[i][0]} / ${UPDATES[i][1]}`;
      if (!allFit) {
        await assert.rejects(c.run(), (e) => e instanceof DatabaseError || e instanceof ColumnValueError, label);
        // Nothing changed.
        assert.deepEqual(await t.db.items.orderBy((r) => r.id).all(), rows, label);
        continue;
      }
      const got = (await c.run()).sort((a, b) => a.id - b.id);
      assert.deepEqual(
        got,
        expected.map(({ row, patch }) => merged(row, patch)),
        `${label}: ${t.last().sql}`,
      );
    }
  });

  test("upsert update closures: existing rows meet proposed ones", async () => {
    for (const [i, make] of cases.upserts.entries()) {
      await reset();
      const c = make(t.db);
      for (const [j, existing] of rows.entries()) {
        const proposed = { ...rows[(j * 7 + 3) % rows.length], id: existing.id };
        const got = await c.run(proposed);
        assert.deepEqual(got, merged(existing, c.js(existing, proposed)), `${UPSERTS[i]} on row ${existing.id}`);
      }
    }
  });
});
