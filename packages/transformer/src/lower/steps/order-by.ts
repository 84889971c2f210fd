import ts from "typescript";
import { Refusal } from "../../diagnostics/refusal";
import type { LoweredStep } from "../../ir/statement";
import type { StepInput } from "../../recognize/methods";
import { LoweringContext } from "../context";
import { closureBody, inlineClosure, skipParens } from "../syntax";
import { lowerValue } from "../value";

/** `.orderBy(u => key, "asc" | "desc", { nulls: "first" | "last" })` */
export function lowerOrderBy(input: StepInput): LoweredStep {
  const [keyArg, directionArg, optionsArg] = input.args;
  const closure = inlineClosure(input.name, keyArg);
  const cx = new LoweringContext(input.checker, closure, [{ table: input.table }]);
  const key = lowerValue(cx, closureBody(closure));
  const direction = directionArg ? literalOption(directionArg, ["asc", "desc"], "the sort direction") : "asc";
  const nulls = optionsArg ? nullsOption(optionsArg) : undefined;
  return { kind: "orderBy", nodes: [{ kind: "sort", operand: key.node, direction, nulls }] };
}

function literalOption<T extends string>(e: ts.Expression, allowed: readonly T[], what: string): T {
  const s = skipParens(e);
  if (ts.isStringLiteralLike(s) && (allowed as readonly string[]).includes(s.text)) return s.text as T;
  throw new Refusal(
    "literalOption",
    e,
    `${what} must be written as a literal: ${allowed.map((a) => `"${a}"`).join(" or ")}.`,
    "SQL cannot bind it as a parameter; branch with `if` to choose at run time.",
  );
}

function nullsOption(e: ts.Expression): "first" | "last" {
  const o = skipParens(e);
  if (ts.isObjectLiteralExpression(o) && o.properties.length === 1) {
    const [p] = o.properties;
    if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === "nulls") {
      return literalOption(p.initializer, ["first", "last"], "`nulls`");
    }
  }
  throw new Refusal("literalOption", e, 'orderBy options must be a literal `{ nulls: "first" | "last" }`.');
}
