import type ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import * as sql from "../ir/sql-node";
import type { SqlNode } from "../ir/sql-node";
import { isJson, isTextual, maybeNull } from "../ir/value-type";
import type { LoweringContext } from "./context";
import { compareDates, dateSide } from "./dates";
import { jsonNumber } from "./json";
import { FLIPPED, nanGuards, numericOperands } from "./numbers";
import { textValue } from "./strings";
import type { Value } from "./value";

type OrderingOp = "<" | "<=" | ">" | ">=";

const NEGATED: Record<OrderingOp, OrderingOp> = { "<": ">=", "<=": ">", ">": "<=", ">=": "<" };

/** `< <= > >=` as a condition of the given polarity. */
export function ordering(
  cx: LoweringContext,
  e: ts.BinaryExpression,
  op: OrderingOp,
  a: Value,
  b: Value,
  positive: boolean,
): SqlNode {
  for (const v of [a, b]) {
    if (maybeNull(v.type) && !(isJson(v.type) && v.type.kind === "number")) {
      throw new Refusal(
        "nullableOrdering",
        e,
        "an ordering comparison with a nullable operand: JavaScript converts null to 0 (`null < 1` is true), SQL yields NULL.",
        "Check for null first: `x !== null && x < 1`.",
      );
    }
    if (!["number", "bigint", "string", "date"].includes(v.type.kind)) {
      throw new Refusal("typeConversion", e, `\`${op}\` on ${v.type.kind} values has no faithful SQL translation.`);
    }
  }
  if (a.type.kind !== b.type.kind) {
    throw new Refusal(
      "typeConversion",
      e,
      `\`${op}\` between ${a.type.kind} and ${b.type.kind} converts types in JavaScript.`,
      "Compare values of the same type.",
    );
  }
  if (a.type.kind === "date") return compareDates(cx, op, a, b, positive);
  if (a.dateOf || b.dateOf) return compareDates(cx, op, dateSide(a, e), dateSide(b, e), positive);
  if (a.type.kind === "string") [a, b] = [codeUnitOrder(textValue(a)), codeUnitOrder(textValue(b))];
  if (a.type.kind === "number") [a, b] = [jsonNumber(a), jsonNumber(b)];
  [a, b] = numericOperands(a, b, op);
  return sql.share([a.node, b.node], (x, y) => orderingOf(op, { ...a, node: x }, { ...b, node: y }, positive));
}

function orderingOf(op: OrderingOp, a: Value, b: Value, positive: boolean): SqlNode {
  const guards = nanGuards(a, b);
  const cmp = sql.and(sql.binary(op, a.node, b.node), ...guards);
  if (positive) return cmp;
  const negated = NEGATED[op];
  // A narrowed operand is compared as TypeScript proved it (README: narrowing and ordering).
  if (guards.length > 0 || maybeNull(a.type) || maybeNull(b.type)) return sql.is(cmp, "NOT TRUE");
  // A bound number against an integer column is NULL for NaN; negated, NaN must make it true.
  const left = negatedIntBound(a, FLIPPED[negated] as OrderingOp);
  const right = negatedIntBound(b, negated);
  if (!left || !right) return sql.is(cmp, "NOT TRUE");
  return sql.binary(negated, left.node, right.node);
}

/**
 * `v` as the right operand of `other op v` in a negated comparison: a sentinel integer binding gets
 * the int8 end that keeps the comparison true for NaN; any other sentinel cannot be negated simply.
 */
function negatedIntBound(v: Value, op: OrderingOp): Value | undefined {
  if (!v.sentinel) return v;
  if (v.node.kind !== "param" || v.node.binding.via.kind !== "int" || v.node.binding.via.edge === "eq")
    return undefined;
  const via = { ...v.node.binding.via, nan: op === "<" || op === "<=" ? ("max" as const) : ("min" as const) };
  return { ...v, node: sql.param({ ...v.node.binding, via }, v.node.cast) };
}

/**
 * JavaScript orders strings by UTF-16 code units. `COLLATE "C"` orders by code point, which agrees
 * except between astral characters and U+E000–U+FFFF (documented limit).
 */
export function codeUnitOrder(v: Value): Value {
  if (v.node.kind === "param" || v.node.kind === "literal") return v;
  const node = v.type.sqlType !== undefined && !isTextual(v.type) ? sql.cast(v.node, "text") : v.node;
  return { ...v, node: sql.collate(node, "C") };
}
