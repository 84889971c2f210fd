import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import * as sql from "../ir/sql-node";
import { isJson, ValueType } from "../ir/value-type";
import { lowerCondition, truthiness } from "./condition";
import type { LoweringContext } from "./context";
import { asJson } from "./json";
import { asFloat } from "./numbers";
import { textValue } from "./strings";
import { lowerValue, Value } from "./value";

/** `c ? a : b` as a value. */
export function conditionalValue(cx: LoweringContext, e: ts.ConditionalExpression): Value {
  const [a, b] = unifyTypes(lowerValue(cx, e.whenTrue), lowerValue(cx, e.whenFalse));
  return {
    node: sql.caseWhen(lowerCondition(cx, e.condition, true), a.node, b.node),
    type: mergeTypes(a.type, b.type, e),
  };
}

/** `a && b` / `a || b` on non-booleans: JavaScript yields one of the operands. */
export function logicalValue(cx: LoweringContext, e: ts.BinaryExpression): Value {
  const [a, b] = unifyTypes(lowerValue(cx, e.left), lowerValue(cx, e.right));
  const type = mergeTypes(a.type, b.type, e);
  const and = e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken;
  const whenTruthy = truthiness(a, true, e.left);
  return { node: sql.caseWhen(whenTruthy, and ? b.node : a.node, and ? a.node : b.node), type };
}

/** `a ?? b`: b when a is null or undefined. */
export function coalesce(cx: LoweringContext, e: ts.BinaryExpression): Value {
  const left = lowerValue(cx, e.left);
  const [a, b] = isJson(left.type) ? [left, lowerValue(cx, e.right)] : unifyTypes(left, lowerValue(cx, e.right));
  const type = { ...mergeTypes({ ...a.type, nullable: false }, b.type, e), nullable: b.type.nullable };
  if (isJson(a.type)) {
    // JSON null is a value in SQL but null in JavaScript.
    const missing = sql.or(sql.is(a.node, "NULL"), sql.binary("=", a.node, sql.literal("'null'::jsonb")));
    return { node: sql.caseWhen(missing, asJson(b).node, a.node), type: { ...type, sqlType: "jsonb" } };
  }
  return { node: sql.call("COALESCE", a.node, b.node), type };
}

/**
 * Two values that become one SQL value (`??`, `?:`): an enum and a text would make PostgreSQL cast
 * the text to the enum, and JSONB matches neither text nor numbers, so both sides get one SQL type.
 */
function unifyTypes(a: Value, b: Value): [Value, Value] {
  if (a.type.kind !== b.type.kind) return [a, b];
  if (a.type.kind === "number" && (isJson(a.type) || isJson(b.type))) return [asFloat(a), asFloat(b)];
  if (a.type.kind !== "string" || a.type.sqlType === b.type.sqlType) return [a, b];
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
  const sqlType = a.sqlType === b.sqlType ? a.sqlType : kindA === "number" ? "double precision" : undefined;
  return { kind: kindA, nullable: a.nullable || b.nullable, sqlType };
}
