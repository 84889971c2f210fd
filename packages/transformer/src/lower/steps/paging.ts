import ts from "typescript";
import { bindValue } from "../../ir/binding";
import * as sql from "../../ir/sql-node";
import type { LoweredStep } from "../../ir/statement";
import type { StepInput } from "../../recognize/methods";

/** `.limit(n)` / `.offset(n)`: a literal is inlined, anything else bound and checked at run time. */
export function lowerPaging(input: StepInput): LoweredStep {
  const kind = input.name as "limit" | "offset";
  const [n] = input.args;
  if (ts.isNumericLiteral(n)) return { kind, nodes: [sql.literal(String(Number(n.text)))] };
  return { kind, nodes: [sql.param(bindValue(n, { kind: "count", method: kind }))] };
}
