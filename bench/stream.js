#!/usr/bin/env node
// Streaming 1,000,000 rows: closql's streamRows (server-side cursor, FETCH FORWARD n) at several batch
// sizes against `pg` reading the whole result at once. Decides stream.ts's DEFAULT_BATCH_SIZE.
//
// Every measurement is a fresh child process (peak RSS is per process and never goes down), reading
// the same 1,000,000 rows of 6 columns (int, text of ~30 chars, timestamptz, int8, float8, bool)
// from a table in the schema closql_bench_stream, each row mapped to an object by the same mapper,
// which is what compiled `.stream()` and `.all()` do. Rounds interleave the contenders; the table
// shows medians over rounds.
//   rows/s    rows read and mapped per second, from the first request to the last row
//   peak RSS  the child's maxRSS (getrusage), against its RSS before reading (Node + pg + connection)
//
// Usage: npm run build && node bench/stream.js [--rounds N] [--rows N] [--wide]
//   --wide  100,000 rows whose text column is ~2 kB (200 MB of text): what a batch costs in memory
// Uses DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test. Writes bench/results/stream.md
// (stream-wide.md with --wide) and the figures of every run beside it (.json).
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const URL = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const SCHEMA = "closql_bench_stream";
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ROUNDS = option("--rounds", 3);
// --wide: 100,000 rows whose text column holds ~2 kB, where the memory a batch holds shows most.
const WIDE = args.includes("--wide");
const ROWS = option("--rows", WIDE ? 100_000 : 1_000_000);
const OUT = WIDE ? "stream-wide" : "stream";
const SQL = `SELECT "id", "name", "at", "n", "f", "flag" FROM "${SCHEMA}"."rows" ORDER BY "id"`;

const CONTENDERS = [
  { name: "pg, whole result at once", kind: "all" },
  { name: "streamRows, batch 100", kind: "stream", batchSize: 100 },
  { name: "streamRows, batch 1000", kind: "stream", batchSize: 1000 },
  { name: "streamRows, batch 10000", kind: "stream", batchSize: 10000 },
];

const map = (r) => ({ id: r[0], name: r[1], at: r[2], n: r[3], f: r[4], flag: r[5] });

/** In a child: one contender, once; prints one JSON line. */
async function child(kind, batchSize) {
  const pg = require("pg");
  const { connect, relations, table, integer, $streamRows } = require("closql");
  const pool = new pg.Pool({ connectionString: URL, max: 1 });
  // Any table will do: the executor of `db.<table>` is what compiled queries stream through. This
  // file is plain JavaScript calling the runtime directly, not built with the transform: checkBuild off.
  const db = connect({
    schema: relations({ rows: table("rows", { id: integer().primaryKey() }) }),
    pool,
    checkBuild: false,
  });
  // Connect and pin the session before measuring; the pool's one connection serves both contenders.
  const [{ pid }] = await db.sql`SELECT pg_backend_pid() AS pid`;
  const backendCpu = () => {
    try {
      return Number(fs.readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e3; // µs
    } catch {
      return NaN; // the server is not on this machine
    }
  };
  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  const pgCpuBefore = backendCpu();
  let count = 0;
  let sum = 0;
  const started = performance.now();
  if (kind === "all") {
    const result = await pool.query({ text: SQL, rowMode: "array" });
    const rows = result.rows.map(map);
    for (const row of rows) {
      count++;
      sum += row.id;
    }
  } else {
    for await (const row of $streamRows(db.rows.$executor, SQL, [], map, "bench/stream.js", { batchSize })) {
      count++;
      sum += row.id;
    }
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const pgCpu = backendCpu() - pgCpuBefore;
  await pool.end();
  if (count !== ROWS || sum !== (ROWS * (ROWS + 1)) / 2) throw new Error(`wrong rows: ${count}, sum ${sum}`);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const nodeCpuUs = cpu.user + cpu.system;
  console.log(JSON.stringify({ ms, rowsPerSecond: (count / ms) * 1000, rssBefore, maxRss, nodeCpuUs, pgCpuUs: pgCpu }));
}

async function setup() {
  const pg = require("pg");
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await client.query(`CREATE SCHEMA ${SCHEMA}`);
  await client.query(
    `CREATE TABLE ${SCHEMA}.rows AS SELECT g AS id, 'row number ' || g || ' of the bench'${WIDE ? " || repeat('x', 2000)" : ""} AS name,
       timestamptz '2020-01-01 00:00:00+00' + g * interval '1 second' AS at, g * 1000::int8 AS n,
       g / 7.0::float8 AS f, g % 2 = 0 AS flag FROM generate_series(1, ${ROWS}) g`,
  );
  await client.query(`ALTER TABLE ${SCHEMA}.rows ADD PRIMARY KEY (id)`);
  await client.query(`VACUUM ANALYZE ${SCHEMA}.rows`);
  const version = (await client.query("SHOW server_version")).rows[0].server_version;
  await client.end();
  return version;
}

async function teardown() {
  const pg = require("pg");
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await client.end();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mb = (bytes) => (bytes / 1e6).toFixed(0);
const fmt = (n) => Math.round(n).toLocaleString("en-US");

async function main() {
  const serverVersion = await setup();
  const runs = new Map(CONTENDERS.map((c) => [c.name, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round, so drift and outside load hit every contender alike.
      const order = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length]);
      for (const c of order) {
        const r = spawnSync(
          process.execPath,
          [
            __filename,
            "--child",
            c.kind,
            String(c.batchSize ?? 0),
            "--rows",
            String(ROWS),
            ...(WIDE ? ["--wide"] : []),
          ],
          {
            env: { ...process.env, DATABASE_URL: URL },
            encoding: "utf8",
          },
        );
        if (r.status !== 0) throw new Error(`${c.name} failed:\n${r.stderr}`);
        const result = JSON.parse(r.stdout.trim().split("\n").pop());
        runs.get(c.name).push(result);
        console.error(
          `round ${round + 1}/${ROUNDS} ${c.name}: ${fmt(result.rowsPerSecond)} rows/s, peak RSS ${mb(result.maxRss)} MB`,
        );
      }
    }
  } finally {
    await teardown();
  }
  const lines = [
    "| contender | rows/s | time (s) | node CPU (s) | PG CPU (s) | peak RSS (MB) | RSS before reading (MB) | peak − before (MB) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const c of CONTENDERS) {
    const rs = runs.get(c.name);
    const peak = median(rs.map((r) => r.maxRss));
    const before = median(rs.map((r) => r.rssBefore));
    lines.push(
      `| ${c.name} | ${fmt(median(rs.map((r) => r.rowsPerSecond)))} | ${(median(rs.map((r) => r.ms)) / 1000).toFixed(2)} | ${(median(rs.map((r) => r.nodeCpuUs)) / 1e6).toFixed(2)} | ${(median(rs.map((r) => r.pgCpuUs)) / 1e6).toFixed(2)} | ${mb(peak)} | ${mb(before)} | ${mb(peak - before)} |`,
    );
  }
  const table = lines.join("\n");
  console.log(table);
  const md = `# closql benchmark: streaming ${fmt(ROWS)} ${WIDE ? "wide " : ""}rows

\`node bench/stream.js${WIDE ? " --wide" : ""}\` (after \`npm run build\`). Each contender reads the same ${fmt(ROWS)} rows of 6 columns
(int4, text of ~${WIDE ? "2,030" : "30"} characters, timestamptz, int8, float8, bool) in \`id\` order and maps each row to an
object with the same mapper; every measurement is a fresh Node process with one connection.

\`\`\`sql
${SQL}
\`\`\`

${table}

- **pg, whole result at once**: \`pool.query({ text, rowMode: "array" })\`, then the mapper over the array (what \`.all()\` does).
- **streamRows, batch n**: closql's \`.stream()\` path: \`BEGIN\`, \`DECLARE … NO SCROLL CURSOR\`, \`FETCH FORWARD n\` when the
  consumer has used the previous batch, \`COMMIT\`.
- rows/s and time: median over ${ROUNDS} rounds (contenders interleaved, order rotated each round), from the first request
  to the last row. node CPU: this process's user + system time over the same span; PG CPU: its backend's CPU time
  (\`/proc/<pid>/schedstat\`; NaN when the server is elsewhere). CPU times are much less disturbed by other load than
  wall time. peak RSS: the process's \`maxRSS\` (getrusage); "before" is its RSS after connecting, before reading.

Machine: ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, Node ${process.version}, PostgreSQL ${serverVersion} on the same
host, load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")} at the end (other work shared the cores; the relative figures are the point).
Date: ${new Date().toISOString().slice(0, 10)}.
`;
  fs.mkdirSync(path.join(__dirname, "results"), { recursive: true });
  fs.writeFileSync(path.join(__dirname, "results", `${OUT}.md`), md);
  fs.writeFileSync(
    path.join(__dirname, "results", `${OUT}.json`),
    JSON.stringify({ rows: ROWS, wide: WIDE, rounds: ROUNDS, serverVersion, runs: Object.fromEntries(runs) }, null, 2) +
      "\n",
  );
  console.log(`\nwritten: bench/results/${OUT}.md, bench/results/${OUT}.json`);
}

if (args[0] === "--child") {
  child(args[1], Number(args[2])).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
