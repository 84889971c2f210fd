import type pg from "pg";
import { closqlTypes } from "./decode";
import { toClosqlError } from "./errors";
import { sendableParams } from "./timestamp";
import { forgetStatement, isStaleStatementError, PgClientInternals, useStatement } from "./statements";

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
  /** Bound on closql's named statements per connection; the least recently used is closed beyond it. */
  readonly maxPreparedStatements: number;
  readonly onQuery?: (event: QueryEvent) => void;
}

/** Something that runs statements: a pool, or one client (e.g. inside a transaction). */
export type Queryable = pg.Pool | pg.PoolClient;

type StatementConfig = pg.QueryConfig & { rowMode?: "array"; types: typeof closqlTypes };

/** Runs statements and turns failures into typed errors. One per connection scope. */
export class Executor {
  /** The pool to check a client out of for a named statement, or undefined when `target` is one client. */
  private readonly pool: pg.Pool | undefined;

  constructor(
    readonly target: Queryable,
    readonly options: ExecutorOptions,
  ) {
    this.pool = "connection" in target ? undefined : target;
  }

  async run(
    text: string,
    params: readonly unknown[],
    name: string | undefined,
    source: string | undefined,
    rowMode: "array" | undefined,
    closures?: QueryEvent["closures"],
  ): Promise<pg.QueryResult<any>> {
    const started = performance.now();
    // Dates go as UTC text (timestamp.ts): pg would send the process's local time.
    const config: StatementConfig = { text, values: sendableParams(params), types: closqlTypes };
    if (rowMode) config.rowMode = rowMode;
    try {
      const result =
        name !== undefined && this.options.prepare
          ? await this.runNamed(config, name)
          : await this.target.query(config as pg.QueryConfig);
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

  /**
   * Runs a named statement on one connection, which closql needs to see: to bound the statements it
   * holds, and to re-prepare there once when the server's statement is stale or gone (see
   * statements.ts). Checking a client out is what `pool.query` does inside; no extra round trip.
   */
  private async runNamed(config: StatementConfig, name: string): Promise<pg.QueryResult<any>> {
    const pool = this.pool;
    const client = pool ? await pool.connect() : (this.target as pg.PoolClient);
    const internals = client as unknown as PgClientInternals;
    // A query that fails inside a transaction aborts it: no retry can succeed there.
    const canRetry = internals._txStatus !== "T" && internals._txStatus !== "E";
    // Like pool.query: a connection lost mid-query is reported to the query, and must not also be
    // an unhandled 'error' event while the client is out of the pool.
    if (pool) client.on("error", ignoreClientError);
    let failure: unknown;
    try {
      config.name = name;
      useStatement(internals, name, this.options.maxPreparedStatements);
      try {
        return await client.query(config as pg.QueryConfig);
      } catch (error) {
        if (!canRetry || !isStaleStatementError(error)) throw error;
        forgetStatement(internals, name);
        return await client.query(config as pg.QueryConfig);
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      if (pool) {
        client.removeListener("error", ignoreClientError);
        // A server error leaves the connection usable (and its statements prepared); anything else
        // (a lost connection, a value pg could not serialize) removes it from the pool, as pool.query does.
        client.release(failure === undefined || isServerError(failure) ? undefined : (failure as Error));
      }
    }
  }
}

function ignoreClientError(): void {}

function isServerError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}
