import { test } from "node:test";
import assert from "node:assert/strict";
import ts from "typescript";
import type { Binding } from "@closql/transformer/dist/ir/binding";
import * as sql from "@closql/transformer/dist/ir/sql-node";
import type { SqlNode } from "@closql/transformer/dist/ir/sql-node";
import { printSql } from "@closql/transformer/dist/print/print-sql";

const binding = (name: string): Binding => ({ expr: ts.factory.createIdentifier(name), via: { kind: "value" } });
const a = sql.column("a");
const b = sql.column("b");
const x = binding("x");
const y = binding("y");

/** The printed text with holes written `$<ref + 1>`, and the names of the fragment's bindings. */
function render(node: SqlNode): { text: string; params: string[] } {
  const f = printSql(node);
  const text = f.sql.reduce((acc, part, i) => `${acc}$${f.refs[i - 1] + 1}${part}`);
  return { text, params: f.params.map((p) => (p.expr as ts.Identifier).text) };
}

const cases: [string, SqlNode, string, string[]?][] = [
  ["column", a, `"a"`],
  ["qualified column", sql.column("id", "u"), `"u"."id"`],
  ["quotes inside identifiers are doubled", sql.column('we"ird'), `"we""ird"`],
  ["binary", sql.binary("=", a, sql.literal("1")), `"a" = 1`],
  ["compound operands are parenthesized", sql.binary("*", sql.binary("+", a, b), b), `("a" + "b") * "b"`],
  ["AND is always parenthesized", sql.and(sql.binary("=", a, b), sql.is(a, "NULL")), `("a" = "b" AND "a" IS NULL)`],
  ["nested ANDs flatten", sql.and(sql.and(a, b), a), `("a" AND "b" AND "a")`],
  ["TRUE drops out of AND", sql.and(sql.TRUE, a), `"a"`],
  ["FALSE absorbs AND", sql.and(a, sql.FALSE), `FALSE`],
  ["TRUE absorbs OR", sql.or(a, sql.TRUE), `TRUE`],
  ["OR inside AND keeps its parentheses", sql.and(a, sql.or(b, a)), `("a" AND ("b" OR "a"))`],
  ["NOT of NOT cancels", sql.not(sql.not(a)), `"a"`],
  ["NOT", sql.not(sql.binary("=", a, b)), `NOT "a" = "b"`],
  ["IS tests parenthesize compounds", sql.is(sql.binary("=", a, b), "NOT TRUE"), `("a" = "b") IS NOT TRUE`],
  ["function call", sql.call("lower", a), `lower("a")`],
  ["cast", sql.cast(a, "float8"), `"a"::float8`],
  ["cast of a compound", sql.cast(sql.binary("%", a, b), "float8"), `("a" % "b")::float8`],
  ["collate", sql.collate(a, "C"), `"a" COLLATE "C"`],
  ["collate as an operand", sql.binary("<", sql.collate(a, "C"), b), `("a" COLLATE "C") < "b"`],
  ["ANY", sql.any(a, sql.param(x)), `"a" = ANY($1)`, ["x"]],
  ["IN", { kind: "in", left: a, list: [sql.literal("1"), sql.literal("2")] }, `"a" IN (1, 2)`],
  ["CASE", sql.caseWhen(sql.is(a, "NULL"), sql.literal("0"), a), `CASE WHEN "a" IS NULL THEN 0 ELSE "a" END`],
  ["unary minus", { kind: "unary", op: "-", operand: sql.binary("+", a, b) }, `-("a" + "b")`],
  ["extract", { kind: "extract", field: "epoch", operand: a }, `extract(epoch FROM "a")`],
  ["alias", { kind: "alias", operand: sql.call("lower", a), name: "l" }, `lower("a") AS "l"`],
  ["sort", { kind: "sort", operand: a, direction: "desc", nulls: "last" }, `"a" DESC NULLS LAST`],
  ["ascending sort prints no direction", { kind: "sort", operand: a, direction: "asc" }, `"a"`],
  ["a param with a cast", sql.param(x, "int8"), `$1::int8`, ["x"]],
  [
    "one binding used twice is one hole",
    sql.or(sql.binary("=", a, sql.param(x)), sql.and(sql.is(a, "NULL"), sql.is(sql.param(x), "NULL"))),
    `("a" = $1 OR ("a" IS NULL AND $1 IS NULL))`,
    ["x"],
  ],
  [
    "distinct bindings are distinct holes, numbered in order of appearance",
    sql.and(sql.binary("<", sql.param(y), a), sql.binary("<", a, sql.param(x))),
    `($1 < "a" AND "a" < $2)`,
    ["y", "x"],
  ],
];

for (const [name, node, text, params = []] of cases) {
  test(`printSql: ${name}`, () => {
    assert.deepEqual(render(node), { text, params });
  });
}

test("inGroupedLevel: a shared operand reading a column that is not a plain group key is put back in its places", () => {
  // Two operands large enough to share, each used twice: one over "a" (a group key), one over "b".
  const big = (c: SqlNode) =>
    sql.call("abs", sql.binary("*", sql.binary("+", c, sql.literal("1")), sql.binary("-", c, sql.literal("2"))));
  const shared = sql.share([big(a), big(b)], (p, q) =>
    sql.and(sql.binary("<", p, q), sql.binary(">", q, sql.call("ln", p))),
  );
  const grouped = sql.inGroupedLevel(shared, (c) => c.name === "a");
  const once = `abs(("a" + 1) * ("a" - 2))`;
  const twice = `abs(("b" + 1) * ("b" - 2))`;
  assert.equal(
    render(grouped).text,
    `(SELECT ("closql_let1"."closql_let1_1" < ${twice} AND ${twice} > ln("closql_let1"."closql_let1_1")) FROM (SELECT ${once} AS "closql_let1_1") AS "closql_let1")`,
  );
  // Nothing grouped by a plain column: no subquery is left.
  assert.equal(render(sql.inGroupedLevel(shared, () => false)).text, `(${once} < ${twice} AND ${twice} > ln(${once}))`);
  // An aggregate's argument is evaluated per row: its columns are the aggregate's, sharing stays.
  const aggregated = sql.call("sum", sql.cast(shared, "int"));
  assert.equal(render(sql.inGroupedLevel(aggregated, () => false)).text, render(aggregated).text);
});
