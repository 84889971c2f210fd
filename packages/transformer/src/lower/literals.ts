import ts from "typescript";
import { quoteLiteral } from "closql/sql";
import { Refusal } from "../diagnostics/refusal";
import { bindValue } from "../ir/binding";
import * as sql from "../ir/sql-node";
import { BOOLEAN } from "../ir/value-type";
import type { LoweringContext } from "./context";
import { numberLiteralValue, skipTransparent } from "./syntax";
import { typeOfExpression } from "./types";
import type { Value } from "./value";

/** A row-independent expression: a literal written in the closure is inlined, anything else bound. */
export function literalValue(cx: LoweringContext, e: ts.Expression): Value {
  e = skipTransparent(e);
  if (ts.isStringLiteralLike(e)) return stringLiteral(e.text, e);
  const n = numberLiteralValue(e);
  if (n !== undefined) {
    if (!Number.isFinite(n)) return boundValue(cx, e);
    // An SQL integer literal has no -0; the double keeps the sign `x / -0` depends on.
    // An integer literal is int4 or int8 in SQL as its size says (pg returns int8 as text, which the
    // row mapper decodes); beyond 2^53 it is a double, as in JavaScript.
    const integer = Number.isSafeInteger(n) || Object.is(n, -0);
    const int4 = integer && Math.abs(n) <= 2147483647;
    const text = Object.is(n, -0)
      ? "'-0'::float8"
      : !integer && Number.isInteger(n)
        ? `'${n}'::float8`
        : n < 0
          ? `(${n})`
          : String(n);
    const sqlType = int4 ? "integer" : integer ? "bigint" : Number.isInteger(n) ? "double precision" : undefined;
    return { node: sql.literal(text), type: { kind: "number", nullable: false, sqlType }, literal: n };
  }
  if (ts.isBigIntLiteral(e)) {
    // Hex, octal and binary forms and `_` separators are JavaScript syntax: SQL gets the decimal digits.
    const digits = BigInt(e.text.slice(0, -1).replace(/_/g, "")).toString();
    return {
      node: sql.literal(digits),
      type: { kind: "bigint", nullable: false, sqlType: "bigint" },
      literal: BigInt(digits),
    };
  }
  if (e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword) {
    const v = e.kind === ts.SyntaxKind.TrueKeyword;
    return { node: v ? sql.TRUE : sql.FALSE, type: BOOLEAN, literal: v };
  }
  if (e.kind === ts.SyntaxKind.NullKeyword)
    return { node: sql.NULL, type: { kind: "unknown", nullable: true }, literal: null };
  return boundValue(cx, e);
}

/** A bound value's NULL is whatever JavaScript value its type allows: null, undefined or either. */
function withAbsence(cx: LoweringContext, e: ts.Expression, type: Value["type"]): Value["type"] {
  if (!type.nullable || !cx.typeIncludesUndefined(e)) return type;
  return { ...type, absent: cx.typeIncludesNullLiteral(e) ? "either" : "undefined" };
}

/** A UTF-16 surrogate without its other half: not Unicode, so PostgreSQL cannot store it. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A string written in the closure (`at` is where, for the diagnostic), inlined as a quoted literal. */
export function stringLiteral(text: string, at: ts.Node): Value {
  if (text.includes("\0") || LONE_SURROGATE.test(text)) {
    throw new Refusal(
      "unrepresentableValue",
      at,
      "PostgreSQL text cannot hold the NUL character (\\u0000) or a lone UTF-16 surrogate, so this literal can never match.",
      "Remove the character.",
    );
  }
  return { node: sql.literal(quoteLiteral(text)), type: { kind: "string", nullable: false }, literal: text };
}

/** An expression JavaScript evaluates once per execution, bound as `$n`. */
function boundValue(cx: LoweringContext, e: ts.Expression): Value {
  const type = withAbsence(cx, e, typeOfExpression(cx.checker, cx.typeOf(e)));
  if (type.kind !== "number") return { node: sql.param(bindValue(e)), type, bound: e };
  // A JavaScript number is a double: without the cast PostgreSQL may type the parameter from an
  // integer neighbour (a CASE branch) and reject 0.1 or NaN.
  return {
    node: sql.param(bindValue(e, { kind: "double" }), "float8"),
    type: { ...type, sqlType: "double precision" },
    bound: e,
  };
}

/** SQL types for bound values where nothing around them gives one (a CASE branch, a select field). */
const PARAM_TYPES: Partial<Record<Value["type"]["kind"], string>> = {
  boolean: "boolean",
  string: "text",
  bigint: "int8",
  number: "float8",
};

/**
 * A bound value with its SQL type written out: next to a NULL branch or in a select list PostgreSQL
 * would otherwise type it as text (a captured `true` would come back as the string "true").
 */
export function typedParam(v: Value): Value {
  if (v.node.kind !== "param" || v.node.cast !== undefined) return v;
  const type = PARAM_TYPES[v.type.kind];
  return type ? { ...v, node: sql.param(v.node.binding, type) } : v;
}
