import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { Schema } from "closql";
import { DIAGNOSTICS } from "@closql/transformer";
import { compileWithClosql } from "./support/compile";
import { openTestDatabase } from "./support/database";

const root = path.resolve(__dirname, "../..");

/** The cells of each row of the README table between `<!-- name:start -->` and `<!-- name:end -->`. */
function readmeTable(name: string, firstCell: RegExp): string[][] {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const body = readme.split(`<!-- ${name}:start -->`)[1].split(`<!-- ${name}:end -->`)[0];
  return body
    .split("\n")
    .filter((l) => firstCell.test(l))
    .map((line) =>
      line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((c) => c.trim().replace(/\\\|/g, "|")),
    );
}

/** The text of a Markdown code span. */
function code(cell: string): string {
  const m = /^(`+)\s?(.*?)\s?\1$/.exec(cell);
  assert.ok(m, `a code span: ${cell}`);
  return m[2];
}

/** The rows of the README's JavaScript → SQL table: [closure body, SQL]. */
function operatorTable(): { js: string; sql: string }[] {
  return readmeTable("operator-table", /^\| `/).map((cells) => ({ js: code(cells[0]), sql: code(cells[1]) }));
}

test("the README's diagnostics table lists every diagnostic code with its summary and example", () => {
  const rows = readmeTable("diagnostics", /^\| TS\d/).map(([c, summary, example]) => ({
    code: Number(c.slice(2)),
    summary,
    example: example === "—" ? "" : code(example),
  }));
  assert.deepEqual(
    rows,
    Object.values(DIAGNOSTICS).map(({ code, summary, example }) => ({ code, summary, example })),
  );
});

test("the README operator table is what the transformer compiles, and runs on the server", async () => {
  const rows = operatorTable();
  assert.ok(rows.length >= 30, `found ${rows.length} rows`);
  const dir = path.join(root, "test/fixtures/.generated");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "readme-operators.ts");
  fs.writeFileSync(
    file,
    [
      `import { connect, ilike, matches, similarity, hasKey, overlaps, containsAll, sqlFunction } from "closql";`,
      `import { schema } from "../../../examples/src/schema";`,
      `const levenshtein = sqlFunction<(a: string, b: string) => number>("levenshtein");`,
      `export function queries(db: ReturnType<typeof connect<typeof schema>>, x: string, maybe: string | null, n: number, since: Date, ids: number[], list: string[], q: string) {`,
      `  return [`,
      ...rows.map((r) => `    db.users.where((u) => ${r.js}).count(),`),
      `  ];`,
      `}`,
      `void [ilike, matches, similarity, hasKey, overlaps, containsAll];`,
    ].join("\n"),
  );
  const { diagnostics, statements } = compileWithClosql([file]);
  assert.deepEqual(diagnostics, [], "every documented row compiles");
  assert.equal(statements.length, rows.length);
  const where = statements.map((s) => s.sql.replace(/^SELECT count\(\*\) FROM "users" WHERE /, ""));
  rows.forEach((r, i) => assert.equal(where[i], r.sql, `README row \`${r.js}\``));

  // Every documented statement is valid SQL for the server (PREPARE parses, types and plans it).
  // The example app's compiled schema (npm run build compiles examples/ before test/).
  const { schema } = require(path.join(root, "examples/dist/schema.js")) as { schema: Schema };
  const t = await openTestDatabase(schema);
  try {
    await t.db.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm");
    await t.db.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch");
    for (const [i, s] of statements.entries()) {
      await t.db.execute(`PREPARE readme_${i} AS ${s.sql}`);
      await t.db.execute(`DEALLOCATE readme_${i}`);
    }
  } finally {
    await t.close();
  }
});

test("the README's write table is what the transformer compiles, and prepares on the server", async () => {
  const rows = readmeTable("write-table", /^\| `/).map((cells) => ({ call: code(cells[0]), sql: code(cells[1]) }));
  assert.ok(rows.length >= 10, `found ${rows.length} rows`);
  const dir = path.join(root, "test/fixtures/.generated");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "readme-writes.ts");
  fs.writeFileSync(
    file,
    [
      `import { connect } from "closql";`,
      `import { schema } from "../../../examples/src/schema";`,
      `export function writes(db: ReturnType<typeof connect<typeof schema>>, x: string, n: number) {`,
      `  return [`,
      ...rows.map((r) => `    ${r.call},`),
      `  ];`,
      `}`,
    ].join("\n"),
  );
  const { diagnostics, statements } = compileWithClosql([file]);
  assert.deepEqual(diagnostics, [], "every documented row compiles");
  assert.equal(statements.length, rows.length);
  const columns = `"id", "email", "name", "nickname", "role", "age", "tags", "meta", "karma", "created_at"`;
  statements.forEach((s, i) =>
    assert.equal(s.sql.split(columns).join("*"), rows[i].sql, `README row \`${rows[i].call}\``),
  );
  const { schema } = require(path.join(root, "examples/dist/schema.js")) as { schema: Schema };
  const t = await openTestDatabase(schema);
  try {
    for (const [i, s] of statements.entries()) {
      await t.db.execute(`PREPARE readme_w${i} AS ${s.sql}`);
      await t.db.execute(`DEALLOCATE readme_w${i}`);
    }
  } finally {
    await t.close();
  }
});
