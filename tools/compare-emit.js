#!/usr/bin/env node
"use strict";
/**
 * compare-emit: proves that a change to the transformer leaves every emitted SQL statement
 * byte-identical, by compiling the same inputs with two trees' transformers and comparing.
 *
 *   node tools/compare-emit.js [<base-ref>] [--cases N] [--seed S] [--strict] [--limit N] [--self-test]
 *   npm run compare-emit -- <base-ref> ...
 *
 * Compares the WORKING TREE of this repository (its current files, committed or not) against
 * <base-ref> (a commit, tag or branch; default e353867).
 *
 * 1. Base tree: `git worktree add --detach` of <base-ref> into a cache directory under the OS temp
 *    directory, keyed by the commit sha (os.tmpdir()/closql-compare-emit/<sha>), installed with
 *    `npm ci --offline` (falling back to `npm ci`), built with `npm run build` and `npx tspc -p bench`.
 *    The cache is kept and reused by later runs; the script prints the `git worktree remove` command
 *    that deletes it.
 * 2. Current tree: `npm run build` and `npx tspc -p bench` in this repository.
 * 3. Corpora, each compiled by each tree's own transformer:
 *    - build:examples, build:service, build:test, build:bench: the .js files the builds wrote to examples/dist,
 *      test/dist and bench/dist (only files whose .ts source exists in that tree, so stale outputs
 *      are ignored; test/dist/fixtures is skipped: it holds outputs of test runs, not of the build).
 *    - readme: one query per row of README.md's operator table (the README of this repository),
 *      laid out as test/readme.test.ts does.
 *    - fuzz: N closures (default 3000, seed 20261121) from the current tree's
 *      test/dist/support/fuzz-generator.js, laid out as test/support/fuzz-runner.ts does, compiled
 *      in batches of 500 per program.
 *    - fixtures: test/fixtures/{unsupported,unsupported-language,chains}.ts and
 *      test/fixtures/tspc-project/index.ts, compiled from their own location.
 *    Generated inputs are written to <tree>/test/fixtures/.generated/compare/ (gitignored) and
 *    compiled in-process with <tree>/node_modules/typescript and <tree>/packages/transformer/dist,
 *    with the compiler options of test/support/compile.ts.
 * 4. From every emitted file, the hoisted constants `__closql_q…` (folded statements), `__closql_s…`
 *    (fragments) and `__closql_r…` (read plans) are extracted and matched by file path and order.
 *
 * Exit status: 0 when every SQL field is identical; 1 when any `text`, `kind`, `sql`, `refs` or
 * `columns` differs, a constant changes type (q/s/r), or a file's number of constants differs;
 * 2 when a tree fails to build or the tool itself fails. Differences in `source`, `name` or `map`,
 * in the rest of the emitted code (compared with generated names renumbered) and in diagnostics are
 * reported as information; `--strict` makes them fail too.
 *
 * Options:
 *   --cases N          fuzz cases to generate (default 3000; 0 skips the fuzz corpus)
 *   --seed S           fuzz seed (default 20261121)
 *   --strict           also fail on whole-file, `source`/`name`/`map`, file-set and diagnostic differences
 *   --limit N          list at most N entries per kind of difference (default 50; 0 = all)
 *   --self-test        perturb one SQL string on the current side and check that it is reported
 *                      (exit 0 when the perturbation is detected, and nothing else differs)
 *   --current-ref REF  compare against a second worktree of REF instead of the working tree (to
 *                      test this tool, or to compare two commits)
 *   --verbose          print build output
 *
 * Prefixing names with `__closql_` and the object-literal shape of hoisted constants are what the
 * extraction relies on: if a refactor changes that emission on purpose, every statement will show
 * as a count difference, and this tool needs updating with it.
 *
 * Notes: a typical run takes under a minute once the base worktree is cached (the first run adds an
 * install and a build of the base, ~25s). `--current-ref` with the base's own commit uses a second
 * worktree (<sha>-2), so a tree is never compared with itself. The generated .ts files stay in
 * test/fixtures/.generated/compare/ for inspection (each difference prints its source line). Do not
 * run two instances on the same base at once: they would install and build the same worktree.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawn, spawnSync } = require("node:child_process");

const REPO = path.resolve(__dirname, "..");
const DEFAULT_BASE = "e353867";
const CACHE = path.join(os.tmpdir(), "closql-compare-emit");
const GENERATED = "test/fixtures/.generated/compare";
const FUZZ_BATCH = 500;
const FIXTURES = [
  "test/fixtures/unsupported.ts",
  "test/fixtures/unsupported-language.ts",
  "test/fixtures/chains.ts",
  "test/fixtures/tspc-project/index.ts",
];
/** Fields of a hoisted constant whose difference fails the comparison. */
const SQL_FIELDS = ["text", "kind", "sql", "refs", "columns"];
/** Fields reported as information (fail only with --strict); any other field found is added. */
const INFO_FIELDS = ["source", "name", "map"];

// ---------------------------------------------------------------------------------------------
// Command line

function usage(message) {
  if (message) console.error(`compare-emit: ${message}`);
  console.error(
    "usage: node tools/compare-emit.js [<base-ref>] [--cases N] [--seed S] [--strict] [--limit N] [--self-test] [--current-ref REF] [--verbose]",
  );
  process.exit(2);
}

function parseArgs(argv) {
  const args = {
    base: DEFAULT_BASE,
    cases: 3000,
    seed: 20261121,
    strict: false,
    limit: 50,
    selfTest: false,
    currentRef: undefined,
    verbose: false,
  };
  const positional = [];
  const int = (name, v) => {
    if (v === undefined || !/^-?\d+$/.test(v)) usage(`${name} needs an integer`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--cases") args.cases = int(a, argv[++i]);
    else if (a === "--seed") args.seed = int(a, argv[++i]);
    else if (a === "--limit") args.limit = int(a, argv[++i]);
    else if (a === "--strict") args.strict = true;
    else if (a === "--self-test") args.selfTest = true;
    else if (a === "--verbose") args.verbose = true;
    else if (a === "--current-ref") {
      args.currentRef = argv[++i];
      if (!args.currentRef) usage("--current-ref needs a ref");
    } else if (a === "-h" || a === "--help") {
      console.log(fs.readFileSync(__filename, "utf8").split("*/")[0]);
      process.exit(0);
    } else if (a.startsWith("-")) usage(`unknown option ${a}`);
    else positional.push(a);
  }
  if (positional.length > 1) usage(`one base ref expected, got ${positional.join(" ")}`);
  if (positional.length === 1) args.base = positional[0];
  if (args.cases < 0) usage("--cases must be >= 0");
  return args;
}

// ---------------------------------------------------------------------------------------------
// Processes, timing

class ToolError extends Error {}

const started = performance.now();
const timings = [];
async function timed(label, fn) {
  const t = performance.now();
  try {
    return await fn();
  } finally {
    const ms = performance.now() - t;
    timings.push({ label, ms });
    log(`  ${label}: ${(ms / 1000).toFixed(1)}s`);
  }
}

function log(line) {
  console.log(line);
}

function git(args, cwd = REPO) {
  const r = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new ToolError(`git ${args.join(" ")} failed:\n${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

/** The environment for child npm/npx: without the npm_* variables of an outer `npm run`. */
function childEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== "INIT_CWD") env[k] = v;
  return env;
}

/** Runs a command asynchronously; resolves with its status and combined output. */
function run(command, args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", (e) => resolve({ status: 1, output: output + String(e) }));
    child.on("close", (status) => resolve({ status: status ?? 1, output }));
  });
}

function tail(text, lines = 40) {
  const all = text.trimEnd().split("\n");
  return (all.length > lines ? ["…", ...all.slice(-lines)] : all).map((l) => `    | ${l}`).join("\n");
}

// ---------------------------------------------------------------------------------------------
// Trees

/**
 * A tree is a directory with the repository's files, installed and built: the working tree, or a
 * cached worktree of a commit.
 */
function resolveCommit(ref) {
  const r = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: REPO, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function registeredWorktrees() {
  return git(["worktree", "list", "--porcelain"])
    .split("\n")
    .filter((l) => l.startsWith("worktree "))
    .map((l) => l.slice("worktree ".length));
}

/** The cached worktree of `sha` (created when missing); `suffix` gives a second copy of a commit. */
function worktree(sha, suffix, label) {
  fs.mkdirSync(CACHE, { recursive: true });
  const dir = path.join(fs.realpathSync(CACHE), sha + suffix);
  const marker = `${dir}.built`;
  const registered = registeredWorktrees().includes(dir);
  if (registered && fs.existsSync(dir) && git(["rev-parse", "HEAD"], dir) === sha) {
    return { dir, label, sha, marker, cached: true };
  }
  // Missing, stale or half-made: start again.
  fs.rmSync(marker, { force: true });
  if (registered) git(["worktree", "remove", "--force", dir]);
  if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
  git(["worktree", "prune"]);
  log(`  creating worktree ${dir} at ${sha.slice(0, 10)}`);
  git(["worktree", "add", "--detach", dir, sha]);
  return { dir, label, sha, marker, cached: false };
}

/** What a built tree must contain. */
function looksBuilt(dir) {
  return [
    "node_modules/typescript/package.json",
    "packages/transformer/dist/index.js",
    "packages/closql/dist/index.js",
    "examples/dist",
    "test/dist/support/fuzz-generator.js",
    "bench/dist",
  ].every((p) => fs.existsSync(path.join(dir, p)));
}

async function step(tree, what, command, args) {
  const r = await run(command, args, tree.dir);
  if (args_.verbose) log(tail(r.output, 200));
  if (r.status !== 0) {
    const e = new ToolError(`${tree.label}: \`${[command, ...args].join(" ")}\` failed (exit ${r.status})`);
    e.details = tail(r.output);
    throw e;
  }
  return r;
}

/** Installs (worktrees only) and builds a tree, unless a worktree's cached build is complete. */
async function buildTree(tree, isWorktree) {
  if (isWorktree && fs.existsSync(tree.marker) && looksBuilt(tree.dir)) {
    log(`  ${tree.label}: reusing the cached build in ${tree.dir}`);
    return;
  }
  const t = performance.now();
  if (isWorktree) {
    const offline = await run("npm", ["ci", "--offline", "--no-audit", "--no-fund"], tree.dir);
    if (offline.status !== 0) {
      const reason = offline.output
        .trim()
        .split("\n")
        .filter((l) => /ERR!/.test(l))
        .slice(0, 3)
        .join(" / ");
      log(`  ${tree.label}: npm ci --offline failed (${reason || `exit ${offline.status}`}), trying online`);
      await step(tree, "install", "npm", ["ci", "--no-audit", "--no-fund"]);
    }
  }
  await step(tree, "build", "npm", ["run", "build"]);
  await step(tree, "bench", "npx", ["tspc", "-p", "bench"]);
  if (isWorktree) fs.writeFileSync(tree.marker, `${tree.sha}\n${new Date().toISOString()}\n`);
  log(`  ${tree.label}: built in ${((performance.now() - t) / 1000).toFixed(1)}s`);
}

/** The tree's own TypeScript and transformer, for in-process compiles. */
function loadCompiler(tree) {
  const ts = require(path.join(tree.dir, "node_modules/typescript"));
  const transformer = require(path.join(tree.dir, "packages/transformer/dist/index.js"));
  if (typeof transformer.createTransformer !== "function") {
    throw new ToolError(`${tree.label}: packages/transformer/dist/index.js exports no createTransformer`);
  }
  return { ts, createTransformer: transformer.createTransformer };
}

// ---------------------------------------------------------------------------------------------
// In-process compiles (as test/support/compile.ts)

/**
 * Compiles `files` (paths relative to the tree) in one program with the tree's transformer.
 * Returns, for each root file, its emitted JavaScript and diagnostics (1-based line and column).
 */
function compileInTree(compiler, tree, files, options = {}) {
  const { ts, createTransformer } = compiler;
  const compilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    skipLibCheck: true,
    esModuleInterop: true,
    types: ["node"],
    ignoreDeprecations: "6.0",
  };
  // The tree's root as current directory: statements' `source` is relative to it, as in the build.
  const host = ts.createCompilerHost(compilerOptions);
  host.getCurrentDirectory = () => tree.dir;
  const roots = files.map((f) => path.join(tree.dir, f));
  const program = ts.createProgram(roots, compilerOptions, host);
  const diagnostics = new Map(files.map((f) => [f, []]));
  const other = [];
  const add = (d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return other.push({ line: 0, col: 0, code: d.code, message });
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const entry = { line: line + 1, col: character + 1, code: d.code, message };
    const file = path.relative(tree.dir, d.file.fileName).split(path.sep).join("/");
    const list = diagnostics.get(file);
    (list ?? other).push(list ? entry : { ...entry, message: `${file}: ${message}` });
  };
  ts.getPreEmitDiagnostics(program).forEach(add);
  const statements = [];
  const output = new Map();
  let crash;
  try {
    const transformer = createTransformer({ program, options, report: add, onStatement: (s) => statements.push(s) });
    program.emit(
      undefined,
      (name, text) => output.set(path.relative(tree.dir, name).split(path.sep).join("/"), text),
      undefined,
      false,
      { before: [transformer] },
    );
  } catch (e) {
    crash = e && e.stack ? e.stack : String(e);
  }
  const result = new Map();
  for (const f of files) {
    const js = f.replace(/\.ts$/, ".js");
    const diags = diagnostics.get(f);
    if (other.length) diags.push(...other);
    result.set(js, { text: output.get(js), diagnostics: diags, crash });
  }
  return { files: result, statements: statements.length };
}

// ---------------------------------------------------------------------------------------------
// Generated inputs

/** The rows of the README's JavaScript → SQL table (parsed exactly as test/readme.test.ts does). */
function operatorTable(readmeFile) {
  const readme = fs.readFileSync(readmeFile, "utf8");
  if (!readme.includes("<!-- operator-table:start -->")) throw new ToolError(`${readmeFile}: no operator table`);
  const body = readme.split("<!-- operator-table:start -->")[1].split("<!-- operator-table:end -->")[0];
  const code = (cell) => {
    const m = /^(`+)\s?(.*?)\s?\1$/.exec(cell.trim());
    if (!m) throw new ToolError(`README operator table: not a code span: ${cell}`);
    return m[2].replace(/\\\|/g, "|");
  };
  return body
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((line) => {
      const cells = line.split(/(?<!\\)\|/).slice(1, -1);
      return { js: code(cells[0]), sql: code(cells[1]) };
    });
}

/** test/readme.test.ts's file, one directory deeper (imports adjusted). */
function readmeSource(rows) {
  return [
    `import { connect, ilike, matches, similarity, hasKey, overlaps, containsAll, sqlFunction } from "closql";`,
    `import { schema } from "../../../../examples/src/schema";`,
    `const levenshtein = sqlFunction<(a: string, b: string) => number>("levenshtein");`,
    `export function queries(db: ReturnType<typeof connect<typeof schema>>, x: string, maybe: string | null, n: number, since: Date, ids: number[], list: string[], q: string) {`,
    `  return [`,
    ...rows.map((r) => `    db.users.where((u) => ${r.js}).count(),`),
    `  ];`,
    `}`,
    `void [ilike, matches, similarity, hasKey, overlaps, containsAll];`,
  ].join("\n");
}

/** compileCases' file in test/support/fuzz-runner.ts, one directory deeper (imports adjusted). */
function fuzzSource(cases) {
  return [
    `import type { Database } from "closql";`,
    `import type { fuzzSchema } from "../../../support/fuzz-schema";`,
    `type Db = Database<typeof fuzzSchema>;`,
    ...cases.map(
      (c, i) =>
        `function case${i}(db: Db) { ${c.captures.join(" ")} return db.fz.where(${c.closure}).orderBy((r) => r.id).select((r) => ({ id: r.id })).all(); }`,
    ),
    `export const cases = [${cases.map((_, i) => `case${i}`).join(", ")}];`,
  ].join("\n");
}

/** Writes the generated inputs into a tree; returns [corpus, files (relative), options][] programs. */
function writeGenerated(tree, generated) {
  const dir = path.join(tree.dir, GENERATED);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of generated) fs.writeFileSync(path.join(dir, name), text);
}

// ---------------------------------------------------------------------------------------------
// Extraction

let TS; // this repository's TypeScript, for parsing emitted JavaScript (the same parser for both sides)
function typescript() {
  return (TS ??= require(path.join(REPO, "node_modules/typescript")));
}

/** Renumbers transformer-generated unique names (`__closql_q0_1`, `__closql_1`) by first appearance. */
function normalizeNames(text) {
  const seen = new Map();
  return text.replace(/\b__closql_([A-Za-z]*)\d+(?:_\d+)*\b/g, (name, prefix) => {
    if (!seen.has(name)) seen.set(name, `__closql_${prefix}#${seen.size}`);
    return seen.get(name);
  });
}

/** The value of a literal expression; code (names normalized) for anything else. */
function literalValue(node, sf) {
  const ts = typescript();
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (
    ts.isPrefixUnaryExpression(node) &&
    node.operator === ts.SyntaxKind.MinusToken &&
    ts.isNumericLiteral(node.operand)
  )
    return -Number(node.operand.text);
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (node.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isArrayLiteralExpression(node)) return node.elements.map((e) => literalValue(e, sf));
  return { code: normalizeNames(node.getText(sf)) };
}

/**
 * The hoisted constants of one emitted file: every `__closql_…` variable initialized with an object
 * literal, in order.
 */
function extract(file, text) {
  const ts = typescript();
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const constants = [];
  const visit = (node) => {
    if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      node.name.text.startsWith("__closql_") &&
      node.initializer &&
      ts.isObjectLiteralExpression(node.initializer)
    ) {
      const name = node.name.text;
      const fields = {};
      for (const p of node.initializer.properties) {
        const key = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
        if (key === undefined) fields[`<${ts.SyntaxKind[p.kind]}>`] = { code: normalizeNames(p.getText(sf)) };
        else fields[key] = ts.isPropertyAssignment(p) ? literalValue(p.initializer, sf) : { code: p.getText(sf) };
      }
      const type = /^__closql_([a-z]*)/.exec(name)[1] || "?";
      // Where it is used: its `source` when it has one, else the emitted line of its first use.
      let where = typeof fields.source === "string" ? fields.source : undefined;
      if (!where) {
        const use = new RegExp(`\\b${name}\\b`, "g");
        use.lastIndex = node.end;
        const m = use.exec(text);
        const at = m ? m.index : node.getStart(sf);
        where = `${file}:${sf.getLineAndCharacterOfPosition(at).line + 1} (emitted)`;
      }
      constants.push({ name, type, fields, where });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { constants, normalized: normalizeNames(text) };
}

// ---------------------------------------------------------------------------------------------
// Corpora

/** The .js files a build wrote, whose sources exist in the tree: [corpus, relative js, relative ts]. */
function builtFiles(tree) {
  const dirs = [
    { corpus: "build:examples", out: "examples/dist", src: "examples/src" },
    { corpus: "build:service", out: "examples/service/dist", src: "examples/service/src" },
    { corpus: "build:test", out: "test/dist", src: "test", skip: ["test/dist/fixtures"] },
    { corpus: "build:bench", out: "bench/dist", src: "bench/src" },
  ];
  const files = [];
  const stale = [];
  for (const d of dirs) {
    const walk = (rel) => {
      const abs = path.join(tree.dir, rel);
      if (!fs.existsSync(abs)) return;
      for (const e of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = `${rel}/${e.name}`;
        if (e.isDirectory()) {
          if (!(d.skip ?? []).includes(p)) walk(p);
        } else if (e.name.endsWith(".js")) {
          const source = d.src + p.slice(d.out.length).replace(/\.js$/, ".ts");
          if (fs.existsSync(path.join(tree.dir, source))) files.push({ corpus: d.corpus, file: p });
          else stale.push(p);
        }
      }
    };
    walk(d.out);
  }
  return { files, stale };
}

/**
 * Everything compared for one tree: corpus → file → { constants, normalized, diagnostics?, crash? }.
 */
async function collect(tree, compiler, inputs) {
  const corpora = new Map();
  const put = (corpus, file, entry) => {
    if (!corpora.has(corpus)) corpora.set(corpus, new Map());
    corpora.get(corpus).set(file, entry);
  };
  let reported = 0;
  let extracted = 0;

  await timed(`${tree.role}: extract build output`, () => {
    const { files, stale } = builtFiles(tree);
    if (stale.length)
      log(`  ${tree.label}: ignoring ${stale.length} stale output(s) with no source: ${stale.join(", ")}`);
    for (const { corpus, file } of files) {
      put(corpus, file, extract(file, fs.readFileSync(path.join(tree.dir, file), "utf8")));
    }
  });

  await timed(`${tree.role}: compile ${inputs.programs.length} generated/fixture programs in-process`, () => {
    writeGenerated(tree, inputs.generated);
    for (const p of inputs.programs) {
      const { files, statements } = compileInTree(compiler, tree, p.files, p.options);
      reported += statements;
      for (const [file, r] of files) {
        const entry = r.text === undefined ? { constants: [], normalized: undefined } : extract(file, r.text);
        entry.diagnostics = r.diagnostics;
        if (r.crash) entry.crash = r.crash;
        extracted += entry.constants.filter((c) => c.type === "q").length;
        put(p.corpus, file, entry);
      }
    }
  });
  // The transformer's onStatement callback sees each folded statement: a cross-check of extraction.
  if (reported !== extracted) {
    log(
      `  warning: ${tree.label}: onStatement reported ${reported} statements, extraction found ${extracted} q constants`,
    );
  }
  return corpora;
}

// ---------------------------------------------------------------------------------------------
// Comparison

const show = (v) => (typeof v === "string" ? v : v === undefined ? "(absent)" : JSON.stringify(v));

function firstDifference(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function compare(base, current) {
  const rows = [];
  const diffs = { sql: [], count: [], other: [], whole: [], diagnostics: [], files: [], crash: [] };
  const corpora = [...new Set([...base.keys(), ...current.keys()])];
  for (const corpus of corpora) {
    const b = base.get(corpus) ?? new Map();
    const c = current.get(corpus) ?? new Map();
    const row = { corpus, files: 0, statements: 0, sql: 0, count: 0, whole: 0, other: 0, diagnostics: 0 };
    for (const file of [...new Set([...b.keys(), ...c.keys()])].sort()) {
      const x = b.get(file);
      const y = c.get(file);
      for (const [side, e] of [
        ["base", x],
        ["current", y],
      ]) {
        if (e && e.crash) diffs.crash.push({ corpus, file, side, crash: e.crash });
      }
      if (!x || !y) {
        const present = x ?? y;
        const entry = { corpus, file, only: x ? "base" : "current", constants: present.constants.length };
        diffs.files.push(entry);
        // A file with statements on one side only: those statements are missing on the other.
        if (present.constants.length > 0) {
          diffs.count.push({ ...entry, base: x ? x.constants.length : 0, current: y ? y.constants.length : 0 });
          row.count++;
        }
        continue;
      }
      row.files++;
      const n = Math.min(x.constants.length, y.constants.length);
      row.statements += n;
      if (x.constants.length !== y.constants.length) {
        diffs.count.push({ corpus, file, base: x.constants.length, current: y.constants.length });
        row.count++;
      }
      for (let i = 0; i < n; i++) {
        const p = x.constants[i];
        const q = y.constants[i];
        const at = { corpus, file, index: i, base: p, current: q };
        if (p.type !== q.type) {
          diffs.sql.push({ ...at, field: "(constant type)", a: p.type, b: q.type });
          row.sql++;
        }
        const fields = [
          ...new Set([...SQL_FIELDS, ...INFO_FIELDS, ...Object.keys(p.fields), ...Object.keys(q.fields)]),
        ];
        for (const field of fields) {
          const a = show(p.fields[field]);
          const bb = show(q.fields[field]);
          if (a === bb) continue;
          const d = { ...at, field, a, b: bb };
          if (SQL_FIELDS.includes(field)) {
            diffs.sql.push(d);
            row.sql++;
          } else {
            diffs.other.push(d);
            row.other++;
          }
        }
      }
      if (x.normalized !== y.normalized) {
        row.whole++;
        diffs.whole.push({ corpus, file, a: x.normalized ?? "", b: y.normalized ?? "" });
      }
      if (x.diagnostics || y.diagnostics) {
        const key = (d) => `${d.line}:${d.col} TS${d.code} ${d.message}`;
        const bs = (x.diagnostics ?? []).map(key);
        const cs = (y.diagnostics ?? []).map(key);
        if (bs.join("\n") !== cs.join("\n")) {
          row.diagnostics++;
          diffs.diagnostics.push({
            corpus,
            file,
            base: bs.length,
            current: cs.length,
            onlyBase: bs.filter((k) => !cs.includes(k)),
            onlyCurrent: cs.filter((k) => !bs.includes(k)),
          });
        }
      }
    }
    rows.push(row);
  }
  return { rows, diffs };
}

// ---------------------------------------------------------------------------------------------
// Report

function table(rows) {
  const head = [
    "corpus",
    "files",
    "statements",
    "SQL diffs",
    "count diffs",
    "whole-file diffs",
    "other field diffs",
    "diagnostic diffs",
  ];
  const body = rows.map((r) =>
    [r.corpus, r.files, r.statements, r.sql, r.count, r.whole, r.other, r.diagnostics].map(String),
  );
  const total = ["total", ...head.slice(1).map((_, i) => String(body.reduce((s, r) => s + Number(r[i + 1]), 0)))];
  const all = [head, ...body, total];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line), line(total)].join("\n");
}

function limited(list, limit) {
  return limit > 0 ? list.slice(0, limit) : list;
}

function more(list, limit) {
  return limit > 0 && list.length > limit ? [`  … and ${list.length - limit} more (--limit 0 lists all)`] : [];
}

/** A window of `s` around index `i`, for long values. */
function around(s, i, width = 100) {
  if (s.length <= 2 * width) return { text: s, at: i };
  const from = Math.max(0, i - width / 2);
  const prefix = from > 0 ? "…" : "";
  return {
    text: prefix + s.slice(from, from + width * 1.5) + (from + width * 1.5 < s.length ? "…" : ""),
    at: i - from + prefix.length,
  };
}

/** The code `source` (path:line) points at in a tree: that line and the next few, for context. */
function sourceLine(tree, where) {
  const m = /^(.*\.ts):(\d+)$/.exec(where);
  if (!m) return undefined;
  let lines;
  try {
    lines = fs.readFileSync(path.join(tree.dir, m[1]), "utf8").split("\n");
  } catch {
    return undefined;
  }
  let text = "";
  for (let i = Number(m[2]) - 1; i < lines.length && i < Number(m[2]) + 4 && text.length < 120; i++)
    text += (text ? " " : "") + lines[i].trim();
  return text.length > 240 ? `${text.slice(0, 240)}…` : text;
}

function describeValueDiff(d, indent) {
  const i = firstDifference(d.a, d.b);
  const lines = [`${indent}field ${d.field}: first difference at char ${i}`];
  const a = around(d.a, i);
  const b = around(d.b, i);
  lines.push(`${indent}  base:    ${a.text}`, `${indent}  current: ${b.text}`);
  if (a.at === b.at) lines.push(`${indent}           ${" ".repeat(a.at)}^`);
  return lines;
}

function report(result, trees, limit) {
  const { rows, diffs } = result;
  const out = [];
  out.push("", table(rows), "");

  if (diffs.crash.length) {
    out.push(`TRANSFORMER CRASHES (${diffs.crash.length}):`);
    for (const d of limited(diffs.crash, limit))
      out.push(
        `  [${d.corpus}] ${d.file} (${d.side}):`,
        ...d.crash
          .split("\n")
          .slice(0, 8)
          .map((l) => `    ${l}`),
      );
    out.push(...more(diffs.crash, limit), "");
  }

  if (diffs.count.length) {
    out.push(`STATEMENT COUNT DIFFERENCES (${diffs.count.length}):`);
    for (const d of limited(diffs.count, limit))
      out.push(
        `  [${d.corpus}] ${d.file}: base ${d.base} constants, current ${d.current}${d.only ? ` (file only in ${d.only})` : ""}`,
      );
    out.push(...more(diffs.count, limit), "");
  }

  if (diffs.sql.length) {
    out.push(`SQL DIFFERENCES (${diffs.sql.length}):`);
    for (const d of limited(diffs.sql, limit)) {
      out.push(
        `  [${d.corpus}] ${d.file} constant #${d.index} (base ${d.base.name}, current ${d.current.name}) at ${d.current.where}`,
      );
      const src = sourceLine(trees.current, d.current.where);
      if (src) out.push(`    source: ${src}`);
      out.push(...describeValueDiff(d, "    "));
    }
    out.push(...more(diffs.sql, limit), "");
  }

  if (diffs.other.length) {
    out.push(
      `OTHER FIELD DIFFERENCES (${diffs.other.length}; information${args_.strict ? ", failing with --strict" : ""}):`,
    );
    for (const d of limited(diffs.other, limit)) {
      out.push(`  [${d.corpus}] ${d.file} constant #${d.index} (${d.current.name}) at ${d.current.where}`);
      out.push(...describeValueDiff(d, "    "));
    }
    out.push(...more(diffs.other, limit), "");
  }

  if (diffs.files.length) {
    out.push(
      `FILES ON ONE SIDE ONLY (${diffs.files.length}; information${args_.strict ? ", failing with --strict" : ""}):`,
    );
    for (const d of limited(diffs.files, limit))
      out.push(`  [${d.corpus}] ${d.file}: only in ${d.only} (${d.constants} constants)`);
    out.push(...more(diffs.files, limit), "");
  }

  if (diffs.whole.length) {
    out.push(
      `WHOLE-FILE DIFFERENCES (${diffs.whole.length}; generated names renumbered; information${args_.strict ? ", failing with --strict" : ""}):`,
    );
    for (const d of limited(diffs.whole, limit)) {
      const a = d.a.split("\n");
      const b = d.b.split("\n");
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      const col = firstDifference(a[i] ?? "", b[i] ?? "");
      const cut = (s) => (s === undefined ? { text: "(end of file)", at: -1 } : around(s, col));
      const [x, y] = [cut(a[i]), cut(b[i])];
      out.push(
        `  [${d.corpus}] ${d.file}: first difference on line ${i + 1}, char ${col} (${a.length} vs ${b.length} lines)`,
      );
      out.push(`    base:    ${x.text}`, `    current: ${y.text}`);
      if (x.at === y.at && x.at >= 0) out.push(`             ${" ".repeat(x.at)}^`);
    }
    out.push(...more(diffs.whole, limit), "");
  }

  if (diffs.diagnostics.length) {
    out.push(
      `DIAGNOSTIC DIFFERENCES (${diffs.diagnostics.length} files; information: messages and codes may change${args_.strict ? "; failing with --strict" : ""}):`,
    );
    for (const d of limited(diffs.diagnostics, limit)) {
      out.push(`  [${d.corpus}] ${d.file}: base ${d.base} diagnostics, current ${d.current}`);
      for (const k of limited(d.onlyBase, limit)) out.push(`    - ${k.replace(/\n/g, "\n      ")}`);
      out.push(...more(d.onlyBase, limit).map((l) => `  ${l}`));
      for (const k of limited(d.onlyCurrent, limit)) out.push(`    + ${k.replace(/\n/g, "\n      ")}`);
      out.push(...more(d.onlyCurrent, limit).map((l) => `  ${l}`));
      if (!d.onlyBase.length && !d.onlyCurrent.length)
        out.push("    (same diagnostics, in a different order or number)");
    }
    out.push(...more(diffs.diagnostics, limit), "");
  }
  log(out.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Main

let args_;

async function main() {
  const args = (args_ = parseArgs(process.argv.slice(2)));
  typescript();

  log(`compare-emit: base ${args.base} vs ${args.currentRef ? `ref ${args.currentRef}` : `working tree ${REPO}`}`);
  const baseSha = resolveCommit(args.base);
  if (!baseSha) throw new ToolError(`unknown ref ${args.base}`);
  const base = { ...worktree(baseSha, "", `base ${args.base} (${baseSha.slice(0, 10)})`), role: "base" };
  let current;
  if (args.currentRef) {
    const sha = resolveCommit(args.currentRef);
    if (!sha) throw new ToolError(`unknown ref ${args.currentRef}`);
    // The same commit on both sides still gets its own worktree, installed and built separately.
    const label = `current ${args.currentRef} (${sha.slice(0, 10)})`;
    current = { ...worktree(sha, sha === baseSha ? "-2" : "", label), role: "current" };
  } else {
    const head = git(["rev-parse", "--short", "HEAD"]);
    const dirty = git(["status", "--porcelain"]).split("\n").filter(Boolean).length;
    const label = `working tree (HEAD ${head}, ${dirty} changed/untracked paths)`;
    current = { dir: REPO, label, role: "current", sha: undefined };
  }
  log(`  base:    ${base.dir}`);
  log(`  current: ${current.dir}`);
  log(
    `  ${base.label}: cached worktree kept for reuse; remove with: git -C ${REPO} worktree remove --force ${base.dir}`,
  );

  log("\nBuilding");
  await timed("builds (in parallel)", async () => {
    const results = await Promise.allSettled([buildTree(base, true), buildTree(current, !!args.currentRef)]);
    const failed = results.filter((r) => r.status === "rejected");
    if (failed.length) {
      for (const f of failed) {
        console.error(`\nBUILD FAILED: ${f.reason.message}`);
        if (f.reason.details) console.error(f.reason.details);
      }
      if (!args.currentRef && failed.some((f) => f.reason.message.startsWith(current.label)))
        console.error(
          "\nThe working tree does not build (mid-refactor?). To test this tool meanwhile, compare two commits:\n" +
            `  node tools/compare-emit.js ${args.base} --current-ref <ref>`,
        );
      throw new ToolError("build failed", { cause: "build" });
    }
  });

  log("\nInputs");
  const rows = operatorTable(path.join(REPO, "README.md"));
  if (rows.length === 0) throw new ToolError("README.md: the operator table has no rows");
  const generated = [["readme-operators.ts", readmeSource(rows)]];
  const programs = [{ corpus: "readme", files: [`${GENERATED}/readme-operators.ts`], options: {} }];
  let cases = [];
  if (args.cases > 0) {
    const generator = path.join(current.dir, "test/dist/support/fuzz-generator.js");
    if (!fs.existsSync(generator)) throw new ToolError(`${generator} is missing: where is the fuzz generator now?`);
    const { generateCases } = require(generator);
    if (typeof generateCases !== "function") throw new ToolError(`${generator} exports no generateCases`);
    cases = generateCases(args.seed, args.cases);
    for (let i = 0; i * FUZZ_BATCH < cases.length; i++) {
      const name = `fuzz-${i}.ts`;
      generated.push([name, fuzzSource(cases.slice(i * FUZZ_BATCH, (i + 1) * FUZZ_BATCH))]);
      programs.push({ corpus: "fuzz", files: [`${GENERATED}/${name}`], options: { keepClosures: true } });
    }
  }
  for (const f of FIXTURES) programs.push({ corpus: "fixtures", files: [f], options: {} });
  log(
    `  ${rows.length} README operator rows, ${cases.length} fuzz cases (seed ${args.seed}, ${Math.ceil(cases.length / FUZZ_BATCH)} programs), ${FIXTURES.length} fixtures`,
  );

  log("\nCompiling and extracting");
  const inputs = { generated, programs };
  const baseData = await collect(base, loadCompiler(base), inputs);
  const currentData = await collect(current, loadCompiler(current), inputs);

  let perturbed;
  if (args.selfTest) {
    // Change one character in the middle of the first folded statement the current side has.
    for (const [corpus, files] of currentData) {
      for (const [file, e] of files) {
        const c = e.constants.find(
          (k) => k.type === "q" && typeof k.fields.text === "string" && k.fields.text.length > 2,
        );
        if (!c || perturbed) continue;
        const t = c.fields.text;
        const i = Math.floor(t.length / 2);
        c.fields.text = t.slice(0, i) + (t[i] === "X" ? "Y" : "X") + t.slice(i + 1);
        perturbed = { corpus, file, name: c.name, at: i };
      }
    }
    if (!perturbed) throw new ToolError("--self-test: no folded statement to perturb");
    log(
      `  self-test: perturbed char ${perturbed.at} of ${perturbed.name}.text in [${perturbed.corpus}] ${perturbed.file}`,
    );
  }

  const result = compare(baseData, currentData);
  report(result, { base, current }, args.limit);

  const { diffs } = result;
  const failing = diffs.sql.length + diffs.count.length + diffs.crash.length;
  const informational = diffs.whole.length + diffs.other.length + diffs.diagnostics.length + diffs.files.length;
  const statements = result.rows.reduce((s, r) => s + r.statements, 0);
  for (const r of result.rows) {
    if (r.files > 0 && r.statements === 0 && r.corpus !== "fixtures" && r.corpus !== "build:bench")
      log(`warning: corpus ${r.corpus} has no statements on either side: is extraction still right?`);
  }

  log("Timing");
  const w = Math.max(...timings.map((t) => t.label.length));
  for (const t of timings) log(`  ${t.label.padEnd(w)} ${(t.ms / 1000).toFixed(1).padStart(6)}s`);
  log(`  ${"total".padEnd(w)} ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s`);
  log(`\nBase worktree kept for reuse: ${base.dir}\n  remove with: git -C ${REPO} worktree remove --force ${base.dir}`);
  if (args.currentRef) log(`  and: git -C ${REPO} worktree remove --force ${current.dir}`);
  log("");

  if (args.selfTest) {
    const hit = diffs.sql.filter(
      (d) => d.file === perturbed.file && d.current.name === perturbed.name && d.field === "text",
    );
    const ok = hit.length === 1 && failing === 1 && firstDifference(hit[0].a, hit[0].b) === perturbed.at;
    log(
      ok
        ? "SELF-TEST PASSED: the perturbed statement, and only it, was reported as an SQL difference at the right character."
        : `SELF-TEST FAILED: expected exactly one SQL difference (${perturbed.name}.text at char ${perturbed.at}), got ${failing} failing differences.`,
    );
    return ok ? 0 : 1;
  }

  if (failing > 0) {
    log(
      `FAIL: ${diffs.sql.length} SQL differences, ${diffs.count.length} statement count differences, ${diffs.crash.length} transformer crashes (${statements} statements compared).`,
    );
    return 1;
  }
  if (args.strict && informational > 0) {
    log(`FAIL (--strict): ${informational} informational differences (whole-file, fields, diagnostics, file set).`);
    return 1;
  }
  log(
    `OK: all ${statements} statements have identical SQL` +
      (informational ? ` (${informational} informational differences listed above).` : "; no other differences."),
  );
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      if (e instanceof ToolError) {
        if (e.message !== "build failed") console.error(`compare-emit: ${e.message}`);
      } else console.error(e);
      process.exit(2);
    },
  );
}

// For checking the extraction and comparison without builds.
module.exports = { extract, normalizeNames, compare, operatorTable };
