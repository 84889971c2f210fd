import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { checkClosures, createProjectProgram, isClosqlDiagnostic } from "@closql/transformer";
import { compileWithClosql } from "./support/compile";
import { root, run } from "./support/hosts";

// Unsupported closures are reported where users look, with file:line:col, by every host: the check
// mode (for type-check-only CI), `closql build` on TypeScript 6 and 7, a bundler plugin and the Node
// loader. The project: tspc-project's file (one supported query, one refused at 7:45).

const work = path.join(root, "test/fixtures/.generated/host-diagnostics");
const closql = path.join(root, "packages/cli/dist/main.js");
const refused = /src\/index\.ts:7:45 - error TS91003: closql: an ordering comparison with a nullable operand/;
const compiled = /SELECT \\?"id\\?", \\?"n\\?" FROM \\?"counters\\?" WHERE \\?"id\\?" = 1 LIMIT 1/;

/** A project of today's defaults holding the fixture as src/index.ts; with `typescript` 7 when asked. */
function project(name: string, { typescript7 = false } = {}): string {
  const dir = path.join(work, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  fs.copyFileSync(path.join(root, "test/fixtures/tspc-project/index.ts"), path.join(dir, "src/index.ts"));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        module: "nodenext",
        strict: true,
        skipLibCheck: true,
        types: [],
        rootDir: "src",
        outDir: "dist",
      },
      include: ["src"],
    }),
  );
  if (typescript7) {
    fs.mkdirSync(path.join(dir, "node_modules"));
    const target = path.join(root, "tools/typescript7/node_modules/typescript");
    fs.symlinkSync(path.relative(path.join(dir, "node_modules"), target), path.join(dir, "node_modules/typescript"));
  }
  return dir;
}

test("check mode reports what tspc reports, at the same file:line:col, and writes nothing", () => {
  const fixtures = ["unsupported.ts", "unsupported-language.ts"].map((f) => path.join(root, "test/fixtures", f));
  const dir = path.join(work, "check");
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(dir, "tsconfig.json");
  fs.writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        module: "commonjs",
        moduleResolution: "node10",
        strict: true,
        skipLibCheck: true,
        esModuleInterop: true,
        types: ["node"],
        ignoreDeprecations: "6.0",
        noEmit: true,
      },
      files: fixtures,
    }),
  );
  const check = checkClosures(createProjectProgram(config));
  const got = check.diagnostics.map((d) => {
    const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start!);
    return `${path.basename(d.file!.fileName)}:${line + 1}:${character + 1} TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
  const expected = fixtures.flatMap((f) =>
    compileWithClosql([f])
      .diagnostics.filter((d) => isClosqlDiagnostic(d.code))
      .map((d) => `${path.basename(f)}:${d.line}:${d.col} TS${d.code} ${d.message}`),
  );
  assert.ok(expected.length >= 20, `${expected.length} diagnostics`);
  assert.deepEqual(got.sort(), expected.sort());
  assert.equal(check.ok, false);
});

test("closql build --noEmit (TypeScript 6): exit 1, file:line:col, nothing written", async () => {
  const dir = project("noemit6");
  const r = await run(process.execPath, [closql, "build", "--noEmit", "-p", "tsconfig.json"], dir);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, refused);
  assert.match(r.stdout, /closures: 1 statement compiled; 1 unsupported closure/);
  assert.equal(fs.existsSync(path.join(dir, "dist")), false);
});

test("closql build (TypeScript 7): the refusal at file:line:col, exit 1; the supported query still compiled", async () => {
  const dir = project("build7", { typescript7: true });
  const r = await run(process.execPath, [closql, "build", "-p", "tsconfig.json"], dir);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, refused);
  assert.match(r.stdout, /TypeScript 7\.\d+\.\d+ \(tsc\), 1 statement compiled, 1 closql error$/m);
  assert.match(fs.readFileSync(path.join(dir, "dist/index.js"), "utf8"), compiled);
  // Type errors are tsc 7's own, on the sources as written.
  fs.appendFileSync(path.join(dir, "src/index.ts"), `export const wrong: number = "text";\n`);
  const typed = await run(process.execPath, [closql, "build", "--noEmit", "-p", "tsconfig.json"], dir);
  assert.equal(typed.code, 1);
  assert.match(typed.stderr, /src\/index\.ts\(8,14\): error TS2322|src\/index\.ts:8:14 - error TS2322/);
  assert.match(typed.stderr, refused);
});

test("a bundler plugin (esbuild) fails the build with file:line:col", async () => {
  const dir = project("esbuild");
  const esbuild = require("esbuild") as typeof import("esbuild");
  const closqlPlugin = require("@closql/transformer/esbuild") as () => import("esbuild").Plugin;
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    await assert.rejects(
      esbuild.build({
        entryPoints: [path.join(dir, "src/index.ts")],
        absWorkingDir: dir,
        bundle: true,
        packages: "external",
        write: false,
        logLevel: "silent",
        plugins: [closqlPlugin()],
      }),
      (e: Error) => {
        assert.match(e.message, refused);
        return true;
      },
    );
  } finally {
    process.chdir(cwd);
  }
});

test("the Node loader refuses to run a module with an unsupported closure, naming file:line:col", async () => {
  const dir = project("loader");
  const r = await run(process.execPath, ["--import", "@closql/transformer/register", "src/index.ts"], dir);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /closql: 1 query in src\/index\.ts cannot be compiled/);
  assert.match(r.stderr, refused);
});

test("closql check --closures: every unsupported closure at file:line:col, exit 1; no database needed", async () => {
  const dir = project("closql-check");
  // No DATABASE_URL and a URL nobody listens on: the migration and drift checks are off with --closures.
  const noDatabase = { DATABASE_URL: "postgres://nobody@127.0.0.1:9/none" };
  const failing = await run(process.execPath, [closql, "check", "--closures", "-p", "tsconfig.json"], dir, noDatabase);
  assert.equal(failing.code, 1, failing.stdout + failing.stderr);
  assert.match(failing.stdout, refused);
  assert.match(failing.stdout, /^✗ every query of the project compiles$/m);
  assert.match(failing.stdout, /closures: 1 statement compiled; 1 unsupported closure/);
  assert.doesNotMatch(failing.stdout, /migrations are applied|matches the declared schema/);
  fs.writeFileSync(
    path.join(dir, "src/index.ts"),
    fs.readFileSync(path.join(dir, "src/index.ts"), "utf8").replace("c.n! > 0", "c.n !== null && c.n > 0"),
  );
  const passing = await run(process.execPath, [closql, "check", "--closures"], dir, noDatabase);
  assert.equal(passing.code, 0, passing.stdout + passing.stderr);
  assert.equal(
    passing.stdout,
    "✓ every query of the project compiles\n  closures: 2 statements compiled, all supported\n",
  );
  assert.equal(fs.existsSync(path.join(dir, "dist")), false, "nothing written");
  // A folder without a tsconfig.json has nothing to check.
  const empty = await run(process.execPath, [closql, "check", "--closures"], work, noDatabase);
  assert.equal(empty.code, 0, empty.stdout + empty.stderr);
  assert.match(empty.stdout, /closures: no tsconfig.json, nothing to check/);
});
