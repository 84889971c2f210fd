// closql write benchmark (`npm run bench:writes`):
//
// 1. bulk insert of BENCH_BULK_ROWS (default 100,000) rows of an 8-column table: closql's insertMany
//    (one `INSERT … SELECT … FROM unnest($1::int[], …)` per 2,000 rows, 4 in flight; also with
//    `pipeline: false`, one at a time, and with `returning: false`) against COPY through
//    pg-copy-streams (the floor), drizzle's and kysely's multi-row VALUES (chunked under the
//    65,535-parameter limit), and raw pg running closql's unnest text on 10,000 and 100,000 rows
//    per statement.
// 2. single-row insert and update by id, sequential: closql against prepared raw pg running the same
//    SQL text (the floor).
//
// Method as in bench/src/main.ts: one pg connection per contender, warm-up, then interleaved rounds
// in an order rotated every round, results cross-checked before timing, wall time plus the CPU time
// of this process and of the contender's PostgreSQL backend. See bench/README.md.
//
// Knobs: BENCH_BULK_ROWS (100000), BENCH_BULK_ROUNDS (3), BENCH_ROUNDS (7), BENCH_SECONDS (20 per
// single-row workload); BENCH_BULK_ONLY=<comma-separated contender keys> runs only those bulk
// contenders (COPY always) and no single-row workload, printing without writing results (for
// trying a change; the committed figures come from full runs).
import pg from "pg";
import fs from "fs";
import os from "os";
import path from "path";
import v8 from "v8";
import vm from "vm";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { connect, renderDdl, Database, QueryEvent } from "closql";
import { drizzle } from "drizzle-orm/node-postgres";
import { Kysely, PostgresDialect } from "kysely";
import { writesSchema, dEvents, KyselyWritesDB, WRITES_SCHEMA, eventRow, NewEvent } from "./writes-schema";
import {
  backendCpu,
  gitRevision,
  mdTable,
  median,
  packageVersion,
  positiveInt,
  positiveNumber,
  printTable,
  round2,
  round3,
} from "./measure";

const DATABASE_URL = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const BULK_ROWS = positiveInt(process.env.BENCH_BULK_ROWS, 100_000);
const BULK_ROUNDS = positiveInt(process.env.BENCH_BULK_ROUNDS, 3);
const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, 7);
const SECONDS_PER_WORKLOAD = positiveNumber(process.env.BENCH_SECONDS, 20);
const SLICES = 10;
/** Rows per statement of closql's insertMany (INSERT_MANY_CHUNK in packages/closql/src/runtime/write.ts). */
const CLOSQL_CHUNK = 2_000;
/** Bulk contenders to run alone (BENCH_BULK_ONLY), or undefined for the full suite. */
const BULK_ONLY = process.env.BENCH_BULK_ONLY?.split(",").map((key) => key.trim());
/** Rows the update workload touches (seeded before it). */
const UPDATE_ROWS = 10_000;
/** PostgreSQL's limit on bind parameters in one statement. */
const MAX_PARAMS = 65_535;
const INSERT_COLUMNS = 7;
/** drizzle's and kysely's rows per multi-row VALUES statement: the most under the parameter limit, in thousands. */
const VALUES_CHUNK = Math.floor(MAX_PARAMS / INSERT_COLUMNS / 1000) * 1000;
const RESULTS_DIR = path.resolve(__dirname, "..", "results");

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

type Db = Database<typeof writesSchema>;
type EventRow = ReturnType<typeof eventRow>;

/**
 * One connection, never closed for idleness. `syncCommitOff` for the single-row workloads: without
 * it each autocommitted row waits for a WAL flush, a disk latency that is the same for every
 * library and would drown the differences between them.
 */
function newPool(syncCommitOff = false): pg.Pool {
  return new pg.Pool({
    connectionString: DATABASE_URL,
    max: 1,
    idleTimeoutMillis: 0,
    options: `-c search_path=${WRITES_SCHEMA}${syncCommitOff ? " -c synchronous_commit=off" : ""}`,
  });
}

// ---------------------------------------------------------------------------------------------
// What each library writes.

// closql, compiled at build time (see bench/dist/writes.js).
function closqlInsertMany(db: Db, rows: readonly EventRow[]) {
  return db.events.insertMany(rows);
}
function closqlInsertManyCount(db: Db, rows: readonly EventRow[]) {
  return db.events.insertMany(rows, { returning: false });
}
function closqlInsert(db: Db, r: EventRow) {
  return db.events.insert({
    accountId: r.accountId,
    kind: r.kind,
    title: r.title,
    amount: r.amount,
    createdAt: r.createdAt,
    payload: r.payload,
    note: r.note,
  });
}
/** A row object typed `$insert` (optional keys): the statement is assembled per row shape at run time. */
function closqlInsertRowObject(db: Db, row: NewEvent) {
  return db.events.insert(row);
}
function closqlUpdate(db: Db, id: number, title: string, amount: number) {
  return db.events.where((e) => e.id === id).update({ title, amount });
}

/** COPY … FROM STDIN, text format: one line per row, tab-separated, `\N` for NULL. */
async function copyRows(pool: pg.Pool, rows: readonly EventRow[]): Promise<void> {
  const client = await pool.connect();
  try {
    const stream = client.query(
      copyFrom(`COPY events (account_id, kind, title, amount, created_at, payload, note) FROM STDIN`),
    );
    await pipeline(Readable.from(copyChunks(rows)), stream);
  } finally {
    client.release();
  }
}
function* copyChunks(rows: readonly EventRow[]): Generator<string> {
  let buffer = "";
  for (const r of rows) {
    buffer +=
      `${r.accountId}\t${copyText(r.kind)}\t${copyText(r.title)}\t${r.amount ?? "\\N"}\t` +
      `${r.createdAt.toISOString()}\t${copyText(JSON.stringify(r.payload))}\t${r.note === null ? "\\N" : copyText(r.note)}\n`;
    if (buffer.length >= 65536) {
      yield buffer;
      buffer = "";
    }
  }
  if (buffer) yield buffer;
}
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
const copyText = (s: string) => s.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]);

/** closql's unnest statement through raw pg: each column's values in one array parameter. */
async function unnestRows(pool: pg.Pool, text: string, rows: readonly EventRow[], chunk: number): Promise<void> {
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.slice(start, start + chunk);
    await pool.query({
      name: "bench_unnest",
      text,
      values: [
        part.map((r) => r.accountId),
        part.map((r) => r.kind),
        part.map((r) => r.title),
        part.map((r) => r.amount),
        part.map((r) => r.createdAt.toISOString()),
        part.map((r) => JSON.stringify(r.payload)),
        part.map((r) => r.note),
      ],
    });
  }
}

async function inSlices<T>(rows: readonly T[], size: number, run: (slice: readonly T[]) => Promise<unknown>) {
  for (let start = 0; start < rows.length; start += size) await run(rows.slice(start, start + size));
}

// ---------------------------------------------------------------------------------------------
// Bulk insert.

interface BulkContender {
  readonly key: string;
  readonly label: string;
  /** Rows per statement, for the chunk-size comparison. */
  readonly chunk: number | "stream";
  readonly returnsRows: boolean;
  readonly run: (rows: readonly EventRow[]) => Promise<void>;
  readonly pool: pg.Pool;
  readonly close: () => Promise<void>;
  backendPid?: number;
}

function bulkContenders(unnestText: string): BulkContender[] {
  const list: BulkContender[] = [];
  const add = (c: Omit<BulkContender, "pool" | "close">, pool: pg.Pool, close?: () => Promise<void>) =>
    list.push({ ...c, pool, close: close ?? (() => pool.end()) });
  {
    const pool = newPool();
    add(
      {
        key: "copy",
        label: "COPY (pg-copy-streams), floor",
        chunk: "stream",
        returnsRows: false,
        run: (rows) => copyRows(pool, rows),
      },
      pool,
    );
  }
  for (const pipelined of [true, false]) {
    const pool = newPool();
    const db = connect({ schema: writesSchema, pool, pipeline: pipelined });
    add(
      {
        key: pipelined ? "closql" : "closql-serial",
        label: pipelined
          ? `closql insertMany (${fmt(CLOSQL_CHUNK)} rows per statement, 4 in flight)`
          : `closql insertMany, pipeline: false (one statement at a time)`,
        chunk: CLOSQL_CHUNK,
        returnsRows: true,
        run: async (rows) => {
          const inserted = await closqlInsertMany(db, rows);
          if (inserted.length !== rows.length)
            throw new Error(`closql insertMany returned ${inserted.length} rows, expected ${rows.length}`);
        },
      },
      pool,
    );
  }
  {
    const pool = newPool();
    const db = connect({ schema: writesSchema, pool });
    add(
      {
        key: "closql-count",
        label: "closql insertMany, returning: false",
        chunk: CLOSQL_CHUNK,
        returnsRows: false,
        run: async (rows) => {
          const n = await closqlInsertManyCount(db, rows);
          if (n !== rows.length) throw new Error(`closql insertMany counted ${n} rows, expected ${rows.length}`);
        },
      },
      pool,
    );
  }
  for (const size of [10_000, 100_000]) {
    const pool = newPool();
    add(
      {
        key: `unnest-${size}`,
        label: `raw pg, closql's unnest SQL, ${size.toLocaleString("en-US")} rows per statement`,
        chunk: size,
        returnsRows: true,
        run: (rows) => unnestRows(pool, unnestText, rows, size),
      },
      pool,
    );
  }
  for (const returning of [false, true]) {
    const pool = newPool();
    const ddb = drizzle({ client: pool });
    add(
      {
        key: returning ? "drizzle-returning" : "drizzle",
        label: `drizzle-orm insert().values(), ${VALUES_CHUNK.toLocaleString("en-US")} rows per statement${returning ? ", .returning()" : ""}`,
        chunk: VALUES_CHUNK,
        returnsRows: returning,
        run: (rows) =>
          inSlices(rows, VALUES_CHUNK, async (slice) => {
            const q = ddb.insert(dEvents).values(slice as EventRow[]);
            if (returning) {
              const back = await q.returning();
              if (back.length !== slice.length) throw new Error("drizzle returned too few rows");
            } else await q;
          }),
      },
      pool,
    );
  }
  {
    const pool = newPool();
    const k = new Kysely<KyselyWritesDB>({ dialect: new PostgresDialect({ pool }) });
    add(
      {
        key: "kysely",
        label: `kysely insertInto().values(), ${VALUES_CHUNK.toLocaleString("en-US")} rows per statement`,
        chunk: VALUES_CHUNK,
        returnsRows: false,
        run: (rows) =>
          inSlices(rows, VALUES_CHUNK, (slice) =>
            k
              .insertInto("events")
              .values(
                slice.map((r) => ({
                  account_id: r.accountId,
                  kind: r.kind,
                  title: r.title,
                  amount: r.amount,
                  created_at: r.createdAt,
                  payload: JSON.stringify(r.payload),
                  note: r.note,
                })),
              )
              .execute(),
          ),
      },
      pool,
      () => k.destroy(),
    );
  }
  return list;
}

/** What the table holds, as one hash: every contender must store exactly the same rows in the same order. */
async function tableDigest(admin: pg.Client): Promise<string> {
  const { rows } = await admin.query(
    `SELECT count(*)::int AS n, md5(string_agg(concat_ws('|', id, account_id, kind, title, coalesce(amount::text, '-'),
       extract(epoch FROM created_at)::text, payload::text, coalesce(note, '-')), E'\\n' ORDER BY id)) AS h FROM events`,
  );
  return `${rows[0].n} rows, md5 ${rows[0].h}`;
}

async function truncate(admin: pg.Client): Promise<void> {
  await admin.query("TRUNCATE events RESTART IDENTITY");
}

interface BulkResult {
  key: string;
  label: string;
  chunk: number | "stream";
  returnsRows: boolean;
  roundsRowsPerSecond: number[];
  medianRowsPerSecond: number;
  minRowsPerSecond: number;
  maxRowsPerSecond: number;
  medianSeconds: number;
  /** Median over rounds of (this rows/s) / (COPY's rows/s in the same round). */
  ratioToCopy: number;
  clientCpuSeconds: number;
  serverCpuSeconds: number | null;
}

async function runBulk(admin: pg.Client, contenders: BulkContender[], rows: readonly EventRow[]) {
  const started = performance.now();
  // Warm-up and cross-check: every contender stores the same table.
  let expected: string | undefined;
  for (const c of contenders) {
    await truncate(admin);
    await c.run(rows);
    const digest = await tableDigest(admin);
    if (expected === undefined) expected = digest;
    else if (digest !== expected) throw new Error(`cross-check: ${c.label} stored ${digest}, COPY stored ${expected}`);
  }
  process.stdout.write(
    `bulk insert of ${rows.length.toLocaleString("en-US")} rows: ${BULK_ROUNDS} rounds × ${contenders.length} contenders `,
  );
  const perRound = new Map<string, Measure[]>(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < BULK_ROUNDS; round++) {
    const order = contenders.map((_, j) => contenders[(j + round) % contenders.length]);
    for (const c of order) {
      await truncate(admin);
      const m = await measure(() => c.run(rows), c.backendPid);
      perRound.get(c.key)!.push(m);
    }
    process.stdout.write(".");
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(` ${seconds.toFixed(1)} s\n`);
  const copy = perRound.get(contenders[0].key)!;
  const results = contenders.map((c): BulkResult => {
    const ms = perRound.get(c.key)!;
    const rps = ms.map((m) => rows.length / m.wall);
    const server = median(ms.map((m) => m.server));
    return {
      key: c.key,
      label: c.label,
      chunk: c.chunk,
      returnsRows: c.returnsRows,
      roundsRowsPerSecond: rps.map(Math.round),
      medianRowsPerSecond: Math.round(median(rps)),
      minRowsPerSecond: Math.round(Math.min(...rps)),
      maxRowsPerSecond: Math.round(Math.max(...rps)),
      medianSeconds: round3(median(ms.map((m) => m.wall))),
      ratioToCopy: round3(median(ms.map((m, r) => copy[r].wall / m.wall))),
      clientCpuSeconds: round3(median(ms.map((m) => m.client))),
      serverCpuSeconds: Number.isNaN(server) ? null : round3(server),
    };
  });
  return { rows: rows.length, rounds: BULK_ROUNDS, seconds: round2(seconds), digest: expected!, results };
}

// ---------------------------------------------------------------------------------------------
// Single-row insert and update.

type SingleWorkload = "insert" | "update";

interface SingleContender {
  readonly key: string;
  readonly label: string;
  readonly insert: (i: number) => Promise<unknown>;
  readonly update: (i: number) => Promise<unknown>;
  readonly pool: pg.Pool;
  readonly close: () => Promise<void>;
  backendPid?: number;
}

const updateId = (i: number) => ((i * 389) % UPDATE_ROWS) + 1;
const updateTitle = (i: number) => `updated ${i}`;

interface ClosqlTexts {
  insert: string;
  update: string;
  insertMany: string;
}

/** The SQL closql compiled, read off `onQuery`, so raw pg runs exactly the same text with the same values. */
async function closqlTexts(): Promise<ClosqlTexts> {
  const pool = newPool();
  let last: QueryEvent | undefined;
  const db = connect({ schema: writesSchema, pool, onQuery: (e) => (last = e) });
  try {
    await db.execute("BEGIN");
    await closqlInsert(db, eventRow(7));
    const insert = last!;
    await closqlUpdate(db, 1, "x", 5);
    const update = last!;
    await closqlInsertMany(db, [eventRow(1), eventRow(2)]);
    const insertMany = last!;
    await db.execute("ROLLBACK");
    const expectInsert = JSON.stringify(rawInsertValues(eventRow(7)));
    if (JSON.stringify(insert.params) !== expectInsert)
      throw new Error(
        `closql's insert binds ${JSON.stringify(insert.params)}, raw pg would bind ${expectInsert}: update the raw pg contender`,
      );
    if (JSON.stringify(update.params) !== JSON.stringify(["x", 5, 1]))
      throw new Error(`closql's update binds ${JSON.stringify(update.params)}: update the raw pg contender`);
    return { insert: insert.sql, update: update.sql, insertMany: insertMany.sql };
  } finally {
    await pool.end();
  }
}

/** The values raw pg binds for the insert: what closql sends (JSON text for jsonb, UTC text for timestamptz). */
function rawInsertValues(r: EventRow): unknown[] {
  return [r.accountId, r.kind, r.title, r.amount, closqlDate(r.createdAt), JSON.stringify(r.payload), r.note];
}
/** closql's timestamptz parameter text: `2026-01-01 00:00:07.007+00`. */
function closqlDate(d: Date): string {
  return d.toISOString().replace("T", " ").replace("Z", "+00");
}

function singleContenders(texts: ClosqlTexts): SingleContender[] {
  const list: SingleContender[] = [];
  {
    const pool = newPool(true);
    list.push({
      key: "pg-prepared",
      label: "raw pg, named prepared (floor)",
      insert: async (i) =>
        (await pool.query({ name: "bench_w_insert", text: texts.insert, values: rawInsertValues(eventRow(i)) }))
          .rows[0],
      update: async (i) =>
        (await pool.query({ name: "bench_w_update", text: texts.update, values: [updateTitle(i), i, updateId(i)] }))
          .rowCount,
      pool,
      close: () => pool.end(),
    });
  }
  {
    const pool = newPool(true);
    const db = connect({ schema: writesSchema, pool });
    list.push({
      key: "closql",
      label: "closql (object literal)",
      insert: (i) => closqlInsert(db, eventRow(i)),
      update: (i) => closqlUpdate(db, updateId(i), updateTitle(i), i),
      pool,
      close: () => pool.end(),
    });
  }
  {
    const pool = newPool(true);
    const db = connect({ schema: writesSchema, pool });
    list.push({
      key: "closql-row",
      label: "closql (a `$insert` row object: shape at run time)",
      insert: (i) => closqlInsertRowObject(db, eventRow(i)),
      // The update has no run-time shape: the same call as above.
      update: (i) => closqlUpdate(db, updateId(i), updateTitle(i), i),
      pool,
      close: () => pool.end(),
    });
  }
  return list;
}

async function crossCheckSingle(contenders: SingleContender[]): Promise<void> {
  const pick = (r: any) =>
    [
      r.account_id ?? r.accountId,
      r.kind,
      r.title,
      r.amount,
      new Date(r.created_at ?? r.createdAt).toISOString(),
      canonical(r.payload),
      r.note,
    ].join("|");
  for (const i of [0, 3, 50, 101]) {
    const expected = pick(eventRow(i));
    for (const c of contenders) {
      const got = pick(await c.insert(i));
      if (got !== expected)
        throw new Error(`cross-check: ${c.label} insert(${i}) returned ${got}, expected ${expected}`);
      const n = await c.update(i);
      if (n !== 1) throw new Error(`cross-check: ${c.label} update(${i}) changed ${n} rows`);
    }
  }
}

/** JSON with object keys sorted (jsonb stores keys in its own order). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

interface SingleResult {
  key: string;
  label: string;
  rounds: number[];
  medianOps: number;
  minOps: number;
  maxOps: number;
  medianMicros: number;
  /** Median over rounds of (floor ops/s) / (this ops/s): time × floor. */
  timeToFloor: number;
  clientCpuMicros: number;
  serverCpuMicros: number | null;
  cpuToFloor: number | null;
}

async function runSingle(workload: SingleWorkload, contenders: SingleContender[]) {
  const started = performance.now();
  const warmup = 500;
  const estimate = new Map<string, number>();
  let next = 1_000_000; // insert parameters: fresh row numbers
  for (let pass = 0; pass < 2; pass++) {
    for (const c of contenders) {
      const m = await measure(() => loop(c[workload], next, warmup), undefined);
      next += warmup;
      if (pass === 1) estimate.set(c.key, warmup / m.wall);
    }
  }
  const secondsPerIterationOfAll = contenders.reduce((s, c) => s + 1 / estimate.get(c.key)!, 0);
  const n = Math.max(
    SLICES * 20,
    Math.round(SECONDS_PER_WORKLOAD / ROUNDS / secondsPerIterationOfAll / (SLICES * 10)) * SLICES * 10,
  );
  process.stdout.write(`single-row ${workload}: ${ROUNDS} rounds × ${n} iterations per contender `);
  const slice = n / SLICES;
  const ops = new Map<string, number[]>(contenders.map((c) => [c.key, []]));
  const client = new Map<string, number[]>(contenders.map((c) => [c.key, []]));
  const server = new Map<string, number[]>(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = contenders.map((_, j) => contenders[(j + round) % contenders.length]);
    const sums = new Map<string, Measure>(contenders.map((c) => [c.key, { wall: 0, client: 0, server: 0 }]));
    for (let s = 0; s < SLICES; s++) {
      // Every contender gets the same parameters in a slice.
      const first = round * n + s * slice;
      for (const c of order) {
        const m = await measure(() => loop(c[workload], first, slice), c.backendPid);
        const sum = sums.get(c.key)!;
        sum.wall += m.wall;
        sum.client += m.client;
        sum.server += m.server;
      }
    }
    for (const c of contenders) {
      const sum = sums.get(c.key)!;
      ops.get(c.key)!.push(n / sum.wall);
      client.get(c.key)!.push((1e6 * sum.client) / n);
      server.get(c.key)!.push((1e6 * sum.server) / n);
    }
    process.stdout.write(".");
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(` ${seconds.toFixed(1)} s\n`);
  const floor = ops.get(contenders[0].key)!;
  const floorCpu = median(client.get(contenders[0].key)!) + median(server.get(contenders[0].key)!);
  const results = contenders.map((c): SingleResult => {
    const rounds = ops.get(c.key)!;
    const cpuClient = median(client.get(c.key)!);
    const cpuServer = median(server.get(c.key)!);
    return {
      key: c.key,
      label: c.label,
      rounds: rounds.map(Math.round),
      medianOps: Math.round(median(rounds)),
      minOps: Math.round(Math.min(...rounds)),
      maxOps: Math.round(Math.max(...rounds)),
      medianMicros: round2(1e6 / median(rounds)),
      timeToFloor: round3(median(rounds.map((x, r) => floor[r] / x))),
      clientCpuMicros: round2(cpuClient),
      serverCpuMicros: Number.isNaN(cpuServer) ? null : round2(cpuServer),
      cpuToFloor: Number.isNaN(cpuServer) ? null : round3((cpuClient + cpuServer) / floorCpu),
    };
  });
  return {
    workload,
    iterationsPerRound: n,
    rounds: ROUNDS,
    warmupIterations: 2 * warmup,
    seconds: round2(seconds),
    results,
  };
}

async function loop(run: (i: number) => Promise<unknown>, first: number, n: number): Promise<void> {
  for (let i = first; i < first + n; i++) await run(i);
}

// ---------------------------------------------------------------------------------------------
// Measuring.

interface Measure {
  wall: number;
  client: number;
  server: number;
}

async function measure(run: () => Promise<void>, backendPid: number | undefined): Promise<Measure> {
  gc();
  const server0 = backendCpu(backendPid);
  const client0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  await run();
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const client = process.cpuUsage(client0);
  return { wall, client: (client.user + client.system) / 1e6, server: backendCpu(backendPid) - server0 };
}

async function findBackend(pool: pg.Pool): Promise<number | undefined> {
  const pid = Number((await pool.query("SELECT pg_backend_pid() AS pid")).rows[0].pid);
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.startsWith("postgres") && Number.isFinite(backendCpu(pid)) ? pid : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting.

async function environment(admin: pg.Client) {
  const server = (await admin.query("SHOW server_version")).rows[0].server_version as string;
  const settings = await admin.query(
    "SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'wal_level', 'shared_buffers', 'max_wal_size') ORDER BY name",
  );
  return {
    date: new Date().toISOString(),
    closqlCommit: gitRevision(),
    node: process.version,
    pg: packageVersion("pg"),
    pgCopyStreams: packageVersion("pg-copy-streams"),
    drizzleOrm: packageVersion("drizzle-orm"),
    kysely: packageVersion("kysely"),
    postgres: server,
    postgresSettings: settings.rows.map((r) => `${r.name}=${r.setting}`).join(" "),
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
type Bulk = Awaited<ReturnType<typeof runBulk>>;
type Single = Awaited<ReturnType<typeof runSingle>>;

const fmt = (x: number) => x.toLocaleString("en-US");

function bulkTable(b: Bulk): string[][] {
  const header = [
    "contender",
    "rows/stmt",
    "RETURNING",
    "rows/s",
    "× COPY",
    "s per run",
    "node CPU s",
    "PG CPU s",
    "rows/s min–max",
  ];
  return [
    header,
    ...b.results.map((r) => [
      r.label,
      r.chunk === "stream" ? "stream" : fmt(r.chunk),
      r.returnsRows ? "yes" : "no",
      fmt(r.medianRowsPerSecond),
      r.ratioToCopy.toFixed(2),
      r.medianSeconds.toFixed(2),
      r.clientCpuSeconds.toFixed(2),
      r.serverCpuSeconds === null ? "n/a" : r.serverCpuSeconds.toFixed(2),
      `${fmt(r.minRowsPerSecond)}–${fmt(r.maxRowsPerSecond)}`,
    ]),
  ];
}

function singleTable(s: Single): string[][] {
  const header = [
    "contender",
    "ops/s",
    "time × floor",
    "µs/op",
    "node CPU µs/op",
    "PG CPU µs/op",
    "CPU × floor",
    "ops/s min–max",
  ];
  return [
    header,
    ...s.results.map((r) => [
      r.label,
      fmt(r.medianOps),
      `${r.timeToFloor.toFixed(3)}×`,
      r.medianMicros.toFixed(1),
      r.clientCpuMicros.toFixed(1),
      r.serverCpuMicros === null ? "n/a" : r.serverCpuMicros.toFixed(1),
      r.cpuToFloor === null ? "n/a" : `${r.cpuToFloor.toFixed(3)}×`,
      `${fmt(r.minOps)}–${fmt(r.maxOps)}`,
    ]),
  ];
}

function bulkVerdict(b: Bulk): string[] {
  const get = (key: string) => b.results.find((r) => r.key === key)!;
  const closql = get("closql");
  const slices = b.results.filter(
    (r) => r.key === "closql" || r.key.startsWith("closql-") || r.key.startsWith("unnest-"),
  );
  const best = [...slices].sort((a, c) => c.medianRowsPerSecond - a.medianRowsPerSecond)[0];
  const goal = closql.ratioToCopy >= 0.5 ? "meets" : "misses";
  const peers = ["drizzle", "drizzle-returning", "kysely"].map((k) => get(k));
  return [
    `closql's insertMany stores ${fmt(closql.medianRowsPerSecond)} rows/s, ${closql.ratioToCopy.toFixed(2)}× COPY's rows/s: it ${goal} the goal of ≥ 0.5× (and it returns every row, which COPY does not). ` +
      peers
        .map((p) => `${p.label}: ${(closql.medianRowsPerSecond / p.medianRowsPerSecond).toFixed(2)}× its rows/s`)
        .join("; ") +
      ".",
    `Pipelined, 4 statements in flight: ${fmt(closql.medianRowsPerSecond)} rows/s; one at a time (pipeline: false): ${fmt(get("closql-serial").medianRowsPerSecond)} rows/s. ` +
      `Rows per statement: ${slices.map((r) => `${r.chunk === "stream" ? r.chunk : fmt(r.chunk)} (${r.label.startsWith("raw") ? "raw pg" : "closql"}) ${fmt(r.medianRowsPerSecond)} rows/s`).join(", ")}; fastest: ${best.label}.`,
  ];
}

function singleVerdict(s: Single): string {
  const closql = s.results.find((r) => r.key === "closql")!;
  const row = s.results.find((r) => r.key === "closql-row")!;
  const goal = closql.timeToFloor <= 1.05 ? "meets" : "misses";
  const cpu = closql.cpuToFloor === null ? "" : ` (CPU ${closql.cpuToFloor.toFixed(3)}×)`;
  return (
    `closql ${s.workload}: ${closql.timeToFloor.toFixed(3)}× the floor's time${cpu}: it ${goal} the goal of ≤ 1.05×.` +
    (s.workload === "insert"
      ? ` With a \`$insert\`-typed row object (statement assembled per shape at run time): ${row.timeToFloor.toFixed(3)}×, node CPU ${row.clientCpuMicros.toFixed(1)} vs ${closql.clientCpuMicros.toFixed(1)} µs.`
      : "")
  );
}

function markdown(env: Environment, texts: ClosqlTexts, bulk: Bulk, singles: Single[]): string {
  return [
    "# closql benchmark: writes",
    "",
    `## Bulk insert of ${fmt(bulk.rows)} rows`,
    "",
    `An 8-column table (serial key, integer, two text, nullable integer, timestamptz, jsonb, nullable text; a primary key and one two-column index), emptied (\`TRUNCATE … RESTART IDENTITY\`) before each run. Every contender stores the same ${fmt(bulk.rows)} rows, checked before timing: ${bulk.digest}.`,
    "",
    "closql's statement (one per 10,000 rows; raw pg runs the same text for other sizes):",
    "",
    "```sql",
    texts.insertMany,
    "```",
    "",
    ...mdTable(bulkTable(bulk)),
    "",
    ...bulkVerdict(bulk).flatMap((l) => [l, ""]),
    `Method: one pg connection per contender, autocommit (each statement its own transaction, for every contender); a warm-up run each (which is the cross-check), then ${bulk.rounds} rounds, each contender once per round, in an order rotated every round. rows/s and seconds are medians over rounds; "× COPY" is the median over rounds of the ratio to COPY's rows/s in the same round. "node CPU" is this process's CPU time per run (building rows into parameters, pg's serialization, and for RETURNING contenders reading and mapping the rows), "PG CPU" the contender's backend's (from /proc/<pid>/schedstat; n/a when the server is not local). drizzle and kysely send multi-row VALUES of ${fmt(VALUES_CHUNK)} rows (${fmt(VALUES_CHUNK * INSERT_COLUMNS)} parameters, under PostgreSQL's 65,535). Timed part: ${bulk.seconds} s.`,
    "",
    "## Single-row insert and update by id",
    "",
    "Sequential, one statement per row in autocommit, every contender's connection with `synchronous_commit = off` (so the numbers are the libraries' and the server's work, not the disk's flush latency, the same for all).",
    "",
    "closql's SQL (raw pg runs the same text, named prepared, with the same values):",
    "",
    "```sql",
    texts.insert,
    texts.update,
    "```",
    "",
    ...singles.flatMap((s) => [
      `### ${s.workload === "insert" ? "insert one row (RETURNING the row)" : `update one row by id (${fmt(UPDATE_ROWS)}-row table, returns the count)`}`,
      "",
      ...mdTable(singleTable(s)),
      "",
      singleVerdict(s),
      "",
      `${s.rounds} rounds × ${fmt(s.iterationsPerRound)} sequential iterations per contender after ${s.warmupIterations} warm-up iterations, each round cut into ${SLICES} slices interleaved across contenders, order rotated every round; "time × floor" is the median over rounds of the ratio of times in the same round. Timed part: ${s.seconds} s.`,
      "",
    ]),
    "Environment:",
    "",
    ...Object.entries(env).map(([k, v]) => `- ${k}: ${Array.isArray(v) ? v.join(", ") : v}`),
    "",
    "Reproduce: `npm run bench:writes` (see bench/README.md).",
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const env = await environment(admin);
  console.log(
    `closql write bench on ${env.database}: PostgreSQL ${env.postgres} (${env.postgresSettings}), Node ${env.node}, pg ${env.pg}, pg-copy-streams ${env.pgCopyStreams}, drizzle-orm ${env.drizzleOrm}, kysely ${env.kysely}`,
  );
  console.log(`${env.cpu}, ${env.cores} cores, load average ${env.loadAverageAtStart.join(" ")}`);
  await admin.query(`DROP SCHEMA IF EXISTS ${WRITES_SCHEMA} CASCADE`);
  await admin.query(`CREATE SCHEMA ${WRITES_SCHEMA}`);
  await admin.query(`SET search_path = ${WRITES_SCHEMA}`);
  for (const statement of renderDdl(writesSchema)) await admin.query(statement);
  const closeAll: (() => Promise<void>)[] = [];
  try {
    const texts = await closqlTexts();
    const bulkers = bulkContenders(texts.insertMany).filter(
      (c) => BULK_ONLY === undefined || c.key === "copy" || BULK_ONLY.includes(c.key),
    );
    closeAll.push(...bulkers.map((c) => c.close));
    for (const c of bulkers) c.backendPid = await findBackend(c.pool);
    // The rows live only for the bulk part: a large heap would make the single-row workloads' GC dearer.
    const bulk = await runBulk(
      admin,
      bulkers,
      Array.from({ length: BULK_ROWS }, (_, i) => eventRow(i)),
    );
    printTable(`bulk insert of ${fmt(bulk.rows)} rows`, bulkTable(bulk));
    if (BULK_ONLY !== undefined) return;
    for (const line of bulkVerdict(bulk)) console.log(line);

    // Single-row workloads on a table of UPDATE_ROWS rows.
    await truncate(admin);
    await admin.query(`INSERT INTO events (account_id, kind, title, amount, created_at, payload, note)
      SELECT g % 1000 + 1, 'view', 'row ' || g, g, timestamptz '2026-01-01' + g * interval '1 second', '{"source":"seed"}', NULL
      FROM generate_series(1, ${UPDATE_ROWS}) AS g`);
    await admin.query("VACUUM ANALYZE events");
    const singles = singleContenders(texts);
    closeAll.push(...singles.map((c) => c.close));
    await crossCheckSingle(singles);
    for (const c of singles) c.backendPid = await findBackend(c.pool);
    const results: Single[] = [];
    for (const w of ["insert", "update"] as const) {
      const s = await runSingle(w, singles);
      results.push(s);
      printTable(`single-row ${w}`, singleTable(s));
      console.log(singleVerdict(s));
    }
    env.loadAverageAtEnd = os.loadavg().map(round2);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, "writes.md"), markdown(env, texts, bulk, results));
    fs.writeFileSync(
      path.join(RESULTS_DIR, "writes.json"),
      JSON.stringify({ environment: env, sql: texts, bulk, single: results }, null, 2) + "\n",
    );
    console.log(
      `\nload average at end ${env.loadAverageAtEnd.join(" ")}; results in ${path.relative(process.cwd(), RESULTS_DIR)}/writes.{md,json}`,
    );
  } finally {
    for (const close of closeAll) await close().catch(() => {});
    await admin.query(`DROP SCHEMA IF EXISTS ${WRITES_SCHEMA} CASCADE`);
    await admin.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
