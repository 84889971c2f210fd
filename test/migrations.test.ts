import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { renderDrop } from "closql";
import * as versions from "./support/migration-schemas";
import { CliProject, schemaRef, statementsOf } from "./support/cli-project";

/**
 * Issue 10: migrations from the one declaration, on a real server (or embedded PGlite). Each case
 * starts from a database migrated to one version of the schema (support/migration-schemas.ts), with
 * rows in it, and runs the closql command: diff → generate → migrate → a second diff is empty (the
 * database, read back through pg_catalog, equals the declaration) → rollback → the first version
 * again, diff empty. The generated SQL is asserted exactly, and the rows are checked after each step
 * that must keep them.
 */

type Version = keyof typeof versions;

interface Case {
  readonly from: Version;
  readonly to: Version;
  /** The up section's statements, exactly (comments left out). */
  readonly up: readonly string[];
  /** The down section's statements, exactly, when the case is about them. */
  readonly down?: readonly string[];
  /** Generating (and applying) the up section needs --allow-destructive. */
  readonly destructive?: boolean;
  /** Rolling back needs --allow-destructive (the down section drops or narrows). */
  readonly downDestructive?: boolean;
  /** The up statements that carry a lock/rewrite warning (by index). */
  readonly warned?: readonly number[];
  /** Rows inserted at `from`; checked after migrate (`to`) and after rollback (`from`). */
  readonly seed?: (p: CliProject) => Promise<void>;
  readonly afterMigrate?: (p: CliProject) => Promise<void>;
  readonly afterRollback?: (p: CliProject) => Promise<void>;
  /** How many files generate writes (2 when new enum labels come first). */
  readonly files?: number;
  /** More flags for generate (`--concurrently`). */
  readonly flags?: readonly string[];
  /** Which of the written files run outside a transaction. */
  readonly noTransaction?: readonly number[];
}

const seedUsers = async (p: CliProject) => {
  await p.query(
    "INSERT INTO users (email, name, age) VALUES ('ada@example.com', 'Ada', 36), ('bob@example.com', 'Bob', NULL)",
  );
  await p.query("INSERT INTO posts (user_id, title) VALUES (1, 'hello')");
};
const users = (p: CliProject, columns = "id, email, name, age") => p.query(`SELECT ${columns} FROM users ORDER BY id`);
const baseRows = [
  { id: 1, email: "ada@example.com", name: "Ada", age: 36 },
  { id: 2, email: "bob@example.com", name: "Bob", age: null },
];
const keepsUsers = async (p: CliProject) => assert.deepEqual(await users(p), baseRows);

/** Everything any version declares, for cleaning up `public` on embedded PGlite. */
const everything = [...new Set(Object.values(versions).flatMap((s) => renderDrop(s)))].sort(
  (a, b) => Number(b.startsWith("DROP TABLE")) - Number(a.startsWith("DROP TABLE")),
);

async function runCase(c: Case): Promise<void> {
  const p = await CliProject.open(everything);
  try {
    await p.ok("generate", "start", "--schema", schemaRef(c.from));
    await p.ok("migrate");
    await c.seed?.(p);
    const before = p.migrations().length;

    // diff prints what generate writes.
    const diff = await p.ok("diff", "--schema", schemaRef(c.to));
    if (c.destructive) {
      const refused = await p.cli("generate", "change", "--schema", schemaRef(c.to));
      assert.equal(refused.code, 1);
      assert.match(refused.err, /refusing changes that lose data without --allow-destructive/);
      assert.equal(p.migrations().length, before, "nothing written");
    }
    await p.ok(
      "generate",
      "change",
      "--schema",
      schemaRef(c.to),
      ...(c.destructive ? ["--allow-destructive"] : []),
      ...(c.flags ?? []),
    );
    const written = p.migrations().slice(before);
    assert.equal(written.length, c.files ?? 1);
    assert.deepEqual(
      written.flatMap((f, i) => (f.transaction ? [] : [i])),
      c.noTransaction ?? [],
    );
    const up = written.flatMap((f) => statementsOf(f.up));
    assert.deepEqual(up, c.up);
    if (!c.flags) for (const s of up) assert.ok(diff.out.includes(`${s};`), `diff prints ${s}`);
    if (c.down)
      assert.deepEqual(
        written.flatMap((f) => statementsOf(f.down)),
        c.down,
      );
    const warned = written
      .flatMap((f) => f.up.statements)
      .flatMap((s, i) => (s.text.includes("-- closql:warning") ? [i] : []));
    assert.deepEqual(warned, c.warned ?? []);
    assert.equal(
      written.some((f) => f.up.destructive.length > 0),
      c.destructive === true,
      "the up section marks its destructive statements",
    );

    if (c.destructive) {
      const refused = await p.cli("migrate");
      assert.equal(refused.code, 1);
      assert.match(refused.err, /refusing to apply destructive changes without --allow-destructive/);
    }
    await p.ok("migrate", ...(c.destructive ? ["--allow-destructive"] : []));
    assert.match((await p.ok("diff", "--schema", schemaRef(c.to))).out, /-- no changes: the database matches/);
    await c.afterMigrate?.(p);

    const steps = String(written.length);
    if (c.downDestructive) {
      const refused = await p.cli("rollback", "--steps", steps);
      assert.equal(refused.code, 1);
      assert.match(refused.err, /refusing to roll back destructive changes without --allow-destructive/);
    }
    await p.ok("rollback", "--steps", steps, ...(c.downDestructive ? ["--allow-destructive"] : []));
    assert.match((await p.ok("diff", "--schema", schemaRef(c.from))).out, /-- no changes: the database matches/);
    await c.afterRollback?.(p);
  } finally {
    await p.close();
  }
}

const fkOf = async (p: CliProject) =>
  p.query<{ target: string; def: string }>(
    "SELECT confrelid::regclass::text AS target, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'f' AND conrelid = 'posts'::regclass",
  );
const errorCode = async (work: () => Promise<unknown>) => {
  try {
    await work();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

const CASES: Record<string, Case> = {
  "add a nullable column": {
    from: "base",
    to: "addNullableColumn",
    up: [`ALTER TABLE "users" ADD COLUMN "nickname" text`],
    down: [`ALTER TABLE "users" DROP COLUMN "nickname"`],
    downDestructive: true,
    seed: seedUsers,
    afterMigrate: async (p) =>
      assert.deepEqual(
        await users(p, "id, email, name, age, nickname"),
        baseRows.map((r) => ({ ...r, nickname: null })),
      ),
    afterRollback: keepsUsers,
  },
  "add NOT NULL columns with defaults": {
    from: "base",
    to: "addColumnWithDefault",
    up: [
      `ALTER TABLE "users" ADD COLUMN "score" integer NOT NULL DEFAULT 0`,
      `ALTER TABLE "users" ADD COLUMN "joined_at" timestamp with time zone NOT NULL DEFAULT now()`,
    ],
    downDestructive: true,
    seed: seedUsers,
    afterMigrate: async (p) => {
      assert.deepEqual(
        await users(p, "id, email, name, age, score"),
        baseRows.map((r) => ({ ...r, score: 0 })),
      );
      assert.deepEqual(await p.query("SELECT count(*)::int AS n FROM users WHERE joined_at IS NULL"), [{ n: 0 }]);
    },
    afterRollback: keepsUsers,
  },
  "drop a column (destructive)": {
    from: "base",
    to: "dropColumn",
    up: [`ALTER TABLE "users" DROP COLUMN "age"`],
    down: [`ALTER TABLE "users" ADD COLUMN "age" integer`],
    destructive: true,
    seed: seedUsers,
    afterMigrate: async (p) =>
      assert.deepEqual(
        await users(p, "id, email, name"),
        baseRows.map(({ age: _, ...r }) => r),
      ),
    // The column comes back; its values were dropped with it.
    afterRollback: async (p) =>
      assert.deepEqual(
        await users(p),
        baseRows.map((r) => ({ ...r, age: null })),
      ),
  },
  "rename a column from its .renamedFrom() hint": {
    from: "base",
    to: "renameColumn",
    up: [`ALTER TABLE "users" RENAME COLUMN "name" TO "full_name"`],
    down: [`ALTER TABLE "users" RENAME COLUMN "full_name" TO "name"`],
    seed: seedUsers,
    afterMigrate: async (p) => assert.deepEqual(await users(p, "id, email, full_name AS name, age"), baseRows),
    afterRollback: keepsUsers,
  },
  "rename a table from its .renamedFrom() hint, foreign keys follow": {
    from: "base",
    to: "renameTable",
    up: [`ALTER TABLE "users" RENAME TO "people"`],
    down: [`ALTER TABLE "people" RENAME TO "users"`],
    seed: seedUsers,
    afterMigrate: async (p) => {
      assert.deepEqual(await p.query("SELECT id, email, name, age FROM people ORDER BY id"), baseRows);
      assert.deepEqual(await fkOf(p), [
        { target: "people", def: "FOREIGN KEY (user_id) REFERENCES people(id) ON DELETE CASCADE" },
      ]);
    },
    afterRollback: keepsUsers,
  },
  "widen a type (integer → bigint): rewrite warning, rows kept": {
    from: "base",
    to: "widenType",
    up: [`ALTER TABLE "users" ALTER COLUMN "age" TYPE bigint USING "age"::bigint`],
    down: [`ALTER TABLE "users" ALTER COLUMN "age" TYPE integer USING "age"::integer`],
    warned: [0],
    downDestructive: true,
    seed: seedUsers,
    afterMigrate: async (p) =>
      assert.deepEqual(await users(p, "id, age::text AS age"), [
        { id: 1, age: "36" },
        { id: 2, age: null },
      ]),
    afterRollback: keepsUsers,
  },
  "narrow a type (text → varchar(10), destructive)": {
    from: "base",
    to: "narrowType",
    up: [`ALTER TABLE "users" ALTER COLUMN "name" TYPE character varying(10) USING "name"::character varying(10)`],
    destructive: true,
    warned: [0],
    seed: seedUsers,
    afterMigrate: keepsUsers,
    afterRollback: keepsUsers,
  },
  "nullability both ways": {
    from: "base",
    to: "nullability",
    up: [
      `ALTER TABLE "users" ALTER COLUMN "name" DROP NOT NULL`,
      `ALTER TABLE "users" ALTER COLUMN "age" SET NOT NULL`,
    ],
    down: [
      `ALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL`,
      `ALTER TABLE "users" ALTER COLUMN "age" DROP NOT NULL`,
    ],
    warned: [1],
    seed: async (p) => {
      await seedUsers(p);
      await p.query("UPDATE users SET age = 40 WHERE age IS NULL");
    },
    afterMigrate: async (p) => {
      assert.equal(await errorCode(() => p.query("INSERT INTO users (email, name) VALUES ('c@x', 'C')")), "23502");
      await p.query("INSERT INTO users (email, age) VALUES ('c@x', 1)");
      await p.query("DELETE FROM users WHERE email = 'c@x'");
    },
    afterRollback: async (p) => assert.equal((await users(p)).length, 2),
  },
  "add defaults": {
    from: "base",
    to: "withDefault",
    up: [
      `ALTER TABLE "users" ALTER COLUMN "name" SET DEFAULT 'anonymous'::text`,
      `ALTER TABLE "users" ALTER COLUMN "age" SET DEFAULT 18`,
    ],
    down: [
      `ALTER TABLE "users" ALTER COLUMN "name" DROP DEFAULT`,
      `ALTER TABLE "users" ALTER COLUMN "age" DROP DEFAULT`,
    ],
    seed: seedUsers,
    afterMigrate: async (p) => {
      await p.query("INSERT INTO users (email) VALUES ('c@x')");
      assert.deepEqual(await p.query("SELECT name, age FROM users WHERE email = 'c@x'"), [
        { name: "anonymous", age: 18 },
      ]);
      await p.query("DELETE FROM users WHERE email = 'c@x'");
      await keepsUsers(p);
    },
    afterRollback: keepsUsers,
  },
  "change and drop defaults": {
    from: "withDefault",
    to: "changedDefault",
    up: [
      `ALTER TABLE "users" ALTER COLUMN "name" SET DEFAULT 'nobody'::text`,
      `ALTER TABLE "users" ALTER COLUMN "age" DROP DEFAULT`,
    ],
    down: [
      `ALTER TABLE "users" ALTER COLUMN "name" SET DEFAULT 'anonymous'::text`,
      `ALTER TABLE "users" ALTER COLUMN "age" SET DEFAULT 18`,
    ],
    seed: seedUsers,
    afterMigrate: async (p) => {
      await p.query("INSERT INTO users (email) VALUES ('c@x')");
      assert.deepEqual(await p.query("SELECT name, age FROM users WHERE email = 'c@x'"), [
        { name: "nobody", age: null },
      ]);
      await p.query("DELETE FROM users WHERE email = 'c@x'");
    },
    afterRollback: keepsUsers,
  },
  "add a table with a foreign key": {
    from: "base",
    to: "addTable",
    up: [
      `CREATE TABLE "comments" (
  "id" serial NOT NULL PRIMARY KEY,
  "post_id" integer NOT NULL REFERENCES "posts" ("id"),
  "body" text NOT NULL
)`,
    ],
    down: [`DROP TABLE "comments"`],
    downDestructive: true,
    seed: seedUsers,
    afterMigrate: async (p) => {
      await p.query("INSERT INTO comments (post_id, body) VALUES (1, 'first')");
      assert.equal(await errorCode(() => p.query("INSERT INTO comments (post_id, body) VALUES (99, 'x')")), "23503");
      await keepsUsers(p);
    },
    afterRollback: keepsUsers,
  },
  "drop a table (destructive)": {
    from: "base",
    to: "dropTable",
    up: [`DROP TABLE "posts"`],
    down: [
      `CREATE TABLE "posts" (
  "id" serial NOT NULL PRIMARY KEY,
  "user_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
  "title" text NOT NULL
)`,
    ],
    destructive: true,
    seed: seedUsers,
    afterMigrate: keepsUsers,
    afterRollback: async (p) => {
      await keepsUsers(p);
      assert.deepEqual(await p.query("SELECT count(*)::int AS n FROM posts"), [{ n: 0 }]);
    },
  },
  "add btree, unique, GIN, partial and expression indexes": {
    from: "taggedUsers",
    to: "indexed",
    up: [
      `CREATE INDEX "users_adults_idx" ON "users" ("name") WHERE (age >= 18)`,
      `CREATE INDEX "users_age_idx" ON "users" ("age")`,
      `CREATE INDEX "users_lower_email_idx" ON "users" ((lower(email)))`,
      `CREATE INDEX "users_meta_gin" ON "users" USING gin ("meta")`,
      `CREATE UNIQUE INDEX "users_name_age_key" ON "users" ("name", "age")`,
      `CREATE INDEX "users_tags_gin" ON "users" USING gin ("tags")`,
    ],
    down: [
      `DROP INDEX "users_adults_idx"`,
      `DROP INDEX "users_age_idx"`,
      `DROP INDEX "users_lower_email_idx"`,
      `DROP INDEX "users_meta_gin"`,
      `DROP INDEX "users_name_age_key"`,
      `DROP INDEX "users_tags_gin"`,
    ],
    warned: [0, 1, 2, 3, 4, 5],
    seed: seedUsers,
    afterMigrate: async (p) => {
      await keepsUsers(p);
      assert.equal(
        await errorCode(() => p.query("INSERT INTO users (email, name, age) VALUES ('c@x', 'Ada', 36)")),
        "23505",
      );
    },
    afterRollback: async (p) => {
      await p.query("INSERT INTO users (email, name, age) VALUES ('c@x', 'Ada', 36)");
      await p.query("DELETE FROM users WHERE email = 'c@x'");
    },
  },
  "change and drop indexes": {
    from: "indexed",
    to: "reindexed",
    up: [
      `DROP INDEX "users_adults_idx"`,
      `DROP INDEX "users_age_idx"`,
      `DROP INDEX "users_lower_email_idx"`,
      `DROP INDEX "users_meta_gin"`,
      `DROP INDEX "users_name_age_key"`,
      `DROP INDEX "users_tags_gin"`,
      `CREATE INDEX "users_adults_idx" ON "users" ("name") WHERE (age >= 21)`,
      `CREATE INDEX "users_age_idx" ON "users" ("age", "name")`,
    ],
    warned: [6, 7],
    seed: seedUsers,
    afterMigrate: keepsUsers,
    afterRollback: keepsUsers,
  },
  "with --concurrently, indexes on an existing table are built CONCURRENTLY, outside a transaction": {
    from: "taggedUsers",
    to: "indexed",
    flags: ["--concurrently"],
    noTransaction: [0],
    up: [
      `DROP INDEX CONCURRENTLY IF EXISTS "users_adults_idx"`,
      `CREATE INDEX CONCURRENTLY "users_adults_idx" ON "users" ("name") WHERE (age >= 18)`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_age_idx"`,
      `CREATE INDEX CONCURRENTLY "users_age_idx" ON "users" ("age")`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_lower_email_idx"`,
      `CREATE INDEX CONCURRENTLY "users_lower_email_idx" ON "users" ((lower(email)))`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_meta_gin"`,
      `CREATE INDEX CONCURRENTLY "users_meta_gin" ON "users" USING gin ("meta")`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_name_age_key"`,
      `CREATE UNIQUE INDEX CONCURRENTLY "users_name_age_key" ON "users" ("name", "age")`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_tags_gin"`,
      `CREATE INDEX CONCURRENTLY "users_tags_gin" ON "users" USING gin ("tags")`,
    ],
    down: [
      `DROP INDEX CONCURRENTLY IF EXISTS "users_adults_idx"`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_age_idx"`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_lower_email_idx"`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_meta_gin"`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_name_age_key"`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_tags_gin"`,
    ],
    seed: seedUsers,
    afterMigrate: keepsUsers,
    afterRollback: keepsUsers,
  },
  "with --concurrently, changed indexes: dropped in the migration, built CONCURRENTLY after it": {
    from: "indexed",
    to: "reindexed",
    flags: ["--concurrently"],
    files: 2,
    noTransaction: [1],
    up: [
      `DROP INDEX "users_adults_idx"`,
      `DROP INDEX "users_age_idx"`,
      `DROP INDEX "users_lower_email_idx"`,
      `DROP INDEX "users_meta_gin"`,
      `DROP INDEX "users_name_age_key"`,
      `DROP INDEX "users_tags_gin"`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_adults_idx"`,
      `CREATE INDEX CONCURRENTLY "users_adults_idx" ON "users" ("name") WHERE (age >= 21)`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_age_idx"`,
      `CREATE INDEX CONCURRENTLY "users_age_idx" ON "users" ("age", "name")`,
    ],
    down: [
      `CREATE INDEX "users_adults_idx" ON "users" ("name") WHERE (age >= 18)`,
      `CREATE INDEX "users_age_idx" ON "users" ("age")`,
      `CREATE INDEX "users_lower_email_idx" ON "users" ((lower(email)))`,
      `CREATE INDEX "users_meta_gin" ON "users" USING gin ("meta")`,
      `CREATE UNIQUE INDEX "users_name_age_key" ON "users" ("name", "age")`,
      `CREATE INDEX "users_tags_gin" ON "users" USING gin ("tags")`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_adults_idx"`,
      `DROP INDEX CONCURRENTLY IF EXISTS "users_age_idx"`,
    ],
    seed: seedUsers,
    afterMigrate: keepsUsers,
    afterRollback: keepsUsers,
  },
  "add a foreign key": {
    from: "withoutForeignKey",
    to: "base",
    up: [`ALTER TABLE "posts" ADD FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE`],
    down: [`ALTER TABLE "posts" DROP CONSTRAINT "posts_user_id_fkey"`],
    warned: [0],
    seed: seedUsers,
    afterMigrate: async (p) => {
      assert.equal(await errorCode(() => p.query("INSERT INTO posts (user_id, title) VALUES (99, 'x')")), "23503");
      await keepsUsers(p);
    },
    afterRollback: async (p) => {
      await p.query("INSERT INTO posts (user_id, title) VALUES (99, 'x')");
      await p.query("DELETE FROM posts WHERE user_id = 99");
    },
  },
  "change a foreign key's actions": {
    from: "base",
    to: "restrictForeignKey",
    up: [
      `ALTER TABLE "posts" DROP CONSTRAINT "posts_user_id_fkey"`,
      `ALTER TABLE "posts" ADD FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE CASCADE`,
    ],
    warned: [1],
    seed: seedUsers,
    afterMigrate: async (p) => {
      // ON DELETE RESTRICT: foreign_key_violation, or restrict_violation from PostgreSQL 18 (PGlite).
      assert.ok(["23503", "23001"].includes((await errorCode(() => p.query("DELETE FROM users WHERE id = 1")))!));
      assert.deepEqual(await fkOf(p), [
        { target: "users", def: "FOREIGN KEY (user_id) REFERENCES users(id) ON UPDATE CASCADE ON DELETE RESTRICT" },
      ]);
    },
    afterRollback: async (p) =>
      assert.deepEqual(await fkOf(p), [
        { target: "users", def: "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE" },
      ]),
  },
  "add an enum label; rollback recreates the type around a partial index": {
    from: "withRole",
    to: "addEnumLabel",
    up: [`ALTER TYPE "role" ADD VALUE 'owner' AFTER 'admin'`],
    down: [
      `ALTER TYPE "role" RENAME TO "role__closql_old"`,
      `DROP INDEX "users_admins_idx"`,
      `CREATE TYPE "role" AS ENUM ('user', 'admin')`,
      `ALTER TABLE "users" ALTER COLUMN "role" DROP DEFAULT`,
      `ALTER TABLE "users" ALTER COLUMN "role" TYPE role USING "role"::text::role`,
      `ALTER TABLE "users" ALTER COLUMN "role" SET DEFAULT 'user'::role`,
      `DROP TYPE "role__closql_old"`,
      `CREATE INDEX "users_admins_idx" ON "users" ("name") WHERE (role = 'admin'::role)`,
    ],
    downDestructive: true,
    seed: async (p) => {
      await seedUsers(p);
      await p.query("UPDATE users SET role = 'admin' WHERE id = 2");
    },
    afterMigrate: async (p) => {
      assert.deepEqual(await p.query("SELECT enum_range(NULL::role)::text[] AS labels"), [
        { labels: ["user", "admin", "owner"] },
      ]);
      assert.deepEqual(await users(p, "id, role::text AS role"), [
        { id: 1, role: "user" },
        { id: 2, role: "admin" },
      ]);
    },
    afterRollback: async (p) => {
      assert.deepEqual(await p.query("SELECT enum_range(NULL::role)::text[] AS labels"), [
        { labels: ["user", "admin"] },
      ]);
      assert.deepEqual(await users(p, "id, role::text AS role"), [
        { id: 1, role: "user" },
        { id: 2, role: "admin" },
      ]);
    },
  },
  "add an enum label and use it as the default: the label gets a migration of its own, first": {
    from: "withRole",
    to: "addEnumLabelAndUseIt",
    files: 2,
    up: [
      `ALTER TYPE "role" ADD VALUE 'guest' BEFORE 'user'`,
      `ALTER TABLE "users" ALTER COLUMN "role" SET DEFAULT 'guest'::role`,
    ],
    downDestructive: true,
    seed: seedUsers,
    afterMigrate: async (p) => {
      await p.query("INSERT INTO users (email, name) VALUES ('c@x', 'C')");
      assert.deepEqual(await p.query("SELECT role::text AS role FROM users WHERE email = 'c@x'"), [{ role: "guest" }]);
      await p.query("DELETE FROM users WHERE email = 'c@x'");
    },
    afterRollback: keepsUsers,
  },
  "drop an enum label (destructive): the type is recreated": {
    from: "withRole",
    to: "dropEnumLabel",
    up: [
      `DROP INDEX "users_admins_idx"`,
      `ALTER TYPE "role" RENAME TO "role__closql_old"`,
      `CREATE TYPE "role" AS ENUM ('user')`,
      `ALTER TABLE "users" ALTER COLUMN "role" DROP DEFAULT`,
      `ALTER TABLE "users" ALTER COLUMN "role" TYPE role USING "role"::text::role`,
      `ALTER TABLE "users" ALTER COLUMN "role" SET DEFAULT 'user'::role`,
      `DROP TYPE "role__closql_old"`,
    ],
    destructive: true,
    warned: [1],
    seed: seedUsers,
    afterMigrate: async (p) =>
      assert.deepEqual(await p.query("SELECT enum_range(NULL::role)::text[] AS labels"), [{ labels: ["user"] }]),
    afterRollback: keepsUsers,
  },
  "add a table with a composite primary key": {
    from: "base",
    to: "withMemberships",
    up: [
      `CREATE TABLE "memberships" (
  "org_id" integer NOT NULL,
  "user_id" integer NOT NULL REFERENCES "users" ("id"),
  "role" text NOT NULL,
  PRIMARY KEY ("org_id", "user_id")
)`,
    ],
    downDestructive: true,
    seed: seedUsers,
    afterMigrate: async (p) => {
      await p.query("INSERT INTO memberships VALUES (1, 1, 'a')");
      assert.equal(await errorCode(() => p.query("INSERT INTO memberships VALUES (1, 1, 'b')")), "23505");
    },
    afterRollback: keepsUsers,
  },
  "change a composite primary key and add a check": {
    from: "withMemberships",
    to: "widerCompositeKey",
    up: [
      `ALTER TABLE "memberships" DROP CONSTRAINT "memberships_pkey"`,
      `ALTER TABLE "memberships" ADD PRIMARY KEY ("org_id", "user_id", "role")`,
      `ALTER TABLE "memberships" ADD CONSTRAINT "memberships_role_check" CHECK ((role <> ''::text))`,
    ],
    down: [
      `ALTER TABLE "memberships" DROP CONSTRAINT "memberships_pkey"`,
      `ALTER TABLE "memberships" DROP CONSTRAINT "memberships_role_check"`,
      `ALTER TABLE "memberships" ADD PRIMARY KEY ("org_id", "user_id")`,
    ],
    warned: [1, 2],
    seed: async (p) => {
      await seedUsers(p);
      await p.query("INSERT INTO memberships VALUES (1, 1, 'a'), (1, 2, 'b')");
    },
    afterMigrate: async (p) => {
      await p.query("INSERT INTO memberships VALUES (1, 1, 'c')");
      assert.equal(await errorCode(() => p.query("INSERT INTO memberships VALUES (2, 1, '')")), "23514");
      await p.query("DELETE FROM memberships WHERE role = 'c'");
      assert.deepEqual(await p.query("SELECT * FROM memberships ORDER BY user_id"), [
        { org_id: 1, user_id: 1, role: "a" },
        { org_id: 1, user_id: 2, role: "b" },
      ]);
    },
    afterRollback: async (p) =>
      assert.deepEqual(await p.query("SELECT count(*)::int AS n FROM memberships"), [{ n: 2 }]),
  },
};

// Each case has its own schema and folder: on a server they run side by side (PGlite is one session).
const concurrency = process.env.CLOSQL_EMBEDDED === "1" ? 1 : 4;

describe("migrations: diff → generate → migrate → diff empty → rollback", { concurrency }, () => {
  for (const [name, c] of Object.entries(CASES)) test(name, () => runCase(c));
});
