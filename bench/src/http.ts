// The HTTP service benchmark (`npm run bench` runs this as one workload; alone: `node bench/dist/http.js`).
//
// One node:http server process per library, the same endpoints and response shapes: closql's is the
// example itself (examples/service/dist/main.js), the peers' are bench/src/http/server.js <library>
// (raw pg prepared — the floor —, postgres.js, drizzle-orm, kysely, Prisma 7, TypeORM), each with a
// pool of 10 connections. This process loads them with autocannon (it runs no server itself).
//
// 1. Cold start: each server spawned and timed to its first 200 answer, then stopped (rotated rounds).
// 2. Load, in batches of servers running side by side, each batch with the floor (the server allows
//    100 connections in all): every server's answers to every endpoint (status and JSON) are checked
//    equal to closql's on freshly seeded tables (1,000 users × 10 posts); then rounds in which each
//    server in turn, in an order rotated every round, takes a burst of autocannon load at concurrency
//    10 and at 100 (3 × GET /users/:id — the user with its posts — to 1 × GET /users?role=…&limit=20).
//    Bursts of all servers interleave, so the machine's drifting load hits all alike; ratios to the
//    floor are paired within a round.
// Measured: requests/s, p50/p99 latency, the server's CPU per request and its PostgreSQL backends',
// peak RSS (VmHWM after all its bursts), cold start.
//
// Writes bench/results/http.{md,json}. Knobs: BENCH_QUICK=1, BENCH_HTTP_ROUNDS (5), BENCH_HTTP_SECONDS (3 per burst).
import fs from "fs";
import net from "net";
import os from "os";
import path from "path";
import pg from "pg";
import { spawn, ChildProcess } from "child_process";
import autocannon from "autocannon";
import {
  QUICK,
  backendsCpu,
  backendsOf,
  databaseUrl,
  environment,
  Environment,
  fmt,
  median,
  mdTable,
  packageVersion,
  positiveInt,
  positiveNumber,
  printTable,
  round2,
} from "./measure";

const ROUNDS = positiveInt(process.env.BENCH_HTTP_ROUNDS, QUICK ? 1 : 5);
const SECONDS = positiveNumber(process.env.BENCH_HTTP_SECONDS, QUICK ? 1 : 3);
const WARMUP_SECONDS = QUICK ? 1 : 2;
const COLD_ROUNDS = QUICK ? 1 : 3;
const BURST_WARMUP_SECONDS = 1;
const CONCURRENCIES = [10, 100] as const;
const SCHEMA = "closql_bench_http";
const USERS = 1000;
const POSTS_PER_USER = 10;
const ROOT = path.resolve(__dirname, "../..");
const RESULTS_DIR = path.resolve(__dirname, "..", "results");

interface Server {
  readonly key: string;
  readonly label: string;
  readonly argv: readonly string[];
}
/** Servers loaded side by side; each batch holds the floor (SERVERS[0]). */
const BATCHES: readonly (readonly string[])[] = [
  ["pg", "closql", "postgres", "drizzle"],
  ["pg", "kysely", "prisma", "typeorm"],
];
const SERVERS: readonly Server[] = [
  { key: "pg", label: "raw pg, prepared (floor)", argv: [path.join(__dirname, "http", "server.js"), "pg"] },
  {
    key: "closql",
    label: "closql (examples/service)",
    argv: [path.join(ROOT, "examples", "service", "dist", "main.js")],
  },
  { key: "postgres", label: "postgres.js", argv: [path.join(__dirname, "http", "server.js"), "postgres"] },
  {
    key: "drizzle",
    label: "drizzle-orm (prepared, relational query)",
    argv: [path.join(__dirname, "http", "server.js"), "drizzle"],
  },
  { key: "kysely", label: "kysely", argv: [path.join(__dirname, "http", "server.js"), "kysely"] },
  { key: "prisma", label: "Prisma 7 (adapter-pg)", argv: [path.join(__dirname, "http", "server.js"), "prisma"] },
  { key: "typeorm", label: "TypeORM", argv: [path.join(__dirname, "http", "server.js"), "typeorm"] },
];

// ---------------------------------------------------------------------------------------------
// Data.

async function createTables(admin: pg.Client): Promise<void> {
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin.query(`CREATE SCHEMA ${SCHEMA}`);
  await admin.query(`SET search_path = ${SCHEMA}`);
  // The service's own declaration (compiled by `npm run build`) renders its DDL.
  const { renderDdl } = require("closql") as { renderDdl: (schema: unknown) => string[] };
  const { schema } = require(path.join(ROOT, "examples", "service", "dist", "schema.js")) as { schema: unknown };
  for (const statement of renderDdl(schema)) await admin.query(statement);
  await admin.query("RESET search_path");
}

/** The same rows before every server's run: TRUNCATE … RESTART IDENTITY, then users and posts. */
async function seed(admin: pg.Client): Promise<void> {
  await admin.query(`SET search_path = ${SCHEMA}`);
  await admin.query("TRUNCATE users, posts RESTART IDENTITY CASCADE");
  await admin.query(
    `INSERT INTO users (email, name, role, created_at)
     SELECT 'user' || g || '@example.com', 'User ' || g, CASE WHEN g % 10 = 0 THEN 'admin' ELSE 'user' END::user_role,
       timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute'
     FROM generate_series(1, ${USERS}) AS g`,
  );
  await admin.query(
    `INSERT INTO posts (user_id, title, body, published, created_at)
     SELECT (g - 1) % ${USERS} + 1, 'Post ' || g, repeat('Lorem ipsum dolor sit amet. ', 4) || g, g % 3 = 0,
       timestamptz '2026-02-01 00:00:00+00' + g * interval '1 second'
     FROM generate_series(1, ${USERS * POSTS_PER_USER}) AS g`,
  );
  await admin.query("VACUUM ANALYZE users");
  await admin.query("VACUUM ANALYZE posts");
  await admin.query("RESET search_path");
}

// ---------------------------------------------------------------------------------------------
// A server's process.

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject).listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  readonly application: string;
  readonly coldStartMs: number;
  output: string;
}

async function start(server: Server, tag: string): Promise<Running> {
  const port = await freePort();
  const application = `bench-http-${server.key}-${tag}`;
  const t0 = performance.now();
  const child = spawn(process.execPath, server.argv as string[], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl({ schema: SCHEMA, application }),
      PORT: String(port),
      NODE_ENV: "production",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const running = { child, port, application, coldStartMs: 0, output: "" };
  child.stdout!.on("data", (d) => (running.output += d));
  child.stderr!.on("data", (d) => (running.output += d));
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`${server.key} server exited (${code}):\n${running.output}`))),
  );
  exited.catch(() => {});
  for (;;) {
    if (performance.now() - t0 > 30_000)
      throw new Error(`${server.key} server did not answer within 30 s:\n${running.output}`);
    const status = await Promise.race([
      fetch(`http://127.0.0.1:${port}/users/1`).then(
        (r) => r.arrayBuffer().then(() => r.status),
        () => 0,
      ),
      exited,
    ]);
    if (status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  running.coldStartMs = performance.now() - t0;
  return running;
}

async function stop(r: Running): Promise<void> {
  if (r.child.exitCode !== null) return;
  const exited = new Promise((resolve) => r.child.once("exit", resolve));
  r.child.kill("SIGTERM");
  const timer = setTimeout(() => r.child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** Peak resident set size (VmHWM) of a process, MB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}
/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
function processCpu(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks: USER_HZ is 100 on Linux
}

// ---------------------------------------------------------------------------------------------
// The cross-check: every endpoint, status and body, against the reference server's answers.

interface Exchange {
  method: string;
  path: string;
  body?: unknown;
}
const CHECKS: readonly Exchange[] = [
  { method: "GET", path: "/users/1" },
  { method: "GET", path: "/users/777" },
  { method: "GET", path: "/users?limit=20" },
  { method: "GET", path: "/users?role=admin&limit=5" },
  { method: "GET", path: "/users/999999" },
  { method: "GET", path: "/users/0" },
  { method: "GET", path: "/users?limit=0" },
  { method: "POST", path: "/users", body: { email: "new@example.com", name: "New" } },
  { method: "POST", path: "/users", body: { email: "admin2@example.com", name: "Ada", role: "admin" } },
  { method: "POST", path: "/users", body: { email: "new@example.com", name: "Again" } },
  { method: "POST", path: "/users/5/posts", body: { title: "Hello" } },
  { method: "POST", path: "/users/5/posts", body: { title: "Draft", body: "text", published: true } },
  { method: "POST", path: "/users/999999/posts", body: { title: "Nobody's" } },
  { method: "GET", path: "/users/5" },
];

/** A response as compared: status, and the body with server-chosen timestamps of new rows masked. */
async function exchange(port: number, e: Exchange, masked: Set<string>): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}${e.path}`, {
    method: e.method,
    headers: e.body === undefined ? {} : { "content-type": "application/json" },
    body: e.body === undefined ? undefined : JSON.stringify(e.body),
  });
  const body = (await r.json()) as { createdAt?: string };
  if (e.method === "POST" && r.status === 201) masked.add(String(body.createdAt));
  const sorted = JSON.stringify(body, (key, value) =>
    typeof value === "string" && masked.has(value)
      ? "<now>"
      : value && typeof value === "object" && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
        : value,
  );
  return `${e.method} ${e.path} → ${r.status} ${sorted}`;
}

async function answers(port: number): Promise<string[]> {
  const masked = new Set<string>();
  const out: string[] = [];
  for (const e of CHECKS) out.push(await exchange(port, e, masked));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Load.

interface Load {
  concurrency: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  serverCpuMicros: number;
  pgCpuMicros: number | null;
}

function load(port: number, connections: number, seconds: number): Promise<autocannon.Result> {
  let k = 0;
  const userPath = () => `/users/${((k++ * 389) % USERS) + 1}`;
  const listPath = () => (k++ % 2 === 0 ? "/users?limit=20" : "/users?role=admin&limit=20");
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: seconds,
        requests: [
          { method: "GET", setupRequest: (req) => ({ ...req, path: userPath() }) },
          { method: "GET", setupRequest: (req) => ({ ...req, path: userPath() }) },
          { method: "GET", setupRequest: (req) => ({ ...req, path: userPath() }) },
          { method: "GET", setupRequest: (req) => ({ ...req, path: listPath() }) },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

async function measureLoad(admin: pg.Client, r: Running, concurrency: number): Promise<Load> {
  const pids = await backendsOf(admin, r.application);
  const pid = r.child.pid!;
  const cpu0 = processCpu(pid);
  const pg0 = backendsCpu(pids);
  const result = await load(r.port, concurrency, SECONDS);
  const requests = result.requests.total;
  const pgCpu = backendsCpu(pids) - pg0;
  return {
    concurrency,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests,
    errors: result.errors + result.non2xx + result.timeouts,
    serverCpuMicros: ((processCpu(pid) - cpu0) * 1e6) / requests,
    pgCpuMicros: Number.isNaN(pgCpu) ? null : (pgCpu * 1e6) / requests,
  };
}

interface Burst {
  server: string;
  batch: number;
  round: number;
  load: Load;
}

/** Spawn → first 200 of every server, COLD_ROUNDS times in rotated order. */
async function coldStarts(): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(SERVERS.map((s) => [s.key, []]));
  for (let round = 0; round < COLD_ROUNDS; round++)
    for (let j = 0; j < SERVERS.length; j++) {
      const s = SERVERS[(j + round) % SERVERS.length];
      const r = await start(s, `cold${round}`);
      times.get(s.key)!.push(r.coldStartMs);
      await stop(r);
    }
  return times;
}

/** One batch: its servers side by side, checked, warmed up, then interleaved bursts. */
async function runBatch(
  admin: pg.Client,
  batch: number,
  servers: readonly Server[],
  reference: { answers?: string[] },
  bursts: Burst[],
  peakRss: Map<string, number>,
): Promise<void> {
  await seed(admin);
  const running: Running[] = [];
  try {
    for (const s of servers) running.push(await start(s, `b${batch}`));
    // closql's answers are the reference: check it first when the batch has it.
    const checkOrder = [...servers.keys()].sort(
      (a, b) => Number(servers[b].key === "closql") - Number(servers[a].key === "closql"),
    );
    for (const j of checkOrder) {
      await seed(admin);
      const got = await answers(running[j].port);
      if (!reference.answers) reference.answers = got;
      else
        for (let k = 0; k < got.length; k++)
          if (got[k] !== reference.answers[k])
            throw new Error(
              `cross-check: ${servers[j].label} answered\n  ${got[k].slice(0, 700)}\nexpected (closql)\n  ${reference.answers[k].slice(0, 700)}`,
            );
    }
    await seed(admin);
    for (const r of running) await load(r.port, 10, WARMUP_SECONDS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of CONCURRENCIES)
        for (let j = 0; j < servers.length; j++) {
          const k = (j + round) % servers.length;
          // Unmeasured, just before: the pool's connections idle out after 10 s (pg's default, which
          // closql and the pg-based peers keep) while the other servers take their bursts; the
          // measured burst then times the steady state, not reconnecting.
          await load(running[k].port, c, BURST_WARMUP_SECONDS);
          bursts.push({ server: servers[k].key, batch, round, load: await measureLoad(admin, running[k], c) });
        }
      process.stdout.write(".");
    }
    for (let j = 0; j < servers.length; j++) peakRss.set(servers[j].key, peakRssMb(running[j].child.pid!));
  } finally {
    for (const r of running) await stop(r);
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting.

interface ServerResult {
  key: string;
  label: string;
  coldStartMs: number;
  peakRssMb: number;
  byConcurrency: {
    concurrency: number;
    rps: number;
    rpsToFloor: number;
    rpsToFloorMin: number;
    rpsToFloorMax: number;
    p50: number;
    p99: number;
    serverCpuMicros: number;
    pgCpuMicros: number | null;
    errors: number;
  }[];
}

function summarize(
  bursts: readonly Burst[],
  cold: Map<string, number[]>,
  peakRss: Map<string, number>,
): ServerResult[] {
  return SERVERS.map((s) => {
    const mine = bursts.filter((b) => b.server === s.key);
    return {
      key: s.key,
      label: s.label,
      coldStartMs: Math.round(median(cold.get(s.key)!)),
      peakRssMb: round2(peakRss.get(s.key) ?? NaN),
      byConcurrency: CONCURRENCIES.map((c) => {
        const xs = mine.filter((b) => b.load.concurrency === c);
        // The floor's burst of the same batch, round and concurrency.
        const ratios = xs.map((b) => {
          const floor = bursts.find(
            (f) =>
              f.server === SERVERS[0].key && f.batch === b.batch && f.round === b.round && f.load.concurrency === c,
          )!;
          return b.load.rps / floor.load.rps;
        });
        const pgs = xs.map((b) => b.load.pgCpuMicros).filter((v): v is number => v !== null);
        return {
          concurrency: c,
          rps: Math.round(median(xs.map((b) => b.load.rps))),
          rpsToFloor: round2(median(ratios)),
          rpsToFloorMin: round2(Math.min(...ratios)),
          rpsToFloorMax: round2(Math.max(...ratios)),
          p50: median(xs.map((b) => b.load.p50)),
          p99: median(xs.map((b) => b.load.p99)),
          serverCpuMicros: Math.round(median(xs.map((b) => b.load.serverCpuMicros))),
          pgCpuMicros: pgs.length ? Math.round(median(pgs)) : null,
          errors: xs.reduce((n, b) => n + b.load.errors, 0),
        };
      }),
    };
  });
}

function table(results: readonly ServerResult[], concurrency: number): string[][] {
  const j = CONCURRENCIES.indexOf(concurrency as 10 | 100);
  return [
    [
      "server",
      "req/s",
      "× floor",
      "spread (rounds)",
      "p50 ms",
      "p99 ms",
      "server CPU µs/req",
      "PG CPU µs/req",
      "errors",
    ],
    ...results.map((r) => {
      const c = r.byConcurrency[j];
      return [
        r.label,
        fmt(c.rps),
        `${c.rpsToFloor.toFixed(2)}×`,
        `${c.rpsToFloorMin.toFixed(2)}–${c.rpsToFloorMax.toFixed(2)}`,
        String(c.p50),
        String(c.p99),
        fmt(c.serverCpuMicros),
        c.pgCpuMicros === null ? "n/a" : fmt(c.pgCpuMicros),
        String(c.errors),
      ];
    }),
  ];
}

function processTable(results: readonly ServerResult[]): string[][] {
  const floor = results[0];
  return [
    ["server", "peak RSS MB", "RSS − floor MB", "cold start ms (spawn → first 200)"],
    ...results.map((r) => [
      r.label,
      r.peakRssMb.toFixed(1),
      (r.peakRssMb - floor.peakRssMb >= 0 ? "+" : "") + (r.peakRssMb - floor.peakRssMb).toFixed(1),
      fmt(r.coldStartMs),
    ]),
  ];
}

function markdown(
  env: Environment & Record<string, unknown>,
  results: readonly ServerResult[],
  bursts: readonly Burst[],
): string {
  return [
    "# HTTP service: the users/posts API, one server process per library",
    "",
    `Every server answers the same routes with the same JSON (checked: ${CHECKS.length} requests, status and body, against closql's answers, on freshly seeded tables). ${USERS} users × ${POSTS_PER_USER} posts; each server has a pool of 10 connections and runs with NODE_ENV=production. Servers run side by side in batches (${BATCHES.map((b) => b.join(", ")).join("; ")}), each batch with the floor; after a ${WARMUP_SECONDS} s warm-up each, ${ROUNDS} rounds in which every server of the batch in turn (order rotated every round) takes a ${SECONDS} s burst of autocannon load at each concurrency, from the driver process (no server there): 3 × GET /users/:id (the user and its 10 posts) to 1 × GET /users?role=…&limit=20. Medians over rounds; "× floor" is the median of per-round ratios of requests/s to raw pg's burst in the same batch and round.`,
    "",
    ...CONCURRENCIES.flatMap((c) => [`## Concurrency ${c}`, "", ...mdTable(table(results, c)), ""]),
    "## Memory and cold start",
    "",
    ...mdTable(processTable(results)),
    "",
    `Peak RSS is the server process's VmHWM after all its bursts; cold start is from spawn to the first 200 answer to GET /users/1 (polling every 2 ms: Node's start, loading the library, the first connection and query), the median of ${COLD_ROUNDS} spawn(s) per server in rotated order.`,
    "",
    "<details><summary>Every burst</summary>",
    "",
    "```json",
    JSON.stringify(bursts),
    "```",
    "",
    "</details>",
    "",
    "## Environment",
    "",
    ...Object.entries(env).map(([k, v]) => `- ${k}: ${Array.isArray(v) ? v.join(", ") : v}`),
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  const env = {
    ...(await environment(admin)),
    autocannon: packageVersion("autocannon"),
    pg: packageVersion("pg"),
    postgresJs: packageVersion("postgres"),
    drizzleOrm: packageVersion("drizzle-orm"),
    kysely: packageVersion("kysely"),
    prisma: packageVersion("@prisma/client"),
    typeorm: packageVersion("typeorm"),
  };
  console.log(`HTTP service on ${env.database}; ${env.mode}; load ${env.loadAverageAtStart.join(" ")}`);
  const bursts: Burst[] = [];
  try {
    await createTables(admin);
    await seed(admin);
    const cold = await coldStarts();
    console.log(
      `cold start (ms): ${SERVERS.map((s) => `${s.key} ${cold.get(s.key)!.map(Math.round).join("/")}`).join(", ")}`,
    );
    const reference: { answers?: string[] } = {};
    const peakRss = new Map<string, number>();
    // The batch with closql first: its answers are the reference.
    for (const [b, keys] of BATCHES.entries()) {
      const servers = keys.map((k) => SERVERS.find((s) => s.key === k)!);
      process.stdout.write(`batch ${b + 1}/${BATCHES.length} (${keys.join(", ")}): ${ROUNDS} rounds `);
      await runBatch(admin, b, servers, reference, bursts, peakRss);
      process.stdout.write("\n");
    }
    const results = summarize(bursts, cold, peakRss);
    env.loadAverageAtEnd = os.loadavg().map(round2);
    for (const c of CONCURRENCIES) printTable(`Concurrency ${c}`, table(results, c));
    printTable("Memory and cold start", processTable(results));
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, "http.md"), markdown(env, results, bursts));
    fs.writeFileSync(
      path.join(RESULTS_DIR, "http.json"),
      JSON.stringify(
        {
          environment: env,
          rounds: ROUNDS,
          seconds: SECONDS,
          batches: BATCHES,
          concurrencies: CONCURRENCIES,
          results,
          bursts,
        },
        null,
        2,
      ) + "\n",
    );
    console.log(`\nload average at end ${env.loadAverageAtEnd.join(" ")}; results in bench/results/http.{md,json}`);
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => {});
    await admin.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
