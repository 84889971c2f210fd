import fs from "node:fs";
import path from "node:path";
import { ClosqlError, Database, DatabaseError, UncompiledQueryError } from "closql";
import { DIAGNOSTICS, isClosqlDiagnostic } from "@closql/transformer";
import { CompileResult, compileWithClosql } from "./compile";
import type { FuzzDatabase } from "./fuzz-database";
import { FuzzCase, FuzzProfile, generateCases } from "./fuzz-generator";
import type { Fz, fuzzSchema } from "./fuzz-schema";

/**
 * Classes of findings. `refused` (a closql diagnostic) and `runtime-refused` (a ClosqlError that is
 * not a server error, e.g. an invalid limit) are counted, not findings.
 * - mismatch: rows or projected values differ from JavaScript's;
 * - server-error: a statement the build accepted fails to PREPARE or to run on the server;
 * - build-crash: the compiler threw, or closql reported an internal error / a TypeScript error;
 * - js-throw: the closure throws in JavaScript but SQL returned rows;
 * - sql-size: the emitted SQL is more than SIZE_FACTOR times the closure's length;
 * - nonstrict-accepted: a program without strictNullChecks compiled a query instead of refusing it;
 * - runtime-error: an accepted query threw something other than a server error (e.g. uncompiled).
 */
export type FindingClass =
  "mismatch" | "server-error" | "build-crash" | "js-throw" | "sql-size" | "nonstrict-accepted" | "runtime-error";

export interface FuzzFinding {
  readonly class: FindingClass;
  readonly kind: string;
  readonly closure: string;
  readonly captures: string[];
  readonly params?: FuzzCase["params"];
  readonly steps?: FuzzCase["steps"];
  readonly orderKey?: string;
  readonly tags: string[];
  readonly sql?: string;
  readonly values?: unknown;
  readonly problem: string;
}

export interface TagStats {
  cases: number;
  refused: number;
  findings: number;
}

export interface FuzzStats {
  readonly cases: number;
  /** Generated cases TypeScript rejected (replaced by others). */
  readonly rejected: number;
  /** Cases closql refused with a diagnostic, by diagnostic kind. */
  readonly refused: Map<string, number>;
  readonly runtimeRefused: number;
  readonly findings: FuzzFinding[];
  readonly perTag: Map<string, TagStats>;
  /** Largest emitted SQL length / closure length over cases whose closure has ≥ 60 characters. */
  readonly worstRatio: { ratio: number; closure: string; sqlLength: number };
  readonly statements: number;
  readonly compileMs: number;
  readonly runMs: number;
}

export interface FuzzBatchOptions {
  readonly profile?: FuzzProfile;
  /** Compile with `strict` (default). false: every case must be refused at build time. */
  readonly strict?: boolean;
}

/**
 * The emitted SQL may be at most this many times the closure's length. Growth is linear (an operand
 * lowering repeats is shared through a `let`), but with a real constant: a faithful `/` (division by
 * ±0 gives ±Infinity or NaN) or a JSONB number (the double JavaScript parses) costs a few hundred
 * characters each. Exponential growth, the bug this guards against, gave ratios in the thousands.
 */
export const SIZE_FACTOR = 60;
/** Statements longer than this are not sent to the server (they are sql-size findings). */
const HUGE_SQL = 100_000;

const root = path.resolve(__dirname, "../../..");
const HEADER_LINES = 4;
const codeNames = new Map<number, string>(Object.entries(DIAGNOSTICS).map(([k, v]) => [v.code, k]));

/** One line per case: diagnostics map back to cases by line. */
function caseLine(c: FuzzCase, i: number, profile: FuzzProfile): string {
  const body = c.captures.join(" ");
  if (profile === "classic")
    return `function case${i}(db: Db) { ${body} return db.fz.where(${c.closure}).orderBy((r) => r.id).select((r) => ({ id: r.id })).all(); }`;
  const params = ["db: Db", ...(c.params ?? []).map((p) => p.decl)].join(", ");
  // Trailing arguments left out (`""`) stay out, so an optional parameter is really not passed.
  const args = (c.params ?? []).map((p) => p.arg);
  while (args.length > 0 && args[args.length - 1] === "") args.pop();
  const call = ["db", ...args.map((a) => (a === "" ? "undefined" : a))].join(", ");
  const js = (closure: string) => closure.replace(/^\(r\) =>/, "(r: Fz) =>");
  let ret: string;
  switch (c.kind ?? "where") {
    case "where":
      ret = `{ run: () => db.fz.where(${c.closure}).orderBy((r) => r.id).select((r) => ({ id: r.id })).all(), js: ${js(c.closure)} }`;
      break;
    case "select": {
      const expr = c.closure.replace(/^\(r\) => /, "");
      ret = `{ run: () => db.fz.orderBy((r) => r.id).select((r) => ({ id: r.id, v: ${expr} })).all(), js: ${js(c.closure)} }`;
      break;
    }
    case "page": {
      const chain = c
        .steps!.map((s) =>
          "where" in s ? `.where(${s.where})` : "limit" in s ? `.limit(${s.limit})` : `.offset(${s.offset})`,
        )
        .join("");
      const wheres = c.steps!.filter((s) => "where" in s).map((s) => js((s as { where: string }).where));
      const counts = c
        .steps!.filter((s) => !("where" in s))
        .map((s) => ("limit" in s ? s.limit : (s as { offset: string }).offset));
      ret = `{ run: () => db.fz.orderBy((r) => r.id)${chain}.select((r) => ({ id: r.id })).all(), wheres: [${wheres.join(", ")}], counts: [${counts.join(", ")}] }`;
      break;
    }
    case "order":
      ret = `{ run: () => db.fz.where(${c.closure}).orderBy(${c.orderKey}, "${c.direction}").orderBy((r) => r.id).select((r) => ({ id: r.id })).all(), js: ${js(c.closure)}, key: ${js(c.orderKey!)} }`;
      break;
  }
  return `function case${i}(${params}) { ${body} return ${ret}; } const run${i} = (db: Db) => case${i}(${call});`;
}

function writeCases(file: string, cases: readonly FuzzCase[], profile: FuzzProfile): void {
  fs.writeFileSync(
    file,
    [
      `import type { Database } from "closql";`,
      `import type { fuzzSchema, Fz } from "../../support/fuzz-schema";`,
      `type Db = Database<typeof fuzzSchema>;`,
      `void (0 as unknown as Fz);`,
      // One function per case: TypeScript's flow analysis stays per function.
      ...cases.map((c, i) => caseLine(c, i, profile)),
      `export const cases = [${cases.map((_, i) => (profile === "classic" ? `case${i}` : `run${i}`)).join(", ")}];`,
    ].join("\n"),
  );
}

/** The real transformer in-process, keeping closures, with or without `strict`. */
function compileFile(file: string, strict: boolean): CompileResult {
  return compileWithClosql([file], { keepClosures: true }, { strict });
}

/** Compiles, and when the compiler itself throws, finds the cases that make it throw by bisection. */
function compileOrBisect(
  file: string,
  cases: readonly FuzzCase[],
  profile: FuzzProfile,
  strict: boolean,
): { result?: CompileResult; crashing: { c: FuzzCase; error: string }[] } {
  const attempt = (subset: readonly FuzzCase[]) => {
    writeCases(file, subset, profile);
    try {
      return { result: compileFile(file, strict) };
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
  if (first.result) return { result: first.result, crashing: [] };
  const crashing: { c: FuzzCase; error: string }[] = [];
  const bisect = (subset: readonly FuzzCase[], error: string) => {
    if (subset.length === 1) return void crashing.push({ c: subset[0], error });
    const half = Math.ceil(subset.length / 2);
    for (const part of [subset.slice(0, half), subset.slice(half)]) {
      const r = attempt(part);
      if (r.error) bisect(part, r.error);
    }
  };
  bisect(cases, first.error!);
  return { crashing };
}

type Outcome = { id: number; v?: unknown }[];
interface CaseModule {
  cases: ((db: Database<typeof fuzzSchema>) => unknown)[];
}

/**
 * One batch: generate `count` cases from `seed`, compile them in one program with the real
 * transformer, PREPARE every statement it folded, run each case on the server and compare with
 * JavaScript over `rows`.
 */
export async function fuzzBatch(
  t: FuzzDatabase,
  rows: readonly Fz[],
  seed: number,
  count: number,
  options: FuzzBatchOptions = {},
): Promise<FuzzStats> {
  const profile = options.profile ?? "classic";
  const strict = options.strict ?? true;
  const dir = path.join(root, "test/fixtures/.generated");
  fs.mkdirSync(dir, { recursive: true });
  const name = `fuzz-${profile}${strict ? "" : "-loose"}-${seed}`;
  const file = path.join(dir, `${name}.ts`);
  const started = performance.now();
  const findings: FuzzFinding[] = [];
  const perTag = new Map<string, TagStats>();
  const tagsOf = (c: FuzzCase) => [c.kind ?? "where", ...(c.tags ?? [])];
  const stat = (c: FuzzCase, field: keyof TagStats) => {
    for (const tag of new Set(tagsOf(c))) {
      const s = perTag.get(tag) ?? { cases: 0, refused: 0, findings: 0 };
      s[field]++;
      perTag.set(tag, s);
    }
  };
  const find = (c: FuzzCase, cls: FindingClass, problem: string, extra: { sql?: string; values?: unknown } = {}) => {
    stat(c, "findings");
    findings.push({
      class: cls,
      kind: c.kind ?? "where",
      closure: c.closure,
      captures: c.captures,
      params: c.params,
      steps: c.steps,
      orderKey: c.orderKey ? `${c.orderKey}, "${c.direction}"` : undefined,
      tags: c.tags ?? [],
      problem,
      ...extra,
    });
  };

  // The grammar cannot follow TypeScript's narrowing everywhere (a branch may narrow a column to
  // `never`), so cases TypeScript itself rejects are dropped and replaced.
  let cases = generateCases(seed, Math.ceil(count * 1.4), profile);
  let compiled = compileOrBisect(file, cases, profile, strict);
  if (compiled.crashing.length > 0) {
    for (const { c, error } of compiled.crashing) find(c, "build-crash", `compiler threw: ${error}`);
    const bad = new Set(compiled.crashing.map((x) => x.c));
    cases = cases.filter((c) => !bad.has(c));
    compiled = compileOrBisect(file, cases, profile, strict);
  }
  if (!compiled.result) throw new Error(`fuzz: the compiler still throws on ${name}`);
  let { diagnostics, output, statements } = compiled.result;
  const illTyped = new Set(
    diagnostics.filter((d) => !isClosqlDiagnostic(d.code)).map((d) => d.line - HEADER_LINES - 1),
  );
  const rejected = illTyped.size;
  cases = cases.filter((_, i) => !illTyped.has(i)).slice(0, count);
  if (rejected > 0) {
    const again = compileOrBisect(file, cases, profile, strict);
    if (!again.result) throw new Error(`fuzz: the compiler throws on ${name} after dropping ill-typed cases`);
    ({ diagnostics, output, statements } = again.result);
  }
  if (cases.length < count) throw new Error(`fuzz: only ${cases.length} well-typed cases of ${count}`);
  cases.forEach((c) => stat(c, "cases"));
  const compileMs = performance.now() - started;

  // Diagnostics: refusals are counted; internal errors and TypeScript errors are build crashes.
  const refusedCases = new Set<number>();
  const refused = new Map<string, number>();
  for (const d of diagnostics) {
    const index = d.line - HEADER_LINES - 1;
    const c = cases[index];
    if (!c) throw new Error(`fuzz: a diagnostic outside the cases: ${d.message}`);
    if (refusedCases.has(index)) continue;
    refusedCases.add(index);
    if (d.code === DIAGNOSTICS.internalError.code || !isClosqlDiagnostic(d.code)) {
      find(c, "build-crash", `build: ${d.code} ${d.message} (col ${d.col})`);
      continue;
    }
    const kind = codeNames.get(d.code) ?? String(d.code);
    refused.set(kind, (refused.get(kind) ?? 0) + 1);
    stat(c, "refused");
    // The classic grammar only generates closures closql compiles: a refusal there is a finding.
    if (profile === "classic" && strict) find(c, "build-crash", `refused: ${d.message} (col ${d.col})`);
  }

  // Every folded statement must PREPARE; statements map back to cases by their source line.
  const sqlByCase = new Map<number, string[]>();
  const prepareFailed = new Set<number>();
  const huge = new Set<number>();
  for (const s of statements) {
    const line = Number(/:(\d+)$/.exec(s.source)?.[1]);
    const index = line - HEADER_LINES - 1;
    sqlByCase.set(index, [...(sqlByCase.get(index) ?? []), s.sql]);
    // An exponential statement (megabytes) is a sql-size finding; sending it would only burn minutes.
    if (s.sql.length > HUGE_SQL) {
      huge.add(index);
      continue;
    }
    const error = await t.prepareError(s.sql);
    if (error && cases[index] && !prepareFailed.has(index)) {
      prepareFailed.add(index);
      find(cases[index], "server-error", `PREPARE: ${error.message}`, { sql: s.sql });
    }
  }

  // SQL size: linear in the closure.
  let worstRatio = { ratio: 0, closure: "", sqlLength: 0 };
  cases.forEach((c, i) => {
    const closure = c.kind === "page" ? c.steps!.map((s) => Object.values(s)[0]).join(" ") : c.closure;
    const sqlLength = Math.max(0, ...(sqlByCase.get(i) ?? []).map((s) => s.length));
    if (closure.length < 60 || sqlLength === 0) return;
    const ratio = sqlLength / closure.length;
    if (ratio > worstRatio.ratio) worstRatio = { ratio, closure, sqlLength };
    if (ratio > SIZE_FACTOR)
      find(
        c,
        "sql-size",
        `SQL is ${sqlLength} characters for a ${closure.length}-character closure (×${ratio.toFixed(1)})`,
      );
  });

  const js = output.get(path.relative(root, file).replace(/\.ts$/, ".js"))!;
  const compiledFile = path.join(root, "test/dist/fixtures/.generated", `${name}.js`);
  fs.mkdirSync(path.dirname(compiledFile), { recursive: true });
  fs.writeFileSync(compiledFile, js);
  delete require.cache[compiledFile];
  const mod = require(compiledFile) as CaseModule;

  // Without strictNullChecks a build that reports any closql error fails as a whole (one
  // program-wide diagnostic is the expected answer): nothing of it runs. A build without one is
  // checked case by case below, every accepted case being a finding.
  if (!strict && refused.size > 0) {
    cases.forEach((c, i) => {
      if (!refusedCases.has(i)) stat(c, "refused");
      refusedCases.add(i);
    });
  }
  const runStarted = performance.now();
  let runtimeRefused = 0;
  for (const [i, c] of cases.entries()) {
    if (refusedCases.has(i) || huge.has(i)) continue;
    if (!strict) find(c, "nonstrict-accepted", "compiled without strictNullChecks (must be refused at build time)");
    const before = t.events.length;
    const sqlOf = () => (t.events.length > before ? t.last().sql : sqlByCase.get(i)?.[0]);
    const valuesOf = () => (t.events.length > before ? t.last().params : undefined);
    let got: Outcome;
    let plan: any;
    try {
      if (profile === "classic") got = (await mod.cases[i](t.db)) as Outcome;
      else {
        plan = mod.cases[i](t.db);
        got = (await plan.run()) as Outcome;
      }
    } catch (e) {
      if (
        e instanceof DatabaseError ||
        (typeof (e as any)?.code === "string" && /^[0-9A-Z]{5}$/.test((e as any).code))
      ) {
        if (!prepareFailed.has(i))
          find(c, "server-error", `run: ${(e as Error).message}`, { sql: sqlOf(), values: valuesOf() });
      } else if (e instanceof ClosqlError && !(e instanceof UncompiledQueryError)) {
        // A clear run-time refusal (e.g. an invalid limit, a value beyond a number-mode bigint).
        runtimeRefused++;
      } else
        find(c, "runtime-error", `run: ${(e as Error).name}: ${(e as Error).message}`, {
          sql: sqlOf(),
          values: valuesOf(),
        });
      continue;
    }
    let expected: Outcome;
    try {
      expected = expectedOutcome(c, rows, profile, plan, t);
    } catch (e) {
      // The closure throws in JavaScript (e.g. null.length, BigInt division by zero); SQL must fail too.
      if (e instanceof InvalidCount)
        find(c, "mismatch", `${e.message} accepted: returned ${got.length} rows`, { sql: sqlOf(), values: valuesOf() });
      else
        find(c, "js-throw", `JavaScript threw ${(e as Error).message} but SQL returned rows`, {
          sql: sqlOf(),
          values: valuesOf(),
        });
      continue;
    }
    const problem = compare(c.kind === "select", expected, got);
    if (problem) find(c, "mismatch", problem, { sql: sqlOf(), values: valuesOf() });
  }
  return {
    cases: count,
    rejected,
    refused,
    runtimeRefused,
    findings,
    perTag,
    worstRatio,
    statements: statements.length,
    compileMs,
    runMs: performance.now() - runStarted,
  };
}

class InvalidCount extends Error {}
const validCount = (n: number) => Number.isInteger(n) && n >= 0;

function expectedOutcome(c: FuzzCase, rows: readonly Fz[], profile: FuzzProfile, plan: any, t: FuzzDatabase): Outcome {
  const ids = (rs: readonly Fz[]) => rs.map((r) => ({ id: r.id }));
  if (profile === "classic") return ids(rows.filter((row) => t.last().closures!.every((f) => f(row))));
  switch (c.kind ?? "where") {
    case "where":
      return ids(rows.filter((r) => plan.js(r)));
    case "select":
      return rows.map((r) => ({ id: r.id, v: plan.js(r) }));
    case "page": {
      // closql's chain semantics: limit and offset set the page of the rows so far (the last call of
      // each wins, in either order, as in SQL); a where after them filters that page.
      let out = [...rows];
      let w = 0;
      let n = 0;
      let limit: number | undefined;
      let offset: number | undefined;
      const applyPage = () => {
        for (const [name, count] of [
          ["offset", offset],
          ["limit", limit],
        ] as const) {
          if (count !== undefined && !validCount(count)) throw new InvalidCount(`${name}(${count})`);
        }
        if (offset !== undefined) out = out.slice(offset);
        if (limit !== undefined) out = out.slice(0, limit);
        limit = offset = undefined;
      };
      for (const step of c.steps!) {
        if ("where" in step) {
          applyPage();
          const f = plan.wheres[w++];
          out = out.filter((r) => f(r));
          continue;
        }
        const count = plan.counts[n++] as number;
        if ("limit" in step) limit = count;
        else offset = count;
      }
      applyPage();
      return ids(out);
    }
    case "order": {
      const desc = c.direction === "desc";
      const keyed = rows.filter((r) => plan.js(r)).map((r) => ({ r, k: plan.key(r) }));
      keyed.sort((a, b) => {
        const byKey = a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
        return (desc ? -byKey : byKey) || a.r.id - b.r.id;
      });
      return ids(keyed.map((x) => x.r));
    }
  }
}

/** Row ids in order, and for projections each value: undefined ≠ null, -0 ≠ 0, 1n ≠ 1, NaN = NaN. */
function compare(values: boolean, expected: Outcome, got: Outcome): string | undefined {
  const e = expected.map((r) => r.id);
  const a = got.map((r) => r.id);
  if (e.join() !== a.join()) {
    const missing = e.filter((id) => !a.includes(id));
    const extra = a.filter((id) => !e.includes(id));
    return missing.length || extra.length
      ? `rows differ: missing ${JSON.stringify(missing)}, extra ${JSON.stringify(extra)}`
      : `order differs: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`;
  }
  if (!values) return undefined;
  for (let i = 0; i < expected.length; i++) {
    if (!same(expected[i].v, got[i].v))
      return `value differs at id ${expected[i].id}: expected ${show(expected[i].v)}, got ${show(got[i].v)}`;
  }
  return undefined;
}

export function same(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a === "number") return Object.is(a, b);
  if (a === null || b === null) return a === b;
  if (a instanceof Date) return b instanceof Date && Object.is(a.getTime(), b.getTime());
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (typeof a === "object") {
    const ka = Object.keys(a as object).sort();
    const kb = Object.keys(b as object).sort();
    return ka.join() === kb.join() && ka.every((k) => same((a as any)[k], (b as any)[k]));
  }
  return a === b;
}

export function show(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof Date) return `Date(${v.toISOString()})`;
  return `${typeof v}:${JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : typeof x === "number" && !Number.isFinite(x) ? String(x) : x))}`;
}

export function describeFinding(f: FuzzFinding, rows: readonly Fz[]): string {
  const ids = [...(f.problem.match(/\d+/g) ?? [])].slice(0, 3).map(Number);
  const sample = rows.filter((r) => ids.includes(r.id)).map((r) => show(r).replace(/^object:/, ""));
  return [
    `[${f.class}] ${f.kind} {${f.tags.join(", ")}}`,
    f.kind === "page" ? `steps: ${JSON.stringify(f.steps)}` : `closure: ${f.closure}`,
    ...(f.orderKey ? [`orderBy: ${f.orderKey}`] : []),
    `captures: ${f.captures.join(" ")}`,
    ...(f.params?.length
      ? [`params: ${f.params.map((p) => `${p.decl} = ${p.arg || "(not passed)"}`).join(", ")}`]
      : []),
    `sql: ${f.sql}`,
    `values: ${JSON.stringify(f.values, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))}`,
    `problem: ${f.problem}`,
    ...sample.map((s) => `row: ${s}`),
  ].join("\n  ");
}

/** Counts per finding class and per construct, as printed lines. */
export function summarize(stats: readonly FuzzStats[]): string[] {
  const byClass = new Map<string, number>();
  const perTag = new Map<string, TagStats>();
  const refused = new Map<string, number>();
  let worst = { ratio: 0, closure: "", sqlLength: 0 };
  for (const s of stats) {
    for (const f of s.findings) byClass.set(f.class, (byClass.get(f.class) ?? 0) + 1);
    for (const [k, v] of s.refused) refused.set(k, (refused.get(k) ?? 0) + v);
    for (const [tag, v] of s.perTag) {
      const x = perTag.get(tag) ?? { cases: 0, refused: 0, findings: 0 };
      x.cases += v.cases;
      x.refused += v.refused;
      x.findings += v.findings;
      perTag.set(tag, x);
    }
    if (s.worstRatio.ratio > worst.ratio) worst = s.worstRatio;
  }
  const total = stats.reduce((n, s) => n + s.cases, 0);
  return [
    `cases ${total}; statements prepared ${stats.reduce((n, s) => n + s.statements, 0)}; refused ${[...refused.values()].reduce((a, b) => a + b, 0)}; refused at run time ${stats.reduce((n, s) => n + s.runtimeRefused, 0)}`,
    `findings by class: ${[...byClass].map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`,
    `refused by kind: ${[...refused].map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`,
    `compile ${Math.round(stats.reduce((n, s) => n + s.compileMs, 0))} ms, run ${Math.round(stats.reduce((n, s) => n + s.runMs, 0))} ms`,
    `worst SQL/closure size ratio: ${worst.ratio.toFixed(2)} (${worst.sqlLength} chars of SQL for ${worst.closure.length} of closure; limit ${SIZE_FACTOR})`,
    `per construct (cases / refused / findings):`,
    ...[...perTag]
      .sort((a, b) => b[1].findings - a[1].findings || a[0].localeCompare(b[0]))
      .map(
        ([tag, v]) =>
          `  ${tag.padEnd(34)} ${String(v.cases).padStart(6)} ${String(v.refused).padStart(6)} ${String(v.findings).padStart(6)}`,
      ),
  ];
}

/**
 * Writes every finding of `stats` to test/fixtures/.generated/<name>.txt (the test prints only the
 * first few) and returns the path.
 */
export function writeFindings(name: string, stats: readonly FuzzStats[], rows: readonly Fz[]): string {
  const file = path.join(root, "test/fixtures/.generated", `${name}.txt`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const findings = stats.flatMap((s) => s.findings);
  fs.writeFileSync(file, [...summarize(stats), "", ...findings.map((f) => describeFinding(f, rows) + "\n")].join("\n"));
  return path.relative(root, file);
}
