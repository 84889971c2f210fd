import ts from "typescript";
import { Refusal } from "../../diagnostics/refusal";
import type { LoweredWrite } from "../../ir/statement";
import type { WriteInput } from "../../recognize/methods";
import { LoweringContext } from "../context";
import { closureBody, skipParens } from "../syntax";
import { objectAssignments } from "./assignments";

/** `.update({ role: "admin" })` or `.update(u => ({ n: u.n + 1 }))`, on the rows `where` kept. */
export function lowerUpdate(input: WriteInput): LoweredWrite {
  const [values] = input.args;
  const v = skipParens(values);
  const closure = ts.isArrowFunction(v) || ts.isFunctionExpression(v) ? v : undefined;
  const cx = closure ? new LoweringContext(input.checker, closure, [{ table: input.table }]) : undefined;
  const { assignments, rowObject } = objectAssignments(
    input.checker,
    cx,
    input.table,
    closure ? closureBody(closure) : values,
  );
  if (assignments.length === 0) throw new Refusal("writeShape", values, "update() must set at least one column.");
  return { kind: "update", result: input.returning ? "rows" : "count", assignments, rowObject };
}

/** `.delete()` of the rows `where` kept. */
export function lowerDelete(input: WriteInput): LoweredWrite {
  return { kind: "delete", result: input.returning ? "rows" : "count", assignments: [] };
}
