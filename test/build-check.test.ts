import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { connect, relations } from "closql";
import { compileWithClosql } from "./support/compile";

/**
 * A program built without closql's transform stops before its first statement, saying how to turn
 * the transform on for the host it runs under; a compiled one (even a module without queries) passes.
 */

const root = path.resolve(__dirname, "../..");

/** runtime/build.ts's description of a process (not part of closql's API). */
interface ProcessFacts {
  readonly argv: readonly string[];
  readonly execArgv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}
const { transformFix } = require(path.join(path.dirname(require.resolve("closql")), "runtime/build.js")) as {
  transformFix(facts: ProcessFacts): string;
};

test("the fix named is the one for the host the process runs under", () => {
  const facts = (f: Partial<ProcessFacts>): ProcessFacts => ({
    argv: ["/usr/bin/node", "/app/dist/main.js"],
    execArgv: [],
    env: {},
    ...f,
  });
  const compiled = transformFix(facts({}));
  assert.match(compiled, /`tspc` \(from ts-patch\) and `"plugins": \[\{ "transform": "@closql\/transformer" \}\]`/);
  assert.match(compiled, /`npx closql build -p tsconfig.json` \(any TypeScript, 6 or 7\)/);
  assert.match(compiled, /`@closql\/transformer\/vite`, `\/rollup`, `\/esbuild` or `\/webpack`/);
  assert.match(compiled, /`--import @closql\/transformer\/register`/);

  const vitest = transformFix(facts({ env: { VITEST: "true" }, argv: ["/usr/bin/node", "/app/node_modules/vitest"] }));
  assert.match(vitest, /^Vitest runs no TypeScript transformer.*`import closql from "@closql\/transformer\/vite"`/);

  for (const execArgv of [
    [
      "--require",
      "/app/node_modules/tsx/dist/preflight.cjs",
      "--import",
      "file:///app/node_modules/tsx/dist/loader.mjs",
    ],
    ["--import", "tsx"],
  ]) {
    const tsx = transformFix(facts({ execArgv, argv: ["/usr/bin/node", "/app/src/main.ts"] }));
    assert.match(
      tsx,
      /^tsx runs no TypeScript transformer: start it with `tsx --import @closql\/transformer\/register main\.ts`, or build with `tspc`/,
    );
  }

  const stripped = transformFix(facts({ argv: ["/usr/bin/node", "/app/src/main.mts"] }));
  assert.match(
    stripped,
    /^Node runs main\.mts without a TypeScript transformer: start it with `node --import @closql\/transformer\/register main\.mts`/,
  );
});

/** A port nothing listens on: a statement that got as far as connecting would fail with ConnectionError. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs a plain (never compiled) CommonJS program; prints the name and message of what it threw. */
function uncompiledProgram(source: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", source], { cwd: root, env: { ...process.env, DATABASE_URL: "" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", () => resolve(out.trim()));
  });
}

/** A program, never compiled, that connects to `url` and runs one statement. */
function attempt(url: string, statement: string, { setup = "", options = "" } = {}): Promise<string> {
  return uncompiledProgram(`
    ${setup}
    const { connect, relations, table, serial } = require("closql");
    const schema = relations({ t: table("t", { id: serial().primaryKey() }) });
    const db = connect({ schema, url: ${JSON.stringify(url)}, ${options} });
    ${statement}.then(
      () => console.log("ran"),
      (e) => console.log(e.name + ": " + e.message),
    ).finally(() => db.close());
  `);
}

test("a build without the transform fails at its first statement (execute, sql, listen), before connecting", async () => {
  const url = `postgres://nobody@127.0.0.1:${await closedPort()}/none`;
  for (const statement of ['db.execute("CREATE TABLE t (id int)")', "db.sql`SELECT 1`", 'db.listen("jobs", () => {})'])
    assert.match(
      await attempt(url, statement),
      /^UncompiledQueryError: closql: this program was built without closql's transform \(no module compiled by @closql\/transformer has been loaded\), so its queries would fail at run time; nothing was sent to the database\. Either build with `tspc`/,
      statement,
    );
  // Not a false alarm: with the check off, or once a compiled module has loaded, the same statement
  // goes on to connect (and fails there, as nothing listens).
  const unchecked = await attempt(url, 'db.execute("SELECT 1")', { options: "checkBuild: false" });
  assert.match(unchecked, /^ConnectionError: closql: could not connect to /);
  const compiled = await attempt(url, 'db.execute("SELECT 1")', { setup: 'require("closql/compiled");' });
  assert.match(compiled, /^ConnectionError: closql: could not connect to /);
});

test("connect() without a url names DATABASE_URL", () => {
  const schema = relations({});
  assert.throws(() => connect({ schema, url: process.env.CLOSQL_NO_SUCH_VARIABLE }), {
    message: "closql: connect() needs { url } or { pool }, and got url: undefined (is DATABASE_URL set?)",
  });
});

test("every module the transform compiles loads closql as closql/compiled: with queries, without, re-exporting it", () => {
  const dir = path.join(root, "test/fixtures/.generated/build-check");
  fs.mkdirSync(dir, { recursive: true });
  const files = {
    "schema.ts": `import { table, relations, serial, integer } from "closql";
export const counters = table("counters", { id: serial().primaryKey(), n: integer() });
export const schema = relations({ counters });`,
    "queries.ts": `import type { Database } from "closql";
import type { schema } from "./schema";
export const positive = (db: Database<typeof schema>) => db.counters.where((c) => c.n > 0).count();`,
    "reexport.ts": `export { connect } from "closql";
import closql = require("closql");
export const version = closql.renderDdl;`,
    "types-only.ts": `import type { Schema } from "closql";
export type S = Schema;`,
  };
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const { diagnostics, output } = compileWithClosql(Object.keys(files).map((f) => path.join(dir, f)));
  assert.deepEqual(diagnostics, []);
  const js = (name: string) => output.get(`test/fixtures/.generated/build-check/${name}.js`)!;
  const loads = (text: string) => [...text.matchAll(/require\("(closql[^"]*)"\)/g)].map((m) => m[1]);
  assert.deepEqual(loads(js("schema")), ["closql/compiled"]);
  assert.deepEqual(loads(js("queries")), ["closql/compiled"], "the runtime import of a file with queries");
  assert.deepEqual(loads(js("reexport")), ["closql/compiled", "closql/compiled"]);
  assert.deepEqual(loads(js("types-only")), [], "a type-only import loads nothing");
});
