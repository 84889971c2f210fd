import ts from "typescript";
import { Refusal } from "../../diagnostics/refusal";
import { bindValue } from "../../ir/binding";
import * as sql from "../../ir/sql-node";
import type { LoweredStep } from "../../ir/statement";
import type { SqlNode } from "../../ir/sql-node";
import type { StepInput } from "../../recognize/methods";
import { numberLiteralValue, skipParens } from "../syntax";

/** `.limit(n)` / `.offset(n)`: a literal is inlined, anything else bound and checked at run time. */
export function lowerPaging(input: StepInput): LoweredStep {
  const kind = input.name as "limit" | "offset";
  return { kind, nodes: [pagingNode(kind, input.args[0])] };
}

/** A row count: a literal inlined, anything else bound and checked at run time. */
export function pagingNode(kind: "limit" | "offset", n: ts.Expression): SqlNode {
  const literal = numberLiteralValue(skipParens(n));
  if (literal !== undefined) {
    if (!Number.isSafeInteger(literal) || literal < 0) {
      throw new Refusal("methodArguments", n, `.${kind}() takes a non-negative integer, not ${n.getText()}.`);
    }
    return sql.literal(String(literal));
  }
  return sql.param(bindValue(n, { kind: "count", method: kind }));
}
