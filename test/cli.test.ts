import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { COMMANDS, main } from "@closql/cli";
import { databaseUrl } from "./support/database";
import { CliProject, schemaRef, SCHEMAS, withoutDatabaseUrl } from "./support/cli-project";

/**
 * Issue 10: the closql command from a user's chair: help for every command, and one clear line
 * (no stack trace) for each way a project or a database can be wrong.
 */

const embedded = process.env.CLOSQL_EMBEDDED === "1";

async function closql(args: string[], cwd = process.cwd()): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, cwd, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function tempProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "closql-project-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe("help", () => {
  test("closql --help lists every command; closql alone prints it and exits 2", async () => {
    const help = await closql(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.out, /^Usage: closql <command> \[flags\]/);
    for (const name of ["diff", "generate", "migrate", "rollback", "status", "check", "sql"])
      assert.match(help.out, new RegExp(`^  ${name} +\\S`, "m"));
    assert.equal((await closql([])).code, 2);
  });

  test("closql <command> --help: usage, what it does, an example, every flag", async () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      const r = await closql([name, "--help"]);
      assert.equal(r.code, 0, name);
      assert.ok(r.out.startsWith(`closql ${name}`), name);
      assert.match(r.out, /Example/, name);
      for (const flag of ["schema", "dir", "url", ...Object.keys(command.flags ?? {})])
        assert.match(r.out, new RegExp(`^  --${flag}\\b`, "m"), `${name} --${flag}`);
    }
  });

  test("an unknown command or flag is a usage error (exit 2) pointing at --help", async () => {
    const unknown = await closql(["migarte"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /^closql: unknown command "migarte"/);
    const flag = await closql(["migrate", "--force"]);
    assert.equal(flag.code, 2);
    assert.match(flag.err, /^closql migrate: Unknown option '--force'.*\(see closql migrate --help\)$/);
  });
});

describe("a project that is not set up right", () => {
  test("no --schema: says how to name it", async () => {
    const r = await closql(["diff", "--url", databaseUrl()]);
    assert.equal(r.code, 2);
    assert.equal(
      r.err,
      'closql: which schema? Pass --schema <compiled module>, e.g. --schema dist/schema.js, or put { "schema": "dist/schema.js" } in closql.config.json',
    );
  });

  test("a missing schema module, a TypeScript file, a module without a schema, a module that throws", async () => {
    const dir = tempProject({
      "src/schema.ts": "export {};",
      "dist/empty.js": "exports.x = 1;",
      "dist/broken.js": "throw new Error('boom');",
      "dist/two.js": `const s = require(${JSON.stringify(SCHEMAS)}); exports.a = s.base; exports.b = s.dropTable;`,
      "dist/object.js": `const { base } = require(${JSON.stringify(SCHEMAS)}); const all = { schema: base }; module.exports = all;`,
    });
    try {
      let r = await closql(["diff", "--schema", "dist/schema.js"], dir);
      assert.equal(r.code, 1);
      assert.equal(
        r.err,
        `closql: schema module dist/schema.js not found (looked for ${path.join(dir, "dist/schema.js")}). --schema names the compiled JavaScript module that exports your schema: build the project first (npx tspc).`,
      );
      r = await closql(["diff", "--schema", "src/schema.ts"], dir);
      assert.equal(r.code, 2);
      assert.match(r.err, /--schema src\/schema.ts is TypeScript: point it at the compiled module/);
      r = await closql(["diff", "--schema", "dist/empty.js"], dir);
      assert.match(r.err, /dist\/empty.js exports no schema: export the result of relations\(\{ … \}\)/);
      r = await closql(["diff", "--schema", "dist/broken.js"], dir);
      assert.equal(r.err, "closql: loading the schema module dist/broken.js failed: boom");
      r = await closql(["diff", "--schema", "dist/two.js"], dir);
      assert.match(r.err, /exports several schemas \(a, b\): name one, --schema dist\/two.js#a/);
      // module.exports = { schema }: found, and the command goes on to connect.
      r = await closql(["diff", "--schema", "dist/object.js", "--url", "postgres://x@127.0.0.1:1/x"], dir);
      assert.match(r.err, /^closql: cannot connect to postgres:\/\/x@127.0.0.1:1\/x/);
      r = await closql(["diff", "--schema", "dist/two.js#c"], dir);
      assert.equal(r.err, 'closql: dist/two.js has no schema exported as "c" (its schemas: a, b)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("closql.config.json holds schema, dir and url; flags win; broken JSON is a clear error", async () => {
    const dir = tempProject({
      "closql.config.json": JSON.stringify({
        schema: schemaRef("base"),
        dir: "db/migrations",
        url: "postgres://nobody@127.0.0.1:1/x",
      }),
    });
    try {
      // The config's URL is used when DATABASE_URL is not set (and cannot be reached here) ...
      let r = await withoutDatabaseUrl(() => closql(["status"], dir));
      assert.equal(r.code, 1);
      assert.match(r.err, /^closql: cannot connect to postgres:\/\/nobody@127.0.0.1:1\/x: connection refused/);
      // ... DATABASE_URL and --url come first; the config's folder is read.
      const project = await CliProject.open();
      r = await closql(["status", "--url", project.url], dir).finally(() => project.close());
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, "closql status: no migrations (none in db/migrations, none applied)");
      fs.writeFileSync(path.join(dir, "closql.config.json"), "{ schema: ");
      r = await closql(["status"], dir);
      assert.equal(r.code, 2);
      assert.match(r.err, /closql.config.json: not valid JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("bad arguments: a migration name that cannot be a file name, --steps that is not a count", async () => {
    let r = await closql(["generate", "add user", "--schema", schemaRef("base"), "--url", databaseUrl()]);
    assert.equal(r.code, 2);
    assert.match(r.err, /"add user" cannot name a migration file/);
    r = await closql(["generate", "--schema", schemaRef("base")]);
    assert.equal(r.code, 2);
    r = await closql(["rollback", "--steps", "0", "--url", databaseUrl()]);
    assert.equal(r.code, 2);
    assert.match(r.err, /--steps takes a whole number of migrations, 1 or more \(got "0"\)/);
  });
});

describe("a database that cannot be used", () => {
  test("no URL at all", async () => {
    const r = await withoutDatabaseUrl(() => closql(["status"]));
    assert.equal(r.code, 1);
    assert.match(r.err, /^closql: no database: set DATABASE_URL, pass --url/);
  });

  test("a string that is not a PostgreSQL URL", async () => {
    let r = await closql(["status", "--url", "not a url"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /"not a url" is not a database URL: expected postgres:\/\/user:password@host:5432\/database/);
    r = await closql(["status", "--url", "mysql://root:secret@localhost/db"]);
    assert.equal(r.code, 2);
    assert.equal(
      r.err,
      'closql: "mysql://root:***@localhost/db" is not a PostgreSQL URL (it starts with mysql://): expected postgres://user:password@host:5432/database',
    );
  });

  test("a server that is not there (the password is not printed)", async () => {
    const r = await closql(["migrate", "--url", "postgres://app:s3cret@127.0.0.1:1/app"]);
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      "closql: cannot connect to postgres://app:***@127.0.0.1:1/app: connection refused (is PostgreSQL running there, on that port?)",
    );
  });

  test(
    "a database that does not exist",
    { skip: embedded && "PGlite's socket server serves one database whatever the URL names" },
    async () => {
      const url = new URL(databaseUrl());
      url.pathname = "/closql_no_such_database";
      const r = await closql(["status", "--url", url.toString()]);
      assert.equal(r.code, 1);
      assert.match(r.err, /database "closql_no_such_database" does not exist \(create it first: createdb <name>\)$/);
    },
  );
});
