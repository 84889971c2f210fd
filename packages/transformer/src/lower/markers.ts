import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import * as sql from "../ir/sql-node";
import type { SqlNode } from "../ir/sql-node";
import type { LoweringContext } from "./context";
import { aggregateCall } from "./aggregates";
import { markerSymbol } from "./marker-symbols";
import { asJson } from "./json";
import { textValue } from "./strings";
import { typeOfExpression } from "./types";
import { lowerValue, Value } from "./value";

/** The SQL of each marker function, from its lowered arguments. */
const MARKERS: Record<string, (args: Value[], bool: (node: SqlNode) => Value) => Value> = {
  ilike: ([value, pattern], bool) => bool(sql.binary("ILIKE", text(value), text(pattern))),
  similarity: ([a, b]) => ({
    node: sql.call("similarity", text(a), text(b)),
    type: { kind: "number", nullable: a.type.nullable || b.type.nullable, sqlType: "real", neverNaN: true },
  }),
  matches: ([document, query, config], bool) => {
    const regconfig = config ? sql.cast(config.node, "regconfig") : sql.literal("'english'::regconfig");
    const vector = sql.call("to_tsvector", regconfig, text(document));
    return bool(sql.binary("@@", vector, sql.call("websearch_to_tsquery", regconfig, text(query))));
  },
  hasKey: ([value, key], bool) => bool(sql.binary("?", value.node, text(key))),
  contains: ([value, other], bool) => bool(sql.binary("@>", value.node, asJson(other).node)),
  overlaps: ([a, b], bool) => bool(sql.binary("&&", a.node, b.node)),
  containsAll: ([a, b], bool) => bool(sql.binary("@>", a.node, b.node)),
};

function text(v: Value): SqlNode {
  return textValue(v).node;
}

/** ilike, similarity, matches, hasKey, contains, overlaps, containsAll, and sqlFunction-declared functions. */
export function markerCall(cx: LoweringContext, e: ts.CallExpression): Value | undefined {
  const calleeSymbol = cx.checker.getSymbolAtLocation(e.expression);
  if (!calleeSymbol) return undefined;
  if (cx.typeOf(e.expression).getProperty("$sqlFunction")) return sqlFunctionCall(cx, e, calleeSymbol);
  const target = markerSymbol(cx.checker, calleeSymbol);
  if (!target) return undefined;
  const aggregate = aggregateCall(cx, e, target.name);
  if (aggregate) return aggregate;
  const lower = Object.prototype.hasOwnProperty.call(MARKERS, target.name) ? MARKERS[target.name] : undefined;
  if (!lower) return undefined;
  const args = e.arguments.map((a) => lowerValue(cx, a));
  const nullable = args.some((a) => a.type.nullable);
  return lower(args, (node) => ({ node, type: { kind: "boolean", nullable, sqlType: "boolean" } }));
}

/** A function declared with `const f = sqlFunction<Sig>("name")`: called by that name. */
function sqlFunctionCall(cx: LoweringContext, e: ts.CallExpression, symbol: ts.Symbol): Value {
  const target = symbol.flags & ts.SymbolFlags.Alias ? cx.checker.getAliasedSymbol(symbol) : symbol;
  const decl = target.valueDeclaration;
  const init = decl && ts.isVariableDeclaration(decl) ? decl.initializer : undefined;
  const nameArg = init && ts.isCallExpression(init) ? init.arguments[0] : undefined;
  if (
    !nameArg ||
    !ts.isStringLiteralLike(nameArg) ||
    !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(nameArg.text)
  ) {
    throw new Refusal(
      "sqlFunctionName",
      e.expression,
      "closql cannot find this SQL function's name.",
      'Declare it in your source as `const f = sqlFunction<(…) => …>("name")`.',
    );
  }
  const args = e.arguments.map((a) => lowerValue(cx, a));
  const result = typeOfExpression(cx.checker, cx.typeOf(e));
  // The SQL return type is unknown here (it may be an integer, where `<> 'NaN'` would not even
  // type-check), so a NaN-returning function compares as PostgreSQL compares it (README limits).
  const nullable = result.nullable || args.some((a) => a.type.nullable);
  return { node: sql.call(nameArg.text, ...args.map((a) => a.node)), type: { ...result, nullable, neverNaN: true } };
}
