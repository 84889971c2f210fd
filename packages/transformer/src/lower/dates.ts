import type ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import { bindValue } from "../ir/binding";
import * as sql from "../ir/sql-node";
import { nullabilityOf } from "../ir/value-type";
import type { SqlNode } from "../ir/sql-node";
import type { LoweringContext } from "./context";
import { FLIPPED } from "./numbers";
import { chainedAbsence } from "./absence";
import { lowerValue, Value } from "./value";

type DateOp = "=" | "<" | "<=" | ">" | ">=";

/**
 * Compares timestamps as JavaScript compares Dates: to the millisecond. PostgreSQL keeps
 * microseconds, so against a bound Date the bound side moves instead of the column (index-friendly):
 * `col > d` ⇔ `col >= d + 1ms`, `col <= d` ⇔ `col < d + 1ms`, `===` is the 1 ms range. The bound
 * side is UTC text (runtime timestamp.ts), so no session `TimeZone` enters a comparison.
 */
export function compareDates(cx: LoweringContext, op: DateOp, a: Value, b: Value, positive: boolean): SqlNode {
  if (readsRowValue(b) && !readsRowValue(a)) return compareDates(cx, FLIPPED[op] as DateOp, b, a, positive);
  if (readsRowValue(b)) {
    const [x, y] = sameTimestampType(a, b);
    const ms = (n: SqlNode) => sql.call("date_trunc", sql.literal("'milliseconds'"), n);
    const hit = sql.binary(op, ms(x), ms(y));
    if (positive) return hit;
    return a.type.nullable || b.type.nullable ? sql.is(hit, "NOT TRUE") : sql.not(hit);
  }
  if (b.node.kind !== "param" || !b.bound) throw new Error("closql: expected a bound Date");
  const boundDate = b.bound;
  // A number of ms meets getTime(), an integer: first the integer edge with the same answer.
  const fromMs = b.type.kind === "number";
  const bound = (edge: "at" | "next") =>
    sql.param(
      bindValue(boundDate, {
        kind: "date",
        edge,
        fromMs: !fromMs ? false : op === "=" ? "eq" : edge === "at" ? "ceil" : "floor",
      }),
    );
  const col = a.node;
  const hit = {
    ">": () => sql.binary(">=", col, bound("next")),
    ">=": () => sql.binary(">=", col, bound("at")),
    "<": () => sql.binary("<", col, bound("at")),
    "<=": () => sql.binary("<", col, bound("next")),
    "=": () => sql.share([col], (c) => sql.and(sql.binary(">=", c, bound("at")), sql.binary("<", c, bound("next")))),
  }[op]();
  // A bound side may be NULL for "matches nothing" (an invalid Date), so negate NULL-safely.
  return positive ? hit : sql.is(hit, "NOT TRUE");
}

function readsRowValue(v: Value): boolean {
  return v.node.kind !== "param" && v.node.kind !== "literal";
}

/**
 * `timestamp` against `timestamptz`: PostgreSQL would convert the `timestamp` in the session's
 * `TimeZone`; closql reads a `timestamp` as UTC (runtime timestamp.ts), so it converts it as UTC.
 */
function sameTimestampType(a: Value, b: Value): [SqlNode, SqlNode] {
  if (a.type.sqlType === b.type.sqlType) return [a.node, b.node];
  const asInstant = (v: Value) =>
    v.type.sqlType === "timestamp" ? sql.binary("AT TIME ZONE", v.node, sql.literal("'UTC'")) : v.node;
  return [asInstant(a), asInstant(b)];
}

/** The Date behind one side of a getTime() comparison (a bound number stays a number of ms). */
export function dateSide(v: Value, at: ts.Node): Value {
  if (v.dateOf) return v.dateOf;
  if (v.node.kind === "param" && v.type.kind === "number") return v;
  throw new Refusal(
    "unsupportedExpression",
    at,
    "compare `getTime()` with another `getTime()` or a number of milliseconds computed outside the row.",
  );
}

/** `d.getTime()`: milliseconds since the epoch, as JavaScript's Date holds them (truncated, not rounded). */
export function getTime(cx: LoweringContext, e: ts.CallExpression, receiver: ts.Expression): Value {
  const d = lowerValue(cx, receiver);
  if (d.type.kind !== "date")
    throw new Refusal("unsupportedExpression", e, "`getTime()` is supported on Date values only.");
  // extract(epoch …) is exact (numeric) and reads a `timestamp` as UTC, as closql does. The result
  // is an integer, typed int8 as it is, so arithmetic on it (`% n`, `/ n`) follows its SQL type.
  const ms = sql.call(
    "floor",
    sql.binary("*", { kind: "extract", field: "epoch", operand: d.node }, sql.literal("1000")),
  );
  return {
    node: sql.cast(ms, "int8"),
    // `a.at?.getTime()` is undefined where `at` is NULL (`?.`), not null: `!== undefined` must read it so.
    type: {
      kind: "number",
      ...nullabilityOf(d.type),
      sqlType: "bigint",
      absent: chainedAbsence(e, d.type) ?? d.type.absent,
    },
    dateOf: d,
  };
}
