import { test } from "node:test";
import assert from "node:assert/strict";
import { leadingKeyword, renameIdentifiers, splitStatements } from "@closql/cli/dist/sql/lexer";

test("statements split at ; outside strings, quoted names, dollar quotes and comments; lines are counted", () => {
  const sql = [
    "-- a comment; not a statement",
    "CREATE TABLE \"a;b\" (x text DEFAULT 'it''s; fine');",
    "",
    "INSERT INTO t VALUES (E'back\\\\slash\\'; still', $$ $1; $$, $tag$ ; $$ ; $tag$); /* a; /* nested; */ */",
    "SELECT 1",
    ";;",
    "-- trailing comment only",
  ].join("\n");
  assert.deepEqual(splitStatements(sql, 10), [
    {
      text: "-- a comment; not a statement\nCREATE TABLE \"a;b\" (x text DEFAULT 'it''s; fine')",
      line: 11,
    },
    { text: "INSERT INTO t VALUES (E'back\\\\slash\\'; still', $$ $1; $$, $tag$ ; $$ ; $tag$)", line: 13 },
    { text: "/* a; /* nested; */ */\nSELECT 1", line: 14 },
  ]);
});

test("leadingKeyword skips comments", () => {
  assert.equal(leadingKeyword("-- x\n/* y */ begin;"), "BEGIN");
  assert.equal(leadingKeyword("-- only a comment"), "");
});

test("renameIdentifiers: columns in expressions, not strings, functions, casts or qualified names", () => {
  const renames = new Map([
    ["name", "full_name"],
    ["Mixed", "user"],
  ]);
  const print = (n: string) => (n === "user" ? `"user"` : n);
  assert.equal(
    renameIdentifiers(`((name <> ''::text) AND (lower(name) <> 'name') AND ("Mixed" > 0))`, renames, print),
    `((full_name <> ''::text) AND (lower(full_name) <> 'name') AND ("user" > 0))`,
  );
  // A function called like a column, a type named like one, a table-qualified name: left alone.
  assert.equal(
    renameIdentifiers("name(x) = x::name AND name.id = 1", renames, print),
    "name(x) = x::name AND name.id = 1",
  );
});
