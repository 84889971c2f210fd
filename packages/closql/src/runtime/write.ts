import { assembleWrite, Assignment, BatchColumn, Conflict, insertManyText, WriteParts } from "../sql/write-statement";
import type { Fragment, FragmentShape } from "../sql/fragment";
import type { RowMapper } from "./compiled";
import type { ColumnCodec } from "./encode";
import { arrayParamEncoder } from "./batch-encode";
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

/** Per plan and shape: the statement, and which of the flat values go to its `$1`, `$2`, … */
const assembled = new WeakMap<WritePlanParts, Map<string, { text: string; name: string; picks: number[] }>>();

/**
 * The text and values of a write. Folded at build time: as compiled. Otherwise assembled from the
 * plan's parts, leaving out optional columns whose value is undefined: once per shape (which
 * optional columns are given), after which a call only picks its values; a write after a helper's
 * where-steps is one of a kind and assembled each time.
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
  const shape = shapeOf(parts, values);
  if (extraWhere.length === 0) {
    let byShape = assembled.get(parts);
    if (!byShape) assembled.set(parts, (byShape = new Map()));
    let known = byShape.get(shape);
    if (!known) {
      const { text, params: picks } = assembleWrite(partsOf(plan, parts, values, (i) => i));
      byShape.set(shape, (known = { text, name: statementName(text), picks }));
    }
    const picks = known.picks;
    const params = new Array<unknown>(picks.length);
    for (let i = 0; i < picks.length; i++) params[i] = values[picks[i]];
    return { text: known.text, name: known.name, params };
  }
  const full = partsOf<unknown>(plan, parts, values, (i) => values[i]);
  for (const c of extraWhere) (full.where as Fragment<unknown>[]).push(c.fragment);
  const { text, params } = assembleWrite(full);
  return { text, name: statementName(text), params };
}

/** Which optional columns this call gives: a character per assignment. */
function shapeOf(parts: WritePlanParts, values: readonly unknown[]): string {
  let shape = "";
  let at = 0;
  const visit = (assignments: readonly PlannedAssignment[]) => {
    for (const a of assignments) {
      shape += a.optional && values[at] === undefined ? "0" : "1";
      at += a.params;
    }
  };
  visit(parts.assignments);
  const action = parts.conflict?.action;
  if (action !== undefined && action !== "nothing" && "update" in action) visit(action.update);
  return shape;
}

/**
 * The statement's parts for these values: each fragment's params are `param(i)` of its values' positions
 * in the flat list (the positions themselves, to learn a shape's picks once; or the values).
 */
function partsOf<P>(
  plan: CompiledWrite,
  parts: WritePlanParts,
  values: readonly unknown[],
  param: (i: number) => P,
): WriteParts<P> {
  let at = 0;
  const own = (n: number): P[] => {
    const out: P[] = [];
    for (let k = 0; k < n; k++) out.push(param(at + k));
    at += n;
    return out;
  };
  const take = (assignments: readonly PlannedAssignment[]): Assignment<P>[] => {
    const given: Assignment<P>[] = [];
    for (const a of assignments) {
      const absent = a.optional && values[at] === undefined;
      const params = own(a.params);
      if (!absent) given.push({ column: a.column, value: { sql: a.sql, refs: a.refs, params } });
    }
    return given;
  };
  const assignments = take(parts.assignments);
  const action = parts.conflict?.action;
  const conflictUpdate = action !== undefined && action !== "nothing" && "update" in action ? take(action.update) : [];
  const where = parts.where.map((w): Fragment<P> => ({ sql: w.sql, refs: w.refs, params: own(w.params) }));
  if (parts.kind === "update" && assignments.length === 0)
    throw new ClosqlError(`closql: update() was given no column to set (query at ${plan.source})`);
  const conflict: Conflict<P> | undefined =
    parts.conflict && action !== undefined
      ? {
          target: parts.conflict.target,
          action: action !== "nothing" && "update" in action ? { update: conflictUpdate } : action,
        }
      : undefined;
  return { kind: parts.kind, table: parts.table, assignments, where, conflict, returning: parts.returning };
}

/** Runs a write and shapes its result. Not an async function: one promise less per statement. */
export function runWrite(
  executor: Executor,
  plan: CompiledWrite,
  values: readonly unknown[],
  extraWhere: readonly RuntimeCondition[],
  options?: RunOptions,
): Promise<unknown> {
  const { text, name, params } = writeStatement(plan, values, extraWhere);
  const rowMode = plan.result === "count" ? undefined : "array";
  return executor.run(text, params, name, plan.source, rowMode, undefined, options).then((result) => {
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
  });
}

/**
 * Rows per statement of a batch insert: bounds the size of one message and of one statement's work,
 * and keeps each stretch of encoding or mapping short, so that the connection is read often (the
 * server waits while its replies are not read) and the server starts early.
 */
export const INSERT_MANY_CHUNK = 2_000;

/** The rows of one slice of the input that give the same columns: one statement. */
interface BatchGroup {
  /** Which of the plan's columns the rows give: "1" or "0" per column. */
  readonly shape: string;
  /** The rows' positions in the slice (and, offset by the slice's start, in the input). */
  readonly indexes: number[];
}

/**
 * A batch insert: the input in slices of INSERT_MANY_CHUNK rows, each slice's rows grouped by which
 * optional columns they give (each group one constant statement, every column's values in one array
 * parameter), results back in input order. Statements are sent in input order of their slices, up
 * to BATCH_IN_FLIGHT at once: the next slice is encoded, and an answered statement's rows mapped,
 * while the server runs the statements after it.
 */
export async function runInsertMany(
  executor: Executor,
  plan: CompiledInsertMany,
  rows: readonly unknown[],
  valuesOf: (row: any) => readonly unknown[],
  options?: InsertManyOptions,
): Promise<unknown[] | number> {
  if (!Array.isArray(rows))
    throw new ClosqlError(`closql: insertMany() takes an array of rows (query at ${plan.source})`);
  if (rows.length === 0) return options?.returning === false ? 0 : [];
  const first = sliceOf(plan, rows, 0, valuesOf);
  const single = rows.length <= INSERT_MANY_CHUNK && first.groups.length === 1;
  // Several statements are one unit, all rows or none: in a transaction of their own, where a
  // failure rolls back what was sent, so the next slice is encoded while the server inserts one.
  if (!single && executor.transaction === undefined)
    return atomically(executor, (own) => insertSlices(own, plan, rows, valuesOf, first, options, false));
  // In the caller's transaction every value is checked before anything is sent: a value refused in a
  // later slice must not leave the earlier ones in a transaction that goes on. (A statement the
  // server fails aborts the transaction, as any failed statement does.)
  return insertSlices(executor, plan, rows, valuesOf, first, options, true);
}

/** One slice of the input: each row's values (as the plan's `valuesOf` gives them), grouped by shape. */
interface Slice {
  readonly start: number;
  readonly values: (readonly unknown[])[];
  readonly groups: BatchGroup[];
}

function sliceOf(
  plan: CompiledInsertMany,
  rows: readonly unknown[],
  start: number,
  valuesOf: (row: any) => readonly unknown[],
): Slice {
  const end = Math.min(rows.length, start + INSERT_MANY_CHUNK);
  const values = new Array<readonly unknown[]>(end - start);
  const groups: BatchGroup[] = [];
  let last: BatchGroup | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = (values[i] = valuesOf(rows[start + i]));
    // Rows of one shape usually follow each other: the last group is tried first, without building a key.
    let group = last !== undefined && sameShape(last.shape, v) ? last : undefined;
    if (group === undefined) {
      const shape = givenColumns(v);
      group = groups.find((g) => g.shape === shape);
      if (group === undefined) groups.push((group = { shape, indexes: [] }));
    }
    group.indexes.push(i);
    last = group;
  }
  return { start, values, groups };
}

/** Which columns a row of a batch gives: "1" or "0" per column. */
function givenColumns(values: readonly unknown[]): string {
  let shape = "";
  for (let c = 0; c < values.length; c++) shape += values[c] === undefined ? "0" : "1";
  return shape;
}

function sameShape(shape: string, values: readonly unknown[]): boolean {
  for (let c = 0; c < values.length; c++)
    if ((values[c] === undefined) !== (shape.charCodeAt(c) === ZERO)) return false;
  return true;
}

const ZERO = "0".charCodeAt(0);

type StatementResult = { rowCount: number | null; rows: unknown[] };

/** A statement sent, and where its rows go. */
interface Sent {
  readonly result: Promise<StatementResult>;
  readonly start: number;
  readonly indexes: readonly number[];
}

/** A batch statement ready to send: its text, name, array parameters, and where its rows go. */
interface Encoded {
  readonly text: string;
  readonly name: string;
  readonly params: unknown[];
  readonly start: number;
  readonly indexes: readonly number[];
}

/**
 * The batch's statements in input order, each encoded (its values checked) when it is asked for; the
 * next slice is read after the statements of the one before were taken.
 */
function* encodedStatements(
  plan: CompiledInsertMany,
  rows: readonly unknown[],
  valuesOf: (row: any) => readonly unknown[],
  first: Slice,
  returning: boolean,
): Generator<Encoded> {
  for (let slice: Slice | undefined = first; slice !== undefined;) {
    for (const group of slice.groups) {
      const { text, name } = batchStatement(plan, group.shape, returning);
      yield { text, name, params: batchParams(plan, group, slice.values), start: slice.start, indexes: group.indexes };
    }
    const next: number = slice.start + INSERT_MANY_CHUNK;
    slice = next < rows.length ? sliceOf(plan, rows, next, valuesOf) : undefined;
  }
}

async function insertSlices(
  executor: Executor,
  plan: CompiledInsertMany,
  rows: readonly unknown[],
  valuesOf: (row: any) => readonly unknown[],
  first: Slice,
  options: InsertManyOptions | undefined,
  /** Encode (and check) every statement before the first is sent. */
  checkFirst: boolean,
): Promise<unknown[] | number> {
  const returning = options?.returning !== false;
  const out = returning ? new Array<unknown>(rows.length) : undefined;
  let count = 0;
  const sent: Sent[] = [];
  const collect = (s: Sent, result: StatementResult) => {
    count += result.rowCount ?? 0;
    if (out === undefined) return;
    // Mapped as they arrived (the statement's row form is the plan's mapper).
    const inserted = result.rows;
    const { start, indexes } = s;
    for (let j = 0; j < inserted.length; j++) out[start + indexes[j]] = inserted[j];
  };
  const statements = encodedStatements(plan, rows, valuesOf, first, returning);
  try {
    for (const statement of checkFirst ? [...statements] : statements) {
      // At most BATCH_IN_FLIGHT statements at once: the oldest is awaited (and its rows mapped)
      // while the server runs the ones after it, which the connection's pipeline already holds.
      if (sent.length === BATCH_IN_FLIGHT) {
        const oldest = sent[0];
        const result = await oldest.result;
        sent.shift();
        collect(oldest, result);
      }
      const { text, params, name, start, indexes } = statement;
      const form = returning ? plan.map : "array";
      sent.push({ result: executor.run(text, params, name, plan.source, form, undefined, options), start, indexes });
    }
    while (sent.length > 0) {
      const result = await sent[0].result;
      collect(sent.shift()!, result);
    }
  } catch (error) {
    // A failed statement or a value that failed its check: what is still in flight settles before
    // the failure is reported (and the batch's transaction, if it has its own, rolls back).
    await Promise.all(sent.map((s) => s.result.catch(() => {})));
    throw error;
  }
  return out ?? count;
}

/**
 * Batch statements in flight at once, pipelined on the batch's connection (SerialConnection; one at a
 * time with `pipeline: false`): while the server runs one, the rows of the one before are read back
 * and mapped and the next slice is encoded, and the server finds the next statement waiting when it
 * is done. Measured with bench/src/writes.ts (bench/ANALYSIS.md): slices of 2,000 rows with 4 in
 * flight took 1.01 s for 100,000 rows with RETURNING, where 10,000 rows one at a time took 1.68 s.
 */
const BATCH_IN_FLIGHT = 4;

/** A group's array parameters: one per given column (or, with none given, one element per row). */
function batchParams(plan: CompiledInsertMany, group: BatchGroup, values: readonly (readonly unknown[])[]): unknown[] {
  const params: unknown[] = [];
  const shape = group.shape;
  for (let c = 0; c < plan.columns.length; c++) {
    if (shape[c] === "1") params.push(arrayParamEncoder(plan.columns[c])(values, group.indexes, c));
  }
  // Every row takes every default: an array of the right length.
  if (params.length === 0) params.push(group.indexes.map(() => 0));
  return params;
}

/** Batch statements per plan, shape and returning: printed and named once. */
const batches = new WeakMap<CompiledInsertMany, Map<string, { text: string; name: string }>>();

function batchStatement(plan: CompiledInsertMany, shape: string, returning: boolean): { text: string; name: string } {
  let byShape = batches.get(plan);
  if (!byShape) batches.set(plan, (byShape = new Map()));
  const key = returning ? shape : `${shape}-`;
  let known = byShape.get(key);
  if (!known) {
    const columns = plan.columns.filter((_, c) => shape[c] === "1");
    const text = insertManyText(plan.table, columns, returning ? plan.returning : undefined);
    byShape.set(key, (known = { text, name: statementName(text) }));
  }
  return known;
}

/** Options of insertMany: `returning: false` inserts without sending the rows back (resolves to their number). */
export interface InsertManyOptions extends RunOptions {
  readonly returning?: boolean;
}

/**
 * Runs `fn` on an executor of one connection of `executor`'s pool, in a transaction of its own (held
 * as a transaction's is: its statements pipelined).
 */
async function atomically<T>(executor: Executor, fn: (own: Executor) => Promise<T>): Promise<T> {
  const connection = await executor.holdConnection();
  const own = new Executor(connection.client, executor.options, { root: executor, open: true, connection });
  try {
    await own.control("BEGIN");
    const result = await fn(own);
    await own.control("COMMIT");
    return result;
  } catch (error) {
    if (connection.lost === undefined) await own.control("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    connection.release();
  }
}
