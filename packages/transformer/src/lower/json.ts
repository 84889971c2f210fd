import ts from "typescript";
import { quoteLiteral } from "closql/sql";
import { Refusal } from "../diagnostics/refusal";
import { bindValue } from "../ir/binding";
import * as sql from "../ir/sql-node";
import type { SqlNode } from "../ir/sql-node";
import { isJson } from "../ir/value-type";
import type { LoweringContext } from "./context";
import { stringLiteral } from "./literals";
import { numberLiteralValue, skipTransparent } from "./syntax";
import { typeOfExpression } from "./types";
import type { Value } from "./value";

/** `u.meta.plan`, `u.meta?.list[0]`: a property path into a JSONB value, if `target` is one. */
export function jsonMember(
  cx: LoweringContext,
  e: ts.PropertyAccessExpression | ts.ElementAccessExpression,
  target: Value,
): Value | undefined {
  if (!isJson(target.type)) return undefined;
  let key: SqlNode;
  if (ts.isPropertyAccessExpression(e)) key = sql.literal(quoteLiteral(e.name.text));
  else {
    const arg = skipTransparent(e.argumentExpression);
    const n = numberLiteralValue(arg);
    if (ts.isStringLiteralLike(arg)) key = stringLiteral(arg.text, arg).node;
    else if (n !== undefined && Number.isInteger(n) && n >= 0) key = sql.literal(String(n));
    else throw new Refusal("jsonPathKey", arg, "a JSONB path key must be a literal property name or index.");
  }
  // The declared type, not the narrowed one: a branch may narrow the path to null or never,
  // but SQL evaluates it as the declared JSON value.
  const symbol = ts.isPropertyAccessExpression(e) ? cx.checker.getSymbolAtLocation(e.name) : undefined;
  const t = typeOfExpression(cx.checker, symbol ? cx.checker.getTypeOfSymbol(symbol) : cx.typeOf(e));
  return {
    node: sql.binary("->", target.node, key),
    type: { ...t, kind: t.kind === "unknown" ? "json" : t.kind, nullable: true, sqlType: "jsonb", jsonPath: true },
  };
}

/** A value as JSONB, for comparison with a JSONB path. */
export function asJson(v: Value): Value {
  if (isJson(v.type)) return v;
  const type = { ...v.type, sqlType: "jsonb" };
  if (v.literal !== undefined) {
    const json =
      v.literal === null ? "null" : JSON.stringify(typeof v.literal === "bigint" ? v.literal.toString() : v.literal);
    return { ...v, node: sql.literal(`${quoteLiteral(json)}::jsonb`), type };
  }
  if (v.node.kind === "param" && v.bound) {
    return { ...v, node: sql.param(bindValue(v.bound, { kind: "json" }), "jsonb"), type, sentinel: true };
  }
  return { ...v, node: sql.call("to_jsonb", v.node), type };
}

/** A JSONB number path compared as a number. */
export function jsonNumber(v: Value): Value {
  if (!isJson(v.type)) return v;
  // A JavaScript number is a double; JSON has no NaN.
  return {
    ...v,
    node: sql.cast(v.node, "float8"),
    type: { ...v.type, sqlType: "double precision", neverNaN: true },
  };
}
