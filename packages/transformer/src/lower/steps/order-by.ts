import ts from "typescript";
import { Refusal } from "../../diagnostics/refusal";
import * as sql from "../../ir/sql-node";
import type { SqlNode } from "../../ir/sql-node";
import type { LoweredStep } from "../../ir/statement";
import type { StepInput } from "../../recognize/methods";
import { LoweringContext } from "../context";
import { closureBody, inlineClosure, skipParens } from "../syntax";
import { codeUnitOrder } from "../ordering";
import { textValue } from "../strings";
import { lowerValue, Value } from "../value";
import { isTimestamp, millisecondsOf } from "./group-by";

/** `.orderBy(u => key, "asc" | "desc", { nulls: "first" | "last" })` */
export function lowerOrderBy(input: StepInput): LoweredStep {
  const [keyArg, directionArg, optionsArg] = input.args;
  const closure = inlineClosure(input.name, keyArg);
  const cx = new LoweringContext(input.checker, closure, input.sources, { aggregates: true });
  const body = closureBody(closure);
  const key = exactAtMilliseconds(input, sortKey(cx, body));
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
 * A timestamp key sorts as JavaScript's Dates compare, to the millisecond, wherever that differs
 * from its microseconds: when another key follows (rows whose timestamps differ only in microseconds
 * are tied, for the next key to order), and in a grouped chain. The last key of an ungrouped chain
 * stays the column, which a plain index serves (its order within a millisecond is one JavaScript
 * leaves open). A chain expression without a terminal may get more keys elsewhere, so its keys are
 * cut too; a distinct chain's are aligned with its select list instead (distinct-order.ts). Keyset
 * pagination compares the same SQL at the cursor, where the Date states it exactly.
 */
function exactAtMilliseconds(input: StepInput, key: Value): Value {
  if (!isTimestamp(key)) return key;
  const kinds = [...input.earlier.map((s) => s.lowered?.kind), ...input.later.map((s) => s.kind)];
  if (kinds.includes("distinct")) return key;
  // Grouped, the key is the GROUP BY key `groupedValue` prints, which PostgreSQL matches.
  if (kinds.includes("groupBy") || kinds.includes("having")) return { ...key, node: millisecondsOf(key.node) };
  const keyFollows = !input.closed || input.later.some((s) => s.kind === "orderBy");
  return keyFollows ? { ...key, node: indexableMilliseconds(key) } : key;
}

/**
 * `date_trunc('milliseconds', …)` in a form an expression index can hold: PostgreSQL's date_trunc of
 * a `timestamptz` depends on the session's time zone (it is only STABLE), that of a `timestamp` does
 * not, and a `timestamptz` at UTC is the same instant's `timestamp` (±infinity stay).
 */
function indexableMilliseconds(key: Value): SqlNode {
  const utc =
    key.type.sqlType === "timestamptz" ? sql.binary("AT TIME ZONE", key.node, sql.literal("'UTC'")) : key.node;
  return millisecondsOf(utc);
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
