import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { TraceMap, generatedPositionFor, originalPositionFor } from "@jridgewell/trace-mapping";
import { ClosqlProject, createRewriter, createTransformer, FileEdits, TransformOptions } from "@closql/transformer";
import { root } from "./support/hosts";

// The text pre-pass (every host but tspc) must compile exactly what tspc's emit transformer compiles:
// it runs the same core and prints the same replacement nodes into the source text. Checked on the
// example, the test fixtures and the largest test suites: the JavaScript TypeScript emits from the
// rewritten text holds the same strings (every SQL text, fragment, source location, statement name)
// and the same hoisted constants as the JavaScript tspc's path emits, file by file.

const FILES = [
  "examples/src/main.ts",
  "examples/src/schema.ts",
  "examples/src/queue/main.ts",
  "examples/src/queue/queue.ts",
  "examples/service/src/service.ts",
  "test/fixtures/chains.ts",
  "test/fixtures/type-facts.ts",
  "test/where.test.ts",
  "test/writes.test.ts",
  "test/joins.test.ts",
  "test/relations.test.ts",
  "test/keyset.test.ts",
  "test/chain.test.ts",
  "test/escape.test.ts",
  "test/language.test.ts",
  "test/faithful.test.ts",
  "test/dates.test.ts",
].map((f) => path.join(root, f));

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  strict: true,
  skipLibCheck: true,
  esModuleInterop: true,
  types: ["node"],
  ignoreDeprecations: "6.0",
} as ts.CompilerOptions;

const TRANSFORM: TransformOptions = { keepClosures: true };

test("the pre-pass compiles every query as tspc does: the example, the fixtures, the test suites", () => {
  const files = FILES.filter((f) => fs.existsSync(f));
  assert.ok(files.length >= 15, `${files.length} files`);
  const program = ts.createProgram(files, OPTIONS);
  const rewrite = createRewriter(program, TRANSFORM);
  let statements = 0;
  for (const fileName of files) {
    const file = program.getSourceFile(fileName)!;
    const name = path.relative(root, fileName);
    // tspc's path: the core as an emit transformer.
    const viaEmit: { diagnostics: string[]; statements: string[]; js: string } = {
      diagnostics: [],
      statements: [],
      js: "",
    };
    const edits: FileEdits[] = [];
    const transformer = createTransformer({
      program,
      options: TRANSFORM,
      report: (d) => viaEmit.diagnostics.push(describe(d)),
      onStatement: (s) => viaEmit.statements.push(`${s.source} ${s.sql}`),
      onEdits: (_, e) => edits.push(e),
    });
    program.emit(file, (_, text) => (viaEmit.js = text), undefined, false, { before: [transformer] });
    // The pre-pass, then plain TypeScript on its text.
    const r = rewrite(file);
    const js = ts.transpileModule(r.code, { compilerOptions: OPTIONS, fileName }).outputText;

    assert.deepEqual(r.diagnostics.map(describe), viaEmit.diagnostics, `${name}: diagnostics`);
    assert.deepEqual(
      r.statements.map((s) => `${s.source} ${s.sql}`),
      viaEmit.statements,
      `${name}: statements`,
    );
    assert.deepEqual(strings(js), strings(viaEmit.js), `${name}: string literals of the emitted JavaScript`);
    assert.deepEqual(closqlNames(js), closqlNames(viaEmit.js), `${name}: hoisted constants`);
    statements += r.statements.length;

    const replaced = edits[0].replacements;
    if (replaced.length === 0) {
      assert.equal(r.changed, false, `${name} has no query`);
      assert.equal(r.code, file.text, `${name}: a file without a query is left byte for byte`);
      continue;
    }
    // Every line keeps its number; the lines outside the queries (and the prologue's line) are unchanged.
    const before = file.text.split("\n");
    const after = r.code.split("\n");
    assert.equal(after.length, before.length, `${name}: line count`);
    const queryLines = new Set<number>();
    for (const { original } of replaced) {
      const from = file.getLineAndCharacterOfPosition(original.getStart(file)).line;
      const to = file.getLineAndCharacterOfPosition(original.getEnd()).line;
      for (let l = from; l <= to; l++) queryLines.add(l);
    }
    const prologueLine = edits[0].prologueAfter > 0 ? lineOf(file, file.statements[edits[0].prologueAfter - 1].end) : 0;
    before.forEach((line, i) => {
      if (!queryLines.has(i) && i !== prologueLine) assert.equal(after[i], line, `${name}:${i + 1} unchanged`);
    });
    // The source map leads from each compiled query back to the start of the query in the source.
    const map = new TraceMap(r.map as never);
    const lines = r.code.split("\n");
    for (const { original } of outermost(replaced)) {
      const start = file.getLineAndCharacterOfPosition(original.getStart(file));
      const at = generatedPositionFor(map, { source: fileName, line: start.line + 1, column: start.character });
      assert.equal(at.line, start.line + 1, `${name}:${start.line + 1}: the query's start is mapped`);
      const root = /^[\w$]+/.exec(original.getText(file))?.[0];
      if (root) assert.ok(lines[at.line! - 1].startsWith(root, at.column!), `${name}:${start.line + 1}: ${root}`);
      const back = originalPositionFor(map, { line: at.line!, column: at.column! });
      assert.deepEqual([back.line, back.column], [start.line + 1, start.character]);
    }
  }
  assert.ok(statements > 250, `${statements} statements compared`);
});

test("the prologue goes after the imports, else after directives and leading comments, never before a shebang", () => {
  const dir = path.join(root, "test/fixtures/.generated/prepass");
  fs.mkdirSync(dir, { recursive: true });
  const head = `const db = connect({ schema: relations({ t }), url: "postgres://unused" });\n`;
  const query = `export const q = db.t.where((r) => r.id === 1).first();\n`;
  const cases: Record<string, { text: string; prologueAfter: string }> = {
    "imports.ts": {
      text: `import { connect, relations, serial, table } from "closql";\nconst t = table("t", { id: serial().primaryKey() });\n${head}${query}`,
      prologueAfter: `from "closql/compiled";`, // the file's own import, pointed at closql/compiled
    },
    "shebang.ts": {
      text: `#!/usr/bin/env node\n/// <reference types="node" />\n"use strict";\nconst { connect, relations, serial, table } = require("closql") as typeof import("closql");\nconst t = table("t", { id: serial().primaryKey() });\n${head}${query}`,
      prologueAfter: `"use strict";`,
    },
  };
  const files = Object.entries(cases).map(([name, c]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, c.text);
    return file;
  });
  const program = ts.createProgram(files, OPTIONS);
  const rewrite = createRewriter(program);
  for (const file of files) {
    const c = cases[path.basename(file)];
    const r = rewrite(program.getSourceFile(file)!);
    assert.ok(r.changed, file);
    const line = r.code.split("\n").find((l) => l.includes(c.prologueAfter));
    assert.ok(line, `${path.basename(file)}: a line holds ${c.prologueAfter}`);
    assert.ok(
      line
        .slice(line.indexOf(c.prologueAfter) + c.prologueAfter.length)
        .startsWith(` import * as __closql_1 from "closql/compiled"; const __closql_q0_1 = { text: "SELECT `),
      line,
    );
    assert.equal(r.code.split("\n").length, c.text.split("\n").length);
    if (file.endsWith("shebang.ts"))
      assert.ok(r.code.startsWith(`#!/usr/bin/env node\n/// <reference types="node" />\n`));
  }
});

test("watch mode: a changed file is compiled from its new text; a changed schema recompiles the queries that read it", () => {
  const dir = path.join(root, "test/fixtures/.generated/watch");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  const schema = (column: string) =>
    `import { integer, relations, serial, table } from "closql";\nexport const t = table("t", { id: serial().primaryKey(), n: integer().name("${column}") });\nexport const schema = relations({ t });\n`;
  const main = (n: number) =>
    `import { connect } from "closql";\nimport { schema } from "./schema";\nconst db = connect({ schema, url: "postgres://unused" });\nexport const q = db.t.where((r) => r.n === ${n}).all();\n`;
  fs.writeFileSync(path.join(dir, "src/schema.ts"), schema("n1"));
  fs.writeFileSync(path.join(dir, "src/main.ts"), main(1));
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true, skipLibCheck: true, types: [] }, include: ["src"] }),
  );
  const project = new ClosqlProject(path.join(dir, "tsconfig.json"));
  const mainFile = path.join(dir, "src/main.ts");
  const sql = (text?: string) => project.rewrite(mainFile, text)!.statements.map((s) => s.sql);
  assert.deepEqual(sql(), [`SELECT "id", "n1" FROM "t" WHERE "n1" = 1`]);
  // The host hands the plugin the file's new text (a bundler's transform input).
  assert.deepEqual(sql(main(2)), [`SELECT "id", "n1" FROM "t" WHERE "n1" = 2`]);
  // The schema changes on disk: the watcher reports it; main.ts's queries read it.
  fs.writeFileSync(path.join(dir, "src/schema.ts"), schema("n2"));
  project.changed(path.join(dir, "src/schema.ts"));
  assert.deepEqual(project.dependents(path.join(dir, "src/schema.ts")), [mainFile.split(path.sep).join("/")]);
  assert.deepEqual(sql(main(2)), [`SELECT "id", "n2" FROM "t" WHERE "n2" = 2`]);
  // A host that reports nothing (a rebuild): refresh() finds the file that changed on disk.
  fs.writeFileSync(path.join(dir, "src/schema.ts"), schema("n3"));
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(path.join(dir, "src/schema.ts"), later, later);
  project.refresh();
  assert.deepEqual(sql(main(2)), [`SELECT "id", "n3" FROM "t" WHERE "n3" = 2`]);
  project.dispose();
});

/** The replaced nodes not inside another replaced node (those the pre-pass prints). */
function outermost(replaced: FileEdits["replacements"]): FileEdits["replacements"] {
  return replaced.filter(
    ({ original: o }) => !replaced.some(({ original: p }) => p !== o && p.pos <= o.pos && o.end <= p.end),
  );
}

function describe(d: ts.Diagnostic): string {
  const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start!);
  return `${line + 1}:${character + 1} TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
}

function lineOf(file: ts.SourceFile, pos: number): number {
  return file.getLineAndCharacterOfPosition(pos).line;
}

/**
 * The top-level statements of emitted JavaScript that are closql's or the user's: not TypeScript's
 * module helpers (`__importStar`…), which an emit of the whole program and a per-file transpile write
 * differently, nor the runtime import, which a per-file transpile drops when nothing reads it.
 */
function ownStatements(js: string): ts.Statement[] {
  const file = ts.createSourceFile("out.js", js, ts.ScriptTarget.Latest, true);
  return file.statements.filter((s) => {
    if (!ts.isVariableStatement(s)) return true;
    const [d] = s.declarationList.declarations;
    const name = ts.isIdentifier(d.name) ? d.name.text : "";
    if (!name.startsWith("__")) return true;
    return name.startsWith("__closql") && !(d.initializer?.getText(file).includes("require(") ?? false);
  });
}

/**
 * Every string literal's value (and template text) in a JavaScript text, sorted; not module names: a
 * per-file transpile drops an import whose bindings only the compiled closures used (a marker such
 * as `count`), which tspc's emit keeps.
 */
function strings(js: string): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "require") return;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node))
      out.push(node.text);
    ts.forEachChild(node, visit);
  };
  ownStatements(js).forEach(visit);
  return out.sort();
}

/** The `__closql_…` names of the emitted JavaScript, with their counts. */
function closqlNames(js: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of ownStatements(js))
    for (const m of s.getText().matchAll(/\b__closql\w*/g)) counts[m[0]] = (counts[m[0]] ?? 0) + 1;
  return counts;
}
