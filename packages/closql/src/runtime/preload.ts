import type { CompiledPreload } from "./compiled";
import { decode } from "./decode";
import { ClosqlError } from "./errors";
import type { Executor, RunOptions } from "./executor";

/** A compiled preload with its filter's values, ready to run. */
export interface BoundPreload {
  readonly plan: CompiledPreload;
  readonly values: readonly unknown[];
  readonly children: readonly BoundPreload[];
}

const NO_VALUES: readonly unknown[] = [];

/** Pairs each preload of a plan with its values (`slot` says which entry of `values` is its). */
export function bindPreloads(
  plan: readonly CompiledPreload[],
  values: readonly (readonly unknown[])[],
): BoundPreload[] {
  return plan.map((p) => ({
    plan: p,
    values: p.slot === undefined ? NO_VALUES : values[p.slot],
    children: bindPreloads(p.children, values),
  }));
}

/**
 * The preloads of two `.preload()` calls as one tree (a chain built across `if`s): a relation named
 * by both loads once, with the filter, order or limit of the call that gave one, and the nested
 * relations of both. Two calls giving options for one relation conflict. (The transformer merges the
 * calls of a static chain the same way at build time, where a conflict fails the build.)
 */
export function mergePreloads(
  a: readonly BoundPreload[],
  b: readonly BoundPreload[],
  source: string | undefined,
): BoundPreload[] {
  const merged = [...a];
  for (const added of b) {
    const at = merged.findIndex((m) => m.plan.relation === added.plan.relation);
    if (at < 0) {
      merged.push(added);
      continue;
    }
    const existing = merged[at];
    if (existing.plan.configured && added.plan.configured)
      throw new ClosqlError(
        `closql: relation "${added.plan.relation}" is preloaded twice with a filter, order or limit (query at ${source}); give them in one .preload() call`,
      );
    const own = added.plan.configured ? added : existing;
    merged[at] = { ...own, children: mergePreloads(existing.children, added.children, source) };
  }
  return merged;
}

/**
 * Loads each relation into `parents`, then the relations nested under it into the rows loaded:
 * exactly one statement per relation, whatever the number of parents (also none: a fixed count is
 * what monitoring and tests can rely on, and an empty key array costs the server next to nothing).
 * Statements run one after another, on the query's connection (a transaction's, inside one).
 */
export async function runPreloads(
  executor: Executor,
  parents: readonly object[],
  preloads: readonly BoundPreload[],
  options: RunOptions | undefined,
): Promise<void> {
  for (const preload of preloads) {
    const children = await loadRelation(executor, parents as Record<string, unknown>[], preload, options);
    if (preload.children.length > 0) await runPreloads(executor, children, preload.children, options);
  }
}

/** Runs one preload statement and attaches its rows; returns them (the next level's parents). */
async function loadRelation(
  executor: Executor,
  parents: readonly Record<string, unknown>[],
  { plan, values }: BoundPreload,
  options: RunOptions | undefined,
): Promise<object[]> {
  const { relation, many, parentKey } = plan;
  // A key's parent, or its parents when several share it (posts of one author): a Map built once.
  const byKey = new Map<unknown, Record<string, unknown> | Record<string, unknown>[]>();
  for (const parent of parents) {
    parent[relation] = many ? [] : null;
    const key = parent[parentKey];
    if (key === null || key === undefined) continue;
    const seen = byKey.get(key);
    if (seen === undefined) byKey.set(key, parent);
    else if (Array.isArray(seen)) seen.push(parent);
    else byKey.set(key, [seen, parent]);
  }
  const result = await executor.run(
    plan.text,
    [[...byKey.keys()], ...values],
    executor.options.prepare ? plan.name : undefined,
    plan.source,
    "array",
    undefined,
    options,
  );
  const rows = result.rows as unknown[][];
  const children: object[] = new Array(rows.length);
  const { childKey, map } = plan;
  const keyDecoder =
    plan.keyDecoder === undefined ? undefined : (decode as Record<string, (v: any) => unknown>)[plan.keyDecoder];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const child = map(row) as Record<string, unknown>;
    children[i] = child;
    const key = childKey !== undefined ? child[childKey] : keyDecoder ? keyDecoder(row[0]) : row[0];
    const owner = byKey.get(key);
    if (owner === undefined) continue;
    if (Array.isArray(owner)) for (const p of owner) attach(p, relation, many, child);
    else attach(owner, relation, many, child);
  }
  return children;
}

function attach(parent: Record<string, unknown>, relation: string, many: boolean, child: object): void {
  if (many) (parent[relation] as object[]).push(child);
  else parent[relation] = child;
}
