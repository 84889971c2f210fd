import ts from "typescript";
import { Refusal } from "../../diagnostics/refusal";
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
 * its text. The other types' SQL equality already agrees (doubles: NaN = NaN and -0 = 0, as in a Map).
 */
export function groupedValue(v: Value): Value {
  return v.type.kind === "string" && v.type.sqlType === "numeric" ? textValue(v) : v;
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
