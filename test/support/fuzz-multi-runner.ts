import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { ClosqlError, DatabaseError, UncompiledQueryError } from "closql";
import { DIAGNOSTICS, isClosqlDiagnostic } from "@closql/transformer";
import { CompileResult, compileWithClosql } from "./compile";
import type { TestDatabase } from "./database";
import { MultiCase, generateMultiCases } from "./fuzz-multi-generator";
import {
  AnyOf,
  Approx,
  compareKeys,
  Expected,
  InfiniteDate,
  Related,
  withInfiniteDates,
  type SortSpec,
} from "./fuzz-multi-reference";
import { CHILDREN, multiSchema, PARENTS, withRelations } from "./fuzz-multi-schema";
import {
  same,
  show,
  summarize,
  type FindingClass,
  type FuzzFinding,
  type FuzzStats,
  type TagStats,
} from "./fuzz-runner";

/**
 * One batch of the multi-table fuzzer: generate cases, compile them in one program with the real
 * transformer, PREPARE every folded statement, run each case on the server and compare with the
 * reference (fuzz-multi-reference.ts) over the same rows. Result rows compare as multisets where
 * the order is not fully determined: rows whose sort keys tie may come in any order, and a
 * limit/offset may cut a run of ties anywhere. Finding classes are fuzz-runner.ts's.
 */
const root = path.resolve(__dirname, "../../..");
const HEADER = [
  `import type { Database } from "closql";`,
  `import { avg, count, max, min, sum, type Query, type RelationsOf } from "closql";`,
  `import { mc, mp, type multiSchema, type Mc, type Mj, type Mp, type MpR } from "../../support/fuzz-multi-schema";`,
  `import * as A from "../../support/fuzz-multi-reference";`,
  `type Db = Database<typeof multiSchema>;`,
  `void [avg, count, max, min, sum, mc, mp];`,
];
/** Every refusal of the batches so far, for the findings file (refusals are not findings). */
const refusals: string[] = [];
const codeNames = new Map<number, string>(Object.entries(DIAGNOSTICS).map(([k, v]) => [v.code, k]));

function caseLine(c: MultiCase, i: number): string {
  return `function case${i}(db: Db, P: readonly Mp[], C: readonly Mc[], R: readonly MpR[]) { void [P, C, R]; ${c.captures.join(" ")} return { run: () => ${c.run}, ref: (): A.Expected[] => ${c.ref} }; }`;
}

function writeCases(file: string, cases: readonly MultiCase[]): void {
  fs.writeFileSync(
    file,
    [...HEADER, ...cases.map(caseLine), `export const cases = [${cases.map((_, i) => `case${i}`).join(", ")}];`].join(
      "\n",
    ),
  );
}

function compileOrBisect(file: string, cases: readonly MultiCase[]) {
  const attempt = (subset: readonly MultiCase[]): { result?: CompileResult; error?: string } => {
    writeCases(file, subset);
    try {
      return { result: compileWithClosql([file], { keepClosures: true }) };
    } catch (e) {
      return {
        error: String((e as Error).stack ?? e)
          .split("\n")
          .slice(0, 3)
          .join(" | "),
      };
    }
  };
  const first = attempt(cases);
  if (first.result) return { result: first.result, crashing: [] as { c: MultiCase; error: string }[] };
  const crashing: { c: MultiCase; error: string }[] = [];
  const bisect = (subset: readonly MultiCase[], error: string): void => {
    if (subset.length === 1) return void crashing.push({ c: subset[0], error });
    const half = Math.ceil(subset.length / 2);
    for (const part of [subset.slice(0, half), subset.slice(half)]) {
      const r = attempt(part);
      if (r.error) bisect(part, r.error);
    }
  };
  bisect(cases, first.error!);
  return { result: undefined, crashing };
}

interface CaseModule {
  cases: ((
    db: TestDatabase<typeof multiSchema>["db"],
    ...data: unknown[]
  ) => { run: () => Promise<unknown>; ref: () => Expected[] })[];
}

export async function multiBatch(
  t: TestDatabase<typeof multiSchema>,
  client: pg.Client,
  seed: number,
  count: number,
  generate: (seed: number, count: number) => MultiCase[] = generateMultiCases,
  prefix = "fuzz-multi",
): Promise<FuzzStats> {
  const dir = path.join(root, "test/fixtures/.generated");
  fs.mkdirSync(dir, { recursive: true });
  const name = `${prefix}-${seed}`;
  const file = path.join(dir, `${name}.ts`);
  const started = performance.now();
  const findings: FuzzFinding[] = [];
  const perTag = new Map<string, TagStats>();
  const stat = (c: MultiCase, field: keyof TagStats) => {
    for (const tag of new Set(c.tags)) {
      const s = perTag.get(tag) ?? { cases: 0, refused: 0, findings: 0 };
      s[field]++;
      perTag.set(tag, s);
    }
  };
  const find = (c: MultiCase, cls: FindingClass, problem: string, extra: { sql?: string; values?: unknown } = {}) => {
    stat(c, "findings");
    findings.push({ class: cls, kind: c.kind, closure: c.run, captures: c.captures, tags: c.tags, problem, ...extra });
  };

  let cases = generate(seed, Math.ceil(count * 1.3));
  let compiled = compileOrBisect(file, cases);
  if (compiled.crashing.length > 0) {
    for (const { c, error } of compiled.crashing) find(c, "build-crash", `compiler threw: ${error}`);
    const bad = new Set(compiled.crashing.map((x) => x.c));
    cases = cases.filter((c) => !bad.has(c));
    compiled = compileOrBisect(file, cases);
  }
  if (!compiled.result) throw new Error(`fuzz-multi: the compiler still throws on ${name}`);
  let { diagnostics, output, statements } = compiled.result;
  // The grammar does not follow TypeScript's narrowing everywhere: cases TypeScript rejects are replaced.
  const illTyped = new Set(
    diagnostics.filter((d) => !isClosqlDiagnostic(d.code)).map((d) => d.line - HEADER.length - 1),
  );
  cases = cases.filter((_, i) => !illTyped.has(i)).slice(0, count);
  if (illTyped.size > 0) {
    const again = compileOrBisect(file, cases);
    if (!again.result) throw new Error(`fuzz-multi: the compiler throws on ${name} after dropping ill-typed cases`);
    ({ diagnostics, output, statements } = again.result);
  }
  if (cases.length < count) throw new Error(`fuzz-multi: only ${cases.length} well-typed cases of ${count}`);
  cases.forEach((c) => stat(c, "cases"));
  const compileMs = performance.now() - started;

  const refusedCases = new Set<number>();
  const refused = new Map<string, number>();
  for (const d of diagnostics) {
    const index = d.line - HEADER.length - 1;
    // The compiled file may hold spare cases past `count` (generated in case some were ill-typed).
    if (index >= cases.length && index < cases.length + Math.ceil(count * 0.3) + 1) continue;
    const c = cases[index];
    if (!c) throw new Error(`fuzz-multi: a diagnostic outside the cases: ${d.message}`);
    if (refusedCases.has(index)) continue;
    refusedCases.add(index);
    if (d.code === DIAGNOSTICS.internalError.code || !isClosqlDiagnostic(d.code)) {
      find(c, "build-crash", `build: ${d.code} ${d.message} (col ${d.col})`);
      continue;
    }
    const kind = codeNames.get(d.code) ?? String(d.code);
    refused.set(kind, (refused.get(kind) ?? 0) + 1);
    refusals.push(`${kind}: ${d.message} (col ${d.col})\n  ${c.run}`);
    stat(c, "refused");
  }

  const sqlByCase = new Map<number, string>();
  const prepareFailed = new Set<number>();
  for (const s of statements) {
    const index = Number(/:(\d+)$/.exec(s.source)?.[1]) - HEADER.length - 1;
    if (!sqlByCase.has(index)) sqlByCase.set(index, s.sql);
    const error = await prepareError(client, s.sql);
    if (error && cases[index] && !prepareFailed.has(index)) {
      prepareFailed.add(index);
      find(cases[index], "server-error", `PREPARE: ${error.message}`, { sql: s.sql });
    }
  }

  const js = output.get(path.relative(root, file).replace(/\.ts$/, ".js"))!;
  const compiledFile = path.join(root, "test/dist/fixtures/.generated", `${name}.js`);
  fs.mkdirSync(path.dirname(compiledFile), { recursive: true });
  fs.writeFileSync(compiledFile, js);
  delete require.cache[compiledFile];
  const mod = require(compiledFile) as CaseModule;
  const [parents, children] = [withInfiniteDates(PARENTS), withInfiniteDates(CHILDREN)];
  const related = withRelations(parents, children);

  const readBack = withRelations(PARENTS, CHILDREN);
  const throwsInJavaScript = (i: number) => {
    try {
      mod.cases[i](t.db, PARENTS, CHILDREN, readBack).ref();
      return false;
    } catch {
      return true;
    }
  };

  const runStarted = performance.now();
  let runtimeRefused = 0;
  for (const [i, c] of cases.entries()) {
    if (refusedCases.has(i)) continue;
    const before = t.events.length;
    const sqlOf = () => (t.events.length > before ? t.last().sql : sqlByCase.get(i));
    const valuesOf = () => (t.events.length > before ? t.last().params : undefined);
    const plan = mod.cases[i](t.db, parents, children, related);
    let got: unknown;
    try {
      got = await plan.run();
      if (c.terminal === "first") got = got === undefined ? [] : [got];
    } catch (e) {
      if (
        e instanceof DatabaseError ||
        (typeof (e as any)?.code === "string" && /^[0-9A-Z]{5}$/.test((e as any).code))
      ) {
        // The statement failed where JavaScript, over the rows as closql reads them (±infinity
        // timestamps as numbers), throws too (`getTime()` of one): both fail, which agrees.
        if (throwsInJavaScript(i)) runtimeRefused++;
        else if (!prepareFailed.has(i))
          find(c, "server-error", `run: ${(e as Error).message}`, { sql: sqlOf(), values: valuesOf() });
      } else if (e instanceof ClosqlError && !(e instanceof UncompiledQueryError)) runtimeRefused++;
      else
        find(c, "runtime-error", `run: ${(e as Error).name}: ${(e as Error).message}`, {
          sql: sqlOf(),
          values: valuesOf(),
        });
      continue;
    }
    let expected: Expected[];
    try {
      expected = plan.ref();
    } catch (e) {
      find(c, "js-throw", `JavaScript threw ${(e as Error).message} but SQL returned rows`, {
        sql: sqlOf(),
        values: valuesOf(),
      });
      continue;
    }
    const problem =
      c.terminal === "count" ? countProblem(expected, got as number) : rowsProblem(c, expected, got as Row[]);
    if (problem) find(c, "mismatch", problem, { sql: sqlOf(), values: valuesOf() });
  }
  return {
    cases: count,
    rejected: illTyped.size,
    refused,
    runtimeRefused,
    findings,
    perTag,
    worstRatio: { ratio: 0, closure: "", sqlLength: 0 },
    statements: statements.length,
    compileMs,
    runMs: performance.now() - runStarted,
  };
}

/** PREPAREs `sql` on `client` (one connection: PREPARE and DEALLOCATE must meet) and deallocates it. */
async function prepareError(client: pg.Client, sql: string): Promise<Error | undefined> {
  try {
    await client.query(`PREPARE fuzz_multi AS ${sql}`);
    await client.query(`DEALLOCATE fuzz_multi`);
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

type Row = Record<string, unknown>;

function countProblem(expected: readonly Expected[], got: number): string | undefined {
  return got === expected.length ? undefined : `count: expected ${expected.length}, got ${show(got)}`;
}

/**
 * The rows, in an order the sort keys allow: expected rows sorted by their keys fall into runs of
 * ties; the i-th row of the page must come from the run covering its position, and each run's rows
 * must be a sub-multiset of it.
 */
export function rowsProblem(c: MultiCase, expected: readonly Expected[], got: readonly Row[]): string | undefined {
  return pageProblem(expected, got, c.specs, c.limit, c.offset);
}

/** `got` as the page (limit/offset) of `expected` sorted by `specs` (see rowsProblem). */
function pageProblem(
  expected: readonly Expected[],
  got: readonly Row[],
  specs: readonly SortSpec[],
  limit: number | undefined,
  offset = 0,
): string | undefined {
  const sorted = expected
    .map((e, i) => ({ e, i }))
    .sort((x, y) => compareKeys(x.e.k, y.e.k, specs) || x.i - y.i)
    .map((x) => x.e);
  const runs: Expected[][] = [];
  for (const e of sorted) {
    const last = runs[runs.length - 1];
    if (last && compareKeys(last[0].k, e.k, specs) === 0) last.push(e);
    else runs.push([e]);
  }
  const size = Math.max(0, Math.min(limit ?? Infinity, sorted.length - offset));
  if (got.length !== size)
    return `expected ${size} rows, got ${got.length}: expected ${showRows(sorted.slice(offset, offset + size).map((e) => e.v))}, got ${showRows(got)}`;
  const assigned = runs.map(() => [] as Row[]);
  let position = 0;
  let run = 0;
  let runEnd = runs.length ? runs[0].length : 0;
  for (let i = offset; i < offset + size; i++) {
    while (i >= runEnd) runEnd += runs[++run].length;
    assigned[run].push(got[position++]);
  }
  for (const [r, rows] of assigned.entries()) {
    const pool = runs[r].map((e) => e.v);
    const used = new Set<number>();
    for (const g of rows) {
      const at = pool.findIndex((e, k) => !used.has(k) && rowMatches(e, g));
      if (at < 0)
        return `row ${showRow(g)} is not among the rows expected ${runs[r].length > 1 ? "in its run of ties" : "at its position"}: ${showRows(pool.filter((_, k) => !used.has(k)))}${sorted.length > pool.length ? ` (all expected: ${showRows(sorted.map((e) => e.v))})` : ""}`;
      used.add(at);
    }
  }
  return undefined;
}

function rowMatches(e: Row, g: Row): boolean {
  const ke = Object.keys(e).sort();
  const kg = Object.keys(g).sort();
  return ke.join() === kg.join() && ke.every((k) => valueMatches(e[k], g[k]));
}

function valueMatches(e: unknown, g: unknown): boolean {
  if (e instanceof AnyOf) return e.values.some((v) => valueMatches(v, g));
  if (e instanceof Approx) return approxEqual(e.value, g);
  if (e instanceof InfiniteDate) return g === e.getTime();
  // A preloaded to-many relation: a page of its own sort (a multiset without orderBy).
  if (e instanceof Related) return Array.isArray(g) && pageProblem(e.rows, g, e.specs, e.limit) === undefined;
  // Whole rows: their fields one by one (an InfiniteDate inside).
  if (e !== null && typeof e === "object" && Object.getPrototypeOf(e) === Object.prototype)
    return g !== null && typeof g === "object" && rowMatches(e as Row, g as Row);
  return same(e, g);
}

function approxEqual(e: unknown, g: unknown): boolean {
  if (typeof e === "string" && typeof g === "string") {
    if (e === "NaN" || g === "NaN") return e === g;
    return approxEqual(Number(e), Number(g));
  }
  if (typeof e !== "number" || typeof g !== "number") return same(e, g);
  if (Object.is(e, g) || e === g) return true;
  if (!Number.isFinite(e) || !Number.isFinite(g)) return false;
  return Math.abs(e - g) <= 1e-9 * Math.max(1, Math.abs(e), Math.abs(g));
}

function showRow(r: unknown): string {
  if (r instanceof InfiniteDate) return `Date(${r.getTime()})`;
  if (r instanceof AnyOf) return `anyOf(${r.values.map(showRow).join("|")})`;
  if (r instanceof Approx) return `≈${showRow(r.value)}`;
  if (r instanceof Related)
    return `related(${r.specs.length ? `by ${r.specs[0][0]}` : "any order"}${r.limit !== undefined ? `, limit ${r.limit}` : ""})${showRows(r.rows.map((e) => e.v))}`;
  if (Array.isArray(r)) return showRows(r);
  if (r === null || typeof r !== "object" || r instanceof Date) return show(r);
  return `{${Object.entries(r as Row)
    .map(([k, v]) => `${k}: ${showRow(v)}`)
    .join(", ")}}`;
}
function showRows(rs: readonly unknown[]): string {
  const shown = rs.slice(0, 12).map(showRow).join(", ");
  return `[${shown}${rs.length > 12 ? `, … (${rs.length})` : ""}]`;
}

export function describeMultiFinding(f: FuzzFinding): string {
  return [
    `[${f.class}] ${f.kind} {${f.tags.join(", ")}}`,
    `query: ${f.closure}`,
    ...(f.captures.length ? [`captures: ${f.captures.join(" ")}`] : []),
    `sql: ${f.sql}`,
    `values: ${JSON.stringify(f.values, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))}`,
    `problem: ${f.problem}`,
  ].join("\n  ");
}

export function writeMultiFindings(name: string, stats: readonly FuzzStats[]): string {
  const file = path.join(root, "test/fixtures/.generated", `${name}.txt`);
  const findings = stats.flatMap((s) => s.findings);
  const rejected = stats.reduce((n, s) => n + s.rejected, 0);
  fs.writeFileSync(
    file,
    [
      ...summarize(stats),
      `ill-typed generated cases replaced: ${rejected}`,
      "",
      ...findings.map((f) => describeMultiFinding(f) + "\n"),
      "refusals:",
      ...refusals,
    ].join("\n"),
  );
  return path.relative(root, file);
}
