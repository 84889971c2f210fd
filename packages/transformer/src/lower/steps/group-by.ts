import ts from "typescript";
import { Refusal } from "../../diagnostics/refusal";
import * as sql from "../../ir/sql-node";
import type { SqlNode } from "../../ir/sql-node";
import type { LoweredStep } from "../../ir/statement";
import type { StepInput } from "../../recognize/methods";
import { lowerCondition } from "../condition";
import { LoweringContext } from "../context";
import { closureBody, inlineClosure, skipParens } from "../syntax";
import { textValue } from "../strings";
import { lowerValue, Value } from "../value";

/**
 * `.groupBy(u => u.role)` or `.groupBy(u => [u.role, u.active])`: the keys, compared as SQL groups
 * them (NULLs form one group, as JavaScript's `===` on null would).
 */
export function lowerGroupBy(input: StepInput): LoweredStep {
  const closure = inlineClosure(input.name, input.args[0]);
  const cx = new LoweringContext(input.checker, closure, input.sources);
  const body = skipParens(closureBody(closure));
  const keys = ts.isArrayLiteralExpression(body) ? body.elements : [body];
  const nodes: SqlNode[] = keys.map((k) => {
    if (ts.isSpreadElement(k) || !cx.readsRow(k))
      throw new Refusal(
        "constantSortKey",
        k,
        "this group key does not read the row, so it groups nothing.",
        "Group by columns or expressions of the row: `.groupBy((u) => [u.role, u.active])`.",
      );
    const key = lowerValue(cx, k);
    if (key.row) throw new Refusal("joinShape", k, "a whole row is not a group key.", "Group by its key, e.g. `p.id`.");
    return groupedValue(key).node;
  });
  if (nodes.length === 0) throw new Refusal("methodArguments", body, "groupBy() needs at least one key.");
  return { kind: "groupBy", nodes };
}

/**
 * A value as GROUP BY and DISTINCT must compare it: as JavaScript's `===` (a `Map` key, a `Set`
 * member) tells it from another. A numeric is a string in JavaScript, so "1.0" and "1.00" are two
 * keys, where PostgreSQL's numeric equality makes them one group: it is grouped (and selected) as
 * its text. A timestamp is a Date, which holds milliseconds: rows whose timestamps differ only in
 * microseconds are one group (closql groups Dates by `getTime()`, as its `===` on `getTime()` and
 * its joins compare them), so it is grouped and selected cut to the millisecond — the value
 * JavaScript receives either way. The other types' SQL equality already agrees (doubles: NaN = NaN
 * and -0 = 0, as in a Map).
 */
export function groupedValue(v: Value): Value {
  if (v.type.kind === "string" && v.type.sqlType === "numeric") return textValue(v);
  if (isTimestamp(v)) return { ...v, node: millisecondsOf(v.node) };
  return v;
}

/** A `timestamptz` or `timestamp` value: microseconds in SQL, milliseconds in a Date. */
export function isTimestamp(v: Value): boolean {
  return v.type.kind === "date" && (v.type.sqlType === "timestamptz" || v.type.sqlType === "timestamp");
}

/** `date_trunc('milliseconds', x)`: a timestamp as a Date holds it (±infinity stay). */
export function millisecondsOf(x: SqlNode): SqlNode {
  return sql.call("date_trunc", sql.literal("'milliseconds'"), x);
}

/** `.having(g => count() > 2)`: the groups for which the closure is truthy. */
export function lowerHaving(input: StepInput): LoweredStep {
  const closure = inlineClosure(input.name, input.args[0]);
  const cx = new LoweringContext(input.checker, closure, input.sources, { aggregates: true });
  const node = lowerCondition(cx, closureBody(closure), true);
  return { kind: "having", nodes: [node], reads: cx.reads };
}

/** `.distinct()`: the fold prints `SELECT DISTINCT`. */
export function lowerDistinct(input: StepInput): LoweredStep {
  return { kind: input.name, nodes: [] };
}
