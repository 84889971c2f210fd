import ts from "typescript";
import { quoteLiteral } from "closql/sql";
import { Refusal } from "../diagnostics/refusal";
import { bindValue } from "../ir/binding";
import * as sql from "../ir/sql-node";
import type { SqlNode } from "../ir/sql-node";
import { absenceOf, isJson } from "../ir/value-type";
import type { LoweringContext } from "./context";
import { stringLiteral } from "./literals";
import { stringLength, textValue } from "./strings";
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
  if (ts.isPropertyAccessExpression(e) && e.name.text === "length") {
    // `.length` of a JSON array or string is its length, not a key.
    // Through `?.`, a missing key or JSON null gives undefined (SQL NULL here).
    if (target.type.kind === "array") {
      const node = sql.share([target.node], (x) =>
        sql.caseWhen(
          sql.binary("=", sql.call("jsonb_typeof", x), sql.literal("'array'")),
          sql.call("jsonb_array_length", x),
          sql.NULL,
        ),
      );
      return jsonLength(node);
    }
    if (target.type.kind === "string") return jsonLength(stringLength(textValue(target)).node);
  }
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

function jsonLength(node: SqlNode): Value {
  return { node, type: { kind: "number", nullable: true, sqlType: "integer", absent: "undefined" } };
}

/**
 * A value as JSONB: for comparison with a JSONB path (`compare`: a value no JSONB can equal — NaN, a
 * string PostgreSQL cannot hold — binds NULL, which matches nothing), or as a branch joining a JSONB
 * one (`value`: such a value cannot be represented and fails before sending, never becoming null).
 */
export function asJson(v: Value, use: "compare" | "value" = "compare"): Value {
  if (isJson(v.type)) return v;
  const type = { ...v.type, sqlType: "jsonb" };
  if (v.literal !== undefined) {
    const json =
      v.literal === null ? "null" : JSON.stringify(typeof v.literal === "bigint" ? v.literal.toString() : v.literal);
    return { ...v, node: sql.literal(`${quoteLiteral(json)}::jsonb`), type };
  }
  if (v.node.kind === "param" && v.bound) {
    if (use === "value") return { ...v, node: sql.param(bindValue(v.bound, { kind: "jsonValue" }), "jsonb"), type };
    return { ...v, node: sql.param(bindValue(v.bound, { kind: "json" }), "jsonb"), type, sentinel: true };
  }
  return { ...v, node: sql.call("to_jsonb", v.node), type };
}

/**
 * A JSONB number as the double JavaScript parses from PostgreSQL's text of it: numeric → float8 is
 * correctly rounded like JavaScript's parser (subnormals included), but PostgreSQL raises an error
 * where JavaScript gives ±Infinity (past the largest double) or ±0 (below half the smallest
 * subnormal), so those ranges are mapped first. A missing key is undefined (NaN in arithmetic and
 * comparisons), JSON null is null (0).
 */
export function jsonNumber(v: Value): Value {
  if (!isJson(v.type)) return v;
  const node = sql.share([v.node], (x) => {
    const number = jsonDouble(x);
    if (!v.type.nullable) return number;
    return {
      kind: "case",
      whens: [
        // SQL NULL: a path's missing key is undefined (NaN); a JSONB column's NULL is null (0).
        { when: sql.is(x, "NULL"), then: sql.literal(absenceOf(v.type) === "null" ? "0::float8" : "'NaN'::float8") },
        { when: sql.binary("=", x, sql.literal("'null'::jsonb")), then: sql.literal("0::float8") },
      ],
      else: number,
    };
  });
  // A JavaScript number is a double; JSON has no NaN, but a missing key (undefined) becomes one.
  // Never NULL: a missing key and JSON null became NaN and 0.
  return { ...v, node, type: { ...v.type, nullable: false, sqlType: "double precision", neverNaN: !v.type.nullable } };
}

/**
 * A JSONB number (known to be one) as the double JavaScript parses from its text: correctly rounded,
 * with the ranges where PostgreSQL would raise an error mapped to ±Infinity and ±0.
 */
export function jsonDouble(x: SqlNode): SqlNode {
  return sql.share([sql.cast(x, "numeric")], (n) => {
    const magnitude = sql.call("abs", n);
    const negative = sql.binary("<", n, sql.literal("0"));
    const bySign = (pos: string, neg: string) =>
      sql.caseWhen(negative, sql.literal(`'${neg}'::float8`), sql.literal(`'${pos}'::float8`));
    return {
      kind: "case",
      whens: [
        { when: sql.binary(">=", magnitude, sql.literal(OVERFLOW)), then: bySign("Infinity", "-Infinity") },
        { when: sql.binary("<", magnitude, sql.literal(UNDERFLOW)), then: bySign("0", "-0") },
      ],
      else: sql.cast(n, "float8"),
    };
  });
}

/**
 * 2^1024 − 2^970, from where a decimal rounds to Infinity, and 2^−1075, below which it rounds to 0,
 * to 40 significant digits (README limits: JSON numbers within 1e-39 of these ends).
 */
const OVERFLOW = "1.797693134862315807937289714053034150799e308";
const UNDERFLOW = "2.470328229206232720882843964341106861826e-324";
