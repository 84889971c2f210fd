import ts from "typescript";
import { Refusal } from "../../diagnostics/refusal";
import * as sql from "../../ir/sql-node";
import type { LoweredStep } from "../../ir/statement";
import type { StepInput } from "../../recognize/methods";
import { skipParens } from "../syntax";

const CLAUSES = {
  forUpdate: "FOR UPDATE",
  forNoKeyUpdate: "FOR NO KEY UPDATE",
  forShare: "FOR SHARE",
  forKeyShare: "FOR KEY SHARE",
} as const;

/**
 * `.forUpdate({ skipLocked: true })` and the other row locks: the whole clause is SQL text, so its
 * options must be literals (`{ skipLocked: true }` or `{ noWait: true }`).
 */
export function lowerLock(input: StepInput): LoweredStep {
  const kind = input.name as keyof typeof CLAUSES;
  let clause: string = CLAUSES[kind];
  const [options] = input.args;
  if (options) {
    const o = skipParens(options);
    const refuse = (at: ts.Node): never => {
      throw new Refusal(
        "literalOption",
        at,
        "a row lock's options are part of the SQL text: write them as a literal, `{ skipLocked: true }` or `{ noWait: true }`.",
        "Branch with `if` to choose at run time.",
      );
    };
    if (!ts.isObjectLiteralExpression(o)) refuse(options);
    const set: string[] = [];
    for (const p of (o as ts.ObjectLiteralExpression).properties) {
      if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name)) return refuse(p);
      if (p.name.text !== "skipLocked" && p.name.text !== "noWait") return refuse(p);
      if (p.initializer.kind !== ts.SyntaxKind.TrueKeyword) return refuse(p.initializer);
      set.push(p.name.text);
    }
    if (set.length > 1) refuse(options);
    if (set[0] === "skipLocked") clause += " SKIP LOCKED";
    if (set[0] === "noWait") clause += " NOWAIT";
  }
  return { kind, nodes: [sql.literal(clause)] };
}
