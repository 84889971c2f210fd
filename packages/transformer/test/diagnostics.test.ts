import { test } from "node:test";
import assert from "node:assert/strict";
import ts from "typescript";
import { createTransformer, DIAGNOSTICS, DiagnosticKind, isClosqlDiagnostic } from "@closql/transformer";
import { snippetProgram } from "./support/program";

interface Reported {
  readonly line: number;
  readonly code: number;
  readonly message: string;
}

/** Compiles a snippet body with the transformer, as tspc would: closql's diagnostics and the emitted JS. */
function compile(body: string, checkerOverride?: (checker: ts.TypeChecker) => ts.TypeChecker) {
  const { program, file, preludeLines } = snippetProgram(body);
  const host = checkerOverride
    ? (Object.create(program, {
        getTypeChecker: { value: () => checkerOverride(program.getTypeChecker()) },
      }) as ts.Program)
    : program;
  const diagnostics: Reported[] = [];
  const transformer = createTransformer({
    program: host,
    options: {},
    report: (d) => {
      const { line } = file.getLineAndCharacterOfPosition(d.start!);
      // Lines of the snippet body, 1-based.
      diagnostics.push({ line: line + 1 - preludeLines, code: d.code, message: String(d.messageText) });
    },
  });
  let output = "";
  program.emit(file, (_name, text) => (output = text), undefined, false, { before: [transformer] });
  return { diagnostics: diagnostics.filter((d) => isClosqlDiagnostic(d.code)), output };
}

/** An example is a closure body (`u.x …`), the rest of a chain (`.orderBy(…)`) or a whole query (`db.…`, `(db.…`). */
const query = (example: string) =>
  example.startsWith(".")
    ? `db.users${example}.all()`
    : /^\(?db\./.test(example)
      ? example
      : `db.users.where((u) => ${example}).all()`;

for (const [kind, { code, example }] of Object.entries(DIAGNOSTICS)) {
  // Without an example: an internal error, or a compiler option (tested where the program is built).
  if (example === "") continue;
  test(`TS${code} (${kind}): ${example}`, () => {
    const { diagnostics } = compile(`  return ${query(example)};`);
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      [code],
      JSON.stringify(diagnostics),
    );
  });
}

test("every refusal in a file is reported in one build: each step of a chain, and queries nested in a failed one", () => {
  const { diagnostics } = compile(
    [
      `  const keep = (p: unknown) => p !== null;`,
      `  const a = db.users`,
      `    .where((u) => u.age! < 1 && keep(db.users.where((v) => v.createdAt === since).all()))`,
      `    .orderBy((u) => u.id, direction)`,
      `    .all();`,
      `  const b = db.users.where((u) => u.nickname === undefined).count();`,
      `  return [a, b];`,
    ].join("\n"),
  );
  const kinds = (Object.keys(DIAGNOSTICS) as DiagnosticKind[]).reduce(
    (acc, k) => acc.set(DIAGNOSTICS[k].code, k),
    new Map<number, string>(),
  );
  assert.deepEqual(
    diagnostics.map((d) => [d.line, kinds.get(d.code)]),
    [
      [3, "nullableOrdering"],
      [4, "literalOption"],
      [3, "referenceEquality"],
      [6, "undefinedColumn"],
    ],
  );
});

test("an internal failure is a diagnostic at its query saying it is a closql bug; the other queries still compile", () => {
  // A type checker that fails on one identifier stands in for a bug in closql.
  const failing = (checker: ts.TypeChecker) =>
    new Proxy(checker, {
      get(target, property) {
        const value = Reflect.get(target, property);
        if (property !== "getSymbolAtLocation") return typeof value === "function" ? value.bind(target) : value;
        return (node: ts.Node) => {
          if (ts.isIdentifier(node) && node.text === "crash") throw new Error("boom");
          return target.getSymbolAtLocation(node);
        };
      },
    });
  const { diagnostics, output } = compile(
    [
      `  const crash = 1;`,
      `  const a = db.users.where((u) => u.id > crash).all();`,
      `  const b = db.users.where((u) => u.email === x).count();`,
      `  return [a, b];`,
    ].join("\n"),
    failing,
  );
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
  assert.equal(diagnostics[0].code, DIAGNOSTICS.internalError.code);
  assert.equal(diagnostics[0].line, 2);
  assert.match(diagnostics[0].message, /^closql: internal error while compiling this query \(a closql bug.*\): boom$/);
  assert.match(output, /SELECT count\(\*\) FROM \\"users\\" WHERE \\"email\\" = \$1/);
});

/** TypeScript's own errors of a snippet (the types closql's API gives, before the transformer runs). */
function typeErrors(body: string): string[] {
  const { program, file } = snippetProgram(body);
  return program.getSemanticDiagnostics(file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

test("type-level: a column of the wrong table in a join closure, a join closure of the wrong arity", () => {
  assert.deepEqual(
    typeErrors(`  return db.users.join(posts, (u, p) => u.id === p.userId).select((u, p) => ({ t: p.title })).all();`),
    [],
  );
  const [wrongTable] = typeErrors(`  return db.users.join(posts, (u, p) => u.title === p.userId).count();`);
  assert.match(wrongTable, /Property 'title' does not exist/);
  const [leftSide] = typeErrors(
    `  return db.users.leftJoin(posts, (u, p) => u.id === p.userId).select((u, p) => ({ t: p.title })).all();`,
  );
  assert.match(leftSide, /'p' is possibly 'null'/);
  const [tooMany] = typeErrors(`  return db.users.join(posts, (u, p, q) => u.id === p.userId).count();`);
  assert.match(tooMany, /not assignable/);
});

test("type-level: select of a join gives each side's type; a left-joined whole row is nullable", () => {
  const errors = typeErrors(
    [
      `  const q = db.users.leftJoin(posts, (u, p) => u.id === p.userId).select((u, p) => ({ user: u, post: p, t: p?.title }));`,
      `  type Out = Awaited<ReturnType<typeof q.all>>[number];`,
      `  const check: { user: { id: number }; post: { title: string } | null; t: string | undefined } = null! as Out;`,
      `  const wrong: { post: { title: string } } = null! as Out;`,
      `  return [check, wrong];`,
    ].join("\n"),
  );
  assert.equal(errors.length, 1, errors.join("\n"));
  assert.match(errors[0], /null/);
});
