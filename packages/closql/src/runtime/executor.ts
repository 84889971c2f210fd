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

/** Per-statement controls (cancellation). */
export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
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
    options?: RunOptions,
  ): Promise<pg.QueryResult<any>> {
    void options;
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
  private runNamed(config: StatementConfig, name: string): Promise<pg.QueryResult<any>> {
    config.name = name;
    const max = this.options.maxPreparedStatements;
    const pool = this.pool;
    return new Promise((resolve, reject) => {
      if (pool === undefined) runNamedOn(this.target as pg.PoolClient, config, name, max, false, resolve, reject);
      else pool.connect().then((client) => runNamedOn(client, config, name, max, true, resolve, reject), reject);
    });
  }
}

/**
 * Runs `config` (named `name`) on `client`, re-preparing once after a stale-statement error, and
 * releases the client when it was checked out of the pool for this statement. Written with pg's
 * callback API and one promise per statement: pg's promise API adds two (its own and a
 * stack-rewriting catch) on the hot path.
 */
function runNamedOn(
  client: pg.PoolClient,
  config: StatementConfig,
  name: string,
  max: number,
  checkedOut: boolean,
  resolve: (result: pg.QueryResult<any>) => void,
  reject: (error: unknown) => void,
): void {
  const internals = client as unknown as PgClientInternals;
  // A statement that fails inside a transaction aborts it: no retry can succeed there.
  const canRetry = internals._txStatus !== "T" && internals._txStatus !== "E";
  let retried = false;
  const done = (error: Error | null | undefined, result?: pg.QueryResult<any>): void => {
    if (error && !retried && canRetry && isStaleStatementError(error)) {
      retried = true;
      forgetStatement(internals, name);
      client.query(config as pg.QueryConfig, done);
      return;
    }
    if (checkedOut) {
      client.removeListener("error", ignoreClientError);
      // A server error leaves the connection usable (and its statements prepared); anything else
      // (a lost connection, a value pg could not serialize) removes it from the pool, as pool.query does.
      client.release(!error || isServerError(error) ? undefined : error);
    }
    if (error) reject(error);
    else resolve(result!);
  };
  // Like pool.query: a connection lost mid-statement is reported to the statement, and must not also
  // be an unhandled 'error' event while the client is out of the pool.
  if (checkedOut) client.on("error", ignoreClientError);
  try {
    useStatement(internals, name, max);
    client.query(config as pg.QueryConfig, done);
  } catch (error) {
    done(error as Error);
  }
}

function ignoreClientError(): void {}

function isServerError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}
