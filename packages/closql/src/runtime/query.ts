import type { AnyTable } from "../schema/table";
import type { ReadKind } from "../sql/select-statement";
import { foldRead, keysetProblem, StepKind, writeConditions } from "../sql/steps";
import type { WriteKind } from "../sql/write-statement";
import type { CompiledRead, CompiledReadPlan, CompiledStep, RowMapper } from "./compiled";
import { decode } from "./decode";
import { CardinalityError, ClosqlError, UncompiledQueryError } from "./errors";
import { transformFix } from "./build";
import type { Executor, QueryEvent, RunOptions } from "./executor";
import { CompiledInsertMany, CompiledWrite, InsertManyOptions, runInsertMany, runWrite } from "./write";
import { streamRows, StreamOptions } from "./stream";
import { statementName } from "./statements";
import { quoteIdent } from "../sql/identifiers";
import { bindPreloads, BoundPreload, mergePreloads, runPreloads } from "./preload";
import type { CompiledPreload } from "./compiled";
import type { PathRow, PreloadOptions, RelationPath, RowWith, WithPreload } from "./relation-types";

export type SortDirection = "asc" | "desc";
export interface OrderByOptions {
  readonly nulls?: "first" | "last";
}

type Row<T extends AnyTable> = T["$row"];

/**
 * The cursor of keyset pagination: the last row of the previous page, or any object holding at least
 * the columns the sort keys read, under their own names (a projection that selects them as they are).
 * The transformer checks at build time that its type has each of them.
 */
export type Cursor<T extends AnyTable> = { readonly [K in keyof Row<T>]?: Row<T>[K] };
type Insert<T extends AnyTable> = T["$insert"];

/** Per-query controls: cancel with an AbortSignal, or after a time (both reject with QueryCanceled). */
export type QueryOptions = RunOptions;

/** Options of a row lock. Written as literals: they are part of the compiled SQL. */
export type LockOptions =
  { readonly skipLocked?: true; readonly noWait?: never } | { readonly noWait?: true; readonly skipLocked?: never };

/** The values an update sets: any columns, each a value of its type (`undefined`: left unchanged). */
export type UpdateValues<T extends AnyTable> = { readonly [K in keyof Row<T>]?: Row<T>[K] };

/**
 * What `update()` and `delete()` return: the number of rows changed, or with `.returning()` the rows
 * themselves (as they are after the change, or were before a delete).
 */
export type WriteResult<T extends AnyTable> = Promise<number> & {
  returning(): Promise<Row<T>[]>;
  /** Phantom: how the transformer recognizes a write's result. */
  readonly $closqlWrite: true;
};

/** What an upsert does on a conflict: set columns (default: the given ones), or nothing. */
export type UpsertOptions<T extends AnyTable> = (
  | {
      /** The conflict target: a column or several (`u => [u.a, u.b]`) with a unique index or constraint. */
      readonly on: (row: Row<T>) => unknown;
      readonly constraint?: never;
    }
  | {
      /** The conflict target: a unique or exclusion constraint by name. */
      readonly constraint: string;
      readonly on?: never;
    }
) & {
  /** On a conflict, set these (`existing` is the row in the table, `proposed` the one given). */
  readonly update?: (existing: Row<T>, proposed: Row<T>) => UpdateValues<T>;
};

function notCompiled(method: string): never {
  throw new UncompiledQueryError(
    `closql: .${method}() ran without being compiled: closql queries are compiled at build time. ${transformFix()}`,
  );
}

/**
 * A read over one table. The typed methods (`where`, `orderBy`, …) are what you write; the
 * transformer replaces each chain with the `$`-methods below, so the typed ones only ever run in a
 * build without the transformer, where they throw.
 */
export class Query<T extends AnyTable, Out = Row<T>, Rels = {}> {
  /** Phantom: how the transformer finds the table behind a query's type. */
  declare readonly $table: T;
  /** Phantom: the result row type. */
  declare readonly $out: Out;
  /** Phantom: the table's relations (from the schema), for `preload`, `some` and `every`. */
  declare readonly $relations: Rels;

  constructor(
    /** @internal */ readonly $executor: Executor,
    /** @internal */ readonly $tableName: string,
    /** @internal */ readonly $steps: readonly {
      step: CompiledStep;
      params: readonly unknown[];
      closure?: (row: any) => unknown;
    }[] = [],
    /** @internal Relations to load after the rows (a chain built across `if`s). */
    readonly $preloads: readonly BoundPreload[] = [],
  ) {}

  /**
   * Keeps the rows for which `predicate` is truthy. Several calls AND together. A to-many relation
   * of the row takes `some` and `every`: `u => u.posts.some(p => p.published)`.
   */
  where(predicate: (row: RowWith<T, Rels>) => unknown): Query<T, Out, Rels> {
    return notCompiled("where");
  }
  /** Sorts by `key`; repeat for secondary keys. */
  orderBy(key: (row: Row<T>) => unknown, direction?: SortDirection, options?: OrderByOptions): Query<T, Out, Rels> {
    return notCompiled("orderBy");
  }
  /**
   * Keyset pagination: keeps the rows that come strictly after `cursor` (the last row of the previous
   * page) in the order of the `.orderBy()` calls written before it in the same chain, with their
   * directions and NULL placement. The last sort key must be unique (the primary key), so the order is
   * total. Compares exactly as ORDER BY sorts (strings by code units), under any database collation.
   */
  after(cursor: Cursor<T>): Query<T, Out, Rels> {
    return notCompiled("after");
  }
  limit(count: number): Query<T, Out, Rels> {
    return notCompiled("limit");
  }
  offset(count: number): Query<T, Out, Rels> {
    return notCompiled("offset");
  }
  /** Projects each row; the object may hold columns and computed expressions. */
  select<P extends Record<string, unknown>>(projection: (row: RowWith<T, Rels>) => P): Query<T, P, Rels> {
    return notCompiled("select");
  }
  /**
   * Joins `other`: rows of both where `on` is truthy. Later closures take one parameter per table
   * (`(u, p) => …`); a joined query reads its rows through `select`. Joining a table to itself
   * aliases it.
   */
  join<J extends AnyTable>(
    this: Query<T, Row<T>, Rels>,
    other: J,
    on: (row: Row<T>, joined: Row<J>) => unknown,
  ): JoinedQuery<[T, J], [Row<T>, Row<J>]> {
    return notCompiled("join");
  }
  /** Like join, keeping rows without a match: the joined side is `null` there. */
  leftJoin<J extends AnyTable>(
    this: Query<T, Row<T>, Rels>,
    other: J,
    on: (row: Row<T>, joined: Row<J>) => unknown,
  ): JoinedQuery<[T, J], [Row<T>, Row<J> | null]> {
    return notCompiled("leftJoin");
  }
  /**
   * Groups rows by a key (`u => u.role`) or several (`u => [u.role, u.active]`): `select`, `having` and
   * `orderBy` then read the keys and aggregates (`count()`, `sum(x)`, … imported from closql).
   */
  groupBy(keys: (row: Row<T>) => unknown): Query<T, Out, Rels> {
    return notCompiled("groupBy");
  }
  /** Keeps the groups for which `predicate` (over aggregates and keys) is truthy. */
  having(predicate: (row: RowWith<T, Rels>) => unknown): Query<T, Out, Rels> {
    return notCompiled("having");
  }
  /** Drops duplicate result rows (`SELECT DISTINCT`). */
  distinct(): Query<T, Out, Rels> {
    return notCompiled("distinct");
  }
  /**
   * Loads a relation of the rows read (`"posts"`, or a dotted path `"posts.comments"`) into each
   * row: one statement per relation whatever the number of rows (`… WHERE "user_id" = ANY($1)`).
   * Optionally filtered (`p => p.published`, as in `where`) and ordered/limited per parent row
   * (`{ orderBy: p => p.createdAt, direction: "desc", limit: 3 }`).
   */
  preload<P extends RelationPath<Rels>>(
    path: P,
    filter?: (row: PathRow<Rels, P>) => unknown,
    options?: PreloadOptions<PathRow<Rels, P>>,
  ): Query<T, WithPreload<Out, Rels, P>, Rels>;
  preload<P extends RelationPath<Rels>>(
    path: P,
    options: PreloadOptions<PathRow<Rels, P>>,
  ): Query<T, WithPreload<Out, Rels, P>, Rels>;
  preload(path: string, ...rest: unknown[]): unknown {
    return notCompiled("preload");
  }
  all(options?: QueryOptions): Promise<Out[]> {
    return notCompiled("all");
  }
  /** The first row, or undefined. */
  first(options?: QueryOptions): Promise<Out | undefined> {
    return notCompiled("first");
  }
  /** The only row; throws CardinalityError on zero or several. */
  one(options?: QueryOptions): Promise<Out> {
    return notCompiled("one");
  }
  count(options?: QueryOptions): Promise<number> {
    return notCompiled("count");
  }
  exists(options?: QueryOptions): Promise<boolean> {
    return notCompiled("exists");
  }
  /**
   * The rows one batch at a time over a server-side cursor: memory stays flat however many rows
   * come. Breaking out of the loop closes the cursor and releases the connection.
   */
  stream(options?: StreamOptions): AsyncIterableIterator<Out> {
    return notCompiled("stream");
  }

  /** Locks the rows read (`FOR UPDATE`) until the transaction ends. */
  forUpdate(options?: LockOptions): Query<T, Out, Rels> {
    return notCompiled("forUpdate");
  }
  /** `FOR NO KEY UPDATE`: like forUpdate, but does not block inserts of rows referencing these. */
  forNoKeyUpdate(options?: LockOptions): Query<T, Out, Rels> {
    return notCompiled("forNoKeyUpdate");
  }
  /** `FOR SHARE`: blocks changes to the rows read, not other readers. */
  forShare(options?: LockOptions): Query<T, Out, Rels> {
    return notCompiled("forShare");
  }
  /** `FOR KEY SHARE`: blocks deletes and key changes only. */
  forKeyShare(options?: LockOptions): Query<T, Out, Rels> {
    return notCompiled("forKeyShare");
  }

  /**
   * Sets columns of the rows kept by `where` (required: `.where(() => true)` for every row), to
   * values or to what a closure computes from each row (`u => ({ n: u.n + 1 })`, JavaScript's
   * semantics as in `where`). Resolves to the number of rows changed; `.returning()` gives them.
   */
  update(values: UpdateValues<T> | ((row: Row<T>) => UpdateValues<T>)): WriteResult<T> {
    return notCompiled("update");
  }
  /** Deletes the rows kept by `where` (required). Resolves to their number; `.returning()` gives them. */
  delete(): WriteResult<T> {
    return notCompiled("delete");
  }

  /** Runs a read the transformer folded into one constant statement. @internal */
  $run(
    compiled: CompiledRead,
    /** A thunk, so a throw while computing a value rejects the query; an array where a value awaits. */
    params: (() => readonly unknown[]) | readonly unknown[] | undefined,
    closures?: QueryEvent["closures"],
    options?: RunOptions & StreamOptions,
    /** The values of the preload statements' filters, one array per preload that has any. */
    preloadValues?: () => readonly (readonly unknown[])[],
  ): any {
    if (compiled.preload) {
      try {
        const preloads = bindPreloads(compiled.preload, preloadValues?.() ?? NO_VALUES);
        return this.$runRead(compiled, params, closures, options, preloads);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (compiled.kind === "stream") {
      const values = typeof params === "function" ? params() : (params ?? NO_PARAMS);
      return streamRows(this.$executor, compiled.text, values, compiled.map!, compiled.source, options);
    }
    return this.$runRead(compiled, params, closures, options);
  }

  private async $runRead(
    compiled: CompiledRead,
    params: (() => readonly unknown[]) | readonly unknown[] | undefined,
    closures: QueryEvent["closures"],
    options: RunOptions | undefined,
    preloads?: readonly BoundPreload[],
  ): Promise<any> {
    const result = await this.$executor.run(
      compiled.text,
      typeof params === "function" ? params() : (params ?? NO_PARAMS),
      compiled.name,
      compiled.source,
      rowFormOf(compiled.kind, compiled.map),
      closures,
      options,
    );
    const shaped = shapeResult(compiled.kind, result.rows, compiled.source, compiled.text);
    if (preloads) await runPreloads(this.$executor, parentsOf(shaped), preloads, options);
    return shaped;
  }

  /** Runs a compiled write; steps added by a helper become its conditions. @internal */
  $write(
    plan: CompiledWrite,
    values: (() => readonly unknown[]) | readonly unknown[] | undefined,
    options?: RunOptions,
  ): Promise<any> {
    try {
      if (this.$preloads.length > 0)
        throw new ClosqlError(
          `closql: a write of a query with preload() (query at ${plan.source}): a write has no rows to load relations into.`,
        );
      const v = typeof values === "function" ? values() : (values ?? NO_PARAMS);
      // A chain written from `db.<table>` has no run-time steps: its statement is complete.
      if (this.$steps.length === 0 && plan.text !== undefined)
        return runWrite(this.$executor, plan, v, NO_CONDITIONS, options);
      const conditions = writeConditions(
        this.$steps.map(({ step, params }) => ({
          kind: step.kind,
          fragment: { sql: step.sql, refs: step.refs, params },
        })),
      );
      if ("unsupported" in conditions)
        throw new ClosqlError(
          `closql: a write cannot follow .${conditions.unsupported}() (query at ${plan.source}): PostgreSQL's UPDATE and DELETE take conditions only.`,
        );
      if (plan.parts && plan.parts.kind !== "insert" && plan.parts.where.length === 0 && conditions.where.length === 0)
        throw new ClosqlError(
          `closql: ${plan.parts.kind}() of a query without where() (query at ${plan.source}); write .where(() => true) to change every row.`,
        );
      return runWrite(
        this.$executor,
        plan,
        v,
        conditions.where.map((fragment) => ({ fragment })),
        options,
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Adds one precompiled step (a chain built across `if`s). @internal */
  $step(step: CompiledStep, params: readonly unknown[], closure?: (row: any) => unknown): Query<T, any> {
    return new Query(this.$executor, this.$tableName, [...this.$steps, { step, params, closure }], this.$preloads);
  }

  /** Adds a precompiled preload (a chain built across `if`s) with its filters' values. @internal */
  $preload(plan: readonly CompiledPreload[], values: readonly (readonly unknown[])[]): Query<T, any> {
    const preloads = mergePreloads(this.$preloads, bindPreloads(plan, values), plan[0]?.source);
    return new Query(this.$executor, this.$tableName, this.$steps, preloads);
  }

  /** Joins the precompiled steps into one statement and runs it. @internal */
  $read(plan: CompiledReadPlan, options?: RunOptions & StreamOptions): any {
    if (this.$preloads.length > 0) {
      const refusal = preloadRefusal(plan.kind, this.$steps);
      if (refusal) {
        const error = new ClosqlError(
          `closql: ${refusal} (query at ${plan.source}): preload loads whole rows, after them.`,
        );
        // A stream is iterated, not awaited: it fails where it is made.
        if (plan.kind === "stream") throw error;
        return Promise.reject(error);
      }
    }
    const steps = this.$steps.map(({ step, params }) => ({
      kind: step.kind,
      fragment: { sql: step.sql, refs: step.refs, params },
      map: step.map,
      keys: step.keys,
    }));
    const keyset = keysetProblem(steps);
    if (keyset !== undefined) {
      const error = new ClosqlError(`closql: ${keyset} (query at ${plan.source}).`);
      if (plan.kind === "stream") throw error;
      return Promise.reject(error);
    }
    const { text, params, map } = foldRead(quoteIdent(this.$tableName), plan, steps, plan.kind);
    if (plan.kind === "stream") return streamRows(this.$executor, text, params, map, plan.source, options);
    return this.$readFolded(plan, text, params, map, options);
  }

  private async $readFolded(
    plan: CompiledReadPlan,
    text: string,
    params: unknown[],
    map: RowMapper,
    options: RunOptions | undefined,
  ): Promise<any> {
    const closures = this.$steps.flatMap((s) => (s.closure ? [s.closure] : []));
    const result = await this.$executor.run(
      text,
      params,
      // Named by a hash of the text, as folded chains are at build time: no process-wide table of names.
      this.$executor.options.prepare ? statementName(text) : undefined,
      plan.source,
      rowFormOf(plan.kind, map),
      closures.length > 0 ? closures : undefined,
      options,
    );
    const shaped = shapeResult(plan.kind, result.rows, plan.source, text);
    if (this.$preloads.length > 0) await runPreloads(this.$executor, parentsOf(shaped), this.$preloads, options);
    return shaped;
  }
}

/** The rows a read's result holds, to load relations into. */
function parentsOf(result: unknown): object[] {
  if (Array.isArray(result)) return result;
  return result === undefined ? [] : [result as object];
}

/** Why a chain built across `if`s cannot take the preloads it was given, if it cannot (the build refuses the same statically). */
function preloadRefusal(kind: ReadKind, steps: readonly { step: CompiledStep }[]): string | undefined {
  if (kind === "count" || kind === "exists" || kind === "stream") return `preload() before .${kind}()`;
  if (steps.some((s) => s.step.kind === "select")) return "preload() with select()";
  return undefined;
}

const NO_PARAMS: readonly unknown[] = [];
const NO_VALUES: readonly (readonly unknown[])[] = [];
const NO_CONDITIONS: readonly never[] = [];

/** How a read keeps its rows: mapped as they arrive (their arrays die young); a count or exists reads its one value. */
function rowFormOf(kind: ReadKind, map: RowMapper | undefined): "array" | RowMapper {
  return kind === "count" || kind === "exists" ? "array" : map!;
}

/** What a read resolves to, from its rows: mapped objects, or for count and exists the one row's array. */
function shapeResult(kind: ReadKind, rows: any[], source: string, sql: string): unknown {
  switch (kind) {
    case "all":
    case "stream":
      return rows;
    case "first":
      return rows[0];
    case "one":
      if (rows.length !== 1)
        throw new CardinalityError(
          `closql: .one() expected exactly one row, got ${rows.length === 0 ? "none" : "more than one"} (query at ${source})`,
          sql,
          source,
        );
      return rows[0];
    case "count":
      return decode.count(rows[0][0] as string);
    case "exists":
      return rows[0][0] === true;
  }
}

/**
 * A read over several joined tables. `Tables` are the tables in join order, `Rows` what the closures
 * receive for each (a left-joined side is `Row | null`); `Out` is what `select` made (a joined query
 * is read through `select`, or counted). At run time this is a `Query`: the transformer compiles
 * every call, so only the types differ.
 */
export interface JoinedQuery<Tables extends readonly AnyTable[], Rows extends readonly unknown[], Out = never> {
  /** Phantom: the first table (where a joined query's statement starts). */
  readonly $table: Tables[0];
  /** Phantom: every table, in join order, for the transformer. */
  readonly $tables: Tables;
  /** Phantom: the row each closure parameter receives. */
  readonly $rows: Rows;
  readonly $out: Out;
  /** @internal */
  readonly $steps: Query<Tables[0]>["$steps"];
  where(predicate: (...rows: Rows) => unknown): JoinedQuery<Tables, Rows, Out>;
  join<J extends AnyTable>(
    other: J,
    on: (...rows: [...Rows, Row<J>]) => unknown,
  ): JoinedQuery<[...Tables, J], [...Rows, Row<J>], Out>;
  leftJoin<J extends AnyTable>(
    other: J,
    on: (...rows: [...Rows, Row<J>]) => unknown,
  ): JoinedQuery<[...Tables, J], [...Rows, Row<J> | null], Out>;
  orderBy(
    key: (...rows: Rows) => unknown,
    direction?: SortDirection,
    options?: OrderByOptions,
  ): JoinedQuery<Tables, Rows, Out>;
  limit(count: number): JoinedQuery<Tables, Rows, Out>;
  offset(count: number): JoinedQuery<Tables, Rows, Out>;
  select<P extends Record<string, unknown>>(projection: (...rows: Rows) => P): JoinedQuery<Tables, Rows, P>;
  groupBy(keys: (...rows: Rows) => unknown): JoinedQuery<Tables, Rows, Out>;
  having(predicate: (...rows: Rows) => unknown): JoinedQuery<Tables, Rows, Out>;
  distinct(): JoinedQuery<Tables, Rows, Out>;
  all(options?: QueryOptions): Promise<Out[]>;
  first(options?: QueryOptions): Promise<Out | undefined>;
  one(options?: QueryOptions): Promise<Out>;
  count(options?: QueryOptions): Promise<number>;
  exists(options?: QueryOptions): Promise<boolean>;
  stream(options?: StreamOptions): AsyncIterableIterator<Out>;
  forUpdate(options?: LockOptions): JoinedQuery<Tables, Rows, Out>;
  forNoKeyUpdate(options?: LockOptions): JoinedQuery<Tables, Rows, Out>;
  forShare(options?: LockOptions): JoinedQuery<Tables, Rows, Out>;
  forKeyShare(options?: LockOptions): JoinedQuery<Tables, Rows, Out>;
}

/**
 * A table's own query, `db.users`: reads start here, and so do inserts (which take no steps).
 */
export class TableQuery<T extends AnyTable, Rels = {}> extends Query<T, Row<T>, Rels> {
  /** Phantom: marks a table's own query. */
  declare readonly $closqlRoot: true;

  /** Inserts one row; resolves to it as stored (ids, defaults and generated columns filled). */
  insert(row: Insert<T>, options?: QueryOptions): Promise<Row<T>> {
    return notCompiled("insert");
  }
  /**
   * Inserts rows, in as few statements as their shapes allow (each column's values travel in one
   * array parameter, so the SQL text is the same for any number of rows); resolves to them in input
   * order. Atomic: all rows or none.
   */
  insertMany(rows: readonly Insert<T>[], options?: QueryOptions & { readonly returning?: true }): Promise<Row<T>[]>;
  /** `returning: false`: the rows are not sent back (about half the client's work); resolves to their number. */
  insertMany(rows: readonly Insert<T>[], options: QueryOptions & { readonly returning: false }): Promise<number>;
  insertMany(rows: readonly Insert<T>[], options?: InsertManyOptions): Promise<Row<T>[] | number> {
    return notCompiled("insertMany");
  }
  /**
   * Inserts a row, or on a unique conflict (`on` a column or columns, or a named `constraint`) updates
   * the existing one: with `update`, else the given columns. Resolves to the row as stored.
   */
  upsert(row: Insert<T>, options: UpsertOptions<T>): Promise<Row<T>>;
  /** Inserts a row unless it conflicts (`ON CONFLICT DO NOTHING`): resolves to it, or undefined. */
  upsert(row: Insert<T>, options: UpsertOptions<T> & { readonly doNothing: true }): Promise<Row<T> | undefined>;
  upsert(row: Insert<T>, options: UpsertOptions<T>): Promise<Row<T> | undefined> {
    return notCompiled("upsert");
  }

  /** Runs a compiled batch insert. @internal */
  $insertMany(
    plan: CompiledInsertMany,
    rows: readonly unknown[],
    valuesOf: (row: any) => readonly unknown[],
    options?: InsertManyOptions,
  ): Promise<unknown[] | number> {
    return runInsertMany(this.$executor, plan, rows, valuesOf, options);
  }
}

/** Every step, read and write kind is a method (closql's own build fails otherwise). */
type QueryMethods = {
  readonly [K in StepKind | ReadKind | Exclude<WriteKind, TableWriteKind>]: (...args: never[]) => unknown;
};
type TableWriteKind = "insert" | "insertMany" | "upsert";
void (Query.prototype satisfies QueryMethods);
void (TableQuery.prototype satisfies { readonly [K in TableWriteKind]: (...args: never[]) => unknown });
