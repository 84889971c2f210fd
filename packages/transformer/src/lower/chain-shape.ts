import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import type { LoweredStep } from "../ir/statement";
import type { Chain, ChainCall } from "../recognize/chain";
import type { StepMethod } from "../recognize/methods";
import type { SchemaReader } from "../recognize/schema";
import type { RowSource } from "./context";
import { scopeOf } from "./scope";

/**
 * The row parameters of each step's closures: the root's tables, and after each join the joined
 * table too (from then on every column is qualified). Returns one scope per step, and the last.
 */
export function stepScopes(chain: Chain, schema: SchemaReader, checker: ts.TypeChecker): RowSource[][] {
  let tables = chain.rootTables;
  // The first table's row offers its relations to `some`/`every`.
  const withRelations = (sources: RowSource[]) =>
    sources.map((s, i) => (i === 0 && chain.relations.size > 0 ? { ...s, relations: chain.relations } : s));
  let scope = withRelations(scopeOf(tables, chain.root));
  return chain.steps.map((step) => {
    if (step.method.kind === "join" || step.method.kind === "leftJoin") {
      const other = step.call.arguments[0];
      const read = other && schema.tableType(checker.getTypeAtLocation(other));
      if (!read || read.kind !== "query")
        throw new Refusal(
          "unknownTable",
          other ?? step.call,
          "the joined table is not known at build time.",
          "Pass a table declared with `table(…)`, e.g. `.join(posts, (u, p) => …)`.",
        );
      tables = [...tables, { table: read.table, optional: step.method.kind === "leftJoin" }];
      scope = withRelations(scopeOf(tables, step.call));
    }
    return scope;
  });
}

/** Steps a join cannot follow faithfully: they shaped rows that the join would read as whole rows. */
const BEFORE_JOIN_REFUSED = new Set(["select", "groupBy", "having", "distinct", "orderBy"]);

/**
 * Rules about a whole chain's shape, checked after its steps are lowered: where joins may go, that a
 * joined query is read through `select`, and that columns beside aggregates are grouped.
 */
export function checkChainShape(chain: Chain, steps: readonly LoweredStep[], checker: ts.TypeChecker): void {
  let paged = false;
  let joined = chain.rootTables.length > 1;
  chain.steps.forEach((step: ChainCall<StepMethod>, i) => {
    const kind = step.method.kind;
    if (kind === "join" || kind === "leftJoin") {
      const before = chain.steps.slice(0, i).find((s) => BEFORE_JOIN_REFUSED.has(s.method.kind));
      if (before)
        throw new Refusal(
          "joinShape",
          step.call,
          `.${kind}() after .${before.method.kind}(): the join would read the rows ${before.method.kind}() shaped as whole rows${before.method.kind === "orderBy" ? ", and a join keeps no order" : ""}.`,
          "Write the joins first, right after the table: `db.users.join(…).where(…).select(…)`.",
        );
      joined = true;
    }
    if (kind === "limit" || kind === "offset") paged = true;
    if (joined && paged && (kind === "where" || kind === "orderBy"))
      throw new Refusal(
        "joinShape",
        step.call,
        `.${kind}() after .limit()/.offset() of a joined query would need the joined rows as a subquery.`,
        "Filter and sort before limit and offset.",
      );
  });
  const terminal = chain.terminal;
  if (
    terminal &&
    terminal.method.role === "terminal" &&
    ["all", "first", "one", "stream"].includes(terminal.method.kind)
  ) {
    const receiver = (terminal.call.expression as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression;
    if (readsNothing(receiver, checker))
      throw new Refusal(
        "joinShape",
        terminal.call,
        "a joined query has no row type of its own: say what to read with `select`.",
        "E.g. `.select((u, p) => ({ name: u.name, title: p.title }))`, or `{ user: u, post: p }` for whole rows.",
      );
  }
  // Aggregates without groupBy or having make exactly one row of the whole result (even of no rows):
  // counting it, or asking whether it exists, would count the rows aggregated instead.
  const grouping = chain.steps.some((s) => s.method.kind === "groupBy" || s.method.kind === "having");
  if (terminal && (terminal.method.kind === "count" || terminal.method.kind === "exists") && !grouping) {
    const aggregate = steps.find((s) => s.reads?.aggregate)?.reads?.aggregate;
    if (aggregate)
      throw new Refusal(
        "aggregateCount",
        terminal.call,
        `.${terminal.method.kind}() of a query that aggregates the whole result: that result is always one row${terminal.method.kind === "count" ? ", so its count is 1" : ""}.`,
        "Read the aggregate with `.one()`, or group it with `groupBy` to count the groups.",
      );
  }
  // Without groupBy, aggregates make one group of the whole result: a column beside them has no one value.
  if (chain.rootIsTable && !chain.steps.some((s) => s.method.kind === "groupBy")) {
    const aggregated = steps.some((s) => s.reads?.aggregate);
    const bare = aggregated ? steps.find((s) => s.reads?.bareColumn)?.reads?.bareColumn : undefined;
    if (bare)
      throw new Refusal(
        "ungroupedColumn",
        bare,
        "this column is read beside aggregates without groupBy: the whole result is one group, in which it has no one value.",
        "Group by it (`.groupBy((u) => u.role)`), or aggregate it too (`min(u.name)`).",
      );
  }
}

/** A joined query whose `select` has not said what to read: its `$out` is `never`. */
function readsNothing(query: ts.Expression, checker: ts.TypeChecker): boolean {
  const out = checker.getApparentType(checker.getTypeAtLocation(query)).getProperty("$out");
  return out !== undefined && (checker.getTypeOfSymbol(out).flags & ts.TypeFlags.Never) !== 0;
}
