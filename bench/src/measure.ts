import fs from "fs";
import path from "path";
import os from "os";
import v8 from "v8";
import vm from "vm";
import { execFileSync } from "child_process";

/** Helpers every benchmark script shares: statistics, knobs, CPU of a backend, versions. */

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
export const round2 = (x: number) => Math.round(x * 100) / 100;
export const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function positiveInt(value: string | undefined, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`expected a positive integer, got ${value}`);
  return n;
}
export function positiveNumber(value: string | undefined, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!(n > 0)) throw new Error(`expected a positive number, got ${value}`);
  return n;
}

/** CPU seconds a local PostgreSQL backend has used (from /proc/<pid>/schedstat); NaN when unknown. */
export function backendCpu(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
  } catch {
    return NaN;
  }
}

export function gitRevision(): string {
  try {
    const rev = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: __dirname, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "packages"], {
      cwd: __dirname,
      encoding: "utf8",
    }).trim();
    return dirty ? `${rev} (packages/ modified)` : rev;
  } catch {
    return "unknown";
  }
}

export function packageVersion(name: string): string {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const p = JSON.parse(fs.readFileSync(file, "utf8"));
      if (p.name === name) return p.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
}

// ---------------------------------------------------------------------------------------------
// The shared harness: interleaved rounds in a rotated order, wall time and the CPU of this process
// and of the contender's PostgreSQL backends. bench/src/northwind.ts and bench/src/http.ts use it;
// writes.ts and relations.ts keep their own loops (same method).

/**
 * `gc()`: a full collection (`gc()`) or only the young generation (`gc({ type: "minor" })`, about a
 * millisecond). The rounds run a full one before each round and a minor one before each slice, so
 * one contender's garbage is not collected on another's time.
 */
export const gc: (options?: { type: "minor" | "major" }) => void = (() => {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as (options?: { type: "minor" | "major" }) => void;
})();

/** BENCH_QUICK=1: the quick mode every workload honours (fewer, shorter rounds). */
export const QUICK = process.env.BENCH_QUICK === "1";

/** DATABASE_URL, with a search_path and an application_name (how a contender's backends are found). */
export function databaseUrl(options: { schema?: string; application?: string } = {}): string {
  const url = new URL(process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test");
  if (options.schema) url.searchParams.set("options", `-c search_path=${options.schema}`);
  if (options.application) url.searchParams.set("application_name", options.application);
  return url.toString();
}

/** The pids of the local PostgreSQL backends serving connections with this application_name. */
export async function backendsOf(
  admin: { query: (text: string, values: unknown[]) => Promise<{ rows: any[] }> },
  application: string,
): Promise<number[]> {
  const { rows } = await admin.query(
    "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
    [application],
  );
  return rows.map((r) => Number(r.pid)).filter((pid) => Number.isFinite(backendCpu(pid)));
}

/** CPU seconds used so far by several local backends (NaN when none can be read). */
export function backendsCpu(pids: readonly number[]): number {
  if (pids.length === 0) return NaN;
  return pids.reduce((sum, pid) => sum + backendCpu(pid), 0);
}

export interface Contender {
  readonly key: string;
  readonly label: string;
  /** Runs iteration i (i picks the parameters: every contender gets the same ones). */
  readonly run: (i: number) => Promise<unknown>;
  /** Its PostgreSQL backends (filled in after warm-up, when all its connections are open). */
  backendPids?: number[];
}

const MIN_SLICE_ITERATIONS = 10;

export interface RoundOptions {
  readonly rounds: number;
  /** Interleaved slices per round (c1 c2 … cN c1 c2 …), at most: fewer when a slice would run under 10 iterations. */
  readonly slices: number;
  /** Seconds the timed rounds of all contenders together should take. */
  readonly seconds: number;
  /** Statements (queries, requests) per iteration: 200 for a group of 200 concurrent lookups. */
  readonly opsPerIteration?: number;
  /** Warm-up per contender and pass: at least this many iterations and this many seconds (two passes). */
  readonly warmupIterations: number;
  readonly warmupSeconds: number;
  /** Called after the warm-up, before timing (e.g. to find backends once every connection is open). */
  readonly afterWarmup?: () => Promise<void>;
}

export interface Sample {
  /** Seconds, over the round's slices. */
  wall: number;
  /** CPU seconds of this Node process (all threads: JS, GC, libuv). */
  client: number;
  /** CPU seconds of the contender's backends; NaN when they cannot be read. */
  server: number;
}

export interface ContenderStats {
  key: string;
  label: string;
  /** Statements per second, each round. */
  roundsOps: number[];
  medianOps: number;
  /** Median over rounds of the wall time per statement, µs. */
  medianMicros: number;
  /** Median over rounds of (its time / the floor's time in the same round); the floor is the first contender. */
  timeToFloor: number;
  /** Lowest and highest per-round time ratio: the spread across rounds. */
  timeToFloorMin: number;
  timeToFloorMax: number;
  clientCpuMicros: number;
  serverCpuMicros: number | null;
  /** (client + server CPU per statement) / the floor's. */
  cpuToFloor: number | null;
}

export interface RoundsResult {
  iterationsPerRound: number;
  opsPerIteration: number;
  rounds: number;
  slices: number;
  seconds: number;
  results: ContenderStats[];
}

async function measureSlice(c: Contender, first: number, n: number): Promise<Sample> {
  gc({ type: "minor" });
  const pids = c.backendPids ?? [];
  const server0 = backendsCpu(pids);
  const client0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = first; i < first + n; i++) await c.run(i);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const client = process.cpuUsage(client0);
  return { wall, client: (client.user + client.system) / 1e6, server: backendsCpu(pids) - server0 };
}

/**
 * Warm-up (two interleaved passes; the second estimates each contender's speed), then `rounds`
 * rounds: in each, every contender runs the same N iterations cut into `slices` slices interleaved
 * across contenders, in an order rotated every round, so drift and bursts of outside load hit all
 * alike. N is chosen so that the rounds take about `seconds`. The first contender is the floor.
 */
export async function interleavedRounds(
  contenders: readonly Contender[],
  o: RoundOptions,
  progress: (text: string) => void = (t) => process.stdout.write(t),
): Promise<RoundsResult> {
  const started = performance.now();
  let perIterationOfAll = 0;
  for (let pass = 0; pass < 2; pass++) {
    perIterationOfAll = 0;
    for (const c of contenders) {
      const t0 = performance.now();
      let n = 0;
      while (n < o.warmupIterations || performance.now() - t0 < o.warmupSeconds * 1000) await c.run(n++);
      perIterationOfAll += (performance.now() - t0) / 1000 / n;
      if (process.env.BENCH_DEBUG) progress(`[${c.key} ${((performance.now() - t0) / n).toFixed(2)} ms] `);
    }
  }
  await o.afterWarmup?.();
  if (process.env.BENCH_DEBUG)
    progress(contenders.map((c) => `[${c.key}: ${c.backendPids?.length ?? 0} backends] `).join(""));
  const wanted = Math.max(1, Math.round(o.seconds / o.rounds / perIterationOfAll));
  // A slice of a few iterations would time the scheduler more than the contender (a busy machine
  // hands out CPU in milliseconds): at least MIN_SLICE_ITERATIONS per slice, fewer slices if need be.
  const slices = Math.max(1, Math.min(o.slices, Math.floor(wanted / MIN_SLICE_ITERATIONS)));
  const n = Math.max(slices, Math.round(wanted / slices) * slices);
  const slice = n / slices;
  progress(`${o.rounds} rounds × ${n} iterations `);
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < o.rounds; round++) {
    const order = contenders.map((_, j) => contenders[(j + round) % contenders.length]);
    const sums = new Map<string, Sample>(contenders.map((c) => [c.key, { wall: 0, client: 0, server: 0 }]));
    gc();
    // V8 sweeps in background threads after a full gc(): let it finish, or the first slice pays for it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let s = 0; s < slices; s++) {
      const first = round * n + s * slice; // every contender reads the same rows in a slice
      for (const c of order) {
        const m = await measureSlice(c, first, slice);
        const sum = sums.get(c.key)!;
        sum.wall += m.wall;
        sum.client += m.client;
        sum.server += m.server;
      }
    }
    for (const c of contenders) samples.get(c.key)!.push(sums.get(c.key)!);
    progress(".");
  }
  const seconds = (performance.now() - started) / 1000;
  progress(` ${seconds.toFixed(1)} s\n`);
  const ops = n * (o.opsPerIteration ?? 1);
  return {
    iterationsPerRound: n,
    opsPerIteration: o.opsPerIteration ?? 1,
    rounds: o.rounds,
    slices,
    seconds: round2(seconds),
    results: summarize(contenders, samples, ops),
  };
}

/** Per-contender statistics from per-round samples of `ops` statements each; the first contender is the floor. */
export function summarize(
  contenders: readonly { key: string; label: string }[],
  samples: Map<string, Sample[]>,
  ops: number,
): ContenderStats[] {
  const floor = samples.get(contenders[0].key)!;
  const perOp = (xs: Sample[], f: (s: Sample) => number) => median(xs.map((s) => f(s) / ops));
  const floorCpu = perOp(floor, (s) => s.client + s.server);
  return contenders.map((c) => {
    const xs = samples.get(c.key)!;
    const ratios = xs.map((s, r) => s.wall / floor[r].wall);
    const server = perOp(xs, (s) => s.server);
    const cpu = perOp(xs, (s) => s.client + s.server);
    const roundsOps = xs.map((s) => ops / s.wall);
    return {
      key: c.key,
      label: c.label,
      roundsOps: roundsOps.map(Math.round),
      medianOps: Math.round(median(roundsOps)),
      medianMicros: round2(perOp(xs, (s) => s.wall) * 1e6),
      timeToFloor: round3(median(ratios)),
      timeToFloorMin: round3(Math.min(...ratios)),
      timeToFloorMax: round3(Math.max(...ratios)),
      clientCpuMicros: round2(perOp(xs, (s) => s.client) * 1e6),
      serverCpuMicros: Number.isNaN(server) ? null : round2(server * 1e6),
      cpuToFloor: Number.isNaN(cpu) || Number.isNaN(floorCpu) ? null : round3(cpu / floorCpu),
    };
  });
}

export function geoMean(xs: readonly number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

// ---------------------------------------------------------------------------------------------
// Cross-checking results of different shapes.

/**
 * A library-neutral form of a result, for checking that contenders return the same data before
 * timing, whatever shape each library gives it. A row — an object, or an array of column values as
 * pg's `rowMode: "array"` gives it — becomes the sorted multiset of its values: key names dropped
 * (`company_name`, `companyName`), a nested row's values merged into its parent's (a joined row
 * nested under a key, or its columns aliased flat, give the same), NULLs left out (a missing joined
 * row: `null`, or one NULL per column). A list (an array whose elements are all rows or lists, or an
 * empty one) keeps its order. Values: Dates at midnight UTC as `YYYY-MM-DD` (a `date` column read as
 * a Date), other Dates as ISO text, strings holding an integer (pg's int8) as numbers, numbers to 9
 * significant digits (float sums computed in another order).
 */
export function canonical(value: unknown): string {
  return JSON.stringify(canonicalValue(value));
}

const isComposite = (x: unknown): x is object => typeof x === "object" && x !== null && !(x instanceof Date);
const isList = (a: readonly unknown[]) => a.every(isComposite);

function canonicalValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
  }
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return Number.isInteger(v) ? v : Number(v.toPrecision(9));
  if (typeof v === "string") return /^-?\d{1,15}$/.test(v) ? Number(v) : v;
  if (Array.isArray(v) && isList(v)) return v.map(canonicalValue);
  if (typeof v === "object") {
    const leaves: string[] = [];
    const collect = (values: readonly unknown[]) => {
      for (const x of values) {
        if (x === null || x === undefined) continue;
        if (Array.isArray(x) && isList(x)) leaves.push(JSON.stringify(canonicalValue(x)));
        else if (isComposite(x)) collect(Object.values(x));
        else leaves.push(JSON.stringify(canonicalValue(x)));
      }
    };
    collect(Object.values(v));
    return leaves.sort();
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Reporting.

export async function environment(admin: { query: (text: string) => Promise<{ rows: any[] }> }) {
  return {
    date: new Date().toISOString(),
    mode: QUICK ? "quick (BENCH_QUICK=1)" : "full",
    closqlCommit: gitRevision(),
    node: process.version,
    postgres: (await admin.query("SHOW server_version")).rows[0].server_version as string,
    database: (process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test").replace(/\/\/[^@]*@/, "//"),
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGiB: round2(os.totalmem() / 2 ** 30),
    loadAverageAtStart: os.loadavg().map(round2),
    loadAverageAtEnd: [] as number[],
  };
}
export type Environment = Awaited<ReturnType<typeof environment>>;

export const fmt = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function printTable(title: string, cells: string[][]): void {
  const widths = cells[0].map((_, j) => Math.max(...cells.map((row) => row[j].length)));
  const line = (row: string[]) =>
    row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join("  ");
  console.log(`\n${title}`);
  console.log(line(cells[0]));
  console.log(widths.map((x) => "-".repeat(x)).join("  "));
  for (const row of cells.slice(1)) console.log(line(row));
}

export function mdTable(cells: string[][]): string[] {
  const md = (row: string[]) => `| ${row.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [md(cells[0]), md(cells[0].map((_, j) => (j === 0 ? "---" : "---:"))), ...cells.slice(1).map(md)];
}
