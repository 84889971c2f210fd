import { Refusal } from "../diagnostics/refusal";
import type { SqlNode } from "../ir/sql-node";
import type { LoweredStep } from "../ir/statement";
import { millisecondsOf } from "./steps/group-by";

/**
 * `distinct()` with `orderBy`: PostgreSQL sorts the rows DISTINCT keeps only by values they hold
 * (error 42P10 otherwise), and so does JavaScript — sorting distinct values by a value that was not
 * kept has no one answer per row. A sort key must therefore be a selected value, the same SQL. A
 * string key sorts by code units (`… COLLATE "C"`): its select-list entry takes that collation too
 * (the value is the same), so both read the same expression. Keys that read a captured value are
 * refused (each occurrence is its own `$n`, which PostgreSQL does not match).
 */
export function alignDistinctOrder(steps: readonly LoweredStep[]): LoweredStep[] {
  if (!steps.some((s) => s.kind === "distinct")) return [...steps];
  const at = steps.findIndex((s) => s.kind === "select");
  const select = at >= 0 ? steps[at] : undefined;
  const selected = select ? [...select.nodes] : [];
  const sorted = new Map<number, LoweredStep>();
  for (const [index, step] of steps.entries()) {
    if (step.kind !== "orderBy" || !step.sort) continue;
    const key = step.sort.node;
    const refuse = (why: string) =>
      new Refusal(
        "distinctOrder",
        step.sort!.at,
        `a distinct query can only sort by a value it selects${why}.`,
        "Select the sort key too (the same expression), or group by it: `.groupBy((u) => u.city).orderBy((u) => u.city)`.",
      );
    if (hasParam(key)) throw refuse(": this key reads a captured value, which SQL binds apart from the selected one");
    // Without a select the statement reads every column of its table: a bare column is selected.
    if (!select && key.kind === "column") continue;
    const match = selected.findIndex((n) => sameNode(unaliased(n), key));
    if (match >= 0) continue;
    // A timestamp is selected cut to the millisecond (groupedValue): sort by that very value, which
    // orders the rows JavaScript's Dates would (values within one millisecond are one row here).
    const truncated = millisecondsOf(key);
    if (selected.some((n) => sameNode(unaliased(n), truncated))) {
      const sort = step.nodes[0];
      sorted.set(index, {
        ...step,
        nodes: [{ ...sort, operand: truncated } as SqlNode],
        sort: { ...step.sort, node: truncated },
      });
      continue;
    }
    const collated = key.kind === "collate" ? selected.findIndex((n) => sameNode(unaliased(n), key.operand)) : -1;
    if (collated < 0) throw refuse(select ? "" : " (write a `select` holding it)");
    const n = selected[collated];
    const name = n.kind === "alias" ? n.name : n.kind === "column" ? n.name : undefined;
    selected[collated] = name === undefined ? key : { kind: "alias", operand: key, name };
  }
  return steps.map((s, i) => (i === at ? { ...s, nodes: selected } : (sorted.get(i) ?? s)));
}

function unaliased(n: SqlNode): SqlNode {
  return n.kind === "alias" ? n.operand : n;
}

function hasParam(n: unknown): boolean {
  if (Array.isArray(n)) return n.some(hasParam);
  if (n === null || typeof n !== "object") return false;
  if ((n as SqlNode).kind === "param") return true;
  return Object.values(n).some(hasParam);
}

/** Structural equality of two parameter-free trees (plain data; a `let`'s key by identity). */
function sameNode(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameNode(x, b[i]));
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if ("let" in a) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameNode((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
