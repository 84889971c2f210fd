import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { Database, Query } from "closql";
import { createTransformer } from "@closql/transformer";
import { compileWithClosql } from "./support/compile";
import { useSeededDatabase } from "./support/database";
import { items, nastyRows, nastySchema } from "./support/nasty";

/**
 * Every way to call a query method either compiles correctly (exact SQL and rows from the server) or
 * fails the build at the call: a project that builds without errors never runs a query method uncompiled.
 */

const fixtures = path.resolve(__dirname, "../fixtures");
const ALL = `SELECT "id", "s", "ns", "n", "nn", "f", "big", "b", "tags", "at" FROM "items"`;
const ids = (rows: readonly { id: number }[]) => rows.map((r) => r.id);

/** A tenant filter written as a generic helper: its `where` must never be dropped. */
function positive<Q extends Query<typeof items>>(q: Q): Q {
  return q.where((r) => r.n > 0) as Q;
}
/** A non-generic helper. */
function named(q: Query<typeof items>): Query<typeof items> {
  return q.where((r) => r.ns !== null);
}
/** A helper over any projection. */
function firstTwo<O>(q: Query<typeof items, O>): Query<typeof items, O> {
  return q.orderBy((r) => r.id).limit(2);
}
/** A helper that starts from the database. */
function newestFirst(db: Database<typeof nastySchema>) {
  return db.items.orderBy((r) => r.id, "desc");
}

describe("every way to call a query method that compiles", () => {
  const rows = nastyRows();
  const t = useSeededDatabase(nastySchema, items, rows);

  test("a generic helper's where is kept: the chain composes at run time from precompiled fragments", async () => {
    const got = await positive(t.db.items)
      .where((r) => r.s !== "")
      .all();
    assert.equal(t.last().sql, `${ALL} WHERE "n" > 0 AND "s" <> ''`);
    assert.deepEqual(ids(got), ids(rows.filter((r) => r.n > 0 && r.s !== "")));
    // Helpers nest and mix with a static start.
    const nested = await named(positive(t.db.items.where((r) => r.id < 40))).count();
    assert.equal(t.last().sql, `SELECT count(*) FROM "items" WHERE "id" < 40 AND "n" > 0 AND "ns" IS NOT NULL`);
    assert.equal(nested, rows.filter((r) => r.id < 40 && r.n > 0 && r.ns !== null).length);
  });

  test("a helper over any projection, and one that starts from the database", async () => {
    const got = await firstTwo(t.db.items.select((r) => ({ id: r.id, s: r.s }))).all();
    assert.equal(t.last().sql, `SELECT "id", "s" FROM "items" ORDER BY "id" LIMIT 2`);
    assert.deepEqual(
      got,
      rows.slice(0, 2).map((r) => ({ id: r.id, s: r.s })),
    );
    const newest = await newestFirst(t.db).limit(3).all();
    assert.equal(t.last().sql, `${ALL} ORDER BY "id" DESC LIMIT 3`);
    assert.deepEqual(ids(newest), [60, 59, 58]);
  });

  test("element access with a literal name and parenthesized callees compile like plain calls", async () => {
    const a = await t.db.items["where"]((r) => r.id < 3)["all"]();
    assert.equal(t.last().sql, `${ALL} WHERE "id" < 3`);
    assert.deepEqual(ids(a), [1, 2]);
    const b = await t.db["items"].where((r) => r.id === 5).count();
    assert.equal(t.last().sql, `SELECT count(*) FROM "items" WHERE "id" = 5`);
    assert.equal(b, 1);
    // prettier-ignore
    const c = await (t.db.items.where)((r) => r.id === 7).first();
    assert.equal(t.last().sql, `${ALL} WHERE "id" = 7 LIMIT 1`);
    assert.equal(c?.id, 7);
  });

  test("stored queries, queries returned from functions and chains built across ifs", async () => {
    const stored = t.db.items.where((r) => r.nn !== null);
    const later = await stored.where((r) => r.id <= 10).all();
    assert.equal(t.last().sql, `${ALL} WHERE "nn" IS NOT NULL AND "id" <= 10`);
    assert.deepEqual(ids(later), ids(rows.filter((r) => r.nn !== null && r.id <= 10)));
    const make = () => t.db.items.where((r) => r.b === true);
    assert.equal(await make().count(), rows.filter((r) => r.b === true).length);
    assert.equal(t.last().sql, `SELECT count(*) FROM "items" WHERE "b" = TRUE`);
    for (const onlyNamed of [true, false]) {
      let q: Query<typeof items> = t.db.items.where((r) => r.id > 50);
      if (onlyNamed) q = q.where((r) => r.ns !== null);
      const got = await q.all();
      assert.equal(t.last().sql, `${ALL} WHERE "id" > 50${onlyNamed ? ` AND "ns" IS NOT NULL` : ""}`);
      assert.deepEqual(ids(got), ids(rows.filter((r) => r.id > 50 && (!onlyNamed || r.ns !== null))));
    }
  });

  test("a query whose value feeds another's argument compiles on its own", async () => {
    // (An `await` inside a bound argument is not written here: emitted values are computed in a thunk.)
    const few = await t.db.items.where((r) => r.id < 3).count();
    const got = await t.db.items
      .where((r) => r.id > 55)
      .limit(few)
      .all();
    assert.equal(t.last().sql, `${ALL} WHERE "id" > 55 LIMIT $1`);
    assert.deepEqual(ids(got), [56, 57]);
  });

  test("a static chain from db.<table> still folds into one constant statement", () => {
    const { output, diagnostics } = compileWithClosql([path.resolve(__dirname, "../escape.test.ts")]);
    assert.deepEqual(
      diagnostics.filter((d) => d.code >= 91000),
      [],
    );
    const js = output.get("test/escape.test.js")!;
    // The generic helper's caller is composed at run time ($step/$read), never one constant statement.
    assert.match(js, /positive\(t\.db\.items\)\s*\.\$step\(/);
    assert.ok(
      !js.includes(
        `text: "SELECT \\"id\\", \\"s\\", \\"ns\\", \\"n\\", \\"nn\\", \\"f\\", \\"big\\", \\"b\\", \\"tags\\", \\"at\\" FROM \\"items\\" WHERE \\"s\\" <> ''"`,
      ),
    );
    assert.ok(js.includes(`text: "SELECT count(*) FROM \\"items\\" WHERE \\"id\\" = 5"`), 'db["items"] folds');
    assert.ok(
      !/(?<!\$bind)\.(where|orderBy|limit|all|count|first)\(/.test(js.replace(/\/\/.*$/gm, "")),
      "no typed call survives",
    );
  });
});

/** `// error@<text>: <code> <message start>` markers of a fixture: line, column and what is expected. */
function markers(file: string) {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .flatMap((text, i) => {
      const m = /\/\/ error@(.+?): (\d+)(?: (.*))?$/.exec(text);
      if (!m) return [];
      const col = text.indexOf(m[1]) + 1;
      assert.ok(col > 0, `marker ${m[1]} must occur on line ${i + 1}`);
      return [{ line: i + 1, col, code: Number(m[2]), message: m[3] ?? "" }];
    });
}

function assertMarked(
  file: string,
  diagnostics: readonly { line: number; col: number; code: number; message: string }[],
) {
  const expected = markers(file);
  const got = diagnostics.filter((d) => d.code >= 91000).map(({ line, col, code }) => ({ line, col, code }));
  assert.deepEqual(
    got.sort((a, b) => a.line - b.line),
    expected.map(({ line, col, code }) => ({ line, col, code })),
  );
  for (const e of expected) {
    const d = diagnostics.find((g) => g.line === e.line)!;
    assert.ok(d.message.includes(e.message), `line ${e.line}: ${d.message}`);
  }
  return expected.length;
}

describe("every way to call a query method that would escape fails the build", () => {
  test("references, .call/.apply/.bind, aliases, destructuring, ?., unknown tables", () => {
    const file = path.join(fixtures, "escape-refused.ts");
    const { diagnostics } = compileWithClosql([file]);
    const typeScriptErrors = diagnostics.filter((d) => d.code < 91000);
    assert.deepEqual(typeScriptErrors, [], "the fixture is valid TypeScript");
    assert.equal(assertMarked(file, diagnostics), 16);
  });

  test("column facts that are not literal types refuse every query of their table, naming column and fact", () => {
    const file = path.join(fixtures, "type-facts.ts");
    const { diagnostics, statements } = compileWithClosql([file]);
    assert.deepEqual(
      diagnostics.filter((d) => d.code < 91000),
      [],
    );
    assert.equal(assertMarked(file, diagnostics), 5);
    const computed = diagnostics.find((d) => d.message.includes(`"computed_name"`))!;
    assert.match(computed.message, /^closql: table "computed_name" has facts that are not known at build time/);
    // The table with literal facts compiles, NULL handling included.
    assert.deepEqual(
      statements.map((s) => s.sql),
      [`SELECT count(*) FROM "fine" WHERE ("note" <> 'a' OR "note" IS NULL)`],
    );
  });
});

describe("a program without strictNullChecks", () => {
  /** The non-strict fixture project, compiled in-process with the transformer, as tspc would. */
  function compileNonStrict(options: ts.CompilerOptions) {
    const dir = path.join(fixtures, "non-strict");
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => path.join(dir, f));
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      skipLibCheck: true,
      types: ["node"],
      ignoreDeprecations: "6.0",
      ...options,
    } as ts.CompilerOptions);
    const diagnostics: { file: string; line: number; col: number; code: number; message: string }[] = [];
    const output = new Map<string, string>();
    const transformer = createTransformer({
      program,
      options: {},
      report: (d) => {
        const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start!);
        diagnostics.push({
          file: d.file!.fileName,
          line: line + 1,
          col: character + 1,
          code: d.code,
          message: String(d.messageText),
        });
      },
    });
    program.emit(undefined, (name, text) => output.set(path.basename(name), text), undefined, false, {
      before: [transformer],
    });
    return { dir, files, diagnostics, output };
  }

  for (const options of [{ strict: false }, { strict: true, strictNullChecks: false }])
    test(`${JSON.stringify(options)}: one diagnostic per file with queries, at its first query; none compiled`, () => {
      const { files, diagnostics, output } = compileNonStrict(options);
      let marked = 0;
      for (const file of files)
        marked += assertMarked(
          file,
          diagnostics.filter((d) => d.file === file),
        );
      assert.equal(marked, 2);
      assert.match(diagnostics[0].message, /without `strictNullChecks`/);
      assert.ok(!output.get("queries.js")!.includes("SELECT"), "no query of the file is compiled");
    });

  test("with strictNullChecks the same files compile, NULL handling included", () => {
    const { diagnostics, output } = compileNonStrict({ strict: true });
    assert.deepEqual(diagnostics, []);
    assert.ok(
      output.get("queries.js")!.includes(`WHERE (\\"ns\\" <> 'a' OR \\"ns\\" IS NULL)`),
      output.get("queries.js"),
    );
  });
});
