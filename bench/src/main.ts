// `npm run bench`: the benchmark suite. Runs each workload in a process of its own, one after the
// other, then writes bench/RESULTS.md from the results every workload left in bench/results/:
//
//   northwind  Northwind read groups, sequential and concurrent, against every peer  (northwind.ts)
//   http       the users/posts HTTP service, one server process per library          (http.ts)
//   writes     single insert, update by id, insertMany 100,000 rows vs COPY          (writes.ts)
//   build      tspc + closql vs plain tsc on 500 and 2,000 generated queries         (../build-cost.js)
//
// Usage: npm run bench [-- [--quick] [workload …]]   (BENCH_QUICK=1 is the same as --quick)
//        npm run bench -- --report                     (only rewrites RESULTS.md from bench/results)
// The quick mode (under 3 minutes) runs shorter rounds, fewer of them, the writes on 10,000 rows, and
// leaves the build workload out (its figures in RESULTS.md are then the last full run's). A workload
// not run keeps its last results, which RESULTS.md shows with their own date.
import fs from "fs";
import os from "os";
import path from "path";
import { spawnSync } from "child_process";
import { fmt, geoMean, gitRevision, round2 } from "./measure";

const ROOT = path.resolve(__dirname, "../..");
const RESULTS_DIR = path.resolve(__dirname, "..", "results");
const RESULTS_MD = path.resolve(__dirname, "..", "RESULTS.md");
const RUNS_JSON = path.join(RESULTS_DIR, "runs.json");
/** The hand-written reading of the committed run (where closql loses and why), included as it is. */
const ANALYSIS_MD = path.resolve(__dirname, "..", "ANALYSIS.md");

const args = process.argv.slice(2);
const QUICK = args.includes("--quick") || process.env.BENCH_QUICK === "1";

interface Workload {
  readonly key: string;
  readonly title: string;
  readonly commands: readonly (readonly string[])[];
  /** Environment of its process in the quick mode (the full run uses each script's defaults). */
  readonly quickEnv?: Readonly<Record<string, string>>;
  readonly inQuick: boolean;
}

const WORKLOADS: readonly Workload[] = [
  {
    key: "northwind",
    title: "Northwind read groups",
    commands: [[path.join(__dirname, "northwind.js")]],
    inQuick: true,
  },
  { key: "http", title: "HTTP service", commands: [[path.join(__dirname, "http.js")]], inQuick: true },
  {
    key: "writes",
    title: "writes",
    commands: [[path.join(__dirname, "writes.js")]],
    quickEnv: { BENCH_BULK_ROWS: "10000", BENCH_BULK_ROUNDS: "1", BENCH_ROUNDS: "2", BENCH_SECONDS: "1.5" },
    inQuick: true,
  },
  {
    key: "build",
    title: "build time",
    commands: [
      [path.join(ROOT, "bench", "build-cost.js"), "--queries", "500"],
      [path.join(ROOT, "bench", "build-cost.js"), "--queries", "2000", "--rounds", "5"],
    ],
    inQuick: false,
  },
];

interface RunRecord {
  workload: string;
  mode: "quick" | "full";
  date: string;
  seconds: number;
  exitCode: number;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
}

function runWorkloads(): RunRecord[] {
  const named = args.filter((a) => !a.startsWith("--") && !/^\d+$/.test(a));
  for (const n of named)
    if (!WORKLOADS.some((w) => w.key === n))
      throw new Error(`unknown workload ${n}: one of ${WORKLOADS.map((w) => w.key).join(", ")}`);
  const chosen = args.includes("--report")
    ? []
    : WORKLOADS.filter((w) => (named.length ? named.includes(w.key) : !QUICK || w.inQuick));
  const records: RunRecord[] = [];
  for (const w of chosen) {
    console.log(`\n=== ${w.title} (${w.key}, ${QUICK ? "quick" : "full"}) ===`);
    const started = performance.now();
    const loadAverageAtStart = os.loadavg().map(round2);
    let exitCode = 0;
    for (const command of w.commands) {
      const r = spawnSync(process.execPath, command as string[], {
        cwd: ROOT,
        stdio: "inherit",
        env: { ...process.env, TZ: "UTC", ...(QUICK ? { BENCH_QUICK: "1", ...w.quickEnv } : {}) },
      });
      exitCode = r.status ?? 1;
      if (exitCode !== 0) break;
    }
    records.push({
      workload: w.key,
      mode: QUICK ? "quick" : "full",
      date: new Date().toISOString(),
      seconds: Math.round((performance.now() - started) / 1000),
      exitCode,
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg().map(round2),
    });
    if (exitCode !== 0) console.error(`${w.key} failed (exit ${exitCode})`);
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// RESULTS.md, from whatever each workload last wrote.

function readJson(file: string): any | undefined {
  const p = path.join(RESULTS_DIR, file);
  return fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, "utf8")) : undefined;
}

const x = (v: number | null | undefined, digits = 2) => (v === null || v === undefined ? "–" : `${v.toFixed(digits)}×`);
const verdict = (ok: boolean) => (ok ? "**met**" : "**missed**");

function northwindSection(nw: any, goals: string[]): string[] {
  if (!nw) return ["No Northwind results yet: `npm run bench -- northwind`.", ""];
  const groups = (mode: string) => nw.results.filter((r: any) => r.mode === mode);
  const cell = (rs: any[], lib: string) => rs.flatMap((r: any) => r.results).find((c: any) => c.key === lib);
  const seq = groups("sequential");
  const conc = groups("concurrent");
  const closqlSeq = seq.map((r: any) => cell([r], "closql")?.timeToFloor).filter((v: any) => typeof v === "number");
  const geo = closqlSeq.length ? geoMean(closqlSeq) : NaN;
  const worst = seq
    .map((r: any) => ({ key: r.key, v: cell([r], "closql")?.timeToFloor }))
    .sort((a: any, b: any) => b.v - a.v)[0];
  const concClosql = conc
    .filter((r: any) => cell([r], "closql"))
    .map((r: any) => ({
      key: r.key,
      v: cell([r], "closql")?.timeToFloor,
      pj: cell([r], "postgres")?.timeToFloor,
    }));
  goals.push(
    `| Northwind sequential: geo-mean ≤ 1.00× prepared raw pg | ${geo.toFixed(2)}× over ${closqlSeq.length} groups | ${verdict(geo <= 1.0)} |`,
    `| Northwind sequential: no group above 1.05× | worst ${worst ? `${worst.key} ${worst.v.toFixed(2)}×` : "–"} (${closqlSeq.filter((v: number) => v > 1.05).length} groups above) | ${verdict(!!worst && worst.v <= 1.05)} |`,
    `| Northwind concurrent (200 over a pool of 10): ≤ 0.6× | ${concClosql.map((c: any) => `${c.key} ${x(c.v)}`).join(", ") || "–"} (postgres.js ${concClosql.map((c: any) => x(c.pj)).join(", ")}) | ${verdict(concClosql.length > 0 && concClosql.every((c: any) => c.v <= 0.6))} |`,
  );
  const libs = [
    "pg-unnamed",
    "closql",
    "closql-unprepared",
    "postgres",
    "drizzle-prepared",
    "drizzle",
    "kysely",
    "prisma",
    "typeorm",
  ];
  const labels = Object.fromEntries(nw.results.flatMap((r: any) => r.results).map((c: any) => [c.key, c.label]));
  const present = (rs: any[]) => libs.filter((l) => rs.some((r) => cell([r], l)));
  const matrix = (rs: any[], field: "timeToFloor" | "cpuToFloor") => {
    const ls = present(rs);
    return [
      `| group | ${ls.map((l) => labels[l]).join(" | ")} |`,
      `| --- | ${ls.map(() => "---:").join(" | ")} |`,
      ...rs.map((r: any) => `| ${r.key} | ${ls.map((l) => x(cell([r], l)?.[field])).join(" | ")} |`),
      `| **geo-mean** | ${ls
        .map((l) => {
          const v = rs.map((r: any) => cell([r], l)?.[field]).filter((n: any) => typeof n === "number");
          return v.length ? `**${geoMean(v).toFixed(2)}×**` : "–";
        })
        .join(" | ")} |`,
    ];
  };
  return [
    `From ${nw.environment.date.slice(0, 16).replace("T", " ")} UTC (${nw.environment.mode}), load average ${nw.environment.loadAverageAtStart.join(" ")} → ${nw.environment.loadAverageAtEnd.join(" ")}. Time per query relative to the floor (raw pg running closql's exact SQL as named prepared statements, rows as arrays), median over interleaved rounds; details, spreads and SQL in [results/northwind.md](results/northwind.md).`,
    "",
    "**Sequential** (one connection each), time × floor:",
    "",
    ...matrix(seq, "timeToFloor"),
    "",
    "Sequential, CPU per query (this process + the PostgreSQL backend) × the floor's:",
    "",
    ...matrix(seq, "cpuToFloor"),
    "",
    `**Concurrent** (${nw.concurrency} lookups at once over a pool of ${nw.pool} per contender; contenders in batches of four, each with the floor), time × floor:`,
    "",
    ...matrix(conc, "timeToFloor"),
    "",
    "Concurrent, CPU × floor:",
    "",
    ...matrix(conc, "cpuToFloor"),
    "",
    "closql against the floor per sequential group: median time per query, spread of the per-round ratio, and CPU per query (µs) of this process (node) and of the backend (PG):",
    "",
    "| group | floor µs/query | closql µs/query | closql × floor (spread) | floor node / PG µs | closql node / PG µs |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...seq.map((r: any) => {
      const f = cell([r], "pg-prepared");
      const c = cell([r], "closql");
      return `| ${r.key} | ${f?.medianMicros ?? "–"} | ${c?.medianMicros ?? "–"} | ${x(c?.timeToFloor)} (${c?.timeToFloorMin?.toFixed(2)}–${c?.timeToFloorMax?.toFixed(2)}) | ${f?.clientCpuMicros} / ${f?.serverCpuMicros ?? "–"} | ${c?.clientCpuMicros} / ${c?.serverCpuMicros ?? "–"} |`;
    }),
    "",
  ];
}

function httpSection(h: any, goals: string[]): string[] {
  if (!h) return ["No HTTP results yet: `npm run bench -- http`.", ""];
  const by = (key: string) => h.results.find((r: any) => r.key === key);
  const closql = by("closql");
  const floor = by("pg");
  const peers = h.results.filter((r: any) => r.key !== "closql");
  for (const [j, c] of h.concurrencies.entries()) {
    const best = peers.reduce((a: any, b: any) => (b.byConcurrency[j].rps > a.byConcurrency[j].rps ? b : a));
    goals.push(
      `| HTTP c=${c}: closql's req/s ≥ every peer's | closql ${fmt(closql.byConcurrency[j].rps)} req/s; best peer ${best.label} ${fmt(best.byConcurrency[j].rps)} | ${verdict(closql.byConcurrency[j].rps >= best.byConcurrency[j].rps)} |`,
    );
  }
  const rss = closql.peakRssMb - floor.peakRssMb;
  goals.push(
    `| HTTP: peak RSS within 10 MB of raw pg's | closql ${closql.peakRssMb.toFixed(1)} MB, raw pg ${floor.peakRssMb.toFixed(1)} MB (${rss >= 0 ? "+" : ""}${rss.toFixed(1)}) | ${verdict(Math.abs(rss) <= 10)} |`,
  );
  return [
    `From ${h.environment.date.slice(0, 16).replace("T", " ")} UTC (${h.environment.mode}, ${h.rounds} round(s) × ${h.seconds} s per concurrency), load average ${h.environment.loadAverageAtStart.join(" ")} → ${h.environment.loadAverageAtEnd.join(" ")}. Details in [results/http.md](results/http.md).`,
    "",
    `| server | ${h.concurrencies.map((c: number) => `c=${c} req/s (× pg) | p50 / p99 ms`).join(" | ")} | server CPU µs/req (c=10) | peak RSS MB | cold start ms |`,
    `| --- | ${h.concurrencies.map(() => "---: | ---:").join(" | ")} | ---: | ---: | ---: |`,
    ...h.results.map(
      (r: any) =>
        `| ${r.label} | ${r.byConcurrency
          .map((b: any) => `${fmt(b.rps)} (${b.rpsToFloor.toFixed(2)}×) | ${b.p50} / ${b.p99}`)
          .join(
            " | ",
          )} | ${fmt(r.byConcurrency[0].serverCpuMicros)} | ${r.peakRssMb.toFixed(1)} | ${fmt(r.coldStartMs)} |`,
    ),
    "",
  ];
}

function writesSection(w: any, goals: string[]): string[] {
  if (!w) return ["No write results yet: `npm run bench -- writes`.", ""];
  const bulk = w.bulk?.results ?? [];
  const closql = bulk.find((r: any) => r.key === "closql");
  const count = bulk.find((r: any) => r.key === "closql-count");
  if (closql)
    goals.push(
      `| insertMany ${fmt(w.bulk.rows)} rows ≥ 0.5× COPY's rows/s | ${closql.ratioToCopy.toFixed(2)}× (${fmt(closql.medianRowsPerSecond)} rows/s, every row returned)${count ? `; \`returning: false\` ${count.ratioToCopy.toFixed(2)}×` : ""} | ${verdict(closql.ratioToCopy >= 0.5)} |`,
    );
  for (const s of w.single ?? []) {
    const mine = s.results.find((r: any) => r.key === "closql");
    if (!mine) continue;
    const ratio = mine.timeToFloor ?? mine.medianRatioToFloor;
    goals.push(
      `| single-row ${s.workload} ≤ 1.05× prepared raw pg's time | ${x(ratio, 3)} (CPU ${mine.cpuToFloor === null || mine.cpuToFloor === undefined ? "–" : x(mine.cpuToFloor, 3)}) | ${verdict(ratio <= 1.05)} |`,
    );
  }
  return [
    `From ${w.environment.date.slice(0, 16).replace("T", " ")} UTC${w.bulk ? ` (${fmt(w.bulk.rows)} rows, ${w.bulk.rounds} round(s))` : ""}, load average ${w.environment.loadAverageAtStart.join(" ")} → ${w.environment.loadAverageAtEnd.join(" ")}. Details and closql's SQL in [results/writes.md](results/writes.md).`,
    "",
    "| bulk insert | rows/s | × COPY | node CPU s | PG CPU s |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...bulk.map(
      (r: any) =>
        `| ${r.label} | ${fmt(r.medianRowsPerSecond)} | ${r.ratioToCopy.toFixed(2)} | ${r.clientCpuSeconds?.toFixed(2) ?? "–"} | ${r.serverCpuSeconds?.toFixed(2) ?? "–"} |`,
    ),
    "",
    "| single-row | contender | time × floor | node CPU µs | PG CPU µs |",
    "| --- | --- | ---: | ---: | ---: |",
    ...(w.single ?? []).flatMap((s: any) =>
      s.results.map(
        (r: any) =>
          `| ${s.title ?? s.workload ?? s.key} | ${r.label} | ${x(r.timeToFloor ?? r.medianRatioToFloor, 3)} | ${r.clientCpuMicros ?? "–"} | ${r.serverCpuMicros ?? "–"} |`,
      ),
    ),
    "",
  ];
}

function buildSection(builds: any[], goals: string[]): string[] {
  if (builds.length === 0) return ["No build results yet: `npm run bench -- build`.", ""];
  for (const b of builds)
    goals.push(
      `| build, ${fmt(b.project.queries)} queries: tspc + closql vs tsc (issue 12 states no bound; the transformer issue's was ≤ 1.3×) | ${b.ratio.cpu.closqlVsTsc.toFixed(2)}× CPU, ${b.ratio.wall.closqlVsTsc.toFixed(2)}× wall | ${b.ratio.cpu.closqlVsTsc <= 1.3 ? "within 1.3×" : "above 1.3×"} |`,
    );
  return [
    "| queries | date | tsc CPU ms | tspc (no plugin) | tspc + closql | closql × tsc (CPU / wall) | per query (CPU, vs tspc) | load average |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ...builds.map(
      (b) =>
        `| ${fmt(b.project.queries)} | ${b.date.slice(0, 10)} | ${fmt(b.cpuMs.median.tsc)} | ${fmt(b.cpuMs.median.tspc)} | ${fmt(b.cpuMs.median.closql)} | ${b.ratio.cpu.closqlVsTsc.toFixed(2)}× / ${b.ratio.wall.closqlVsTsc.toFixed(2)}× | ${b.perQueryMs.cpuVsTspc} ms | ${b.loadAverageBefore.join(" ")} → ${b.loadAverageAfter.join(" ")} |`,
    ),
    "",
    "Details: [results/build-cost.md](results/build-cost.md) (500 queries), [results/build-cost-2000.md](results/build-cost-2000.md).",
    "",
  ];
}

function writeResults(records: RunRecord[]): void {
  const all: RunRecord[] = [...(readJson("runs.json") ?? [])];
  for (const r of records) {
    const k = all.findIndex((a) => a.workload === r.workload);
    if (k < 0) all.push(r);
    else if (all[k].date <= r.date) all[k] = r; // another run may have finished a workload since
  }
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(RUNS_JSON, JSON.stringify(all, null, 2) + "\n");

  const nw = readJson("northwind.json");
  const h = readJson("http.json");
  const w = readJson("writes.json");
  const builds = ["build-cost.json", "build-cost-2000.json"].map(readJson).filter(Boolean);
  const env = nw?.environment ?? h?.environment;
  const goals: string[] = [];
  const sections = [
    "## 1. Northwind read groups",
    "",
    ...northwindSection(nw, goals),
    "## 2. HTTP service",
    "",
    ...httpSection(h, goals),
    "## 3. Writes",
    "",
    ...writesSection(w, goals),
    "## 4. Build time",
    "",
    ...buildSection(builds, goals),
  ];
  const md = [
    "# closql benchmark results",
    "",
    "Written by `npm run bench` (bench/src/main.ts) from the results each workload left in `bench/results/`; how each is measured: [README.md](README.md). Every workload runs in a process of its own on one machine, contenders interleaved in rounds whose order rotates, every contender's results checked equal to the floor's before timing.",
    "",
    "**Read every figure with the machine's load in mind**: a 2-core machine shared with other work; the load average is given with each workload. Ratios are paired per round (same moment, same load), and the CPU columns (CPU time per query of the client process and of the PostgreSQL backends) are far less disturbed by waiting for a core than wall time.",
    "",
    "## Machine and versions",
    "",
    ...(env
      ? [
          `- ${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB, ${env.os}`,
          `- Node ${env.node}, PostgreSQL ${env.postgres} on the same machine`,
          `- closql ${env.closqlCommit ?? gitRevision()} (the commit the Northwind workload ran); pg ${env.pg}, postgres.js ${env.postgresJs}, drizzle-orm ${env.drizzleOrm}, kysely ${env.kysely}, Prisma ${env.prisma} (@prisma/adapter-pg ${env.prismaAdapterPg ?? env.prisma}), TypeORM ${env.typeorm}${h ? `, autocannon ${h.environment.autocannon}` : ""}`,
        ]
      : []),
    "",
    "| workload | last run | mode | seconds | load average start → end | exit |",
    "| --- | --- | --- | ---: | --- | ---: |",
    ...all.map(
      (r) =>
        `| ${r.workload} | ${r.date.slice(0, 16).replace("T", " ")} UTC | ${r.mode} | ${r.seconds} | ${r.loadAverageAtStart.join(" ")} → ${r.loadAverageAtEnd.join(" ")} | ${r.exitCode} |`,
    ),
    "",
    "## Goals (issue 12)",
    "",
    "| goal | measured | |",
    "| --- | --- | --- |",
    ...goals,
    "",
    ...(fs.existsSync(ANALYSIS_MD) ? [fs.readFileSync(ANALYSIS_MD, "utf8").trim(), ""] : []),
    ...sections,
  ].join("\n");
  fs.writeFileSync(RESULTS_MD, md);
  console.log(`\nWrote ${path.relative(ROOT, RESULTS_MD)}`);
}

const records = runWorkloads();
writeResults(records);
if (records.some((r) => r.exitCode !== 0)) process.exitCode = 1;
