import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { startLocalRegistry } from "./support/local-registry";

/**
 * The README's Install and Quickstart, followed word for word as a new user would: pack the
 * packages, create a project with the README's commands, write the README's files, build and run
 * it on the embedded default. The commands and files come from README.md (between
 * `<!-- quickstart:… -->` markers), never from a copy here. Offline: npm installs from a registry on
 * 127.0.0.1 that serves the packages of this repository's lockfile (support/local-registry.ts), with
 * a fresh npm cache, so nothing reaches the project that the README's commands do not install.
 */

const root = path.resolve(__dirname, "../..");

/** The first fenced code block after each `<!-- quickstart:<name> -->` marker, unindented. */
function quickstart(): Map<string, string> {
  const lines = fs.readFileSync(path.join(root, "README.md"), "utf8").split("\n");
  const blocks = new Map<string, string>();
  lines.forEach((line, i) => {
    const marker = /<!-- quickstart:(.+?) -->/.exec(line);
    if (!marker) return;
    const open = lines.findIndex((l, j) => j > i && /^\s*```/.test(l));
    const indent = /^\s*/.exec(lines[open])![0].length;
    const close = lines.findIndex((l, j) => j > open && l.trim() === "```");
    blocks.set(
      marker[1],
      lines
        .slice(open + 1, close)
        .map((l) => l.slice(indent))
        .join("\n") + "\n",
    );
  });
  for (const name of ["pack", "setup", "file tsconfig.json", "file src/schema.ts", "file src/main.ts", "run"])
    assert.ok(blocks.has(name), `README.md has the <!-- quickstart:${name} --> block`);
  return blocks;
}

/** A tsconfig.json text (comments and trailing commas allowed) as JSON. */
function parseTsconfig(text: string): { compilerOptions: Record<string, unknown> } {
  const { config, error } = ts.parseConfigFileTextToJson("tsconfig.json", text);
  assert.equal(error, undefined, "a valid tsconfig.json");
  return config;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a README command block with bash (stopping at the first failing command). One that has not
 * finished after 4 minutes (a program the embedded server keeps alive, say) is killed and fails.
 */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-euo", "pipefail", "-c", script], { cwd, env, detached: true });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      stderr += "\n(killed: still running after 4 minutes)";
      process.kill(-child.pid!, "SIGKILL");
    }, 240_000);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

function succeeded(run: Run, what: string): Run {
  assert.equal(run.code, 0, `${what} failed:\n${run.stdout}\n${run.stderr}`);
  return run;
}

/**
 * What a user's shell has: no variables of the `npm test` running this (npm_config_*, the repository's
 * node_modules/.bin on PATH), a home of its own (so `~` and npm's cache are fresh), no DATABASE_URL.
 */
function userEnvironment(home: string, registry: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^npm_/i.test(k) && !["INIT_CWD", "DATABASE_URL", "CLOSQL_EMBEDDED", "NODE_OPTIONS"].includes(k)) env[k] = v;
  env.PATH = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((p) => !p.includes(`node_modules${path.sep}.bin`) && !p.includes("node-gyp-bin"))
    .join(path.delimiter);
  return {
    ...env,
    HOME: home,
    npm_config_registry: registry,
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  };
}

/** The `console.log(…); // expected output` lines of main.ts, in order. */
function expectedOutput(main: string): string[] {
  return main.split("\n").flatMap((l) => {
    const m = /^\s*console\.log\(.*\);\s*\/\/ (.*)$/.exec(l);
    return m ? [m[1]] : [];
  });
}

/** Asserts that the program printed each expected line, in order (the statement log in between). */
function assertOutput(stdout: string, expected: readonly string[], what: string): void {
  const lines = stdout.split("\n");
  let at = 0;
  for (const line of expected) {
    const found = lines.indexOf(line, at);
    assert.ok(found >= 0, `${what} printed \`${line}\` (after line ${at}):\n${stdout}`);
    at = found + 1;
  }
}

/** `file:line` of every compiled query in main.ts, as `onQuery` reports it (the chain's first line). */
function querySources(main: string, file: string): string[] {
  return main.split("\n").flatMap((l, i) => (/\bawait db\.users\b/.test(l) ? [`${file}:${i + 1}`] : []));
}

/** A TCP port nothing listens on: a statement sent there would fail with ConnectionError. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test("the README's tsconfig.json is `tsc --init`'s, with the lines it marks ← added or changed", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "closql-init-"));
  try {
    const tsc = path.join(root, "node_modules/typescript/bin/tsc");
    const init = await bash(`"${process.execPath}" "${tsc}" --init`, dir, process.env);
    succeeded(init, "tsc --init");
    const defaults = parseTsconfig(fs.readFileSync(path.join(dir, "tsconfig.json"), "utf8")).compilerOptions;
    const text = quickstart().get("file tsconfig.json")!;
    const readme = parseTsconfig(text).compilerOptions;
    const marked = new Set([...text.matchAll(/^\s*"(\w+)":.*\/\/ ←/gm)].map((m) => m[1]));
    for (const [option, value] of Object.entries(defaults))
      if (!marked.has(option)) assert.deepEqual(readme[option], value, `"${option}" as tsc --init writes it`);
    for (const option of Object.keys(readme))
      assert.ok(option in defaults || marked.has(option), `"${option}" is tsc --init's or marked ←`);
    assert.ok(Object.keys(defaults).length >= 10, `tsc --init wrote ${Object.keys(defaults).length} options`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "packages packed from this repository install into a new project; the README's Quickstart builds and runs " +
    "verbatim (ES modules and CommonJS) on the embedded default; a build without the transform stops before any statement",
  { timeout: 600_000 },
  async () => {
    const blocks = quickstart();
    const registry = await startLocalRegistry(root);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "closql-quickstart-"));
    try {
      const home = path.join(tmp, "home");
      const work = path.join(tmp, "work");
      fs.mkdirSync(home);
      fs.mkdirSync(work);
      const env = userEnvironment(home, registry.url);

      // Install: pack in this repository (each package's prepack builds it).
      succeeded(await bash(blocks.get("pack")!, root, env), "the README's npm pack");
      const packs = path.join(home, "closql-packages");
      const tarballs = fs.readdirSync(packs).sort();
      assert.deepEqual(tarballs, ["closql-0.1.0.tgz", "closql-cli-0.1.0.tgz", "closql-transformer-0.1.0.tgz"]);
      const contents = async (tarball: string) =>
        succeeded(await bash(`tar -tzf ${tarball}`, packs, env), "tar").stdout.split("\n");
      const closql = await contents("closql-0.1.0.tgz");
      for (const file of [
        "dist/index.js",
        "dist/index.d.ts",
        "dist/compiled.js",
        "dist/sql/index.d.ts",
        "dist/embedded/index.d.ts",
        "dist/embedded/worker.js",
        "package.json",
        "LICENSE",
      ])
        assert.ok(closql.includes(`package/${file}`), `closql's tarball has ${file}`);
      for (const [tarball, file] of [
        ["closql-transformer-0.1.0.tgz", "dist/index.js"],
        ["closql-cli-0.1.0.tgz", "dist/main.js"],
      ]) {
        const files = await contents(tarball);
        assert.ok(
          files.includes(`package/${file}`) && files.includes("package/LICENSE"),
          `${tarball}: ${file}, LICENSE`,
        );
      }
      for (const tarball of tarballs)
        assert.deepEqual(
          (await contents(tarball)).filter((f) => /tsbuildinfo|\/test\//.test(f)),
          [],
          `${tarball} holds no build state or tests`,
        );

      // Quickstart step 1: the project and its packages; npm warns about ts-patch's engines as the
      // README says, below Node 22.15 only.
      const setup = succeeded(await bash(blocks.get("setup")!, work, env), "the README's project setup");
      const [major, minor] = process.versions.node.split(".").map(Number);
      if (major < 22 || (major === 22 && minor < 15))
        for (const line of blocks.get("ebadengine")!.trim().split("\n"))
          assert.ok(setup.stderr.includes(line), `npm printed \`${line}\`:\n${setup.stderr}`);
      else assert.doesNotMatch(setup.stderr, /EBADENGINE/);
      const [name, ...more] = fs.readdirSync(work);
      assert.deepEqual(more, [], "the setup makes one project folder");
      const app = path.join(work, name);
      // Steps 2–4: its files, as the README gives them.
      for (const [block, text] of blocks)
        if (block.startsWith("file ")) {
          const file = path.join(app, block.slice("file ".length));
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, text);
        }
      // Not the README's: the options closql documents for exactOptionalPropertyTypes type-check under
      // the README's tsconfig (an undefined url, and undefined for options left to their default).
      fs.writeFileSync(
        path.join(app, "src/options.ts"),
        [
          `import { connect } from "closql";`,
          `import { schema } from "./schema.js";`,
          `export const open = (poolSize?: number) =>`,
          `  connect({ schema, url: process.env.DATABASE_URL, poolSize, onQuery: undefined, checkBuild: undefined });`,
        ].join("\n"),
      );
      // The CommonJS variant, made as the README says: the same files, no "type": "module",
      // verbatimModuleSyntax off, main.ts's statements in a function. A project beside the first one,
      // sharing its installed packages.
      const main = blocks.get("file src/main.ts")!;
      const cjs = path.join(work, `${name}-cjs`);
      fs.mkdirSync(path.join(cjs, "src"), { recursive: true });
      fs.symlinkSync(path.join(app, "node_modules"), path.join(cjs, "node_modules"), "dir");
      const manifest = JSON.parse(fs.readFileSync(path.join(app, "package.json"), "utf8")) as Record<string, unknown>;
      assert.equal(manifest.type, "module");
      delete manifest.type;
      fs.writeFileSync(path.join(cjs, "package.json"), JSON.stringify(manifest, null, 2));
      const tsconfig = parseTsconfig(blocks.get("file tsconfig.json")!);
      tsconfig.compilerOptions.verbatimModuleSyntax = false;
      fs.writeFileSync(path.join(cjs, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
      fs.copyFileSync(path.join(app, "src/schema.ts"), path.join(cjs, "src/schema.ts"));
      const mainLines = main.trimEnd().split("\n");
      const imports = mainLines.filter((l) => l.startsWith("import "));
      const body = mainLines.filter((l) => !l.startsWith("import "));
      const cjsMain = [...imports, "async function main() {", ...body, "}", "void main();", ""].join("\n");
      fs.writeFileSync(path.join(cjs, "src/main.ts"), cjsMain);

      // Step 5, and the CommonJS build beside it.
      // Beside them, closql's own declarations type-check under the README's options, skipLibCheck off.
      const [esm, commonjs, libCheck] = await Promise.all([
        bash(blocks.get("run")!, app, env),
        bash(blocks.get("run")!, cjs, env),
        bash("npx tsc --noEmit --skipLibCheck false", app, env),
      ]);
      succeeded(esm, "the README's build and run");
      succeeded(commonjs, "the CommonJS build and run");
      succeeded(libCheck, "tsc with skipLibCheck off");
      const expected = expectedOutput(main);
      assert.ok(expected.length >= 3, `main.ts documents its output: ${expected.join(" | ")}`);
      assertOutput(esm.stdout, expected, "the Quickstart");
      assertOutput(commonjs.stdout, expected, "the CommonJS Quickstart");
      // Compiled: every query ran as a constant statement reporting where it was written.
      for (const [run, file, text] of [
        [esm, "src/main.ts", main],
        [commonjs, "src/main.ts", cjsMain],
      ] as const)
        for (const source of querySources(text, file))
          assert.match(run.stdout, new RegExp(`-- ${source}: (SELECT|INSERT) `), `a statement from ${source}`);
      assert.match(
        fs.readFileSync(path.join(app, "dist/main.js"), "utf8"),
        /^import \* as \w+ from "closql\/compiled";$/m,
      );
      assert.match(fs.readFileSync(path.join(cjs, "dist/main.js"), "utf8"), /require\("closql\/compiled"\)/);

      // The same project built without the transform (plain tsc), pointed at a port where nothing
      // listens: it must stop at its first statement with the fix, never reaching for the server.
      succeeded(await bash("npx tsc --outDir dist-plain", app, env), "plain tsc");
      const port = await closedPort();
      const plain = await bash("node dist-plain/main.js", app, {
        ...env,
        DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/none`,
      });
      assert.notEqual(plain.code, 0, "a build without the transform fails");
      assert.match(plain.stderr, /UncompiledQueryError: closql: this program was built without closql's transform/);
      assert.match(plain.stderr, /`tspc`.*"transform": "@closql\/transformer".*`npx closql build -p tsconfig.json`/);
      assert.doesNotMatch(plain.stderr, /ConnectionError|ECONNREFUSED/);

      // The closql command from @closql/cli's tarball runs.
      const help = succeeded(await bash("npx closql --help", app, env), "npx closql --help");
      assert.match(help.stdout, /^Usage: closql <command>/m);

      // Everything came from the tarballs and the local registry: no package of this repository's.
      // (npm may look them up; the registry answers 404, as the real one does until a release.)
      assert.ok(!registry.served.some((u) => /^\/(@closql\/|closql\b)/.test(u)), registry.served.join("\n"));
    } finally {
      await registry.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
);
