import type { ReadKind } from "closql/sql";
import type { SqlNode } from "../ir/sql-node";
import type { LoweredStep, PreloadNode } from "../ir/statement";
import type { TableInfo } from "../recognize/schema";

/**
 * How a read folded at build time loads its relations:
 * - "json": inside the read's own statement (print/preload-json.ts), one round trip in all;
 * - "batched": one statement per relation after the read, `= ANY($1)` of the parent keys
 *   (print/preload.ts), one round trip per level.
 *
 * The rule, from bench/results/relations.md (1,000 users × 10 posts × 5 comments): a read that
 * returns few parent rows saves the round trips of the levels below it and the client's per-row work
 * (0.5× the batched time for one user), while for many parents the server's JSON building outgrows
 * what it saves (1.2–1.3× batched's time for 1,000 users, 3× its server CPU). So "json" when the read
 * is known at build time to return at most JSON_MAX_PARENTS rows — `first()`, `one()`, a where that
 * pins the primary key or a unique column (`u.id === id`), a literal `limit(n)` up to that bound — and "batched"
 * otherwise. A chain built across `if`s is batched (its plan is merged at run time).
 */
export type PreloadStrategy = "json" | "batched";

/** The most parent rows a read may return to load its relations as JSON (see the bench). */
export const JSON_MAX_PARENTS = 5;

export function preloadStrategy(
  root: TableInfo,
  steps: readonly LoweredStep[],
  kind: ReadKind,
  preloads: readonly PreloadNode[],
): PreloadStrategy {
  // DISTINCT would compare the JSON columns, which have no equality.
  if (steps.some((s) => s.kind === "distinct")) return "batched";
  if (!fewParents(root, steps, kind)) return "batched";
  // Each level reads its table under its own name: a name repeated along a path would be ambiguous.
  return preloads.every((p) => distinctNames(p, new Set([root.name]))) ? "json" : "batched";
}

function fewParents(root: TableInfo, steps: readonly LoweredStep[], kind: ReadKind): boolean {
  if (kind === "first" || kind === "one") return true;
  const limits = steps.filter((s) => s.kind === "limit");
  const limit = limits[limits.length - 1]?.nodes[0];
  if (limit?.kind === "literal" && Number(limit.sql) <= JSON_MAX_PARENTS) return true;
  const keys = [...root.columns.values()].filter((c) => c.unique).map((c) => c.name);
  return steps.some((s) => s.kind === "where" && s.nodes.some((n) => pinsKey(n, keys, root.name)));
}

/** `"id" = <value>` on a primary key or unique column, alone or as one operand of a top-level AND. */
function pinsKey(node: SqlNode, keys: readonly string[], table: string): boolean {
  if (node.kind === "and") return node.operands.some((o) => pinsKey(o, keys, table));
  if (node.kind !== "binary" || node.op !== "=") return false;
  const isKey = (n: SqlNode) =>
    n.kind === "column" && keys.includes(n.name) && (n.table === undefined || n.table === table);
  const isValue = (n: SqlNode) => n.kind === "param" || n.kind === "literal";
  return (isKey(node.left) && isValue(node.right)) || (isKey(node.right) && isValue(node.left));
}

function distinctNames(node: PreloadNode, above: ReadonlySet<string>): boolean {
  const names = [node.relation.target.name, ...(node.relation.through ? [node.relation.through.table.name] : [])];
  if (names.some((n) => above.has(n)) || new Set(names).size !== names.length) return false;
  const path = new Set([...above, ...names]);
  return node.children.every((c) => distinctNames(c, path));
}
