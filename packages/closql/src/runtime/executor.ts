import type pg from "pg";
import { closqlTypes } from "./decode";
import { toClosqlError } from "./errors";

/** What `onQuery` receives after every statement. */
export interface QueryEvent {
  readonly sql: string;
  readonly params: readonly unknown[];
  readonly rowCount: number;
  readonly durationMs: number;
  readonly source: string | undefined;
  readonly error?: unknown;
  /**
   * The query's original `where` closures, when built with the transformer option
   * `keepClosures: true`: run them in JavaScript to check the SQL's answer (differential testing).
   */
  readonly closures?: readonly ((row: any) => unknown)[];
}

export interface ExecutorOptions {
  /**
   * Use named prepared statements (parse/plan once per connection). Turn off behind PgBouncer in
   * transaction pooling mode, where a statement prepared on one server connection is missing on the next.
   */
  readonly prepare: boolean;
  readonly onQuery?: (event: QueryEvent) => void;
}

/** Something that runs statements: a pool, or one client inside a transaction. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

/** Runs statements and turns failures into typed errors. One per connection scope. */
export class Executor {
  constructor(
    readonly target: Queryable,
    readonly options: ExecutorOptions,
  ) {}

  async run(
    text: string,
    params: readonly unknown[],
    name: string | undefined,
    source: string | undefined,
    rowMode: "array" | undefined,
    closures?: QueryEvent["closures"],
  ): Promise<pg.QueryResult<any>> {
    const started = performance.now();
    const config: pg.QueryConfig & { rowMode?: "array"; types: typeof closqlTypes } = {
      text,
      values: params as unknown[],
      types: closqlTypes,
    };
    if (rowMode) config.rowMode = rowMode;
    if (name && this.options.prepare) config.name = name;
    try {
      const result = await this.target.query(config as pg.QueryConfig);
      this.options.onQuery?.({
        sql: text,
        params,
        rowCount: result.rowCount ?? result.rows.length,
        durationMs: performance.now() - started,
        source,
        closures,
      });
      return result;
    } catch (error) {
      const wrapped = toClosqlError(error, text, source);
      this.options.onQuery?.({
        sql: text,
        params,
        rowCount: 0,
        durationMs: performance.now() - started,
        source,
        error: wrapped,
        closures,
      });
      throw wrapped;
    }
  }
}
