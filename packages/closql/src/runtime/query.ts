import type { AnyTable } from "../schema/table";
import type { ReadKind } from "../sql/select-statement";
import { foldRead, StepKind } from "../sql/steps";
import type { CompiledRead, CompiledReadPlan, CompiledStep, RowMapper } from "./compiled";
import { decode } from "./decode";
import { CardinalityError, UncompiledQueryError } from "./errors";
import type { Executor, QueryEvent } from "./executor";
import { statementName } from "./statements";
import { quoteIdent } from "../sql/identifiers";

export type SortDirection = "asc" | "desc";
export interface OrderByOptions {
  readonly nulls?: "first" | "last";
}

type Row<T extends AnyTable> = T["$row"];

function notCompiled(method: string): never {
  throw new UncompiledQueryError(
    `closql: .${method}() ran without being compiled. closql queries are compiled at build time: build with ` +
      `\`tspc\` (from ts-patch) and add { "transform": "@closql/transformer" } to compilerOptions.plugins in tsconfig.json.`,
  );
}

/**
 * A read over one table. The typed methods (`where`, `orderBy`, …) are what you write; the
 * transformer replaces each chain with the `$`-methods below, so the typed ones only ever run in a
 * build without the transformer, where they throw.
 */
export class Query<T extends AnyTable, Out = Row<T>> {
  /** Phantom: how the transformer finds the table behind a query's type. */
  declare readonly $table: T;
  /** Phantom: the result row type. */
  declare readonly $out: Out;

  constructor(
    /** @internal */ readonly $executor: Executor,
    /** @internal */ readonly $tableName: string,
    /** @internal */ readonly $steps: readonly {
      step: CompiledStep;
      params: readonly unknown[];
      closure?: (row: any) => unknown;
    }[] = [],
  ) {}

  /** Keeps the rows for which `predicate` is truthy. Several calls AND together. */
  where(predicate: (row: Row<T>) => unknown): Query<T, Out> {
    return notCompiled("where");
  }
  /** Sorts by `key`; repeat for secondary keys. */
  orderBy(key: (row: Row<T>) => unknown, direction?: SortDirection, options?: OrderByOptions): Query<T, Out> {
    return notCompiled("orderBy");
  }
  limit(count: number): Query<T, Out> {
    return notCompiled("limit");
  }
  offset(count: number): Query<T, Out> {
    return notCompiled("offset");
  }
  /** Projects each row; the object may hold columns and computed expressions. */
  select<P extends Record<string, unknown>>(projection: (row: Row<T>) => P): Query<T, P> {
    return notCompiled("select");
  }
  all(): Promise<Out[]> {
    return notCompiled("all");
  }
  /** The first row, or undefined. */
  first(): Promise<Out | undefined> {
    return notCompiled("first");
  }
  /** The only row; throws CardinalityError on zero or several. */
  one(): Promise<Out> {
    return notCompiled("one");
  }
  count(): Promise<number> {
    return notCompiled("count");
  }
  exists(): Promise<boolean> {
    return notCompiled("exists");
  }

  /** Runs a read the transformer folded into one constant statement. @internal */
  async $run(
    compiled: CompiledRead,
    /** A thunk, so a throw while computing a value rejects the query; an array where a value awaits. */
    params: (() => readonly unknown[]) | readonly unknown[] | undefined,
    closures?: QueryEvent["closures"],
  ): Promise<any> {
    const result = await this.$executor.run(
      compiled.text,
      typeof params === "function" ? params() : (params ?? NO_PARAMS),
      compiled.name,
      compiled.source,
      "array",
      closures,
    );
    return shapeResult(compiled.kind, result.rows as unknown[][], compiled.map, compiled.source);
  }

  /** Adds one precompiled step (a chain built across `if`s). @internal */
  $step(step: CompiledStep, params: readonly unknown[], closure?: (row: any) => unknown): Query<T, any> {
    return new Query(this.$executor, this.$tableName, [...this.$steps, { step, params, closure }]);
  }

  /** Joins the precompiled steps into one statement and runs it. @internal */
  async $read(plan: CompiledReadPlan): Promise<any> {
    const steps = this.$steps.map(({ step, params }) => ({
      kind: step.kind,
      fragment: { sql: step.sql, refs: step.refs, params },
      map: step.map,
    }));
    const { text, params, map } = foldRead(quoteIdent(this.$tableName), plan, steps, plan.kind);
    const closures = this.$steps.flatMap((s) => (s.closure ? [s.closure] : []));
    const result = await this.$executor.run(
      text,
      params,
      // Named by a hash of the text, as folded chains are at build time: no process-wide table of names.
      this.$executor.options.prepare ? statementName(text) : undefined,
      plan.source,
      "array",
      closures.length > 0 ? closures : undefined,
    );
    return shapeResult(plan.kind, result.rows as unknown[][], map, plan.source);
  }
}

const NO_PARAMS: readonly unknown[] = [];

function shapeResult(kind: ReadKind, rows: unknown[][], map: RowMapper | undefined, source: string): unknown {
  switch (kind) {
    case "all":
      return rows.map(map!);
    case "first":
      return rows.length === 0 ? undefined : map!(rows[0]);
    case "one":
      if (rows.length !== 1)
        throw new CardinalityError(
          `closql: .one() expected exactly one row, got ${rows.length === 0 ? "none" : "more than one"} (query at ${source})`,
        );
      return map!(rows[0]);
    case "count":
      return decode.count(rows[0][0] as string);
    case "exists":
      return rows[0][0] === true;
  }
}

/** Every step and read kind is a method of Query (closql's own build fails otherwise). */
type QueryMethods = { readonly [K in StepKind | ReadKind]: (...args: never[]) => unknown };
void (Query.prototype satisfies QueryMethods);
