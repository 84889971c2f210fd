import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import * as sql from "../ir/sql-node";
import { isIntegerSqlType, isJson, ValueType } from "../ir/value-type";
import { mergeAbsence } from "./absence";
import { lowerCondition, truthiness } from "./condition";
import type { LoweringContext } from "./context";
import { asJson } from "./json";
import { typedParam } from "./literals";
import { asFloat, toDouble } from "./numbers";
import { textValue } from "./strings";
import { lowerValue, Value } from "./value";

/** `c ? a : b` as a value. */
export function conditionalValue(cx: LoweringContext, e: ts.ConditionalExpression): Value {
  const [a, b] = unifyTypes(lowerValue(cx, e.whenTrue), lowerValue(cx, e.whenFalse), e);
  return {
    node: sql.caseWhen(lowerCondition(cx, e.condition, true), a.node, b.node),
    type: mergeTypes(a.type, b.type, e),
  };
}

/** `a && b` / `a || b` on non-booleans: JavaScript yields one of the operands. */
export function logicalValue(cx: LoweringContext, e: ts.BinaryExpression): Value {
  const [a, b] = unifyTypes(lowerValue(cx, e.left), lowerValue(cx, e.right), e);
  const type = mergeTypes(a.type, b.type, e);
  const and = e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken;
  const node = sql.share([a.node], (x) =>
    sql.caseWhen(truthiness({ ...a, node: x }, true, e.left), and ? b.node : x, and ? x : b.node),
  );
  return { node, type };
}

/** `a ?? b`: b when a is null or undefined. */
export function coalesce(cx: LoweringContext, e: ts.BinaryExpression): Value {
  const left = lowerValue(cx, e.left);
  const [a, b] = isJson(left.type) ? [left, lowerValue(cx, e.right)] : unifyTypes(left, lowerValue(cx, e.right), e);
  // a ?? b is null or undefined only when b is, and then exactly as b is.
  const type = { ...mergeTypes({ ...a.type, nullable: false }, b.type, e), nullable: b.type.nullable };
  if (isJson(a.type)) {
    // JSON null is a value in SQL but null in JavaScript.
    const node = sql.share([a.node], (x) =>
      sql.caseWhen(
        sql.or(sql.is(x, "NULL"), sql.binary("=", x, sql.literal("'null'::jsonb"))),
        asJson(b, "value").node,
        x,
      ),
    );
    return { node, type: { ...type, sqlType: "jsonb" } };
  }
  // `p?.title ?? null`: NULL either way, only its meaning changes.
  if (b.node.kind === "literal" && b.node.sql === "NULL") return { node: a.node, type };
  return { node: sql.call("COALESCE", a.node, b.node), type };
}

/**
 * Two values that become one SQL value (`??`, `?:`): an enum and a text would make PostgreSQL cast
 * the text to the enum, and JSONB matches neither text nor numbers, so both sides get one SQL type.
 */
function unifyTypes(a: Value, b: Value, at: ts.Node): [Value, Value] {
  [a, b] = [typedParam(a), typedParam(b)];
  if (a.type.kind !== b.type.kind) return [a, b];
  if (a.type.kind === "number" && isJson(a.type) && isJson(b.type)) return [a, b];
  if (a.type.kind === "number" && (isJson(a.type) || isJson(b.type))) {
    // A JSON number's SQL NULL (a missing key) would become NaN as a double; a result that is a
    // JSON number or a plain number has no one SQL form.
    const json = isJson(a.type) ? a : b;
    if (json.type.nullable) {
      throw new Refusal(
        "mixedBranches",
        at,
        "the branches yield a JSON number that may be missing and a number; SQL needs one type.",
        "Give the JSON value a fallback first: `(u.meta?.seats ?? 0)`.",
      );
    }
    return [asFloat(a), asFloat(b)];
  }
  // `%` keeps the -0 JavaScript gives only in its exact double form: a branch yields that one.
  if (a.type.kind === "number" && (a.exactDouble || b.exactDouble)) return [toDouble(a), toDouble(b)];
  if (a.type.kind === "number" && a.type.sqlType !== b.type.sqlType) {
    // Integers of two sizes make an int8; anything else is a double, as in JavaScript (an integer
    // next to 0.5 would otherwise make a numeric, which pg returns as a string).
    if (isIntegerSqlType(a.type) && isIntegerSqlType(b.type)) return [a, b];
    return [toDouble(a), toDouble(b)];
  }
  if (a.type.sqlType === b.type.sqlType) return [a, b];
  // A JSON string or boolean keeps its JSON form, the other branch joining it: as text a missing key
  // and JSON null would both be SQL NULL, which JavaScript tells apart (undefined, null).
  if ((a.type.kind === "string" || a.type.kind === "boolean") && (isJson(a.type) || isJson(b.type))) {
    return [asJson(a, "value"), asJson(b, "value")];
  }
  if (a.type.kind !== "string") return [a, b];
  return [textValue(a), textValue(b)];
}

/** The type of `c ? a : b` / `a ?? b`: both branches must be of one JavaScript kind. */
function mergeTypes(a: ValueType, b: ValueType, at: ts.Node): ValueType {
  const kindA = a.kind === "unknown" && a.nullable ? b.kind : a.kind;
  const kindB = b.kind === "unknown" && b.nullable ? a.kind : b.kind;
  if (kindA !== kindB) {
    throw new Refusal(
      "mixedBranches",
      at,
      `the branches yield ${a.kind} and ${b.kind} values; SQL needs one type.`,
      "Make both branches the same type.",
    );
  }
  const nullable = a.nullable || b.nullable;
  // TypeScript's proof of non-null holds for the result when it holds for every branch that needs it.
  const narrowed = nullable && (!a.nullable || a.narrowed === true) && (!b.nullable || b.narrowed === true);
  // What the result's NULL stands for (a JSON path's missing key is undefined, a column's null).
  const absent = mergeAbsence(a, b);
  // A `null` branch has no SQL type of its own: the other branch decides.
  if (a.kind === "unknown" && a.nullable) return withoutPath({ ...b, nullable, absent, narrowed: false });
  if (b.kind === "unknown" && b.nullable) return withoutPath({ ...a, nullable, absent, narrowed: false });
  let sqlType: string | undefined;
  if (a.sqlType === b.sqlType) sqlType = a.sqlType;
  else if (kindA === "number" && isIntegerSqlType(a) && isIntegerSqlType(b)) sqlType = "bigint";
  else if (kindA === "number") sqlType = "double precision";
  return { kind: kindA, nullable, sqlType, absent, ...(narrowed ? { narrowed } : {}) };
}

/** A branch result is no longer a JSON path: its SQL NULL no longer means "missing key" only. */
function withoutPath(t: ValueType): ValueType {
  const { jsonPath: _jsonPath, ...rest } = t;
  return rest;
}
