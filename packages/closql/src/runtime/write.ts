import { assembleWrite, Assignment, BatchColumn, Conflict, insertManyText, WriteParts } from "../sql/write-statement";
import type { Fragment, FragmentShape } from "../sql/fragment";
import type { RowMapper } from "./compiled";
import type { ColumnCodec } from "./encode";
import { encodeElement } from "./encode";
import { ClosqlError } from "./errors";
import { Executor, RunOptions } from "./executor";
import { statementName } from "./statements";

/** What a write gives back. */
export type WriteResultKind = "row" | "rowOrUndefined" | "rows" | "count";

/** A column's value in a compiled write: its SQL with holes, and how many values it binds. */
export interface PlannedAssignment extends FragmentShape {
  /** Quoted column name. */
  readonly column: string;
  /** How many values (of the flat value list) it binds. */
  readonly params: number;
  /** Its one value may be `undefined` at run time, which leaves the column out (default / unchanged). */
  readonly optional?: true;
}

/** A where condition of a compiled write, with the number of values it binds. */
export interface PlannedCondition extends FragmentShape {
  readonly params: number;
}

/** A write whose text depends on run-time facts: the parts the runtime assembles, with closql/sql's printer. */
export interface WritePlanParts {
  readonly kind: "insert" | "update" | "delete";
  readonly table: string;
  readonly assignments: readonly PlannedAssignment[];
  readonly where: readonly PlannedCondition[];
  readonly conflict?: {
    readonly target: string;
    /**
     * `nothing`; `excluded`: every given column not in `keep` takes the proposed value (`EXCLUDED`);
     * or the compiled assignments.
     */
    readonly action:
      "nothing" | { readonly excluded: readonly string[] } | { readonly update: readonly PlannedAssignment[] };
  };
  readonly returning?: string;
}

/**
 * A compiled INSERT/UPDATE/DELETE/upsert, hoisted as a constant. `text` when the transformer knew the
 * whole statement; else `parts`, assembled at run time (a row object whose optional keys vary, a
 * query built by a helper) with the same printer, once per shape.
 */
export interface CompiledWrite {
  readonly result: WriteResultKind;
  readonly source: string;
  readonly map?: RowMapper;
  readonly text?: string;
  readonly name?: string;
  readonly parts?: WritePlanParts;
}

/** A batch insert: the columns, their codecs and the value getter of one row. */
export interface CompiledInsertMany {
  readonly table: string;
  readonly columns: readonly (BatchColumn & { readonly codec: ColumnCodec })[];
  readonly returning: string;
  readonly map: RowMapper;
  readonly source: string;
}

/** Where-steps a helper added before the write, with their values. */
export interface RuntimeCondition {
  readonly fragment: Fragment<unknown>;
}

/** Assembled statements per plan and shape: the set of given optional columns is the key. */
const assembled = new WeakMap<WritePlanParts, Map<string, { text: string; name: string }>>();

/**
 * The text and values of a write. Folded at build time: as compiled. Otherwise assembled from the
 * plan's parts, leaving out optional columns whose value is undefined, and cached per shape when no
 * helper-added step makes it one of a kind.
 */
export function writeStatement(
  plan: CompiledWrite,
  values: readonly unknown[],
  extraWhere: readonly RuntimeCondition[],
): { text: string; name: string | undefined; params: readonly unknown[] } {
  if (plan.text !== undefined && extraWhere.length === 0) return { text: plan.text, name: plan.name, params: values };
  const parts = plan.parts;
  if (!parts)
    throw new ClosqlError(`closql: this write cannot take where-steps added elsewhere (query at ${plan.source})`);
  let at = 0;
  let shape = "";
  const take = (assignments: readonly PlannedAssignment[]): Assignment<unknown>[] => {
    const given: Assignment<unknown>[] = [];
    for (const a of assignments) {
      const own = values.slice(at, at + a.params);
      at += a.params;
      if (a.optional && own[0] === undefined) {
        shape += "0";
        continue;
      }
      shape += "1";
      given.push({ column: a.column, value: { sql: a.sql, refs: a.refs, params: own } });
    }
    return given;
  };
  const assignments = take(parts.assignments);
  const action = parts.conflict?.action;
  const conflictUpdate = action !== undefined && action !== "nothing" && "update" in action ? take(action.update) : [];
  const where = parts.where.map((w): Fragment<unknown> => {
    const own = values.slice(at, at + w.params);
    at += w.params;
    return { sql: w.sql, refs: w.refs, params: own };
  });
  for (const c of extraWhere) where.push(c.fragment);
  const conflict: Conflict<unknown> | undefined =
    parts.conflict && action !== undefined
      ? {
          target: parts.conflict.target,
          action: action !== "nothing" && "update" in action ? { update: conflictUpdate } : action,
        }
      : undefined;
  const full: WriteParts<unknown> = {
    kind: parts.kind,
    table: parts.table,
    assignments,
    where,
    conflict,
    returning: parts.returning,
  };
  if (parts.kind === "update" && full.assignments.length === 0)
    throw new ClosqlError(`closql: update() was given no column to set (query at ${plan.source})`);
  if (extraWhere.length > 0) {
    const { text, params } = assembleWrite(full);
    return { text, name: statementName(text), params };
  }
  let byShape = assembled.get(parts);
  if (!byShape) assembled.set(parts, (byShape = new Map()));
  let known = byShape.get(shape);
  const { text, params } = assembleWrite(full);
  if (!known) byShape.set(shape, (known = { text, name: statementName(text) }));
  return { text: known.text, name: known.name, params };
}

/** Runs a write and shapes its result. */
export async function runWrite(
  executor: Executor,
  plan: CompiledWrite,
  values: readonly unknown[],
  extraWhere: readonly RuntimeCondition[],
  options?: RunOptions,
): Promise<unknown> {
  const { text, name, params } = writeStatement(plan, values, extraWhere);
  const rowMode = plan.result === "count" ? undefined : "array";
  const result = await executor.run(text, params, name, plan.source, rowMode, undefined, options);
  const rows = result.rows as unknown[][];
  switch (plan.result) {
    case "count":
      return result.rowCount ?? 0;
    case "rows":
      return rows.map(plan.map!);
    case "rowOrUndefined":
      return rows.length === 0 ? undefined : plan.map!(rows[0]);
    case "row":
      return plan.map!(rows[0]);
  }
}

/** Rows per statement of a batch insert: bounds the size of one message and of one statement's work. */
export const INSERT_MANY_CHUNK = 10_000;

/**
 * A batch insert: rows grouped by which optional columns they give (each group one constant
 * statement per chunk, every column's values in one array parameter), results back in input order.
 */
export async function runInsertMany(
  executor: Executor,
  plan: CompiledInsertMany,
  rows: readonly unknown[],
  valuesOf: (row: any) => readonly unknown[],
  options?: RunOptions,
): Promise<unknown[]> {
  if (!Array.isArray(rows))
    throw new ClosqlError(`closql: insertMany() takes an array of rows (query at ${plan.source})`);
  const out = new Array<unknown>(rows.length);
  const groups = new Map<string, { indexes: number[]; values: (readonly unknown[])[] }>();
  rows.forEach((row, i) => {
    const values = valuesOf(row);
    let shape = "";
    for (const v of values) shape += v === undefined ? "0" : "1";
    let group = groups.get(shape);
    if (!group) groups.set(shape, (group = { indexes: [], values: [] }));
    group.indexes.push(i);
    group.values.push(values);
  });
  const statements = [...groups.values()].reduce((n, g) => n + Math.ceil(g.indexes.length / INSERT_MANY_CHUNK), 0);
  // Several statements are one unit: all rows or none. Inside a transaction they already are.
  if (statements > 1 && executor.transaction === undefined) {
    return atomically(executor, (own) => insertGroups(own, plan, groups, out, options));
  }
  return insertGroups(executor, plan, groups, out, options);
}

async function insertGroups(
  executor: Executor,
  plan: CompiledInsertMany,
  groups: Map<string, { indexes: number[]; values: (readonly unknown[])[] }>,
  out: unknown[],
  options: RunOptions | undefined,
): Promise<unknown[]> {
  for (const [shape, group] of groups) {
    const columns = plan.columns.filter((_, c) => shape[c] === "1");
    const text = insertManyText(plan.table, columns, plan.returning);
    const name = statementName(text);
    for (let start = 0; start < group.indexes.length; start += INSERT_MANY_CHUNK) {
      const chunk = group.values.slice(start, start + INSERT_MANY_CHUNK);
      const params =
        columns.length === 0
          ? [chunk.map(() => 0)]
          : plan.columns.flatMap((c, k) =>
              shape[k] === "1" ? [chunk.map((values) => encodeElement(values[k], c.codec))] : [],
            );
      const result = await executor.run(text, params, name, plan.source, "array", undefined, options);
      const inserted = result.rows as unknown[][];
      inserted.forEach((r, j) => (out[group.indexes[start + j]] = plan.map(r)));
    }
  }
  return out;
}

/** Runs `fn` on an executor of one connection of `executor`'s pool, in a transaction of its own. */
async function atomically<T>(executor: Executor, fn: (own: Executor) => Promise<T>): Promise<T> {
  const client = await executor.checkout();
  const own = new Executor(client, executor.options);
  let failure: Error | undefined;
  try {
    await own.control("BEGIN");
    const result = await fn(own);
    await own.control("COMMIT");
    return result;
  } catch (error) {
    await own.control("ROLLBACK").catch((e: Error) => (failure = e));
    throw error;
  } finally {
    client.release(failure);
  }
}
