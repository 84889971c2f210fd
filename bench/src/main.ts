// closql benchmark: decides the default of `connect({ prepare })` and compares closql with raw `pg`
// (named prepared = the floor, and unnamed), drizzle-orm (node-postgres, with and without
// `.prepare()`) and kysely (PostgresDialect), side by side in one run.
//
// Method: every contender gets its own pg.Pool of one connection (a sequential loop only ever uses
// one). A workload first warms every contender up (JIT, prepared statements, PostgreSQL's plan
// cache), then runs ROUNDS rounds; in each round every contender runs the same N iterations with
// the same parameters, cut into SLICES slices interleaved across contenders (c1 c2 … c7 c1 c2 …) in
// an order rotated round by round, so drift (other load on the machine, autovacuum, thermal) hits
// all of them alike. Reported: the median over rounds of ops/s, and the
// median over rounds of the paired ratio to the floor measured in the same round.
//
// Run: `npm run bench` (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test).
// Knobs: BENCH_ROUNDS (default 7), BENCH_SECONDS (timed seconds per workload, default 25).
import pg from "pg";
import fs from "fs";
import os from "os";
import path from "path";
import v8 from "v8";
import vm from "vm";
import { connect, renderDdl, Database, QueryEvent } from "closql";
import { drizzle } from "drizzle-orm/node-postgres";
import { asc, eq, gt, sql } from "drizzle-orm";
import { Kysely, PostgresDialect } from "kysely";
import { schema, dUsers, KyselyDB, BENCH_SCHEMA, USER_COUNT } from "./schema";
import {
  backendCpu,
  gitRevision,
  median,
  packageVersion,
  positiveInt,
  positiveNumber,
  round2,
  round3,
} from "./measure";

const DATABASE_URL = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, 7);
const SECONDS_PER_WORKLOAD = positiveNumber(process.env.BENCH_SECONDS, 25);
/** Interleaved slices per round (see runWorkload). */
const SLICES = 10;
const RESULTS_DIR = path.resolve(__dirname, "..", "results");

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

type Db = Database<typeof schema>;

// ---------------------------------------------------------------------------------------------
// The two workloads, as each library writes them.

/** Point lookup: a different primary key each iteration (389 is coprime to 1000: all ids, spread). */
const pointId = (i: number) => ((i * 389) % USER_COUNT) + 1;
/** ~100 rows: `age > x` for x in 20..39 always matches >600 rows, so LIMIT 100 returns 100. */
const minAge = (i: number) => 20 + (i % 20);

// closql: compiled at build time into constant SQL (see bench/dist/main.js).
function closqlPoint(db: Db, id: number) {
  return db.users.where((u) => u.id === id).first();
}
function closqlRead100(db: Db, age: number) {
  return db.users
    .where((u) => u.age > age)
    .orderBy((u) => u.id)
    .limit(100)
    .all();
}

type Workload = "point" | "read100";

interface Contender {
  readonly key: string;
  readonly label: string;
  /** Returns the result in a library-neutral shape for the cross-check. */
  readonly point: (i: number) => Promise<unknown>;
  readonly read100: (i: number) => Promise<unknown>;
  readonly close: () => Promise<void>;
  /** Its one connection: to find the PostgreSQL backend that serves it (server CPU time). */
  readonly pool: pg.Pool;
  /** pid of that backend, when the server runs on this machine and /proc shows it. */
  backendPid?: number;
}

function newPool(): pg.Pool {
  // One connection, never closed for idleness: a reconnect would drop its prepared statements.
  return new pg.Pool({
    connectionString: DATABASE_URL,
    max: 1,
    idleTimeoutMillis: 0,
    options: `-c search_path=${BENCH_SCHEMA}`,
  });
}

const KYSELY_COLUMNS = ["id", "email", "name", "age", "active", "created_at"] as const;

async function makeContenders(closqlSql: Record<Workload, ClosqlStatement>): Promise<Contender[]> {
  const contenders: Contender[] = [];

  // Raw pg with closql's exact SQL text: named prepared (the floor), then unnamed.
  for (const named of [true, false]) {
    const pool = newPool();
    const point = closqlSql.point;
    const read = closqlSql.read100;
    contenders.push({
      key: named ? "pg-prepared" : "pg-unnamed",
      label: named ? "raw pg, named prepared (floor)" : "raw pg, unnamed",
      point: named
        ? async (i) => (await pool.query({ name: "bench_pg_point", text: point.text, values: [pointId(i)] })).rows[0]
        : async (i) => (await pool.query({ text: point.text, values: [pointId(i)] })).rows[0],
      read100: named
        ? async (i) => (await pool.query({ name: "bench_pg_read100", text: read.text, values: [minAge(i)] })).rows
        : async (i) => (await pool.query({ text: read.text, values: [minAge(i)] })).rows,
      close: () => pool.end(),
      pool,
    });
  }

  // closql, prepare: true (the current default) and false.
  for (const prepare of [true, false]) {
    const pool = newPool();
    const db = connect({ schema, pool, prepare });
    contenders.push({
      key: prepare ? "closql-prepared" : "closql-unprepared",
      label: prepare ? "closql, prepare: true" : "closql, prepare: false",
      point: (i) => closqlPoint(db, pointId(i)),
      read100: (i) => closqlRead100(db, minAge(i)),
      close: async () => {
        await db.close();
        await pool.end();
      },
      pool,
    });
  }

  // drizzle-orm on node-postgres: .prepare(name) once, and the query built on every call.
  {
    const pool = newPool();
    const ddb = drizzle({ client: pool });
    const pointStmt = ddb
      .select()
      .from(dUsers)
      .where(eq(dUsers.id, sql.placeholder("id")))
      .limit(1)
      .prepare("bench_drizzle_point");
    const readStmt = ddb
      .select()
      .from(dUsers)
      .where(gt(dUsers.age, sql.placeholder("age")))
      .orderBy(asc(dUsers.id))
      .limit(100)
      .prepare("bench_drizzle_read100");
    contenders.push({
      key: "drizzle-prepared",
      label: "drizzle-orm, .prepare()",
      point: async (i) => (await pointStmt.execute({ id: pointId(i) }))[0],
      read100: (i) => readStmt.execute({ age: minAge(i) }),
      close: () => pool.end(),
      pool,
    });
  }
  {
    const pool = newPool();
    const ddb = drizzle({ client: pool });
    contenders.push({
      key: "drizzle",
      label: "drizzle-orm, no prepare",
      point: async (i) =>
        (
          await ddb
            .select()
            .from(dUsers)
            .where(eq(dUsers.id, pointId(i)))
            .limit(1)
        )[0],
      read100: (i) =>
        ddb
          .select()
          .from(dUsers)
          .where(gt(dUsers.age, minAge(i)))
          .orderBy(asc(dUsers.id))
          .limit(100),
      close: () => pool.end(),
      pool,
    });
  }

  // kysely, PostgresDialect (no prepared statements in kysely's pg driver).
  {
    const pool = newPool();
    const k = new Kysely<KyselyDB>({ dialect: new PostgresDialect({ pool }) });
    contenders.push({
      key: "kysely",
      label: "kysely",
      point: (i) =>
        k.selectFrom("users").select(KYSELY_COLUMNS).where("id", "=", pointId(i)).limit(1).executeTakeFirst(),
      read100: (i) =>
        k.selectFrom("users").select(KYSELY_COLUMNS).where("age", ">", minAge(i)).orderBy("id").limit(100).execute(),
      close: () => k.destroy(), // ends its pool
      pool,
    });
  }
  return contenders;
}

// ---------------------------------------------------------------------------------------------
// Setup, cross-check and the timed rounds.

interface ClosqlStatement {
  readonly text: string;
  readonly params: readonly unknown[];
}

/** The SQL closql compiled, read off `onQuery`, so raw pg runs exactly the same text. */
async function closqlStatements(): Promise<Record<Workload, ClosqlStatement>> {
  const pool = newPool();
  let last: QueryEvent | undefined;
  const db = connect({ schema, pool, onQuery: (e) => (last = e) });
  try {
    await closqlPoint(db, 42);
    const point = { text: last!.sql, params: last!.params };
    await closqlRead100(db, 33);
    const read100 = { text: last!.sql, params: last!.params };
    // The raw pg contenders pass [id] / [age]: make sure that is what closql binds.
    if (JSON.stringify(point.params) !== "[42]" || JSON.stringify(read100.params) !== "[33]") {
      throw new Error(
        `closql's bound parameters changed shape (${JSON.stringify(point.params)}, ${JSON.stringify(read100.params)}): update the raw pg contenders`,
      );
    }
    return { point, read100 };
  } finally {
    await pool.end();
  }
}

async function setUp(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${BENCH_SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${BENCH_SCHEMA}`);
    await client.query(`SET search_path = ${BENCH_SCHEMA}`);
    for (const statement of renderDdl(schema)) await client.query(statement);
    await client.query(
      `INSERT INTO users (email, name, age, active, created_at)
       SELECT 'user' || g || '@example.com', 'User ' || g, 18 + (g * 37) % 60, g % 10 <> 0,
              timestamptz '2026-01-01 00:00:00+00' + g * interval '1 hour'
       FROM generate_series(1, ${USER_COUNT}) AS g`,
    );
    await client.query("VACUUM ANALYZE users");
  } finally {
    await client.end();
  }
}

async function tearDown(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${BENCH_SCHEMA} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Every contender must return the same rows, or the comparison means nothing. */
async function crossCheck(contenders: Contender[]): Promise<void> {
  const pick = (r: any) =>
    r === undefined
      ? "none"
      : `${r.id}|${r.email}|${r.age}|${r.active}|${new Date(r.createdAt ?? r.created_at).toISOString()}`;
  for (const i of [0, 1, 7, 999, 1234]) {
    const expected = pick(await contenders[0].point(i));
    for (const c of contenders) {
      const got = pick(await c.point(i));
      if (got !== expected)
        throw new Error(`cross-check: ${c.label} point(${i}) returned ${got}, expected ${expected}`);
    }
    const expectedRows = ((await contenders[0].read100(i)) as any[]).map(pick).join(",");
    for (const c of contenders) {
      const rows = (await c.read100(i)) as any[];
      if (rows.length !== 100) throw new Error(`cross-check: ${c.label} read100(${i}) returned ${rows.length} rows`);
      if (rows.map(pick).join(",") !== expectedRows)
        throw new Error(`cross-check: ${c.label} read100(${i}) returned other rows`);
    }
  }
}

/** Seconds to run iterations first … first+n-1 (the iteration number picks the parameters). */
async function timeBlock(run: (i: number) => Promise<unknown>, n: number, first = 0): Promise<number> {
  return (await measureBlock(run, n, first, undefined)).wall;
}

interface Measure {
  /** Wall-clock seconds. */
  wall: number;
  /** CPU seconds of this Node process (all its threads: JS, GC, libuv). */
  client: number;
  /** CPU seconds of the contender's PostgreSQL backend, or NaN when it cannot be read. */
  server: number;
}

async function measureBlock(
  run: (i: number) => Promise<unknown>,
  n: number,
  first: number,
  backendPid: number | undefined,
): Promise<Measure> {
  gc();
  const server0 = backendCpu(backendPid);
  const client0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = first; i < first + n; i++) await run(i);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const client = process.cpuUsage(client0);
  return { wall, client: (client.user + client.system) / 1e6, server: backendCpu(backendPid) - server0 };
}

/** CPU seconds a local backend has used so far (first field of /proc/<pid>/schedstat: ns on CPU). */

/** The pid of the backend behind a contender's connection, if that backend is a process on this machine. */
async function findBackend(c: Contender): Promise<number | undefined> {
  const pid = Number((await c.pool.query("SELECT pg_backend_pid() AS pid")).rows[0].pid);
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.startsWith("postgres") && Number.isFinite(backendCpu(pid)) ? pid : undefined;
  } catch {
    return undefined;
  }
}

interface ContenderResult {
  key: string;
  label: string;
  /** ops/s of each round, in round order. */
  rounds: number[];
  medianOps: number;
  minOps: number;
  maxOps: number;
  medianMicros: number;
  /** Median over rounds of (this ops/s) / (floor ops/s in the same round). */
  medianRatioToFloor: number;
  /** Median over rounds of this Node process's CPU time per operation (µs). */
  clientCpuMicros: number;
  /** Median over rounds of the PostgreSQL backend's CPU time per operation (µs); null if the server is not local. */
  serverCpuMicros: number | null;
  /** (client + server CPU per op) / the floor's: the work each query costs, insensitive to waiting for a CPU. */
  cpuRatioToFloor: number | null;
}

interface WorkloadResult {
  workload: Workload;
  title: string;
  description: string;
  sql: string;
  iterationsPerRound: number;
  rounds: number;
  warmupIterations: number;
  seconds: number;
  results: ContenderResult[];
}

async function runWorkload(
  workload: Workload,
  title: string,
  description: string,
  sqlText: string,
  contenders: Contender[],
): Promise<WorkloadResult> {
  const started = performance.now();
  // Warm-up, interleaved, in two passes: the second also estimates each contender's speed.
  const warmup = workload === "point" ? 1000 : 300;
  const estimate = new Map<string, number>();
  for (let pass = 0; pass < 2; pass++) {
    for (const c of contenders) {
      const seconds = await timeBlock(c[workload], warmup);
      if (pass === 1) estimate.set(c.key, warmup / seconds);
    }
  }
  // N such that one round of all contenders takes about SECONDS_PER_WORKLOAD / ROUNDS.
  const secondsPerIterationOfAll = contenders.reduce((s, c) => s + 1 / estimate.get(c.key)!, 0);
  const n = Math.max(
    SLICES * 20,
    Math.round(SECONDS_PER_WORKLOAD / ROUNDS / secondsPerIterationOfAll / (SLICES * 10)) * SLICES * 10,
  );
  process.stdout.write(`${title}: ${ROUNDS} rounds x ${n} iterations per contender `);

  // A round runs N iterations per contender as SLICES interleaved slices (c1 c2 … c7 c1 c2 …), so a
  // burst of outside load lands on all contenders of the round, not on whichever ran at that moment.
  const slice = n / SLICES;
  const ops = new Map<string, number[]>(contenders.map((c) => [c.key, []]));
  const clientMicros = new Map<string, number[]>(contenders.map((c) => [c.key, []]));
  const serverMicros = new Map<string, number[]>(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = contenders.map((_, j) => contenders[(j + round) % contenders.length]);
    const sums = new Map<string, Measure>(contenders.map((c) => [c.key, { wall: 0, client: 0, server: 0 }]));
    for (let s = 0; s < SLICES; s++) {
      for (const c of order) {
        const m = await measureBlock(c[workload], slice, s * slice, c.backendPid);
        const sum = sums.get(c.key)!;
        sum.wall += m.wall;
        sum.client += m.client;
        sum.server += m.server;
      }
    }
    for (const c of contenders) {
      const sum = sums.get(c.key)!;
      ops.get(c.key)!.push(n / sum.wall);
      clientMicros.get(c.key)!.push((1e6 * sum.client) / n);
      serverMicros.get(c.key)!.push((1e6 * sum.server) / n);
    }
    process.stdout.write(".");
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(` ${seconds.toFixed(1)} s\n`);

  const floor = ops.get(contenders[0].key)!;
  const floorCpu = median(clientMicros.get(contenders[0].key)!) + median(serverMicros.get(contenders[0].key)!);
  const results = contenders.map((c): ContenderResult => {
    const rounds = ops.get(c.key)!;
    const medianOps = median(rounds);
    const client = median(clientMicros.get(c.key)!);
    const server = median(serverMicros.get(c.key)!);
    return {
      key: c.key,
      label: c.label,
      rounds: rounds.map((x) => Math.round(x)),
      medianOps: Math.round(medianOps),
      minOps: Math.round(Math.min(...rounds)),
      maxOps: Math.round(Math.max(...rounds)),
      medianMicros: round2(1e6 / medianOps),
      medianRatioToFloor: round3(median(rounds.map((x, r) => x / floor[r]))),
      clientCpuMicros: round2(client),
      serverCpuMicros: Number.isNaN(server) ? null : round2(server),
      cpuRatioToFloor: Number.isNaN(server) ? null : round3((client + server) / floorCpu),
    };
  });
  return {
    workload,
    title,
    description,
    sql: sqlText,
    iterationsPerRound: n,
    rounds: ROUNDS,
    warmupIterations: 2 * warmup,
    seconds: round2(seconds),
    results,
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting.

async function environment() {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  const server = (await client.query("SHOW server_version")).rows[0].server_version as string;
  await client.end();
  return {
    date: new Date().toISOString(),
    closqlCommit: gitRevision(),
    node: process.version,
    pg: packageVersion("pg"),
    drizzleOrm: packageVersion("drizzle-orm"),
    kysely: packageVersion("kysely"),
    postgres: server,
    database: DATABASE_URL.replace(/\/\/[^@]*@/, "//"),
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGiB: round2(os.totalmem() / 2 ** 30),
    loadAverageAtStart: os.loadavg().map(round2),
    loadAverageAtEnd: [] as number[],
  };
}
type Environment = Awaited<ReturnType<typeof environment>>;

function table(w: WorkloadResult): string[][] {
  const header = [
    "contender",
    "ops/s",
    "vs floor",
    "time × floor",
    "µs/op",
    "node CPU µs/op",
    "PG CPU µs/op",
    "CPU × floor",
    "ops/s min–max",
  ];
  const rows = w.results.map((r) => [
    r.label,
    r.medianOps.toLocaleString("en-US"),
    r.medianRatioToFloor.toFixed(2),
    `${(1 / r.medianRatioToFloor).toFixed(2)}×`,
    r.medianMicros.toFixed(1),
    r.clientCpuMicros.toFixed(1),
    r.serverCpuMicros === null ? "n/a" : r.serverCpuMicros.toFixed(1),
    r.cpuRatioToFloor === null ? "n/a" : `${r.cpuRatioToFloor.toFixed(2)}×`,
    `${r.minOps.toLocaleString("en-US")}–${r.maxOps.toLocaleString("en-US")}`,
  ]);
  return [header, ...rows];
}

function printTable(w: WorkloadResult): void {
  const cells = table(w);
  const widths = cells[0].map((_, j) => Math.max(...cells.map((row) => row[j].length)));
  const line = (row: string[]) =>
    row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join("  ");
  console.log(`\n${w.title} — ${w.description}`);
  console.log(line(cells[0]));
  console.log(widths.map((x) => "-".repeat(x)).join("  "));
  for (const row of cells.slice(1)) console.log(line(row));
}

function closqlVerdict(w: WorkloadResult): string {
  const get = (key: string) => w.results.find((r) => r.key === key)!;
  const on = get("closql-prepared");
  const off = get("closql-unprepared");
  const fmt = (x: number) => x.toLocaleString("en-US");
  const cpu = (r: ContenderResult) => r.clientCpuMicros + (r.serverCpuMicros ?? NaN);
  const cpuNote = Number.isNaN(cpu(on))
    ? ""
    : ` and ${(cpu(on) / cpu(off)).toFixed(2)}× the CPU per query (${cpu(on).toFixed(0)} vs ${cpu(off).toFixed(0)} µs, node + PG)`;
  const floorCpuNote = on.cpuRatioToFloor === null ? "" : ` (CPU: ${on.cpuRatioToFloor.toFixed(2)}×)`;
  return (
    `closql, prepare: true vs false: ${(on.medianOps / off.medianOps).toFixed(2)}× the throughput (${fmt(on.medianOps)} vs ${fmt(off.medianOps)} ops/s)${cpuNote}. ` +
    `Prepared closql takes ${(1 / on.medianRatioToFloor).toFixed(2)}× the floor's time per query${floorCpuNote}.`
  );
}

interface PlanCacheEntry {
  contender: string;
  statement: string;
  genericPlans: number;
  customPlans: number;
}

/**
 * How PostgreSQL planned each contender's named statements (pg_prepared_statements of its own
 * connection): a statement that stays on custom plans is re-planned at every execution, so
 * preparing it saves parsing only.
 */
async function planCache(
  contenders: Contender[],
  statements: Record<Workload, ClosqlStatement>,
): Promise<PlanCacheEntry[]> {
  const entries: PlanCacheEntry[] = [];
  for (const c of contenders) {
    const { rows } = await c.pool.query(
      "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY name",
    );
    for (const r of rows) {
      const workload = (r.statement as string).includes('"id" =') ? "point lookup" : "read 100 rows";
      const text =
        r.statement === statements.point.text || r.statement === statements.read100.text ? "closql's SQL" : r.statement;
      entries.push({
        contender: c.label,
        statement: `${workload}: ${text}`,
        genericPlans: Number(r.generic_plans),
        customPlans: Number(r.custom_plans),
      });
    }
  }
  return entries;
}

function planCacheMarkdown(plans: PlanCacheEntry[]): string[] {
  if (plans.length === 0) return [];
  return [
    "PostgreSQL's plan cache for the named statements at the end of the run (`pg_prepared_statements` of each contender's connection; a statement that stays on custom plans is re-planned at every execution):",
    "",
    "| contender | statement | generic plans | custom plans |",
    "|---|---|---:|---:|",
    ...plans.map(
      (p) => `| ${p.contender} | ${p.statement.replace(/\|/g, "\\|")} | ${p.genericPlans} | ${p.customPlans} |`,
    ),
    "",
  ];
}

function markdown(w: WorkloadResult, env: Environment, plans: PlanCacheEntry[]): string {
  const cells = table(w);
  const md = (row: string[]) => `| ${row.join(" | ")} |`;
  return [
    `# closql benchmark: ${w.title}`,
    "",
    w.description,
    "",
    "closql's SQL (raw pg runs the same text):",
    "",
    "```sql",
    w.sql,
    "```",
    "",
    md(cells[0]),
    md(cells[0].map((_, j) => (j === 0 ? "---" : "---:"))),
    ...cells.slice(1).map(md),
    "",
    closqlVerdict(w),
    "",
    `Method: one pg connection per contender; ${w.warmupIterations} warm-up iterations each, then ${w.rounds} rounds × ${w.iterationsPerRound} sequential iterations per contender, each round cut into ${SLICES} slices interleaved across contenders, in an order rotated every round. ops/s is the median over rounds; "vs floor" is the median over rounds of the ratio to raw pg with named prepared statements in the same round; "time × floor" is its inverse. "node CPU" is this Node process's CPU time per query (JS, GC, driver), "PG CPU" the CPU time of the contender's PostgreSQL backend per query (from /proc/<pid>/schedstat; n/a when the server is not local), both medians over rounds; "CPU × floor" is their sum relative to the floor's — the work a query costs, which waiting for a busy CPU does not inflate. Timed part: ${w.seconds} s.`,
    "",
    ...planCacheMarkdown(plans.filter((p) => p.statement.startsWith(w.title))),
    "Environment:",
    "",
    ...Object.entries(env).map(([k, v]) => `- ${k}: ${Array.isArray(v) ? v.join(", ") : v}`),
    "",
    "Reproduce: `npm run bench` (see bench/README.md).",
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const env = await environment();
  console.log(
    `closql bench on ${env.database}: PostgreSQL ${env.postgres}, Node ${env.node}, pg ${env.pg}, drizzle-orm ${env.drizzleOrm}, kysely ${env.kysely}`,
  );
  console.log(`${env.cpu}, ${env.cores} cores, load average ${env.loadAverageAtStart.join(" ")}`);
  await setUp();
  const contenders: Contender[] = [];
  try {
    const statements = await closqlStatements();
    contenders.push(...(await makeContenders(statements)));
    await crossCheck(contenders);
    for (const c of contenders) c.backendPid = await findBackend(c);

    const workloads = [
      await runWorkload(
        "point",
        "point lookup",
        `Sequential point lookup by primary key on a ${USER_COUNT}-row table, one row (all 6 columns) per query.`,
        statements.point.text,
        contenders,
      ),
      await runWorkload(
        "read100",
        "read 100 rows",
        `Sequential read of 100 rows (all 6 columns): \`age > x\` ordered by id, limit 100, on the same ${USER_COUNT}-row table.`,
        statements.read100.text,
        contenders,
      ),
    ];
    env.loadAverageAtEnd = os.loadavg().map(round2);
    const plans = await planCache(contenders, statements);

    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const files = { point: "point-lookup", read100: "read-100-rows" } as const;
    for (const w of workloads) {
      printTable(w);
      console.log(closqlVerdict(w));
      fs.writeFileSync(path.join(RESULTS_DIR, `${files[w.workload]}.md`), markdown(w, env, plans));
      fs.writeFileSync(
        path.join(RESULTS_DIR, `${files[w.workload]}.json`),
        JSON.stringify(
          { environment: env, ...w, planCache: plans.filter((p) => p.statement.startsWith(w.title)) },
          null,
          2,
        ) + "\n",
      );
    }
    console.log("\nPostgreSQL plan cache (generic / custom plans) of the named statements:");
    for (const p of plans)
      console.log(
        `  ${p.contender}: ${p.statement.slice(0, 90)}${p.statement.length > 90 ? "…" : ""}  ${p.genericPlans} / ${p.customPlans}`,
      );
    console.log(
      `\nload average at end ${env.loadAverageAtEnd.join(" ")}; results in ${path.relative(process.cwd(), RESULTS_DIR)}/`,
    );
  } finally {
    for (const c of contenders) await c.close();
    await tearDown();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
