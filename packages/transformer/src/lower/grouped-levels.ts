import * as sql from "../ir/sql-node";
import type { SqlNode } from "../ir/sql-node";
import type { LoweredStep } from "../ir/statement";

/** The steps whose SQL PostgreSQL evaluates at a grouped query's level: per group, not per row. */
const GROUPED_LEVEL = new Set(["select", "orderBy", "having", "groupBy"]);

/**
 * A grouped chain's select, orderBy, having and groupBy SQL as PostgreSQL accepts it at the grouped
 * level (`sql.inGroupedLevel`): an operand lowering shares through a `let` is repeated unless every
 * column it reads is a plain GROUP BY key. A chain is grouped when it has `groupBy` or `having`, or
 * a closure of it uses an aggregate (one group of the whole result). Where the chain expression is
 * not the whole statement (its root is not `db.<table>`, or it ends without a terminal), steps
 * written elsewhere may group it: its operands are repeated as well, since only repeating is right
 * in both cases. The groupBy keys themselves are rewritten alike, so that a selected key is the same
 * expression as its GROUP BY entry, which PostgreSQL matches.
 */
export function shareAtGroupedLevel(steps: readonly LoweredStep[], wholeStatement: boolean): LoweredStep[] {
  const grouped =
    !wholeStatement || steps.some((s) => s.kind === "groupBy" || s.kind === "having" || s.reads?.aggregate);
  if (!grouped) return [...steps];
  // Keys written in other chain expressions only add to these: a plain key here stays grouped.
  const keys = steps.flatMap((s) =>
    s.kind === "groupBy" ? s.nodes.filter((n) => n.kind === "column") : [],
  ) as Extract<SqlNode, { kind: "column" }>[];
  const isKey = (c: Extract<SqlNode, { kind: "column" }>) => keys.some((k) => k.name === c.name && k.table === c.table);
  const rewrite = (n: SqlNode) => sql.inGroupedLevel(n, isKey);
  return steps.map((s) => {
    if (!GROUPED_LEVEL.has(s.kind)) return s;
    const nodes = s.nodes.map(rewrite);
    return s.sort ? { ...s, nodes, sort: { ...s.sort, node: rewrite(s.sort.node) } } : { ...s, nodes };
  });
}
