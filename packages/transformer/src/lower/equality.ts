import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import { bindValue } from "../ir/binding";
import * as sql from "../ir/sql-node";
import type { SqlNode } from "../ir/sql-node";
import { absenceOf, isJson } from "../ir/value-type";
import type { LoweringContext } from "./context";
import { compareDates, dateSide } from "./dates";
import { ambiguous, bothAbsentAlike, isJsNull, isJsUndefined, sameAbsence } from "./absence";
import { asJson, jsonDouble } from "./json";
import { asFloat, nanGuards, numericOperands } from "./numbers";
import { ordering } from "./ordering";
import { stringEqualityOperands } from "./string-types";
import { isNullish, isNullLiteral } from "./syntax";
import { lowerValue, Value } from "./value";

export type ComparisonOp = "===" | "!==" | "==" | "!=" | "<" | "<=" | ">" | ">=";

export const COMPARISONS: Partial<Record<ts.SyntaxKind, ComparisonOp>> = {
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: "===",
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: "!==",
  [ts.SyntaxKind.EqualsEqualsToken]: "==",
  [ts.SyntaxKind.ExclamationEqualsToken]: "!=",
  [ts.SyntaxKind.LessThanToken]: "<",
  [ts.SyntaxKind.LessThanEqualsToken]: "<=",
  [ts.SyntaxKind.GreaterThanToken]: ">",
  [ts.SyntaxKind.GreaterThanEqualsToken]: ">=",
};

/** A comparison as a condition of the given polarity. */
export function comparison(cx: LoweringContext, e: ts.BinaryExpression, op: ComparisonOp, positive: boolean): SqlNode {
  const nullSide = isNullish(e.right) ? e.right : isNullish(e.left) ? e.left : undefined;
  if (nullSide) return nullCheck(cx, e, op, nullSide === e.right ? e.left : e.right, nullSide, positive);

  const left = lowerValue(cx, e.left);
  const right = lowerValue(cx, e.right);
  if (op === "==" || op === "!=") {
    if (left.type.kind !== right.type.kind || left.type.kind === "unknown") {
      throw new Refusal(
        "typeConversion",
        e.operatorToken,
        `\`${op}\` converts types in JavaScript before comparing.`,
        `Use \`${op}=\`.`,
      );
    }
  }
  const loose = op === "==" || op === "!=";
  if (op === "===" || op === "==") return equality(cx, e, left, right, positive, loose);
  if (op === "!==" || op === "!=") return equality(cx, e, left, right, !positive, loose);
  return ordering(cx, e, op, left, right, positive);
}

/** `x === null`, `x == undefined`, … */
function nullCheck(
  cx: LoweringContext,
  e: ts.BinaryExpression,
  op: ComparisonOp,
  operand: ts.Expression,
  nullish: ts.Expression,
  positive: boolean,
): SqlNode {
  // `d?.getTime() === undefined` tests the timestamp itself (NULL alike; no epoch of ±infinity computed).
  const v = instant(lowerValue(cx, operand));
  const loose = op === "==" || op === "!=";
  if (!loose && !isNullLiteral(nullish) && !cx.typeIncludesUndefined(operand) && !v.type.jsonPath) {
    throw new Refusal(
      "undefinedColumn",
      e,
      "a column that is NULL in SQL is `null` in JavaScript, never `undefined`, so this comparison is always false.",
      `Write \`=== null\` (or \`== null\`).`,
    );
  }
  const isNull = op === "===" || op === "==" ? positive : !positive;
  if (isJson(v.type)) {
    // A JSONB path is SQL NULL when the key is missing (undefined) and 'null' for JSON null; a
    // JSONB column's SQL NULL and JSON null both reach JavaScript as null.
    // SQL NULL is a missing key (undefined) for a path, null for a JSONB column (absenceOf).
    const absent = absenceOf(v.type);
    if (absent === "either" && !loose) throw ambiguous(e);
    const jsonPath = absent === "undefined";
    return sql.share([v.node], (node) => {
      const missing = sql.is(node, "NULL");
      const jsonNull = sql.binary("=", node, sql.literal("'null'::jsonb"));
      if (loose || !jsonPath) {
        return isNull
          ? sql.or(missing, jsonNull)
          : sql.and(sql.is(node, "NOT NULL"), sql.binary("<>", node, sql.literal("'null'::jsonb")));
      }
      const hit = isNullLiteral(nullish) ? jsonNull : missing;
      return isNull ? hit : sql.is(hit, "NOT TRUE");
    });
  }
  if (loose) return sql.is(v.node, isNull ? "NULL" : "NOT NULL");
  const hit = isNullLiteral(nullish) ? isJsNull(cx, v, e) : isJsUndefined(cx, v, e);
  if (isNull) return hit;
  return hit.kind === "is" && hit.test === "NULL" ? sql.is(hit.operand, "NOT NULL") : sql.not(hit);
}

/** A getTime() value tested for absence on its timestamp (NULL alike; no epoch of ±infinity computed). */
function instant(v: Value): Value {
  return v.dateOf ? { ...v, node: v.dateOf.node } : v;
}

/** TRUE exactly when `a === b` (equal) or `a !== b` (equal = false) in JavaScript. */
function equality(
  cx: LoweringContext,
  e: ts.BinaryExpression,
  a: Value,
  b: Value,
  equal: boolean,
  loose = false,
): SqlNode {
  if (a.dateOf || b.dateOf) {
    if (!a.type.nullable || !b.type.nullable) return compareDates(cx, "=", dateSide(a, e), dateSide(b, e), equal);
    // Both sides may be absent (`a.at?.getTime() === b.at?.getTime()`): undefined === undefined is
    // true in JavaScript, where SQL's = of two NULLs is not; null and undefined stay apart.
    const hit = sql.or(
      compareDates(cx, "=", dateSide(a, e), dateSide(b, e), true),
      bothAbsentAlike(cx, instant(a), instant(b), e),
    );
    return equal ? hit : sql.is(hit, "NOT TRUE");
  }
  for (const v of [a, b]) {
    // Only JSON scalars compare by value; a JSON object or array is compared by reference in JS.
    if (isJson(v.type) && !["string", "number", "boolean"].includes(v.type.kind)) {
      throw new Refusal(
        "referenceEquality",
        e,
        "`===` compares objects and arrays by reference in JavaScript.",
        "Compare a property or element instead, or use `contains(…)`.",
      );
    }
  }
  if (isJson(a.type) || isJson(b.type)) return jsonEquality(cx, e, a, b, equal, loose);
  for (const v of [a, b]) {
    if (v.type.kind === "date") {
      throw new Refusal(
        "referenceEquality",
        e,
        "`===` compares Date objects by reference in JavaScript, so it is false for any two distinct Dates.",
        "Compare `a.getTime() === b.getTime()`, or use `<=`/`>=`.",
      );
    }
    if (v.type.kind === "array" || v.type.kind === "bytes" || v.type.kind === "json" || v.type.kind === "row") {
      throw new Refusal(
        "referenceEquality",
        e,
        "`===` compares objects and arrays by reference in JavaScript.",
        "Compare a property or element instead.",
      );
    }
  }
  [a, b] = numericOperands(a, b, "=");
  [a, b] = stringEqualityOperands(a, b);
  [a, b] = [enumOperand(a, b), enumOperand(b, a)];
  return sql.share([a.node, b.node], (x, y) => equalityOf(cx, e, { ...a, node: x }, { ...b, node: y }, equal, loose));
}

function equalityOf(cx: LoweringContext, at: ts.Node, a: Value, b: Value, equal: boolean, loose: boolean): SqlNode {
  const nanGuard = nanGuards(a, b);
  const eq = sql.and(sql.binary("=", a.node, b.node), ...nanGuard);
  // `==` makes null and undefined equal; `===` does not.
  const bothAbsent = loose ? sql.and(isNullOrUndefined(a), isNullOrUndefined(b)) : bothAbsentAlike(cx, a, b, at);
  const hit = sql.or(eq, bothAbsent);
  if (equal) return hit;
  if (a.sentinel || b.sentinel || nanGuard.length > 0) return sql.is(hit, "NOT TRUE");
  if (a.type.nullable && b.type.nullable) {
    const exact = loose || sameAbsence(cx, a, b);
    return exact ? sql.binary("IS DISTINCT FROM", a.node, b.node) : sql.is(hit, "NOT TRUE");
  }
  const ne = sql.binary("<>", a.node, b.node);
  if (a.type.nullable) return sql.or(ne, sql.is(a.node, "NULL"));
  if (b.type.nullable) return sql.or(ne, sql.is(b.node, "NULL"));
  return ne;
}

/** JSON values compare by type and value, like JavaScript's === on parsed JSON scalars. */
/**
 * JSON values compare by type and value, like JavaScript's === on parsed JSON scalars. A JSON path is
 * SQL NULL for a missing key (undefined) and 'null' for JSON null; a JSONB column's SQL NULL is null.
 */
function jsonEquality(cx: LoweringContext, at: ts.Node, a: Value, b: Value, equal: boolean, loose: boolean): SqlNode {
  const x = asJson(a);
  const y = asJson(b);
  const jsNull = (original: Value, json: Value) =>
    isJson(original.type)
      ? sql.or(
          sql.binary("=", json.node, sql.literal("'null'::jsonb")),
          original.type.jsonPath ? sql.FALSE : sql.is(json.node, "NULL"),
        )
      : original.bound
        ? sql.FALSE // a bound null is JSON 'null' text: `=` above matches it
        : isJsNull(cx, original, at);
  const jsUndefined = (original: Value, json: Value) =>
    isJson(original.type)
      ? original.type.jsonPath
        ? sql.is(json.node, "NULL")
        : sql.FALSE
      : original.bound
        ? // Its own parameter appears nowhere else here to give it a type: JavaScript tests it.
          cx.typeIncludesUndefined(original.bound)
          ? sql.param(bindValue(original.bound, { kind: "isUndefined" }), "boolean")
          : sql.FALSE
        : isJsUndefined(cx, original, at);
  const bothAbsent = loose
    ? sql.and(sql.or(jsNull(a, x), jsUndefined(a, x)), sql.or(jsNull(b, y), jsUndefined(b, y)))
    : sql.or(sql.and(jsNull(a, x), jsNull(b, y)), sql.and(jsUndefined(a, x), jsUndefined(b, y)));
  const hit = sql.or(jsonValuesEqual(a, b) ?? sql.binary("=", x.node, y.node), bothAbsent);
  return equal ? hit : sql.is(hit, "NOT TRUE");
}

/**
 * Numbers compare as the doubles JavaScript parses: a JSONB number 1e-400 is 0 and 12345678901234567890
 * is 12345678901234567000 there, which jsonb's exact comparison would not find equal.
 */
function jsonValuesEqual(a: Value, b: Value): SqlNode | undefined {
  if (a.type.kind !== "number" || b.type.kind !== "number") return undefined;
  const double = (v: Value): Value | undefined => {
    if (isJson(v.type)) {
      const node = sql.share([v.node], (x) =>
        sql.caseWhen(sql.binary("=", sql.call("jsonb_typeof", x), sql.literal("'number'")), jsonDouble(x), sql.NULL),
      );
      return { node, type: { kind: "number", nullable: true, sqlType: "double precision", neverNaN: true } };
    }
    // A bound NaN equals nothing (the number binding makes it NULL); a literal is written as a double.
    const [, n] = numericOperands(v, v, "=");
    return n.node.kind === "literal" ? { ...n, node: sql.cast(n.node, "float8") } : asFloat(n);
  };
  const x = double(a);
  const y = double(b);
  if (!x || !y) return undefined;
  return sql.and(sql.binary("=", x.node, y.node), ...nanGuards(x, y));
}

/** The value is null or undefined (what `==` does not tell apart). */
function isNullOrUndefined(v: Value): SqlNode {
  return v.type.nullable ? sql.is(v.node, "NULL") : sql.FALSE;
}

/**
 * A bound string compared with an enum column: PostgreSQL rejects a value that is not a label, where
 * JavaScript just finds it unequal, so non-labels are bound as "matches nothing".
 */
function enumOperand(v: Value, other: Value): Value {
  const labels = other.type.enumLabels;
  if (!labels) return v;
  // A written string that is no label (past TypeScript through a cast) equals nothing.
  if (typeof v.literal === "string") return labels.includes(v.literal) ? v : { ...v, node: sql.NULL, sentinel: true };
  if (v.node.kind !== "param" || !v.bound) return v;
  return { ...v, node: sql.param(bindValue(v.bound, { kind: "oneOf", labels }), v.node.cast), sentinel: true };
}
