import { test } from "node:test";
import assert from "node:assert/strict";
import { checksum, parseMigration, renderMigration } from "@closql/cli/dist/migrations/file";

const text = [
  "-- closql migration 20260101000000_x",
  "",
  "-- closql:up",
  "ALTER TABLE t ADD COLUMN a int;",
  "-- closql:destructive drops column t.b",
  "ALTER TABLE t DROP COLUMN b;",
  "-- closql:down",
  "ALTER TABLE t ADD COLUMN b int;",
  "ALTER TABLE t DROP COLUMN a;",
  "",
].join("\n");

test("a migration's sections, statements with their lines, and destructive marks", () => {
  const m = parseMigration("/m/20260101000000_x.sql", text);
  assert.equal(m.id, "20260101000000_x");
  assert.equal(m.transaction, true);
  assert.deepEqual(
    m.up.statements.map((s) => [s.line, s.text]),
    [
      [4, "ALTER TABLE t ADD COLUMN a int"],
      // The line of the statement itself, after its comments.
      [6, "-- closql:destructive drops column t.b\nALTER TABLE t DROP COLUMN b"],
    ],
  );
  assert.deepEqual(m.up.destructive, ["drops column t.b"]);
  assert.deepEqual(m.down.destructive, []);
  assert.equal(m.down.statements.length, 2);
  assert.equal(m.checksum, checksum(text.replace(/\n/g, "\r\n")), "line endings are no edit");
  assert.notEqual(m.checksum, checksum(text + " "));
});

test("no-transaction, and what is not a migration", () => {
  assert.equal(parseMigration("f.sql", `-- closql:no-transaction\n${text}`).transaction, false);
  assert.throws(
    () => parseMigration("f.sql", "CREATE TABLE t (a int);"),
    /f.sql: not a closql migration: no "-- closql:up" line/,
  );
  assert.throws(
    () => parseMigration("f.sql", "-- closql:down\n-- closql:up\n"),
    /"-- closql:down" comes before "-- closql:up"/,
  );
  assert.throws(() => parseMigration("f.sql", "-- closql:up\n-- closql:up\n"), /more than one/);
  assert.throws(
    () => parseMigration("f.sql", "-- closql:up\nSELECT 1;\nCOMMIT;\n"),
    /f.sql:3: COMMIT in a migration: closql runs each section in its own transaction/,
  );
});

test("a rendered migration parses back to its statements and marks", () => {
  const rendered = renderMigration(
    "20260101000000_x",
    ["a header"],
    [
      { sql: "ALTER TABLE t ADD COLUMN a int", phase: "addColumn", summary: "" },
      { sql: "DROP TABLE u", phase: "dropTable", summary: "", destructive: "drops table u", warning: "w ".repeat(80) },
    ],
    [],
  );
  const m = parseMigration("x.sql", rendered);
  assert.deepEqual(m.up.destructive, ["drops table u"]);
  assert.equal(m.up.statements.length, 2);
  assert.match(
    m.up.statements[1].text,
    /^-- closql:destructive drops table u\n-- closql:warning w w .*\n--   w w .*\nDROP TABLE u$/s,
  );
  assert.deepEqual(m.down.statements, []);
});
