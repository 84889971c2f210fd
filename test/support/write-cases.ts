import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { Database } from "closql";
import { compileWithClosql } from "./compile";
import type { Item, nastySchema } from "./nasty";

/**
 * Update closures over the nasty `items` table, written once as source text: compiled with the
 * transformer (`run`) and kept as plain JavaScript (`js`), so the stored rows can be compared with
 * what JavaScript computes. Shared by the fixed differential and the write fuzzer.
 */
export type Patch = Partial<Item>;
export type Db = Database<typeof nastySchema>;

export interface UpdateCase {
  /** `(r) => …`: the rows to update. */
  readonly where: string;
  /** `(r) => ({ … })`: the new values. */
  readonly set: string;
}

export interface CompiledUpdate {
  readonly run: () => Promise<Item[]>;
  readonly where: (r: Item) => unknown;
  readonly js: (r: Item) => Patch;
}

/** Captured values the cases may read. */
const CAPTURES = [
  `const x = "it's 50%_off \\\\ 😀";`,
  `const k: number | undefined = 7;`,
  `const half = 1.5;`,
  `const big = 2n ** 62n;`,
  `const none: string | null = null;`,
];

/** Would PostgreSQL store exactly this JavaScript value in this column of `items`? */
export function fits(key: keyof Item, v: unknown): boolean {
  if (v === undefined) return true;
  const int4 = (n: unknown) => typeof n === "number" && Number.isInteger(n) && n <= 2147483647 && n >= -2147483648;
  switch (key) {
    case "n":
      return int4(v);
    case "nn":
      return v === null || int4(v);
    case "s":
      return typeof v === "string";
    case "big":
      return v === null || (typeof v === "bigint" && v <= 9223372036854775807n && v >= -9223372036854775808n);
    default:
      return true;
  }
}

/**
 * The row after a patch: `undefined` leaves a column unchanged. An integer column has no -0: it
 * holds JavaScript's -0 as 0 (equal by `===`), as PostgreSQL's integers do.
 */
export function merged(row: Item, patch: Patch): Item {
  const out = { ...row } as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    out[k] = (k === "n" || k === "nn") && Object.is(v, -0) ? 0 : v;
  }
  return out as Item;
}

/** The line of the generated file holding update case 0 (case i is on FIRST_CASE_LINE + i). */
export const FIRST_CASE_LINE = 11;

const typed = (closure: string, params: string) => closure.replace(/^\((r|e, p)\) =>/, `(${params}) =>`);

/**
 * Compiles the cases into `test/dist/fixtures/.generated/<name>.js` and loads them. Each update runs
 * through `run(db)`; `inTransaction` runs it in a transaction rolled back afterwards (the table stays
 * as seeded), resolving to the returned rows or rejecting with the write's error.
 */
export function compileUpdates(
  name: string,
  updates: readonly UpdateCase[],
  upserts: readonly string[] = [],
): {
  updates: ((db: Db) => CompiledUpdate)[];
  upserts: ((db: Db) => { run: (row: Item) => Promise<Item>; js: (e: Item, p: Item) => Patch })[];
  diagnostics: ReturnType<typeof compileWithClosql>["diagnostics"];
} {
  const root = path.resolve(__dirname, "../../..");
  const dir = path.join(root, "test/fixtures/.generated");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.ts`);
  fs.writeFileSync(
    file,
    [
      `import type { Database } from "closql";`,
      `import type { nastySchema, Item } from "../../support/nasty";`,
      `type Db = Database<typeof nastySchema>;`,
      ...CAPTURES,
      `void [x, k, half, big, none];`,
      `export const updates = [`,
      ...updates.map(
        ({ where, set }) =>
          `  (db: Db) => ({ run: () => db.items.where(${where}).update(${set}).returning(), where: ${typed(where, "r: Item")}, js: ${typed(set, "r: Item")} }),`,
      ),
      `];`,
      `export const upserts = [`,
      ...upserts.map(
        (u) =>
          `  (db: Db) => ({ run: (row: Item) => db.items.upsert(row, { on: (r) => r.id, update: ${u} }), js: ${typed(u, "e: Item, p: Item")} }),`,
      ),
      `];`,
    ].join("\n"),
  );
  const { diagnostics, output } = compileWithClosql([file]);
  const compiled = path.join(root, `test/dist/fixtures/.generated/${name}.js`);
  fs.mkdirSync(path.dirname(compiled), { recursive: true });
  const js = output.get(path.relative(root, file).replace(/\.ts$/, ".js"));
  assert.ok(js !== undefined, `${name}.ts was emitted`);
  fs.writeFileSync(compiled, js);
  delete require.cache[compiled];
  return { ...(require(compiled) as Omit<ReturnType<typeof compileUpdates>, "diagnostics">), diagnostics };
}

/** What JavaScript says an update does to `rows`: the new rows, or that some value cannot be stored. */
export function expectedUpdate(c: CompiledUpdate, rows: readonly Item[]): Item[] | "fails" {
  const kept = rows.filter((r) => c.where(r));
  const patches = kept.map((r) => ({ row: r, patch: c.js(r) }));
  const allFit = patches.every(({ patch }) => Object.entries(patch).every(([k, v]) => fits(k as keyof Item, v)));
  return allFit ? patches.map(({ row, patch }) => merged(row, patch)) : "fails";
}
