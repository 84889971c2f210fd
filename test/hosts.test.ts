import { before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  bin,
  exampleOutput,
  node22,
  root,
  run,
  sqlOf,
  withOwnSchema,
  writeExampleProject,
  writeTypeScript7Project,
} from "./support/hosts";

// Every host builds (or runs) the same project — the example app with today's defaults — and must
// produce what tspc produces: the same SQL for every query, from the same file:line, with the same
// parameters and rows on a real server. Each host is started once (they are slow to start).

const work = path.join(root, "test/fixtures/.generated/hosts");
const project = path.join(work, "example");
const project7 = path.join(work, "typescript7");
const tspc = path.join(root, "node_modules/ts-patch/bin/tspc.js");
const closql = path.join(root, "packages/cli/dist/main.js");
const register = "@closql/transformer/register";

/** Runs the example (in a schema of its own) and returns its comparable output. */
async function runExample(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return withOwnSchema(async (schemaEnv) => {
    const r = await run(command, args, cwd, { ...schemaEnv, ...env });
    assert.equal(r.code, 0, `${command} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
    return exampleOutput(r.stdout);
  });
}

async function build(command: string, args: string[], cwd: string) {
  const r = await run(command, args, cwd);
  assert.equal(r.code, 0, `${path.basename(command)} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

let tspcOutput: string;

before(async () => {
  writeExampleProject(project);
  writeTypeScript7Project(project7);
  await build(process.execPath, [tspc, "-p", "tsconfig.json"], project);
  tspcOutput = await runExample(process.execPath, ["dist/main.js"], project);
});

test("tspc: the example's queries, the baseline every host must reproduce", () => {
  const sql = sqlOf(tspcOutput);
  assert.equal(sql.length, 8, tspcOutput);
  assert.equal(
    sql[0],
    `-- admins created in the last day, newest first  (src/main.ts:33)\n` +
      `SELECT "id", "email" FROM "users" WHERE ("role" = 'admin' AND "created_at" >= $1) ORDER BY "created_at" DESC LIMIT 10`,
  );
  assert.match(tspcOutput, /"email": "ada@example.com"/);
});

test("closql build with TypeScript 7: tsc 7 checks and emits, the queries compiled by the pre-pass", async () => {
  const r = await build(process.execPath, [closql, "build", "-p", "tsconfig.json"], project7);
  assert.match(r.stdout, /closql build: TypeScript 7\.\d+\.\d+ \(tsc\), 7 statements compiled/);
  assert.equal(await runExample(process.execPath, ["dist/main.js"], project7), tspcOutput);
  // The source map leads from the emitted query back to the query in the original source.
  const js = fs.readFileSync(path.join(project7, "dist/main.js"), "utf8");
  const map = JSON.parse(fs.readFileSync(path.join(project7, "dist/main.js.map"), "utf8"));
  assert.deepEqual(map.sources, ["../src/main.ts"]);
  const at = originalPosition(js, map, "$run(__closql_q0_1");
  const source = fs.readFileSync(path.join(project7, "src/main.ts"), "utf8").split("\n");
  assert.equal(source[at.line - 1].slice(at.column).trimEnd(), "db.users");
  assert.equal(at.line, 33);
});

test("closql build with TypeScript 6: in-process, the same output as tspc", async () => {
  const r = await build(process.execPath, [closql, "build", "-p", "tsconfig.json"], project);
  assert.match(r.stdout, /closql build: TypeScript 6\.\d+\.\d+, 7 statements compiled/);
  assert.equal(await runExample(process.execPath, ["dist/main.js"], project), tspcOutput);
});

test("Vite build (SSR) with @closql/transformer/vite", async () => {
  await build(process.execPath, [bin("vite"), "build", "--logLevel", "warn"], project);
  assert.equal(await runExample(process.execPath, ["dist-vite/main.js"], project), tspcOutput);
});

test("Vitest runs the example with @closql/transformer/vite", async () => {
  const output = path.join(work, "vitest-output.txt");
  fs.rmSync(output, { force: true });
  const r = await withOwnSchema((env) =>
    run(process.execPath, [bin("vitest"), "run"], project, { ...env, CLOSQL_EXAMPLE_OUTPUT: output }),
  );
  assert.equal(r.code, 0, `vitest run failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /1 passed/);
  assert.equal(exampleOutput(fs.readFileSync(output, "utf8")), tspcOutput);
});

test("esbuild with @closql/transformer/esbuild", async () => {
  await build(process.execPath, ["esbuild.mjs"], project);
  assert.equal(await runExample(process.execPath, ["dist-esbuild/main.js"], project), tspcOutput);
});

test("tsx --import @closql/transformer/register runs the sources; tsx alone cannot", async () => {
  assert.equal(await runExample(bin("tsx"), ["--import", register, "src/main.ts"], project), tspcOutput);
  const alone = await withOwnSchema((env) => run(bin("tsx"), ["src/main.ts"], project, env));
  assert.notEqual(alone.code, 0);
  assert.match(alone.stderr, /UncompiledQueryError/);
});

test("tsx --import @closql/transformer/register on a CommonJS project: examples/ as it is, against its tspc build", async () => {
  // `require()` of TypeScript files: the loader wraps the `.ts` handler tsx installed.
  const built = await runExample(process.execPath, ["examples/dist/main.js"], root);
  assert.equal(await runExample(bin("tsx"), ["--import", register, "examples/src/main.ts"], root), built);
  assert.equal(sqlOf(built).length, 8);
});

const node = node22();
test(
  "Node 22's type stripping with --import @closql/transformer/register",
  { skip: node.reason && `no Node 22 binary: ${node.reason}` },
  async () => {
    const version = await run(node.bin!, ["--version"], project);
    assert.match(version.stdout, /^v22\./);
    assert.equal(await runExample(node.bin!, ["--import", register, "src/main.ts"], project), tspcOutput);
  },
);

/** Where a generated position of `needle` in `js` comes from, through `map` (1-based line, 0-based column). */
function originalPosition(js: string, map: { mappings: string }, needle: string): { line: number; column: number } {
  const lines = js.split("\n");
  const line = lines.findIndex((l) => l.includes(needle));
  const column = lines[line].indexOf(needle);
  const { TraceMap, originalPositionFor } = require("@jridgewell/trace-mapping");
  const found = originalPositionFor(new TraceMap(map), { line: line + 1, column });
  assert.ok(found.line, `no mapping for ${needle}`);
  return { line: found.line, column: found.column };
}
