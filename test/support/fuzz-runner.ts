import fs from "node:fs";
import path from "node:path";
import type { Database } from "closql";
import { compileWithClosql } from "./compile";
import type { TestDatabase } from "./database";
import { FuzzCase, generateCases } from "./fuzz-generator";
import { isClosqlDiagnostic } from "@closql/transformer";
import type { Fz, fuzzSchema } from "./fuzz-schema";

export interface FuzzFinding {
  readonly closure: string;
  readonly captures: string[];
  readonly sql?: string;
  readonly params?: unknown;
  readonly problem: string;
}

export interface FuzzStats {
  readonly cases: number;
  /** Generated cases TypeScript rejected (replaced by others). */
  readonly rejected: number;
  readonly findings: FuzzFinding[];
  readonly compileMs: number;
  readonly runMs: number;
}

const root = path.resolve(__dirname, "../../..");
const HEADER_LINES = 3;

function compileCases(file: string, cases: readonly FuzzCase[]) {
  fs.writeFileSync(
    file,
    [
      `import type { Database } from "closql";`,
      `import type { fuzzSchema } from "../../support/fuzz-schema";`,
      `type Db = Database<typeof fuzzSchema>;`,
      // One function per case: TypeScript's flow analysis stays per function.
      ...cases.map(
        (c, i) =>
          `function case${i}(db: Db) { ${c.captures.join(" ")} return db.fz.where(${c.closure}).orderBy((r) => r.id).select((r) => ({ id: r.id })).all(); }`,
      ),
      `export const cases = [${cases.map((_, i) => `case${i}`).join(", ")}];`,
    ].join("\n"),
  );
  return compileWithClosql([file], { keepClosures: true });
}

/**
 * One batch: generate `count` closures from `seed`, compile them in one program with the real
 * transformer (keepClosures), run each on the server and compare its rows with the closure run in
 * JavaScript over `rows`. Build failures, SQL errors and row differences are all findings.
 */
export async function fuzzBatch(
  t: TestDatabase<typeof fuzzSchema>,
  rows: readonly Fz[],
  seed: number,
  count: number,
): Promise<FuzzStats> {
  const dir = path.join(root, "test/fixtures/.generated");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `fuzz-${seed}.ts`);
  const started = performance.now();
  // The grammar cannot follow TypeScript's narrowing everywhere (a branch may narrow a column to
  // `never`), so cases TypeScript itself rejects are dropped and replaced; closql's own diagnostics
  // (codes 91001–91999) are findings.
  let cases = generateCases(seed, Math.ceil(count * 1.3));
  let { diagnostics, output } = compileCases(file, cases);
  const illTyped = new Set(
    diagnostics.filter((d) => !isClosqlDiagnostic(d.code)).map((d) => d.line - HEADER_LINES - 1),
  );
  const rejected = illTyped.size;
  if (rejected > 0) {
    cases = cases.filter((_, i) => !illTyped.has(i)).slice(0, count);
    ({ diagnostics, output } = compileCases(file, cases));
  } else cases = cases.slice(0, count);
  if (cases.length < count) throw new Error(`fuzz: only ${cases.length} well-typed cases of ${count}`);
  const compileMs = performance.now() - started;
  const findings: FuzzFinding[] = [];
  for (const d of diagnostics) {
    const c = cases[d.line - HEADER_LINES - 1];
    findings.push({
      closure: c?.closure ?? "?",
      captures: c?.captures ?? [],
      problem: `build: ${d.message} (col ${d.col})`,
    });
  }
  if (diagnostics.length > 0) return { cases: count, rejected, findings, compileMs, runMs: 0 };

  const js = output.get(path.relative(root, file).replace(/\.ts$/, ".js"))!;
  const compiled = path.join(root, "test/dist/fixtures/.generated", `fuzz-${seed}.js`);
  fs.mkdirSync(path.dirname(compiled), { recursive: true });
  fs.writeFileSync(compiled, js);
  delete require.cache[compiled];
  const mod = require(compiled) as { cases: ((db: Database<typeof fuzzSchema>) => Promise<{ id: number }[]>)[] };

  const runStarted = performance.now();
  for (const [i, run] of mod.cases.entries()) {
    const c = cases[i];
    let got: { id: number }[];
    try {
      got = await run(t.db);
    } catch (e) {
      findings.push({
        closure: c.closure,
        captures: c.captures,
        sql: t.last()?.sql,
        params: t.last()?.params,
        problem: `run: ${(e as Error).message}`,
      });
      continue;
    }
    const event = t.last();
    let expected: number[];
    try {
      expected = rows.filter((row) => event.closures!.every((f) => f(row))).map((r) => r.id);
    } catch (e) {
      // The closure throws in JavaScript (e.g. BigInt division by zero); SQL must fail too.
      findings.push({
        closure: c.closure,
        captures: c.captures,
        sql: event.sql,
        problem: `JavaScript threw ${(e as Error).message} but SQL returned rows`,
      });
      continue;
    }
    const actual = got.map((r) => r.id);
    if (actual.join() !== expected.join()) {
      const missing = expected.filter((id) => !actual.includes(id));
      const extra = actual.filter((id) => !expected.includes(id));
      findings.push({
        closure: c.closure,
        captures: c.captures,
        sql: event.sql,
        params: event.params,
        problem: `rows differ: missing ${JSON.stringify(missing)}, extra ${JSON.stringify(extra)}`,
      });
    }
  }
  return { cases: count, rejected, findings, compileMs, runMs: performance.now() - runStarted };
}

export function describeFinding(f: FuzzFinding, rows: readonly Fz[]): string {
  const ids = [...(f.problem.match(/\d+/g) ?? [])].slice(0, 3).map(Number);
  const sample = rows
    .filter((r) => ids.includes(r.id))
    .map((r) =>
      JSON.stringify(r, (_k, v) =>
        typeof v === "bigint" ? `${v}n` : typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
      ),
    );
  return [
    `closure: ${f.closure}`,
    `captures: ${f.captures.join(" ")}`,
    `sql: ${f.sql}`,
    `params: ${JSON.stringify(f.params, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))}`,
    `problem: ${f.problem}`,
    ...sample.map((s) => `row: ${s}`),
  ].join("\n  ");
}
