import type { LoweredStep } from "../../ir/statement";
import type { StepInput } from "../../recognize/methods";
import { lowerCondition } from "../condition";
import { LoweringContext } from "../context";
import { closureBody, inlineClosure } from "../syntax";

/** `.where(u => …)`: the rows for which the closure is truthy in JavaScript. */
export function lowerWhere(input: StepInput): LoweredStep {
  const closure = inlineClosure(input.name, input.args[0]);
  const cx = new LoweringContext(input.checker, closure, input.sources);
  return { kind: "where", nodes: [lowerCondition(cx, closureBody(closure), true)], closure };
}
