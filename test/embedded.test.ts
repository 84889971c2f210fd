import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * closql/embedded, what the Quickstart runs on without DATABASE_URL (the package test runs it end
 * to end, where the process exits with the embedded server left running; the test suite's own
 * embedded default is it too). Here: what a project without PGlite installed is told, and the life
 * cycle, in child processes of their own.
 */

const closqlDist = path.dirname(require.resolve("closql"));

function node(source: string, cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", source], { cwd, env: { ...process.env, DATABASE_URL: "" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, out: out.trim() }));
  });
}

test("without PGlite installed, embeddedPostgres() says what to install", async () => {
  // closql's build in a project that has pg but not the optional PGlite packages.
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "closql-no-pglite-"));
  try {
    fs.cpSync(closqlDist, path.join(project, "node_modules/closql/dist"), { recursive: true });
    fs.writeFileSync(path.join(project, "node_modules/closql/package.json"), JSON.stringify({ main: "dist/index.js" }));
    // (pg's own dependencies resolve from where the link points.)
    fs.symlinkSync(path.dirname(require.resolve("pg/package.json")), path.join(project, "node_modules/pg"));
    const { code, out } = await node(
      `require("closql/dist/embedded").embeddedPostgres().then(
        () => console.log("started"),
        (e) => console.log(e.name + ": " + e.message),
      )`,
      project,
    );
    assert.equal(code, 0, out);
    assert.match(
      out,
      /^ClosqlError: closql: embeddedPostgres\(\) runs PGlite, which is not installed: `npm install -D @electric-sql\/pglite@0\.5 @electric-sql\/pglite-socket@0\.2` \(or set DATABASE_URL and use a PostgreSQL server\)\. \(Cannot find module '@electric-sql\/pglite'/,
    );
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
});

test("embeddedPostgres(): a server pg connects to (poolSize 1), with contrib extensions; close() once for all callers", async () => {
  const { code, out } = await node(
    `(async () => {
      const pg = require("pg");
      const { embeddedPostgres } = require("closql/embedded");
      const server = await embeddedPostgres({ extensions: ["pg_trgm"] });
      const client = new pg.Client(server.url);
      await client.connect();
      await client.query("CREATE EXTENSION pg_trgm");
      const { rows } = await client.query("SELECT similarity('closql', 'closure') > 0 AS similar, current_setting('server_version_num')::int >= 150000 AS recent");
      console.log(JSON.stringify({ poolSize: server.poolSize, url: /^postgres:\\/\\/postgres@127\\.0\\.0\\.1:\\d+\\/postgres$/.test(server.url), rows }));
      await client.end();
      await Promise.all([server.close(), server.close()]);
      await server.close();
      console.log("closed");
    })().catch((e) => { console.log("failed: " + e.stack); process.exitCode = 1; });`,
    path.resolve(__dirname, "../.."),
  );
  assert.equal(code, 0, out);
  assert.deepEqual(out.split("\n"), [
    JSON.stringify({ poolSize: 1, url: true, rows: [{ similar: true, recent: true }] }),
    "closed",
  ]);
});
