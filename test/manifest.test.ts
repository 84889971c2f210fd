import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import closqlTransformer from "@closql/transformer";
import { main } from "@closql/cli";
import { CliProject, withoutDatabaseUrl } from "./support/cli-project";

/**
 * Issue 10: the statement manifest the transformer writes (through its ts-patch entry, as tspc runs
 * it), `closql sql` printing it, and `closql check` PREPAREing every statement: on embedded PGlite
 * against the declaration (no server), and on the database with --explain.
 */

const SCHEMA = `
import { table, relations, serial, integer, text } from "closql";
export const users = table("users", {
  id: serial().primaryKey(),
  email: text().unique(),
  nickname: text().nullable(),
  age: integer().nullable(),
});
export const posts = table("posts", {
  id: serial().primaryKey(),
  userId: integer().references(() => users.id),
  title: text(),
});
export const schema = relations({ users, posts }, (r) => ({ users: { posts: r.hasMany(posts, (p) => p.userId) } }));
`;
const APP = `
import { connect } from "closql";
import { schema } from "./schema";

export async function run(url: string, min: number) {
  const db = connect({ schema, url });
  const adults = await db.users.where((u) => u.age !== null && u.age >= min).orderBy((u) => u.id).all();
  const named = await db.users.where((u) => u.nickname === "ada").count();
  await db.users.insert({ email: "a@example.com", nickname: null });
  await db.users.where((u) => u.id === 1).update({ nickname: "n" });
  const withPosts = await db.users.preload("posts", (p) => p.title.startsWith("a")).all();
  await db.close();
  return { adults, named, withPosts };
}
`;

/**
 * A project of its own, outside test/ (whose compiled modules other suites scan), with `closql`
 * installed the way npm links a workspace package.
 */
const project = path.join(os.tmpdir(), `closql-manifest-${process.pid}`);
const V2 = SCHEMA.replace("  nickname: text().nullable(),\n", "");
const ALL = { "src/schema.ts": SCHEMA, "src/app.ts": APP, "src/schema-v2.ts": V2 };
/** The last program built: the next one reuses its unchanged source files, as tsc's watch mode does. */
let previous: ts.Program | undefined;
const parsed = new Map<string, ts.SourceFile | undefined>();
const manifestFile = path.join(project, "dist", "closql.manifest.json");

/** Builds the project's files with the ts-patch entry, as `tspc` does, rooted at the project. */
async function build(files: Record<string, string>): Promise<void> {
  fs.rmSync(path.join(project, "src"), { recursive: true, force: true });
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(project, name)), { recursive: true });
    fs.writeFileSync(path.join(project, name), text);
  }
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    skipLibCheck: true,
    types: [],
    rootDir: path.join(project, "src"),
    outDir: path.join(project, "dist"),
    ignoreDeprecations: "6.0",
  } as ts.CompilerOptions;
  const host = ts.createCompilerHost(options);
  host.getCurrentDirectory = () => project;
  // Declaration files (TypeScript's libs, closql's types) are parsed once for all the builds.
  const read = host.getSourceFile;
  host.getSourceFile = (name, ...rest) => {
    if (name.startsWith(project)) return read(name, ...rest);
    let file = parsed.get(name);
    if (!file) parsed.set(name, (file = read(name, ...rest)));
    return file;
  };
  const program = ts.createProgram(
    Object.keys(files).map((f) => path.join(project, f)),
    options,
    host,
    previous,
  );
  previous = program;
  const diagnostics: string[] = [];
  const transformer = closqlTransformer(program, {}, { addDiagnostic: (d) => diagnostics.push(String(d.messageText)) });
  const emitted = program.emit(undefined, undefined, undefined, false, { before: [transformer] });
  assert.deepEqual([...diagnostics, ...emitted.diagnostics.map((d) => String(d.messageText))], []);
  // The manifest is written once the build is done: the next turn of the event loop.
  await new Promise((resolve) => setImmediate(resolve));
}

async function closql(args: string[], cwd = project) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, cwd, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const EXPECTED = [
  {
    source: "src/app.ts:7",
    kind: "all",
    sql: 'SELECT "id", "email", "nickname", "age" FROM "users" WHERE ("age" IS NOT NULL AND "age" >= $1::int8) ORDER BY "id"',
    params: ["number"],
  },
  {
    source: "src/app.ts:8",
    kind: "count",
    sql: `SELECT count(*) FROM "users" WHERE "nickname" = 'ada'`,
    params: [],
  },
  {
    source: "src/app.ts:9",
    kind: "insert",
    sql: 'INSERT INTO "users" ("email", "nickname") VALUES ($1, $2) RETURNING "id", "email", "nickname", "age"',
    params: ["string", "null"],
  },
  {
    source: "src/app.ts:10",
    kind: "update",
    sql: 'UPDATE "users" SET "nickname" = $1 WHERE "id" = 1',
    params: ["string"],
  },
  {
    source: "src/app.ts:11",
    kind: "all",
    sql: 'SELECT "id", "email", "nickname", "age" FROM "users"',
    params: [],
  },
  {
    source: "src/app.ts:11",
    kind: "preload",
    sql: `SELECT "id", "user_id", "title" FROM "posts" WHERE "user_id" = ANY($1) AND "title" LIKE 'a%'`,
    params: ["integer[] (the parent rows' keys)"],
  },
];

describe("the statement manifest", () => {
  before(async () => {
    fs.rmSync(project, { recursive: true, force: true });
    fs.mkdirSync(path.join(project, "node_modules"), { recursive: true });
    fs.symlinkSync(path.dirname(require.resolve("closql/package.json")), path.join(project, "node_modules/closql"));
    await build(ALL);
  });
  after(() => fs.rmSync(project, { recursive: true, force: true }));

  test("lists every compiled statement: source, kind, SQL, parameter types; the same build gives the same bytes", async () => {
    const text = fs.readFileSync(manifestFile, "utf8");
    assert.deepEqual(JSON.parse(text), { version: 1, statements: EXPECTED });
    await build(ALL);
    assert.equal(fs.readFileSync(manifestFile, "utf8"), text);
    // A file no longer in the program leaves the manifest; building it again brings it back.
    await build({ "src/schema.ts": SCHEMA });
    assert.deepEqual(JSON.parse(fs.readFileSync(manifestFile, "utf8")), { version: 1, statements: [] });
    await build(ALL);
    assert.equal(fs.readFileSync(manifestFile, "utf8"), text);
  });

  test("closql sql prints it; --json prints the file's content", async () => {
    const r = await closql(["sql", "--schema", "dist/schema.js"]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split("\n");
    assert.deepEqual(lines.slice(0, 2), ["src/app.ts:7  all  ($1 number)", `  ${EXPECTED[0].sql}`]);
    assert.equal(lines.at(-1), "-- 6 statements (dist/closql.manifest.json)");
    const json = await closql(["sql", "--manifest", "dist/closql.manifest.json", "--json"]);
    assert.deepEqual(JSON.parse(json.out), JSON.parse(fs.readFileSync(manifestFile, "utf8")));
    const missing = await closql(["sql", "--manifest", "nowhere.json"]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.err,
      /no statement manifest at nowhere.json\. The closql transformer writes closql.manifest.json/,
    );
  });

  test("check --embedded: every statement prepares on the declaration, with no server; a dropped column is caught", async () => {
    // No server involved: no DATABASE_URL.
    await withoutDatabaseUrl(async () => {
      // dist/schema-v2.js: the next version of the schema drops `nickname`, which the compiled app still reads.
      const ok = await closql(["check", "--embedded", "--schema", "dist/schema.js"]);
      assert.equal(ok.code, 0, ok.out);
      assert.equal(
        ok.out,
        "✓ every compiled statement prepares\n  6 statements prepared on the declared schema in embedded PGlite (dist/closql.manifest.json)",
      );
      const dropped = await closql(["check", "--embedded", "--schema", "dist/schema-v2.js"]);
      assert.equal(dropped.code, 1);
      assert.equal(
        dropped.out,
        [
          "✗ every compiled statement prepares",
          `  ✗ src/app.ts:7 all: column "nickname" does not exist`,
          `      ${EXPECTED[0].sql}`,
          `  ✗ src/app.ts:8 count: column "nickname" does not exist`,
          `      ${EXPECTED[1].sql}`,
          `  ✗ src/app.ts:9 insert: column "nickname" of relation "users" does not exist`,
          `      ${EXPECTED[2].sql}`,
          `  ✗ src/app.ts:10 update: column "nickname" of relation "users" does not exist`,
          `      ${EXPECTED[3].sql}`,
          `  ✗ src/app.ts:11 all: column "nickname" does not exist`,
          `      ${EXPECTED[4].sql}`,
          "  5 of 6 statements do not prepare on the declared schema in embedded PGlite (dist/closql.manifest.json)",
        ].join("\n"),
      );
    });
  });

  test("check --explain: prepares and explains each statement on the database; fails once a column is gone", async () => {
    const p = await CliProject.open(['DROP TABLE IF EXISTS "posts"', 'DROP TABLE IF EXISTS "users"']);
    try {
      const schema = path.join(project, "dist/schema.js");
      const manifest = ["--manifest", manifestFile];
      await p.ok("generate", "init", "--schema", schema);
      await p.ok("migrate");
      const ok = await p.cli("check", "--explain", "--schema", schema, ...manifest);
      assert.equal(ok.code, 0, ok.out);
      const lines = ok.out.split("\n");
      assert.deepEqual(lines.slice(0, 7), [
        "✓ migrations are applied",
        "  1 applied",
        "✓ the database matches the declared schema",
        "✓ every compiled statement prepares",
        "  src/app.ts:7 all (bigint)",
        `      ${EXPECTED[0].sql}`,
        lines[6],
      ]);
      // The generic plan, whatever its shape on this server.
      assert.match(lines[6], /^ {8}(Sort|Index Scan|Seq Scan)/);
      assert.ok(lines.includes("  src/app.ts:9 insert (text, text)"));
      assert.equal(lines.at(-1), `  6 statements prepared on the database (${manifestFile})`);

      await p.query("ALTER TABLE users DROP COLUMN nickname");
      const gone = await p.cli("check", "--explain", "--schema", schema, ...manifest);
      assert.equal(gone.code, 1);
      assert.match(
        gone.out,
        /✗ the database matches the declared schema\n {2}1 change would bring .*\n {4}add column "users"."nickname"/,
      );
      assert.match(
        gone.out,
        /✗ every compiled statement prepares\n {2}✗ src\/app.ts:7 all: column "nickname" does not exist/,
      );
      assert.match(gone.out, / {2}5 of 6 statements do not prepare on the database/);
    } finally {
      await p.close();
    }
  });
});
