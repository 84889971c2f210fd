import { canonical } from "closql/sql";
import { bindValue } from "../ir/binding";
import * as sql from "../ir/sql-node";
import { isTextual, ValueType } from "../ir/value-type";
import { textValue } from "./strings";
import type { Value } from "./value";

/**
 * uuid, date and numeric values are strings in JavaScript: `===` compares the text PostgreSQL
 * printed, not the values. uuid and date print one canonical text per value, so they compare by
 * value (index-friendly) once the other side is known to be canonical text — any other string equals
 * nothing. numeric keeps its scale ("1.0" and "1.00" are equal numbers, different strings), so it
 * compares as text.
 */
export function stringEqualityOperands(a: Value, b: Value): [Value, Value] {
  if (a.type.kind !== "string" || b.type.kind !== "string") return [a, b];
  const typeA = stringType(a.type);
  const typeB = stringType(b.type);
  if (typeA === "numeric" || typeB === "numeric") return [textValue(a), textValue(b)];
  if (typeA === typeB && (typeA === "text" || a.type.sqlType === b.type.sqlType)) return [a, b];
  // An enum against a bound or written string keeps the enum (and its index): see enumOperand.
  if (
    (typeA === "enum" && typeB === "text" && !readsRow(b)) ||
    (typeB === "enum" && typeA === "text" && !readsRow(a))
  ) {
    return [a, b];
  }
  if (typeB === "text" && isCanonical(typeA) && !readsRow(b)) return [a, canonicalOperand(b, typeA)];
  if (typeA === "text" && isCanonical(typeB) && !readsRow(a)) return [canonicalOperand(a, typeB), b];
  return [textValue(a), textValue(b)];
}

type StringType = "text" | "uuid" | "date" | "numeric" | "enum" | "other";

function stringType(t: ValueType): StringType {
  if (t.sqlType === undefined || isTextual(t)) return "text";
  if (t.sqlType === "uuid" || t.sqlType === "date" || t.sqlType === "numeric") return t.sqlType;
  return t.sqlType.startsWith('"') ? "enum" : "other";
}

function isCanonical(t: StringType): t is "uuid" | "date" {
  return t === "uuid" || t === "date";
}

function readsRow(v: Value): boolean {
  return v.node.kind !== "param" && v.node.kind !== "literal";
}

/** A string compared with a uuid or date: equal to nothing unless it is that type's canonical text. */
function canonicalOperand(v: Value, type: "uuid" | "date"): Value {
  if (typeof v.literal === "string") {
    return canonical[type](v.literal) ? v : { ...v, node: sql.NULL, sentinel: true };
  }
  if (v.node.kind !== "param" || !v.bound) return textValue(v);
  return { ...v, node: sql.param(bindValue(v.bound, { kind: "canonical", type })), sentinel: true };
}
