import { test } from "node:test";
import assert from "node:assert/strict";
import type { SchemaModel, TableModel } from "closql";
import { diffModels } from "@closql/cli/dist/diff/diff";
import { NO_RENAMES, renamesFromHints, invertRenames } from "@closql/cli/dist/diff/renames";

/** Models as introspection reads them (the server's spelling), built by hand. */
const table = (name: string, t: Partial<TableModel> = {}): TableModel => ({
  name,
  columns: [{ name: "id", type: "integer", nullable: false, serial: true }],
  primaryKey: { name: `${name}_pkey`, columns: ["id"] },
  uniques: [],
  foreignKeys: [],
  checks: [],
  indexes: [],
  ...t,
});
const print = (n: string) => (/^[a-z_][a-z0-9_]*$/.test(n) ? n : `"${n}"`);
const sqlOf = (from: SchemaModel, to: SchemaModel, renames = NO_RENAMES) =>
  diffModels(from, to, { renames, printIdentifier: print }).map((s) => s.sql);

test("a renamed column: one RENAME; its check and index expressions are compared after the rename", () => {
  const before = table("users", {
    columns: [
      { name: "id", type: "integer", nullable: false, serial: true },
      { name: "name", type: "text", nullable: false },
    ],
    checks: [{ name: "name_set", expression: "(name <> ''::text)" }],
    indexes: [
      { name: "users_lower", unique: false, parts: [{ expression: "lower(name)" }], where: "(name IS NOT NULL)" },
    ],
  });
  const after = table("users", {
    columns: [
      { name: "id", type: "integer", nullable: false, serial: true },
      { name: "full_name", type: "text", nullable: false, renamedFrom: "name" },
    ],
    checks: [{ name: "name_set", expression: "(full_name <> ''::text)" }],
    indexes: [
      {
        name: "users_lower",
        unique: false,
        parts: [{ expression: "lower(full_name)" }],
        where: "(full_name IS NOT NULL)",
      },
    ],
  });
  const from = { enums: [], tables: [before] };
  const to = { enums: [], tables: [after] };
  const { renames, notes } = renamesFromHints(from, to);
  assert.deepEqual(notes, []);
  assert.deepEqual(sqlOf(from, to, renames), [`ALTER TABLE "users" RENAME COLUMN "name" TO "full_name"`]);
  assert.deepEqual(sqlOf(to, from, invertRenames(renames)), [
    `ALTER TABLE "users" RENAME COLUMN "full_name" TO "name"`,
  ]);
  // Without the hint: a drop and an add, never a guess.
  assert.deepEqual(sqlOf(from, to), [
    `DROP INDEX "users_lower"`,
    `ALTER TABLE "users" DROP CONSTRAINT "name_set"`,
    `ALTER TABLE "users" ADD COLUMN "full_name" text NOT NULL`,
    `ALTER TABLE "users" DROP COLUMN "name"`,
    `ALTER TABLE "users" ADD CONSTRAINT "name_set" CHECK ((full_name <> ''::text))`,
    `CREATE INDEX "users_lower" ON "users" ((lower(full_name))) WHERE (full_name IS NOT NULL)`,
  ]);
});

test("a hint naming a column that is declared too is ignored, with a note", () => {
  const cols = [
    { name: "id", type: "integer", nullable: false },
    { name: "a", type: "text", nullable: false },
  ];
  const from = { enums: [], tables: [table("t", { columns: cols })] };
  const to = {
    enums: [],
    tables: [table("t", { columns: [...cols, { name: "b", type: "text", nullable: false, renamedFrom: "a" }] })],
  };
  const { renames, notes } = renamesFromHints(from, to);
  assert.equal(renames.columns.size, 0);
  assert.deepEqual(notes, ['column "t"."b".renamedFrom("a") ignored: "a" is declared too']);
});

test("dropping tables that reference each other: the key back into the cycle goes first", () => {
  const a = table("a", {
    columns: [
      { name: "id", type: "integer", nullable: false },
      { name: "b_id", type: "integer", nullable: true },
    ],
    foreignKeys: [{ name: "a_b_id_fkey", columns: ["b_id"], table: "b", references: ["id"] }],
  });
  const b = table("b", {
    columns: [
      { name: "id", type: "integer", nullable: false },
      { name: "a_id", type: "integer", nullable: true },
    ],
    foreignKeys: [{ name: "b_a_id_fkey", columns: ["a_id"], table: "a", references: ["id"] }],
  });
  assert.deepEqual(sqlOf({ enums: [], tables: [a, b] }, { enums: [], tables: [] }), [
    `ALTER TABLE "b" DROP CONSTRAINT "b_a_id_fkey"`,
    `DROP TABLE "a"`,
    `DROP TABLE "b"`,
  ]);
  // Created the other way round: one key waits for the other table.
  assert.deepEqual(sqlOf({ enums: [], tables: [] }, { enums: [], tables: [a, b] }), [
    `CREATE TABLE "b" (\n  "id" integer NOT NULL PRIMARY KEY,\n  "a_id" integer\n)`,
    `CREATE TABLE "a" (\n  "id" integer NOT NULL PRIMARY KEY,\n  "b_id" integer REFERENCES "b" ("id")\n)`,
    `ALTER TABLE "b" ADD FOREIGN KEY ("a_id") REFERENCES "a" ("id")`,
  ]);
});

test("enum labels: added in place before or after their neighbours; a removed or reordered label recreates the type", () => {
  const withRole = (values: string[]): SchemaModel => ({
    enums: [{ name: "role", values }],
    tables: [
      table("users", {
        columns: [
          { name: "id", type: "integer", nullable: false },
          { name: "role", type: "role", nullable: false, default: "'b'::role" },
        ],
        checks: [{ name: "not_c", expression: "(role <> 'c'::role)" }],
      }),
    ],
  });
  assert.deepEqual(sqlOf(withRole(["b", "d"]), withRole(["a", "b", "c", "d", "e"])), [
    `ALTER TYPE "role" ADD VALUE 'a' BEFORE 'b'`,
    `ALTER TYPE "role" ADD VALUE 'c' BEFORE 'd'`,
    `ALTER TYPE "role" ADD VALUE 'e' AFTER 'd'`,
  ]);
  const steps = diffModels(withRole(["b", "c", "d"]), withRole(["d", "c", "b"]), {
    renames: NO_RENAMES,
    printIdentifier: print,
  });
  assert.deepEqual(
    steps.map((s) => s.sql),
    [
      `ALTER TYPE "role" RENAME TO "role__closql_old"`,
      `ALTER TABLE "users" DROP CONSTRAINT "not_c"`,
      `CREATE TYPE "role" AS ENUM ('d', 'c', 'b')`,
      `ALTER TABLE "users" ALTER COLUMN "role" DROP DEFAULT`,
      `ALTER TABLE "users" ALTER COLUMN "role" TYPE role USING "role"::text::role`,
      `ALTER TABLE "users" ALTER COLUMN "role" SET DEFAULT 'b'::role`,
      `DROP TYPE "role__closql_old"`,
      `ALTER TABLE "users" ADD CONSTRAINT "not_c" CHECK ((role <> 'c'::role))`,
    ],
  );
  assert.equal(steps[0].destructive, undefined, "reordering loses nothing");
  assert.match(
    diffModels(withRole(["b", "c", "d"]), withRole(["b", "d"]), { renames: NO_RENAMES, printIdentifier: print })[0]
      .destructive!,
    /drops label 'c' of enum "role"/,
  );
});

test("a serial column widened to bigint takes its sequence along", () => {
  const t = (type: string): SchemaModel => ({
    enums: [],
    tables: [table("t", { columns: [{ name: "id", type, nullable: false, serial: true }] })],
  });
  assert.deepEqual(sqlOf(t("integer"), t("bigint")), [
    `ALTER TABLE "t" ALTER COLUMN "id" TYPE bigint USING "id"::bigint`,
    `DO $$ BEGIN EXECUTE format('ALTER SEQUENCE %s AS bigint', pg_get_serial_sequence('"t"', 'id')); END $$`,
  ]);
});

test("a column moved from one enum type to another is cast through text", () => {
  const model = (type: string, e: string): SchemaModel => ({
    enums: [{ name: e, values: ["a", "b"] }],
    tables: [table("t", { columns: [{ name: "s", type, nullable: false }] })],
  });
  assert.deepEqual(sqlOf(model("status", "status"), model("state", "state")), [
    `CREATE TYPE "state" AS ENUM ('a', 'b')`,
    `ALTER TABLE "t" ALTER COLUMN "s" TYPE state USING "s"::text::state`,
    `DROP TYPE "status"`,
  ]);
  // To and from text, the direct cast.
  assert.deepEqual(sqlOf(model("status", "status"), model("text", "status")), [
    `ALTER TABLE "t" ALTER COLUMN "s" TYPE text USING "s"::text`,
  ]);
});

test("lock and rewrite warnings on existing tables, none on a table created in the same migration", () => {
  const cols = [{ name: "id", type: "integer", nullable: false }];
  const from: SchemaModel = { enums: [], tables: [table("t", { columns: cols })] };
  const to: SchemaModel = {
    enums: [],
    tables: [
      table("t", {
        columns: [...cols, { name: "code", type: "text", nullable: false }],
        indexes: [{ name: "t_code_idx", unique: false, parts: [{ column: "code" }] }],
      }),
      table("u", { indexes: [{ name: "u_id_idx", unique: false, parts: [{ column: "id" }] }] }),
    ],
  };
  const steps = diffModels(from, to, { renames: NO_RENAMES, printIdentifier: print });
  assert.deepEqual(
    steps.map((s) => [s.sql.split("\n")[0], s.warning !== undefined]),
    [
      [`CREATE TABLE "u" (`, false],
      [`ALTER TABLE "t" ADD COLUMN "code" text NOT NULL`, true],
      [`CREATE INDEX "u_id_idx" ON "u" ("id")`, false],
      [`CREATE INDEX "t_code_idx" ON "t" ("code")`, true],
    ],
  );
  assert.match(steps[1].warning!, /fails if "t" has rows\. Safer: add it nullable, backfill it .* then SET NOT NULL/);
  assert.match(
    steps[3].warning!,
    /CREATE INDEX CONCURRENTLY "t_code_idx" ON "t" \("code"\), in a migration of its own marked -- closql:no-transaction/,
  );
});
