import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import pg from "pg";
import { renderDrop } from "closql";
import * as versions from "./support/migration-schemas";
import { CliProject, schemaRef } from "./support/cli-project";

/**
 * Issue 10: what `closql migrate`, `rollback`, `status` and `check` refuse, and how they behave
 * when a migration fails or two deploys migrate at once.
 */

const embedded = process.env.CLOSQL_EMBEDDED === "1";
const cleanup = [...renderDrop(versions.base), "DROP TABLE IF EXISTS t", "DROP TABLE IF EXISTS marks"];

async function withProject(work: (p: CliProject) => Promise<void>): Promise<void> {
  const p = await CliProject.open(cleanup);
  try {
    await work(p);
  } finally {
    await p.close();
  }
}

function write(p: CliProject, name: string, up: string, down = "", header = ""): string {
  const file = path.join(p.dir, `${name}.sql`);
  fs.writeFileSync(file, `${header}-- closql:up\n${up}\n-- closql:down\n${down}\n`);
  return file;
}

describe("applied migrations are never changed behind the database's back", () => {
  test("an edited applied migration is refused by migrate, rollback and check, and shown by status", () =>
    withProject(async (p) => {
      await p.ok("generate", "init", "--schema", schemaRef("base"));
      await p.ok("migrate");
      const [file] = p.migrations();
      const original = fs.readFileSync(file.path, "utf8");

      // A checkout with Windows line endings is the same text.
      fs.writeFileSync(file.path, original.replace(/\n/g, "\r\n"));
      assert.match((await p.ok("migrate")).out, /nothing to apply/);

      fs.writeFileSync(file.path, original.replace('"name" text NOT NULL', '"name" text'));
      const migrate = await p.cli("migrate");
      assert.equal(migrate.code, 1);
      assert.equal(
        migrate.err,
        `closql: an applied migration was edited after being applied:\n  ${file.path} (applied ${(await p.query<{ at: Date }>("SELECT applied_at AS at FROM closql_migrations"))[0].at.toISOString()})\n` +
          "The database ran the original text. Restore the file (git checkout), and put further changes in a new migration (closql generate <name>).",
      );
      const rollback = await p.cli("rollback", "--allow-destructive");
      assert.equal(rollback.code, 1);
      assert.match(rollback.err, /edited after being applied/);
      assert.match(
        (await p.ok("status")).out,
        new RegExp(`^edited +${file.id} .*\\(file changed since it was applied\\)$`, "m"),
      );
      const check = await p.cli("check", "--schema", schemaRef("base"));
      assert.equal(check.code, 1);
      assert.match(check.out, new RegExp(`✗ migrations are applied\\n  ${file.id}: edited after it was applied`));
      // The table is as the original file made it.
      assert.match((await p.ok("diff", "--schema", schemaRef("base"))).out, /-- no changes/);

      fs.writeFileSync(file.path, original);
      assert.equal((await p.cli("check", "--schema", schemaRef("base"))).code, 0);
    }));

  test("a migration that fails is rolled back whole and stays pending; the ones before it stay applied", () =>
    withProject(async (p) => {
      await p.ok("generate", "init", "--schema", schemaRef("base"));
      await p.query("CREATE TABLE IF NOT EXISTS marks (n int)"); // in the project's schema: rows to count
      await p.ok("migrate");
      await p.query("INSERT INTO users (email, name, age) VALUES ('a@x', 'A', NULL)");
      const failing = write(
        p,
        "20990101000000_require_age",
        "INSERT INTO marks VALUES (1);\nCREATE TABLE t (id int);\nALTER TABLE users ALTER COLUMN age SET NOT NULL;",
        "ALTER TABLE users ALTER COLUMN age DROP NOT NULL;\nDROP TABLE t;",
      );
      const r = await p.cli("migrate");
      assert.equal(r.code, 1);
      assert.equal(
        r.err,
        `closql: 20990101000000_require_age (up) failed at ${failing}:4: column "age" of relation "users" contains null values\n` +
          "Nothing of 20990101000000_require_age was applied (its transaction was rolled back).",
      );
      assert.deepEqual(await p.query("SELECT count(*)::int AS n FROM marks"), [{ n: 0 }]);
      assert.deepEqual(await p.query("SELECT to_regclass('t') AS t"), [{ t: null }]);
      assert.match((await p.ok("status")).out, /^pending +20990101000000_require_age$/m);
      await p.query("UPDATE users SET age = 1");
      assert.match((await p.ok("migrate")).out, /applied 20990101000000_require_age/);
      assert.deepEqual(await p.query("SELECT count(*)::int AS n FROM marks"), [{ n: 1 }]);
    }));

  test("-- closql:no-transaction runs CREATE INDEX CONCURRENTLY; BEGIN inside a transactional file is refused", () =>
    withProject(async (p) => {
      await p.ok("generate", "init", "--schema", schemaRef("base"));
      await p.ok("migrate");
      write(
        p,
        "20990101000000_index",
        'CREATE INDEX CONCURRENTLY users_age_idx ON users (age);\nSELECT 1 AS "a;b";',
        "DROP INDEX CONCURRENTLY users_age_idx;",
        "-- closql:no-transaction\n",
      );
      assert.match((await p.ok("migrate")).out, /applied 20990101000000_index/);
      assert.deepEqual(
        await p.query(
          "SELECT indexname FROM pg_indexes WHERE indexname = 'users_age_idx' AND schemaname = current_schema()",
        ),
        [{ indexname: "users_age_idx" }],
      );
      await p.ok("rollback");
      assert.deepEqual(
        await p.query(
          "SELECT indexname FROM pg_indexes WHERE indexname = 'users_age_idx' AND schemaname = current_schema()",
        ),
        [],
      );
      fs.rmSync(path.join(p.dir, "20990101000000_index.sql"));

      const file = write(p, "20990101000001_begin", "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;");
      const r = await p.cli("migrate");
      assert.equal(r.code, 1);
      assert.equal(
        r.err,
        `closql: ${file}:2: BEGIN in a migration: closql runs each section in its own transaction. Remove it, or mark the file "-- closql:no-transaction" to run its statements one by one.`,
      );
    }));
});

describe("check and status report what a deploy must know", () => {
  test("check: exit 0 when applied and matching; 1 on pending, drift, and migrations the folder lacks", () =>
    withProject(async (p) => {
      await p.ok("generate", "init", "--schema", schemaRef("base"));
      let r = await p.cli("check", "--schema", schemaRef("base"));
      assert.equal(r.code, 1);
      const [init] = p.migrations();
      assert.equal(
        r.out,
        [
          "✗ migrations are applied",
          `  ${init.id}: pending: not applied to this database (closql migrate)`,
          "✗ the database matches the declared schema",
          `  2 changes would bring schema "${p.namespace}" to the declaration:`,
          '    create table "users"',
          '    create table "posts"',
          "  closql diff prints the SQL; closql generate <name> writes it as a migration.",
        ].join("\n"),
      );
      await p.ok("migrate");
      r = await p.cli("check", "--schema", schemaRef("base"));
      assert.equal(r.code, 0, r.out);
      assert.equal(r.out, "✓ migrations are applied\n  1 applied\n✓ the database matches the declared schema");

      await p.query("ALTER TABLE users ADD COLUMN extra text");
      r = await p.cli("check", "--schema", schemaRef("base"));
      assert.equal(r.code, 1);
      assert.match(
        r.out,
        /✗ the database matches the declared schema\n {2}1 change would bring .*\n {4}! drop column "users"."extra"/,
      );
      await p.query("ALTER TABLE users DROP COLUMN extra");

      fs.rmSync(init.path);
      r = await p.cli("check", "--schema", schemaRef("base"));
      assert.equal(r.code, 1);
      assert.match(r.out, new RegExp(`${init.id}: applied to this database but not in `));
      assert.match((await p.ok("status")).out, new RegExp(`^missing +${init.id} .*\\(no file\\)$`, "m"));
    }));

  test("generate refuses while migrations are pending, and writes nothing when there is nothing to do", () =>
    withProject(async (p) => {
      await p.ok("generate", "init", "--schema", schemaRef("base"));
      const r = await p.cli("generate", "more", "--schema", schemaRef("addNullableColumn"));
      assert.equal(r.code, 1);
      assert.match(r.err, /1 migration is not applied as written \(\d+_init: pending\).*run closql migrate first/);
      await p.ok("migrate");
      assert.equal(
        (await p.ok("generate", "again", "--schema", schemaRef("base"))).out,
        "closql generate: nothing to generate: the database matches the declaration",
      );
      assert.equal(p.migrations().length, 1);
    }));
});

describe("two migrate processes at once", () => {
  test(
    "both wait on the lock; every migration is applied exactly once",
    {
      skip: embedded && "PGlite is one session: a second lock request is granted to that same session, so no one waits",
    },
    () =>
      withProject(async (p) => {
        write(p, "20990101000000_create", "CREATE TABLE t (n int);\nSELECT pg_sleep(0.3);", "DROP TABLE t;");
        write(p, "20990101000001_fill", "INSERT INTO t VALUES (1);", "DELETE FROM t;");
        // Hold the migration lock of this schema, so both processes start by waiting.
        const holder = new pg.Client({ connectionString: p.url });
        await holder.connect();
        await holder.query("SELECT pg_advisory_lock(1668050803, hashtext(current_schema()))");
        // The installed bin (the package exports only its entry and package.json).
        const bin = path.join(path.dirname(require.resolve("@closql/cli/package.json")), "dist/main.js");
        const run = () =>
          new Promise<{ code: number | null; out: string }>((resolve) => {
            const child = spawn(process.execPath, [bin, "migrate", "--dir", p.dir, "--url", p.url], {
              stdio: ["ignore", "pipe", "pipe"],
            });
            let out = "";
            child.stdout.on("data", (d) => (out += d));
            child.stderr.on("data", (d) => (out += d));
            child.on("exit", (code) => resolve({ code, out }));
          });
        const both = [run(), run()];
        try {
          for (let waiting = 0; waiting < 2;) {
            await new Promise((r) => setTimeout(r, 50));
            waiting = (
              await holder.query<{ n: number }>(
                "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 1668050803 AND NOT granted",
              )
            ).rows[0].n;
          }
        } finally {
          await holder.query("SELECT pg_advisory_unlock_all()");
          await holder.end();
        }
        const results = await Promise.all(both);
        for (const r of results) {
          assert.equal(r.code, 0, r.out);
          assert.match(r.out, /another closql migrate holds the migration lock: waiting/);
        }
        const outs = results.map((r) => r.out).sort();
        assert.match(outs.join("\n"), /applied 2 migrations/);
        assert.equal(outs.filter((o) => /nothing to apply/.test(o)).length, 1);
        assert.deepEqual(await p.query("SELECT n FROM t"), [{ n: 1 }]);
        assert.deepEqual(await p.query("SELECT id FROM closql_migrations ORDER BY id"), [
          { id: "20990101000000_create" },
          { id: "20990101000001_fill" },
        ]);
      }),
  );
});

describe("a role without the privileges", () => {
  test(
    "gets the server's refusal in one line, no stack trace",
    { skip: embedded && "PGlite has one user, who may do everything" },
    () =>
      withProject(async (p) => {
        await p.ok("generate", "init", "--schema", schemaRef("base"));
        await p.ok("migrate");
        const role = `closql_mig_reader_${p.namespace.slice(4)}`;
        await p.query(`CREATE ROLE ${role} LOGIN`);
        try {
          await p.query(`GRANT USAGE ON SCHEMA ${p.namespace} TO ${role}`);
          const url = new URL(p.url);
          url.username = role;
          const as = (...args: string[]) => p.cli(...args, "--url", url.toString());
          let r = await as("status");
          assert.equal(r.code, 1);
          assert.equal(
            r.err,
            "closql status: the database refused: permission denied for table closql_migrations (SQLSTATE 42501)",
          );
          r = await as("diff", "--schema", schemaRef("base"));
          assert.equal(r.code, 1);
          assert.match(
            r.err,
            /^closql: cannot create a scratch schema \(permission denied for database .*\)\. closql reads the declaration back .* the role needs CREATE on the database\.$/,
          );
        } finally {
          await p.query(`DROP OWNED BY ${role}`);
          await p.query(`DROP ROLE ${role}`);
        }
      }),
  );
});
