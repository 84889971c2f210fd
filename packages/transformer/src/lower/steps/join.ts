import type { LoweredStep } from "../../ir/statement";
import type { StepInput } from "../../recognize/methods";
import { lowerCondition } from "../condition";
import { LoweringContext } from "../context";
import { tableReference } from "../scope";
import { closureBody, inlineClosure } from "../syntax";

/**
 * `.join(other, (u, p) => …)` / `.leftJoin(…)`: the whole clause, `JOIN "posts" ON <condition>`, where
 * the condition keeps the pairs of rows for which the closure is truthy in JavaScript. `input.sources`
 * already holds the joined table, last.
 */
export function lowerJoin(input: StepInput): LoweredStep {
  const closure = inlineClosure(input.name, input.args[1]);
  // In its own ON condition the joined row is a row (the pair is being tested), never null.
  const sources = input.sources.map((s, i) => (i === input.sources.length - 1 ? { ...s, optional: undefined } : s));
  const cx = new LoweringContext(input.checker, closure, sources);
  const joined = input.sources[input.sources.length - 1];
  const keyword = input.name === "leftJoin" ? "LEFT JOIN" : "JOIN";
  return {
    kind: input.name,
    clause: `${keyword} ${tableReference(joined)} ON `,
    nodes: [lowerCondition(cx, closureBody(closure), true)],
  };
}
