import { bindValue } from "../ir/binding";
import * as sql from "../ir/sql-node";
import type { SqlNode } from "../ir/sql-node";
import { FLOAT, isIntegerSqlType, isJson, mayBeNaN, ValueType } from "../ir/value-type";
import { jsonNumber } from "./json";
import type { Value } from "./value";

/** The operator seen from the other operand: `a < b` is `b > a`. */
export const FLIPPED: Record<string, string> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "<>": "<>" };

/** Which integer edge maps a number n to k with `col op k` ⇔ `col op n` for integer columns. */
const INTEGER_EDGE: Record<string, "eq" | "floor" | "ceil"> = {
  "=": "eq",
  "<>": "eq",
  ">": "floor",
  "<=": "floor",
  "<": "ceil",
  ">=": "ceil",
};

/**
 * Prepares number operands of a comparison. Against an integer column PostgreSQL types a parameter
 * as that integer type and rejects 1.5 or NaN, so the value is first mapped, in JavaScript, to the
 * integer that gives the same answer (`n > 1.5` ⇔ `n > 1`) or to NULL where nothing can match
 * (`n === 1.5`). Any other bound number maps NaN to NULL: NaN compares false with everything in
 * JavaScript, while PostgreSQL's NaN equals itself.
 */
export function numericOperands(a: Value, b: Value, op: string): [Value, Value] {
  return [numericOperand(a, b, FLIPPED[op]), numericOperand(b, a, op)];
}

/** `v` compared as `other op v`. */
export function numericOperand(v: Value, other: Value, op: string): Value {
  if (v.type.kind !== "number" || isIntegerSqlType(v.type)) return v;
  const againstInteger = isIntegerSqlType(other.type) && other.literal === undefined;
  if (typeof v.literal === "number") {
    if (!againstInteger || Number.isInteger(v.literal)) return v;
    const k = integerBound(v.literal, op);
    return { ...v, node: sql.literal(k), sentinel: k === "NULL" };
  }
  if (v.node.kind !== "param" || !v.bound) return v;
  if (!againstInteger) return { ...v, node: sql.param(bindValue(v.bound, { kind: "number" })), sentinel: true };
  const type: ValueType = { ...v.type, sqlType: "bigint" };
  const node = sql.param(bindValue(v.bound, { kind: "int", edge: INTEGER_EDGE[op] }), "int8");
  return { ...v, node, type, sentinel: true };
}

/** Build-time twin of the `int` binding for a literal n: the integer k with `col op k` ⇔ `col op n`. */
function integerBound(n: number, op: string): string {
  if (Number.isNaN(n) || op === "=" || op === "<>") return "NULL";
  const k = op === ">" || op === "<=" ? Math.floor(n) : Math.ceil(n);
  return k < 0 ? `(${k})` : String(k);
}

/** PostgreSQL's NaN is equal to itself and greater than every number; JavaScript's is neither. */
export function nanGuards(a: Value, b: Value): SqlNode[] {
  const guards: SqlNode[] = [];
  // Bound numbers arrive with NaN already mapped to NULL; literals are known. Only SQL-side values need it.
  for (const v of [a, b]) {
    if (mayBeNaN(v.type) && v.node.kind !== "literal" && v.node.kind !== "param") {
      // `x = x` needs one guard, not two.
      if (v === b && sameColumn(a.node, b.node)) continue;
      guards.push(sql.binary("<>", v.node, sql.literal("'NaN'")));
    }
  }
  return guards;
}

/** A number computed as double precision, the type of every JavaScript number. */
export function asFloat(v: Value): Value {
  // The cast keeps what the value's NULL is (nullability, narrowing, null or undefined).
  const type: ValueType = { ...FLOAT, nullable: v.type.nullable, narrowed: v.type.narrowed, absent: v.type.absent };
  if (v.exactDouble) return { node: v.exactDouble, type };
  if (isJson(v.type)) return jsonNumber(v);
  if (v.node.kind === "literal" || v.node.kind === "param" || !isIntegerSqlType(v.type)) return v;
  return { node: sql.cast(v.node, "float8"), type };
}

/** A number as an SQL double in every case, literals included (for a CASE or COALESCE of mixed types). */
export function toDouble(v: Value): Value {
  const f = asFloat(v);
  if (f.type.sqlType === "double precision" && f.node.kind !== "literal") return f;
  if (f.node.kind === "param" && f.node.cast === "float8") return f;
  return { ...f, node: sql.cast(f.node, "float8"), type: { ...f.type, sqlType: "double precision" } };
}

export function isIntegerValue(v: Value): boolean {
  return isIntegerSqlType(v.type) || (typeof v.literal === "number" && Number.isInteger(v.literal));
}

export function isNonZeroLiteral(v: Value): boolean {
  return typeof v.literal === "number" && v.literal !== 0 && !Number.isNaN(v.literal);
}

function sameColumn(a: SqlNode, b: SqlNode): boolean {
  return a.kind === "column" && b.kind === "column" && a.name === b.name && a.table === b.table;
}
