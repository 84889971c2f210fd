import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import * as sql from "../ir/sql-node";
import { isIntegerSqlType, isJson, ValueType } from "../ir/value-type";
import { jsonDouble } from "./json";
import type { LoweringContext } from "./context";
import { codeUnitOrder } from "./ordering";
import { textValue } from "./strings";
import { lowerValue, Value } from "./value";

/** The aggregate markers closql exports, each lowered from its one lowered argument (none for `count()`). */
const AGGREGATES: Record<string, (arg: Value | undefined, at: ts.CallExpression) => Value> = {
  count: (arg) => ({
    node: sql.call("count", arg ? arg.node : sql.literal("*")),
    // int8 reaches JavaScript as a number, refusing to round (a count beyond 2^53 cannot happen).
    type: { kind: "number", nullable: false, sqlType: "bigint", neverNaN: true },
  }),
  sum: (arg, at) => {
    const v = numeric(arg!, "sum", at);
    const t = v.type;
    // Exact: PostgreSQL sums int2/int4 into int8 and int8 into numeric; the decoders refuse to round.
    if (t.sqlType === "integer" || t.sqlType === "smallint")
      return aggregate("sum", v, { kind: "number", sqlType: "bigint", neverNaN: true });
    if (t.sqlType === "bigint") return aggregate("sum", v, { kind: t.kind, sqlType: "numeric", neverNaN: true });
    if (t.kind === "string") return aggregate("sum", v, { kind: "string", sqlType: "numeric" });
    return aggregate("sum", asDouble(v), { kind: "number", sqlType: "double precision" });
  },
  avg: (arg, at) => {
    const v = numeric(arg!, "avg", at);
    if (v.type.kind === "string") return aggregate("avg", v, { kind: "string", sqlType: "numeric" });
    // The mean of integers is numeric in PostgreSQL; JavaScript gets the nearest double.
    const mean = aggregate("avg", isIntegerSqlType(v.type) ? v : asDouble(v), {
      kind: "number",
      sqlType: "double precision",
    });
    return isIntegerSqlType(v.type) ? { ...mean, node: sql.cast(mean.node, "double precision") } : mean;
  },
  min: (arg, at) => extreme("min", arg!, at),
  max: (arg, at) => extreme("max", arg!, at),
};

/**
 * An aggregate marker call, or undefined when `name` is not one. Aggregates belong to select, having
 * and orderBy closures (over groups, or the whole result): anywhere else, and inside another
 * aggregate, they are refused.
 */
export function aggregateCall(cx: LoweringContext, e: ts.CallExpression, name: string): Value | undefined {
  const lower = Object.prototype.hasOwnProperty.call(AGGREGATES, name) ? AGGREGATES[name] : undefined;
  if (!lower) return undefined;
  if (!cx.aggregatesAllowed)
    throw new Refusal(
      "aggregateContext",
      e,
      `\`${name}()\` is an aggregate over the rows of a group: it has no value for one row, so it cannot be used here.`,
      "Use aggregates in `select`, `having` or `orderBy` (with `groupBy`, or over the whole result).",
    );
  if (cx.aggregateDepth > 0)
    throw new Refusal("aggregateContext", e, `\`${name}()\` inside another aggregate has no meaning in SQL.`);
  cx.reads.aggregate ??= e;
  if (name !== "count" && e.arguments.length !== 1)
    throw new Refusal("methodArguments", e, `\`${name}()\` takes one argument.`);
  if (e.arguments.length > 1) throw new Refusal("methodArguments", e, "`count()` takes at most one argument.");
  cx.aggregateDepth++;
  try {
    const [arg] = e.arguments;
    return lower(arg === undefined ? undefined : jsonScalar(lowerValue(cx, arg)), e);
  } finally {
    cx.aggregateDepth--;
  }
}

/**
 * A JSONB scalar path as the value JavaScript holds, for an aggregate to skip or take: a number path
 * as its double, a string path as its text, JSON null and a missing key as SQL NULL (JavaScript's
 * null and undefined, which the aggregates skip). PostgreSQL has no min/max of jsonb, and a cast of
 * JSON null to a number fails: the path itself must never reach the aggregate. Objects, arrays and
 * booleans stay JSONB, for the aggregate to refuse.
 */
function jsonScalar(v: Value): Value {
  if (!isJson(v.type) || (v.type.kind !== "number" && v.type.kind !== "string")) return v;
  const type = { ...v.type, jsonPath: undefined, absent: undefined, nullable: true };
  if (v.type.kind === "string")
    return { node: sql.binary("#>>", v.node, sql.literal("'{}'")), type: { ...type, sqlType: "text" } };
  const node = sql.share([v.node], (x) =>
    sql.caseWhen(sql.binary("=", x, sql.literal("'null'::jsonb")), sql.NULL, jsonDouble(x)),
  );
  return { node, type: { ...type, sqlType: "double precision", neverNaN: true } };
}

function aggregate(name: string, v: Value, type: Omit<ValueType, "nullable">): Value {
  // Over no rows (an empty result, a group whose values are all NULL) every aggregate but count is
  // NULL, and that NULL is JavaScript's null whatever the argument's NULLs stood for (`min(p?.name)`
  // is null, not undefined, where no post matched); nor is the result a JSON path or narrowed.
  const { absent: _absent, jsonPath: _jsonPath, narrowed: _narrowed, ...result } = type;
  return { node: sql.call(name, v.node), type: { ...result, nullable: true } };
}

function numeric(v: Value, name: string, at: ts.CallExpression): Value {
  const numericString = v.type.kind === "string" && v.type.sqlType === "numeric";
  if (v.type.kind === "number" || v.type.kind === "bigint" || numericString) return v;
  throw new Refusal(
    "aggregateArgument",
    at,
    `\`${name}()\` takes numbers (number, bigint or numeric columns and expressions), not a ${v.type.kind} value.`,
  );
}

function asDouble(v: Value): Value {
  return v.type.sqlType === "double precision" ? v : { ...v, node: sql.cast(v.node, "double precision") };
}

/**
 * min/max order values as closql's `<` and `orderBy` do: text, enums and uuids by code units (not the
 * database's collation, not an enum's declaration order); numbers, numeric, dates and timestamps by value.
 */
function extreme(name: "min" | "max", v: Value, at: ts.CallExpression): Value {
  const t = v.type;
  if (t.kind === "number" || t.kind === "bigint" || t.kind === "date") return aggregate(name, v, t);
  if (t.kind === "string") {
    if (t.sqlType === "numeric" || t.sqlType === "date") return aggregate(name, v, t);
    const ordered = codeUnitOrder(textValue(v));
    const extreme = aggregate(name, ordered, { ...t, sqlType: "text" });
    // PostgreSQL carries the explicit COLLATE "C" out of min()/max() into every expression using
    // the result, where it clashes with another explicit collation (toLowerCase()'s ICU one:
    // "collation mismatch"). A scalar subquery's result has none; the aggregate, reading the outer
    // row, still belongs to the outer query (a constant argument would not: it stays as it is).
    return sql.readsColumn(v.node) ? { ...extreme, node: { kind: "scalar", operand: extreme.node } } : extreme;
  }
  throw new Refusal(
    "aggregateArgument",
    at,
    `\`${name}()\` of a ${t.kind} value has no order closql can match.`,
    "Aggregate numbers, strings or dates.",
  );
}
