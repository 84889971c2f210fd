import ts from "typescript";
import { Refusal } from "../../diagnostics/refusal";
import type { LoweredStep } from "../../ir/statement";
import type { StepInput } from "../../recognize/methods";
import { LoweringContext } from "../context";
import { closureBody, inlineClosure, skipParens } from "../syntax";
import { codeUnitOrder } from "../ordering";
import { textValue } from "../strings";
import { lowerValue, Value } from "../value";

/** `.orderBy(u => key, "asc" | "desc", { nulls: "first" | "last" })` */
export function lowerOrderBy(input: StepInput): LoweredStep {
  const [keyArg, directionArg, optionsArg] = input.args;
  const closure = inlineClosure(input.name, keyArg);
  const cx = new LoweringContext(input.checker, closure, input.sources, { aggregates: true });
  const body = closureBody(closure);
  const key = sortKey(cx, body);
  const direction = directionArg ? literalOption(directionArg, ["asc", "desc"], "the sort direction") : "asc";
  const nulls = optionsArg ? nullsOption(optionsArg) : undefined;
  return {
    kind: "orderBy",
    nodes: [{ kind: "sort", operand: key.node, direction, nulls }],
    reads: cx.reads,
    sort: { node: key.node, type: key.type, direction, nulls, at: body },
  };
}

/**
 * The SQL of a sort key. Strings sort by code units, as JavaScript's `<` and closql's `where`
 * compare them (`COLLATE "C"`, enum/uuid/numeric/date as their text), never by the database's
 * collation: keyset pagination (`where(u => u.name > last).orderBy(u => u.name)`) then neither
 * skips nor repeats rows. A key that does not read the row is refused: it orders nothing, and as a
 * bare literal PostgreSQL would read `ORDER BY 1` as a column position (and reject `ORDER BY 'x'`).
 */
export function sortKey(cx: LoweringContext, body: ts.Expression): Value {
  const key = cx.readsRow(body) ? lowerValue(cx, body) : undefined;
  if (!key || key.node.kind === "literal" || key.node.kind === "param") {
    throw new Refusal(
      "constantSortKey",
      body,
      "this sort key does not read the row, so it is the same for every row and orders nothing.",
      "Sort by a column or an expression of the row, e.g. `.orderBy((u) => u.id)`.",
    );
  }
  // JavaScript has no order of objects (`<` compares "[object Object]" with itself): a JSONB object
  // as a key would sort by PostgreSQL's jsonb order, which no closure computes.
  if (key.type.kind === "json")
    throw new Refusal(
      "unsupportedExpression",
      body,
      "this sort key is a JSON object, which JavaScript has no order for.",
      "Sort by a column or a JSON scalar path: `.orderBy((u) => u.meta?.plan)`.",
    );
  return key.type.kind === "string" ? codeUnitOrder(textValue(key)) : key;
}

export function literalOption<T extends string>(e: ts.Expression, allowed: readonly T[], what: string): T {
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
