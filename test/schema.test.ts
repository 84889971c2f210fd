import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AnyColumn,
  bigint,
  bigserial,
  boolean,
  bytea,
  check,
  CheckViolation,
  ClosqlError,
  DatabaseError,
  date,
  doublePrecision,
  ForeignKeyViolation,
  index,
  integer,
  jsonb,
  NotNullViolation,
  numeric,
  pgEnum,
  primaryKey,
  real,
  relations,
  renderDdl,
  renderDrop,
  serial,
  table,
  text,
  timestamp,
  timestamptz,
  UniqueViolation,
  uniqueIndex,
  uuid,
  varchar,
} from "closql";
import { openTestDatabase, TestDatabase } from "./support/database";

// ---------------------------------------------------------------------------------------------
// A schema that uses every column type, modifier, index kind and constraint of DESIGN §2.
// The tables are listed referencing-first so that renderDdl has to reorder them.
// ---------------------------------------------------------------------------------------------

const mood = pgEnum("mood", ["sad", "ok", "happy"]);

const memberships = table(
  "memberships",
  {
    orgId: integer().references(() => orgs.id, { onDelete: "cascade" }),
    memberId: bigint().references(() => members.id, { onDelete: "restrict", onUpdate: "cascade" }),
    title: text().default("it's a member"),
    since: date().default("2024-02-29"),
  },
  (t) => [primaryKey(t.orgId, t.memberId)],
);

const members = table(
  "members",
  {
    id: bigserial().primaryKey(),
    orgId: integer().references(() => orgs.id, { onDelete: "cascade", onUpdate: "cascade" }),
    managerId: bigint()
      .nullable()
      .references((): AnyColumn => members.id, { onDelete: "set null" }),
    email: varchar(255).unique(),
    nickname: varchar().nullable(),
    displayName: text().name("label"),
    active: boolean().default(true),
    score: real().default(1.5),
    ratio: doublePrecision().nullable(),
    balance: numeric(20, 9).default("0.5"),
    visits: bigint().default(0n),
    rank: integer().nullable(),
    mood: mood().default("ok"),
    moods: mood().array().nullable(),
    tags: text().array().default([]),
    lucky: integer().array().default([7, -13]),
    prefs: jsonb<{ theme: string; sizes?: number[] }>().default({ theme: "dark", sizes: [1, 2] }),
    avatar: bytea().nullable(),
    token: uuid().defaultRandom(),
    birthday: date().nullable(),
    lastSeen: timestamp().nullable(),
    joinedAt: timestamptz().defaultNow(),
  },
  (t) => [
    index("members_org_idx").on(t.orgId),
    uniqueIndex("members_email_lower_idx").expression("lower(email)"),
    index("members_tags_gin").on(t.tags).using("gin"),
    index("members_active_org_idx").on(t.orgId, t.rank).where("active"),
    check("members_score_nonneg", "score >= 0"),
  ],
);

const orgs = table("orgs", {
  id: serial().primaryKey(),
  name: text().unique(),
  createdAt: timestamptz().defaultNow(),
});

const schema = relations({ memberships, members, orgs });

const expectedDdl = [
  `CREATE TYPE "mood" AS ENUM ('sad', 'ok', 'happy')`,
  `CREATE TABLE "orgs" (
  "id" serial NOT NULL PRIMARY KEY,
  "name" text NOT NULL UNIQUE,
  "created_at" timestamptz NOT NULL DEFAULT now()
)`,
  `CREATE TABLE "members" (
  "id" bigserial NOT NULL PRIMARY KEY,
  "org_id" integer NOT NULL REFERENCES "orgs" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "manager_id" bigint REFERENCES "members" ("id") ON DELETE SET NULL,
  "email" varchar(255) NOT NULL UNIQUE,
  "nickname" varchar,
  "label" text NOT NULL,
  "active" boolean NOT NULL DEFAULT true,
  "score" real NOT NULL DEFAULT 1.5,
  "ratio" double precision,
  "balance" numeric(20, 9) NOT NULL DEFAULT '0.5',
  "visits" bigint NOT NULL DEFAULT 0,
  "rank" integer,
  "mood" "mood" NOT NULL DEFAULT 'ok',
  "moods" "mood"[],
  "tags" text[] NOT NULL DEFAULT '{}'::text[],
  "lucky" integer[] NOT NULL DEFAULT '{"7","-13"}'::integer[],
  "prefs" jsonb NOT NULL DEFAULT '{"theme":"dark","sizes":[1,2]}'::jsonb,
  "avatar" bytea,
  "token" uuid NOT NULL DEFAULT gen_random_uuid(),
  "birthday" date,
  "last_seen" timestamp,
  "joined_at" timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT "members_score_nonneg" CHECK (score >= 0)
)`,
  `CREATE TABLE "memberships" (
  "org_id" integer NOT NULL REFERENCES "orgs" ("id") ON DELETE CASCADE,
  "member_id" bigint NOT NULL REFERENCES "members" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  "title" text NOT NULL DEFAULT 'it''s a member',
  "since" date NOT NULL DEFAULT '2024-02-29',
  PRIMARY KEY ("org_id", "member_id")
)`,
  `CREATE INDEX "members_org_idx" ON "members" ("org_id")`,
  `CREATE UNIQUE INDEX "members_email_lower_idx" ON "members" ((lower(email)))`,
  `CREATE INDEX "members_tags_gin" ON "members" USING gin ("tags")`,
  `CREATE INDEX "members_active_org_idx" ON "members" ("org_id", "rank") WHERE active`,
];

/** Runs `fn`, which must fail with a server error of class `Ctor`; returns the error. */
async function expectError<E extends DatabaseError>(
  Ctor: abstract new (...args: any[]) => E,
  fn: () => Promise<unknown>,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof Ctor, `expected ${Ctor.name}, got ${String(e)}`);
    assert.ok(e instanceof DatabaseError && e instanceof ClosqlError);
    return e;
  }
  assert.fail(`expected ${Ctor.name}, but the statement succeeded`);
}

async function withDatabase<S extends Parameters<typeof openTestDatabase>[0]>(
  s: S,
  fn: (t: TestDatabase<S>) => Promise<void>,
): Promise<void> {
  // Embedded PGlite is one session shared by every test's pool: a statement prepared under a name by
  // an earlier test's connection is still there, so only the real server uses named statements.
  const t = await openTestDatabase(s, { prepare: process.env.CLOSQL_EMBEDDED !== "1" });
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

async function serverVersion(t: TestDatabase<any>): Promise<number> {
  const [row] = await t.db.sql<{ v: number }>`SELECT current_setting('server_version_num')::int AS v`;
  return row.v;
}

/** Inserts one org and one member of it with only the required columns; returns their ids. */
async function insertOrgAndMember(t: TestDatabase<typeof schema>, email = "a@example.com") {
  const [org] = await t.db.sql<{ id: number }>`INSERT INTO orgs (name) VALUES (${"org of " + email}) RETURNING id`;
  const [member] = await t.db.sql<{
    id: string;
  }>`INSERT INTO members (org_id, email, label) VALUES (${org.id}, ${email}, ${"A"}) RETURNING id`;
  return { orgId: org.id, memberId: BigInt(member.id) };
}

describe("DDL rendering", () => {
  test("renderDdl: enums, then tables with referenced tables first, then indexes — exact statements", () => {
    const ddl = renderDdl(schema);
    assert.deepEqual(ddl, expectedDdl);
  });

  test("renderDrop: tables in reverse dependency order, then enum types", () => {
    assert.deepEqual(renderDrop(schema), [
      `DROP TABLE IF EXISTS "memberships" CASCADE`,
      `DROP TABLE IF EXISTS "members" CASCADE`,
      `DROP TABLE IF EXISTS "orgs" CASCADE`,
      `DROP TYPE IF EXISTS "mood"`,
    ]);
  });

  test("an enum used by several tables is created once", () => {
    const a = table("a", { id: serial().primaryKey(), m: mood() });
    const b = table("b", { id: serial().primaryKey(), m: mood().nullable(), ms: mood().array().default(["happy"]) });
    assert.deepEqual(renderDdl(relations({ a, b })), [
      `CREATE TYPE "mood" AS ENUM ('sad', 'ok', 'happy')`,
      `CREATE TABLE "a" (\n  "id" serial NOT NULL PRIMARY KEY,\n  "m" "mood" NOT NULL\n)`,
      `CREATE TABLE "b" (\n  "id" serial NOT NULL PRIMARY KEY,\n  "m" "mood",\n  "ms" "mood"[] NOT NULL DEFAULT '{"happy"}'::"mood"[]\n)`,
    ]);
  });
});

describe("DDL on the server: the catalog agrees with the declaration", () => {
  test("columns: types, nullability and defaults", async () => {
    await withDatabase(schema, async (t) => {
      const cols = await t.db.sql<{
        table_name: string;
        column_name: string;
        type: string;
        is_nullable: string;
        column_default: string | null;
      }>`
        SELECT c.table_name, c.column_name, format_type(a.atttypid, a.atttypmod) AS type, c.is_nullable, c.column_default
        FROM information_schema.columns c
        JOIN pg_attribute a ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND a.attname = c.column_name
        WHERE c.table_schema = ${t.namespace}
        ORDER BY c.table_name, c.ordinal_position`;
      const byTable = (name: string) =>
        cols.filter((c) => c.table_name === name).map((c) => [c.column_name, c.type, c.is_nullable, c.column_default]);
      assert.deepEqual(byTable("orgs"), [
        ["id", "integer", "NO", "nextval('orgs_id_seq'::regclass)"],
        ["name", "text", "NO", null],
        ["created_at", "timestamp with time zone", "NO", "now()"],
      ]);
      assert.deepEqual(byTable("members"), [
        ["id", "bigint", "NO", "nextval('members_id_seq'::regclass)"],
        ["org_id", "integer", "NO", null],
        ["manager_id", "bigint", "YES", null],
        ["email", "character varying(255)", "NO", null],
        ["nickname", "character varying", "YES", null],
        ["label", "text", "NO", null],
        ["active", "boolean", "NO", "true"],
        ["score", "real", "NO", "1.5"],
        ["ratio", "double precision", "YES", null],
        ["balance", "numeric(20,9)", "NO", "0.5"],
        ["visits", "bigint", "NO", "0"],
        ["rank", "integer", "YES", null],
        ["mood", "mood", "NO", "'ok'::mood"],
        ["moods", "mood[]", "YES", null],
        ["tags", "text[]", "NO", "'{}'::text[]"],
        ["lucky", "integer[]", "NO", "'{7,-13}'::integer[]"],
        ["prefs", "jsonb", "NO", `'{"sizes": [1, 2], "theme": "dark"}'::jsonb`],
        ["avatar", "bytea", "YES", null],
        ["token", "uuid", "NO", "gen_random_uuid()"],
        ["birthday", "date", "YES", null],
        ["last_seen", "timestamp without time zone", "YES", null],
        ["joined_at", "timestamp with time zone", "NO", "now()"],
      ]);
      assert.deepEqual(byTable("memberships"), [
        ["org_id", "integer", "NO", null],
        ["member_id", "bigint", "NO", null],
        ["title", "text", "NO", "'it''s a member'::text"],
        ["since", "date", "NO", "'2024-02-29'::date"],
      ]);
      const [enumType] = await t.db.sql<{ labels: string[] }>`
        SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
        FROM pg_enum e JOIN pg_type ty ON ty.oid = e.enumtypid JOIN pg_namespace n ON n.oid = ty.typnamespace
        WHERE ty.typname = 'mood' AND n.nspname = ${t.namespace}`;
      assert.deepEqual(enumType.labels, ["sad", "ok", "happy"]);
    });
  });

  test("constraints: primary keys (single and composite), unique, foreign keys with their actions, check", async () => {
    await withDatabase(schema, async (t) => {
      const rows = await t.db.sql<{ table: string; name: string; def: string }>`
        SELECT cl.relname AS table, co.conname AS name, pg_get_constraintdef(co.oid) AS def
        FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
        WHERE n.nspname = ${t.namespace} AND co.contype IN ('p', 'u', 'f', 'c')
        ORDER BY cl.relname, co.conname`;
      assert.deepEqual(
        rows.map((r) => [r.table, r.name, r.def]),
        [
          ["members", "members_email_key", "UNIQUE (email)"],
          ["members", "members_manager_id_fkey", "FOREIGN KEY (manager_id) REFERENCES members(id) ON DELETE SET NULL"],
          [
            "members",
            "members_org_id_fkey",
            "FOREIGN KEY (org_id) REFERENCES orgs(id) ON UPDATE CASCADE ON DELETE CASCADE",
          ],
          ["members", "members_pkey", "PRIMARY KEY (id)"],
          ["members", "members_score_nonneg", "CHECK ((score >= (0)::double precision))"],
          [
            "memberships",
            "memberships_member_id_fkey",
            "FOREIGN KEY (member_id) REFERENCES members(id) ON UPDATE CASCADE ON DELETE RESTRICT",
          ],
          ["memberships", "memberships_org_id_fkey", "FOREIGN KEY (org_id) REFERENCES orgs(id) ON DELETE CASCADE"],
          ["memberships", "memberships_pkey", "PRIMARY KEY (org_id, member_id)"],
          ["orgs", "orgs_name_key", "UNIQUE (name)"],
          ["orgs", "orgs_pkey", "PRIMARY KEY (id)"],
        ],
      );
    });
  });

  test("indexes: btree, unique expression, gin, partial", async () => {
    await withDatabase(schema, async (t) => {
      const rows = await t.db.sql<{ indexname: string; indexdef: string }>`
        SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = ${t.namespace} AND tablename = 'members' ORDER BY indexname`;
      const ns = t.namespace;
      assert.deepEqual(
        rows.map((r) => [r.indexname, r.indexdef]),
        [
          [
            "members_active_org_idx",
            `CREATE INDEX members_active_org_idx ON ${ns}.members USING btree (org_id, rank) WHERE active`,
          ],
          ["members_email_key", `CREATE UNIQUE INDEX members_email_key ON ${ns}.members USING btree (email)`],
          [
            "members_email_lower_idx",
            `CREATE UNIQUE INDEX members_email_lower_idx ON ${ns}.members USING btree (lower((email)::text))`,
          ],
          ["members_org_idx", `CREATE INDEX members_org_idx ON ${ns}.members USING btree (org_id)`],
          ["members_pkey", `CREATE UNIQUE INDEX members_pkey ON ${ns}.members USING btree (id)`],
          ["members_tags_gin", `CREATE INDEX members_tags_gin ON ${ns}.members USING gin (tags)`],
        ],
      );
    });
  });

  test("renderDrop removes everything renderDdl created, and renderDdl can run again", async () => {
    await withDatabase(schema, async (t) => {
      await insertOrgAndMember(t);
      for (const s of renderDrop(schema)) await t.db.execute(s);
      const [left] = await t.db.sql<{ tables: number; types: number }>`
        SELECT (SELECT count(*)::int FROM pg_tables WHERE schemaname = ${t.namespace}) AS tables,
               (SELECT count(*)::int FROM pg_type ty JOIN pg_namespace n ON n.oid = ty.typnamespace WHERE n.nspname = ${t.namespace} AND ty.typtype = 'e') AS types`;
      assert.deepEqual(left, { tables: 0, types: 0 });
      for (const s of renderDdl(schema)) await t.db.execute(s);
      assert.equal(await t.db.members.count(), 0);
    });
  });
});

describe("DDL on the server: defaults and constraints act", () => {
  test("defaults fill every omitted column", async () => {
    await withDatabase(schema, async (t) => {
      const before = Date.now();
      const { orgId, memberId } = await insertOrgAndMember(t);
      const m = await t.db.members.where((r) => r.id === memberId).one();
      assert.equal(m.id, memberId);
      assert.equal(m.orgId, orgId);
      assert.equal(m.managerId, null);
      assert.equal(m.email, "a@example.com");
      assert.equal(m.nickname, null);
      assert.equal(m.displayName, "A");
      assert.equal(m.active, true);
      assert.equal(m.score, 1.5);
      assert.equal(m.ratio, null);
      assert.equal(m.balance, "0.500000000");
      assert.equal(m.visits, 0n);
      assert.equal(m.rank, null);
      assert.equal(m.mood, "ok");
      assert.equal(m.moods, null);
      assert.deepEqual(m.tags, []);
      assert.deepEqual(m.lucky, [7, -13]);
      assert.deepEqual(m.prefs, { theme: "dark", sizes: [1, 2] });
      assert.equal(m.avatar, null);
      assert.match(m.token, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(m.birthday, null);
      assert.equal(m.lastSeen, null);
      assert.ok(m.joinedAt instanceof Date);
      assert.ok(Math.abs(m.joinedAt.getTime() - before) < 60_000, `joinedAt ${m.joinedAt.toISOString()} is now()`);

      await t.db.sql`INSERT INTO memberships (org_id, member_id) VALUES (${orgId}, ${memberId})`;
      const [ms] = await t.db.sql<{ title: string; since: string }>`SELECT title, since FROM memberships`;
      assert.deepEqual(ms, { title: "it's a member", since: "2024-02-29" });
    });
  });

  test("NOT NULL columns reject NULL: NotNullViolation with code, column and sql", async () => {
    await withDatabase(schema, async (t) => {
      const { orgId } = await insertOrgAndMember(t);
      const e = await expectError(
        NotNullViolation,
        () => t.db.sql`INSERT INTO members (org_id, email, label) VALUES (${orgId}, ${"b@example.com"}, ${null})`,
      );
      assert.equal(e.code, "23502");
      assert.equal(e.column, "label");
      assert.equal(e.table, "members");
      assert.equal(e.sql, "INSERT INTO members (org_id, email, label) VALUES ($1, $2, $3)");
      // An explicit NULL does not fall back to the default either.
      const e2 = await expectError(
        NotNullViolation,
        () =>
          t.db
            .sql`INSERT INTO members (org_id, email, label, active) VALUES (${orgId}, ${"b@example.com"}, ${"B"}, NULL)`,
      );
      assert.equal(e2.column, "active");
    });
  });

  test("unique column and unique expression index: UniqueViolation names the constraint", async () => {
    await withDatabase(schema, async (t) => {
      const { orgId } = await insertOrgAndMember(t, "dup@example.com");
      const insert = (email: string) =>
        t.db.sql`INSERT INTO members (org_id, email, label) VALUES (${orgId}, ${email}, ${"x"})`;
      const e = await expectError(UniqueViolation, () => insert("dup@example.com"));
      assert.equal(e.code, "23505");
      assert.equal(e.constraint, "members_email_key");
      assert.equal(e.table, "members");
      assert.equal(e.sql, "INSERT INTO members (org_id, email, label) VALUES ($1, $2, $3)");
      // Different text, same lower(email): caught by the expression index.
      const e2 = await expectError(UniqueViolation, () => insert("DUP@example.com"));
      assert.equal(e2.constraint, "members_email_lower_idx");
      assert.equal(await t.db.members.count(), 1);
      await insert("other@example.com");
      assert.equal(await t.db.members.count(), 2);
    });
  });

  test("composite primary key: the pair is unique, each half alone is not", async () => {
    await withDatabase(schema, async (t) => {
      const a = await insertOrgAndMember(t, "a@example.com");
      const b = await insertOrgAndMember(t, "b@example.com");
      const link = (org: number, member: bigint) =>
        t.db.sql`INSERT INTO memberships (org_id, member_id) VALUES (${org}, ${member})`;
      await link(a.orgId, a.memberId);
      await link(a.orgId, b.memberId);
      await link(b.orgId, a.memberId);
      const e = await expectError(UniqueViolation, () => link(a.orgId, a.memberId));
      assert.equal(e.constraint, "memberships_pkey");
      assert.equal(e.code, "23505");
      await expectError(
        NotNullViolation,
        () => t.db.sql`INSERT INTO memberships (org_id, member_id) VALUES (${a.orgId}, NULL)`,
      );
    });
  });

  test("check constraint: CheckViolation names it", async () => {
    await withDatabase(schema, async (t) => {
      const { orgId } = await insertOrgAndMember(t);
      const e = await expectError(
        CheckViolation,
        () =>
          t.db
            .sql`INSERT INTO members (org_id, email, label, score) VALUES (${orgId}, ${"n@example.com"}, ${"N"}, ${-0.5})`,
      );
      assert.equal(e.code, "23514");
      assert.equal(e.constraint, "members_score_nonneg");
      assert.equal(e.table, "members");
      assert.equal(e.sql, "INSERT INTO members (org_id, email, label, score) VALUES ($1, $2, $3, $4)");
      await t.db
        .sql`INSERT INTO members (org_id, email, label, score) VALUES (${orgId}, ${"z@example.com"}, ${"Z"}, ${0})`;
      const e2 = await expectError(CheckViolation, () => t.db.sql`UPDATE members SET score = -1`);
      assert.equal(e2.constraint, "members_score_nonneg");
      assert.equal(e2.sql, "UPDATE members SET score = -1");
    });
  });

  test("enum and varchar(n) columns reject values outside their type", async () => {
    await withDatabase(schema, async (t) => {
      const { orgId } = await insertOrgAndMember(t);
      const e = await expectError(
        DatabaseError,
        () =>
          t.db
            .sql`INSERT INTO members (org_id, email, label, mood) VALUES (${orgId}, ${"m@example.com"}, ${"M"}, ${"angry"})`,
      );
      assert.equal(e.code, "22P02"); // invalid_text_representation
      const e2 = await expectError(
        DatabaseError,
        () => t.db.sql`INSERT INTO members (org_id, email, label) VALUES (${orgId}, ${"x".repeat(256)}, ${"M"})`,
      );
      assert.equal(e2.code, "22001"); // string_data_right_truncation
      await t.db
        .sql`INSERT INTO members (org_id, email, label, mood) VALUES (${orgId}, ${"x".repeat(255)}, ${"M"}, ${"happy"})`;
    });
  });

  test("foreign keys: violation, ON DELETE CASCADE / SET NULL / RESTRICT, ON UPDATE CASCADE", async () => {
    await withDatabase(schema, async (t) => {
      const e = await expectError(
        ForeignKeyViolation,
        () => t.db.sql`INSERT INTO members (org_id, email, label) VALUES (${999}, ${"x@example.com"}, ${"X"})`,
      );
      assert.equal(e.code, "23503");
      assert.equal(e.constraint, "members_org_id_fkey");
      assert.equal(e.table, "members");
      assert.equal(e.sql, "INSERT INTO members (org_id, email, label) VALUES ($1, $2, $3)");

      const a = await insertOrgAndMember(t, "a@example.com");
      const b = await insertOrgAndMember(t, "b@example.com");
      // a belongs to org b through a membership.
      await t.db.sql`INSERT INTO memberships (org_id, member_id) VALUES (${b.orgId}, ${a.memberId})`;

      // RESTRICT: a member with memberships cannot be deleted. PostgreSQL 18 reports this as
      // restrict_violation (23001) rather than foreign_key_violation (23503).
      const restrict = await expectError(DatabaseError, () => t.db.sql`DELETE FROM members WHERE id = ${a.memberId}`);
      assert.equal(restrict.code, (await serverVersion(t)) >= 180000 ? "23001" : "23503");
      assert.ok(restrict instanceof ForeignKeyViolation, "both codes map to ForeignKeyViolation");
      assert.equal(restrict.constraint, "memberships_member_id_fkey");
      assert.equal(restrict.table, "memberships");
      assert.equal(restrict.sql, "DELETE FROM members WHERE id = $1");
      assert.equal(await t.db.members.where((r) => r.id === a.memberId).exists(), true);

      // ON UPDATE CASCADE: renumbering a member follows into memberships; renumbering an org into members.
      await t.db.sql`UPDATE members SET id = 100 WHERE id = ${a.memberId}`;
      await t.db.sql`UPDATE orgs SET id = 200 WHERE id = ${a.orgId}`;
      assert.deepEqual(await t.db.sql`SELECT org_id, member_id::text FROM memberships`, [
        { org_id: b.orgId, member_id: "100" },
      ]);
      assert.equal((await t.db.members.where((r) => r.id === 100n).one()).orgId, 200);

      // The self reference has no ON UPDATE action (NO ACTION): a referenced manager cannot be renumbered.
      await t.db.sql`UPDATE members SET manager_id = 100 WHERE id = ${b.memberId}`;
      assert.equal((await t.db.members.where((r) => r.id === b.memberId).one()).managerId, 100n);
      const noAction = await expectError(
        ForeignKeyViolation,
        () => t.db.sql`UPDATE members SET id = 101 WHERE id = 100`,
      );
      assert.equal(noAction.constraint, "members_manager_id_fkey");

      // ON DELETE CASCADE from orgs: org b's member and b's memberships go.
      await t.db.sql`DELETE FROM orgs WHERE id = ${b.orgId}`;
      assert.equal(await t.db.members.where((r) => r.id === b.memberId).exists(), false);
      assert.deepEqual(await t.db.sql`SELECT * FROM memberships`, []);

      // ON DELETE SET NULL (self reference): deleting a manager clears manager_id.
      const c = await t.db.sql<{
        id: string;
      }>`INSERT INTO members (org_id, email, label, manager_id) VALUES (200, ${"c@example.com"}, ${"C"}, 100) RETURNING id`;
      await t.db.sql`DELETE FROM members WHERE id = 100`;
      const after = await t.db.members.where((r) => r.id === BigInt(c[0].id)).one();
      assert.equal(after.managerId, null);
      assert.equal(after.orgId, 200);
    });
  });
});

describe("a foreign-key cycle", () => {
  const authors = table("authors", {
    id: serial().primaryKey(),
    favoriteBookId: integer()
      .nullable()
      .references((): AnyColumn => books.id, { onDelete: "set null" }),
  });
  const books = table("books", {
    id: serial().primaryKey(),
    authorId: integer().references(() => authors.id, { onDelete: "cascade" }),
  });
  const cycle = relations({ authors, books });

  test("renders one side's key as a deferred ALTER TABLE … ADD FOREIGN KEY", () => {
    assert.deepEqual(renderDdl(cycle), [
      `CREATE TABLE "books" (\n  "id" serial NOT NULL PRIMARY KEY,\n  "author_id" integer NOT NULL\n)`,
      `CREATE TABLE "authors" (\n  "id" serial NOT NULL PRIMARY KEY,\n  "favorite_book_id" integer REFERENCES "books" ("id") ON DELETE SET NULL\n)`,
      `ALTER TABLE "books" ADD FOREIGN KEY ("author_id") REFERENCES "authors" ("id") ON DELETE CASCADE`,
    ]);
    assert.deepEqual(renderDrop(cycle), [
      `DROP TABLE IF EXISTS "authors" CASCADE`,
      `DROP TABLE IF EXISTS "books" CASCADE`,
    ]);
  });

  test("both keys exist on the server and act", async () => {
    await withDatabase(cycle, async (t) => {
      const defs = await t.db.sql<{ name: string; def: string }>`
        SELECT co.conname AS name, pg_get_constraintdef(co.oid) AS def
        FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
        WHERE n.nspname = ${t.namespace} AND co.contype = 'f' ORDER BY co.conname`;
      assert.deepEqual(defs, [
        {
          name: "authors_favorite_book_id_fkey",
          def: "FOREIGN KEY (favorite_book_id) REFERENCES books(id) ON DELETE SET NULL",
        },
        { name: "books_author_id_fkey", def: "FOREIGN KEY (author_id) REFERENCES authors(id) ON DELETE CASCADE" },
      ]);

      const e = await expectError(ForeignKeyViolation, () => t.db.sql`INSERT INTO books (author_id) VALUES (${42})`);
      assert.equal(e.constraint, "books_author_id_fkey");

      await t.db.sql`INSERT INTO authors (id) VALUES (1), (2)`;
      await t.db.sql`INSERT INTO books (id, author_id) VALUES (10, 1), (20, 2)`;
      await t.db.sql`UPDATE authors SET favorite_book_id = 10 WHERE id = 2`;
      await t.db.sql`UPDATE authors SET favorite_book_id = 20 WHERE id = 1`;

      // Deleting author 1 cascades to book 10, which clears author 2's favourite.
      await t.db.sql`DELETE FROM authors WHERE id = 1`;
      assert.deepEqual(await t.db.books.orderBy((b) => b.id).all(), [{ id: 20, authorId: 2 }]);
      assert.deepEqual(await t.db.authors.orderBy((a) => a.id).all(), [{ id: 2, favoriteBookId: null }]);
    });
  });
});

describe("defaults of every kind render to SQL the server accepts and reads back", () => {
  const kinds = table("kinds", {
    id: serial().primaryKey(),
    jsonText: jsonb<string>().default("it's"),
    jsonNum: jsonb<number>().default(1.5),
    jsonBool: jsonb<boolean>().default(false),
    jsonArr: jsonb<unknown[]>().default([]),
    jsonNull: jsonb().nullable().default(null),
    notANumber: doublePrecision().default(NaN),
    inf: real().default(-Infinity),
    neg: integer().default(-5),
    big: bigint().default(-9007199254740993n),
    at: timestamptz().default(new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 5))),
    ats: timestamptz()
      .array()
      .default([new Date(Date.UTC(2000, 0, 1))]),
    blob: bytea().default(new Uint8Array([0, 1, 39, 92, 254, 255])),
    words: text().array().default(['a"b', "c\\d", "NULL", "", "x,y", "it's"]),
    bigs: bigint().array().default([9007199254740993n]),
    day: date().default("2024-02-29"),
    docs: jsonb()
      .array()
      .default([{ a: "x'y" }, [1]]),
    moods: mood().array().default(["happy", "sad"]),
  });
  const kindsSchema = relations({ kinds });

  test("exact DDL", () => {
    assert.deepEqual(renderDdl(kindsSchema), [
      `CREATE TYPE "mood" AS ENUM ('sad', 'ok', 'happy')`,
      `CREATE TABLE "kinds" (
  "id" serial NOT NULL PRIMARY KEY,
  "json_text" jsonb NOT NULL DEFAULT '"it''s"'::jsonb,
  "json_num" jsonb NOT NULL DEFAULT '1.5'::jsonb,
  "json_bool" jsonb NOT NULL DEFAULT 'false'::jsonb,
  "json_arr" jsonb NOT NULL DEFAULT '[]'::jsonb,
  "json_null" jsonb DEFAULT NULL,
  "not_a_number" double precision NOT NULL DEFAULT 'NaN',
  "inf" real NOT NULL DEFAULT '-Infinity',
  "neg" integer NOT NULL DEFAULT -5,
  "big" bigint NOT NULL DEFAULT -9007199254740993,
  "at" timestamptz NOT NULL DEFAULT '2024-02-29T12:00:00.005Z'::timestamptz,
  "ats" timestamptz[] NOT NULL DEFAULT '{"2000-01-01T00:00:00.000Z"}'::timestamptz[],
  "blob" bytea NOT NULL DEFAULT '\\x0001275cfeff'::bytea,
  "words" text[] NOT NULL DEFAULT '{"a\\"b","c\\\\d","NULL","","x,y","it''s"}'::text[],
  "bigs" bigint[] NOT NULL DEFAULT '{"9007199254740993"}'::bigint[],
  "day" date NOT NULL DEFAULT '2024-02-29',
  "docs" jsonb[] NOT NULL DEFAULT '{"{\\"a\\":\\"x''y\\"}","[1]"}'::jsonb[],
  "moods" "mood"[] NOT NULL DEFAULT '{"happy","sad"}'::"mood"[]
)`,
    ]);
  });

  test("a row of defaults reads back as the declared values", async () => {
    await withDatabase(kindsSchema, async (t) => {
      await t.db.sql`INSERT INTO kinds DEFAULT VALUES`;
      const row = await t.db.kinds
        .where((k) => k.id === 1)
        .select((k) => ({
          jsonText: k.jsonText,
          jsonNum: k.jsonNum,
          jsonBool: k.jsonBool,
          jsonArr: k.jsonArr,
          jsonNull: k.jsonNull,
          notANumber: k.notANumber,
          inf: k.inf,
          neg: k.neg,
          big: k.big,
          at: k.at,
          ats: k.ats,
          words: k.words,
          bigs: k.bigs,
          day: k.day,
          docs: k.docs,
        }))
        .one();
      assert.deepEqual(row, {
        jsonText: "it's",
        jsonNum: 1.5,
        jsonBool: false,
        jsonArr: [],
        jsonNull: null,
        notANumber: NaN,
        inf: -Infinity,
        neg: -5,
        big: -9007199254740993n,
        at: new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 5)),
        ats: [new Date(Date.UTC(2000, 0, 1))],
        words: ['a"b', "c\\d", "NULL", "", "x,y", "it's"],
        bigs: [9007199254740993n],
        day: "2024-02-29",
        docs: [{ a: "x'y" }, [1]],
      });
      const blob = (
        await t.db.kinds
          .where((k) => k.id === 1)
          .select((k) => ({ blob: k.blob }))
          .one()
      ).blob;
      assert.ok(blob instanceof Uint8Array);
      assert.deepEqual(Array.from(blob), [0, 1, 39, 92, 254, 255]);
      assert.deepEqual(await t.db.sql`SELECT moods::text[] AS moods FROM kinds`, [{ moods: ["happy", "sad"] }]);
    });
  });

  test("a default given before .array() is dropped, not misapplied", () => {
    const t = table("t", { legacy: text().default("x").array(), kept: text().array().default(["x"]) });
    assert.deepEqual(renderDdl(relations({ t })), [
      `CREATE TABLE "t" (\n  "legacy" text[] NOT NULL,\n  "kept" text[] NOT NULL DEFAULT '{"x"}'::text[]\n)`,
    ]);
  });
});
