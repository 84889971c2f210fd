import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";
import { requestCancel } from "./cancel";
import { closqlTypes } from "./decode";
import {
  ClosqlError,
  ConnectionTarget,
  ErrorContext,
  InvalidArgumentError,
  isConnectionFailure,
  isServerError,
  queryCanceled,
  toClosqlError,
  TransactionMisuseError,
} from "./errors";
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

/** Per-statement options: `.all({ signal, timeoutMs })` and the like. */
export interface RunOptions {
  /** Aborting it cancels the statement on the server; the query rejects with `QueryCanceled`. */
  readonly signal?: AbortSignal;
  /** Cancels the statement on the server after this many milliseconds (counted from the call). */
  readonly timeoutMs?: number;
}

/** What a query on `db` does when it runs inside one of that db's transaction callbacks. */
export type TransactionMisuse = "throw" | "warn" | "ignore";

export interface ExecutorOptions {
  /**
   * Use named prepared statements (parse/plan once per connection). Turn off behind PgBouncer in
   * transaction pooling mode, where a statement prepared on one server connection is missing on the next.
   */
  readonly prepare: boolean;
  /** Bound on closql's named statements per connection; the least recently used is closed beyond it. */
  readonly maxPreparedStatements: number;
  readonly onQuery?: (event: QueryEvent) => void;
  /** Where the pool connects (for `ConnectionError`), computed when first needed. */
  readonly target?: () => ConnectionTarget;
  /** Keep values in error messages (`connect({ redactErrors: false })`). */
  readonly revealErrorValues?: boolean;
  /** Default "ignore" here; `connect()` chooses by `NODE_ENV`. */
  readonly transactionMisuse?: TransactionMisuse;
}

/** Something that runs statements: a pool, or one client (e.g. inside a transaction). */
export type Queryable = pg.Pool | pg.PoolClient;

type StatementConfig = pg.QueryConfig & { rowMode?: "array"; types: typeof closqlTypes };

/**
 * The transaction whose callback is running (AsyncLocalStorage follows it through every await), so
 * that a statement on the db's own executor inside it can be told apart. Only entered when misuse
 * detection is on: until a store is entered, Node keeps AsyncLocalStorage off and `getStore` is free.
 */
export const transactionContext = new AsyncLocalStorage<ActiveTransaction>();

/** What an executor needs of a transaction level (transaction.ts). */
export interface ActiveTransaction {
  /** The executor of the db the transaction was started on. */
  readonly root: Executor;
  /** False once its callback has returned or thrown. */
  readonly open: boolean;
  /** The transaction's one connection. */
  readonly connection: SerialConnection;
}

/** Runs statements and turns failures into typed errors. One per connection scope. */
export class Executor {
  /** The pool to check a client out of for each statement, or undefined when `target` is one client. */
  private readonly pool: pg.Pool | undefined;
  private readonly errors: ErrorContext;
  private readonly misuse: TransactionMisuse;
  /** Sources already warned about (`transactionMisuse: "warn"` warns once per query). */
  private warned: Set<string> | undefined;

  constructor(
    readonly target: Queryable,
    readonly options: ExecutorOptions,
    /** Set when this executor runs one transaction level's statements: in order, on its connection. */
    readonly transaction?: ActiveTransaction,
  ) {
    this.pool = "connection" in target ? undefined : target;
    const describe = options.target ?? unknownTarget;
    this.errors = { target: describe, reveal: options.revealErrorValues === true };
    this.misuse = options.transactionMisuse ?? "ignore";
  }

  /** Whether misuse detection is on: transactions enter `transactionContext` only then. */
  get detectsMisuse(): boolean {
    return this.misuse !== "ignore";
  }

  run(
    text: string,
    params: readonly unknown[],
    name: string | undefined,
    source: string | undefined,
    rowMode: "array" | undefined,
    closures?: QueryEvent["closures"],
    options?: RunOptions,
  ): Promise<pg.QueryResult<any>> {
    // Not an async function: one promise less per statement on the hot path; refusals reject.
    const refused = this.refuse(text, source, options);
    if (refused !== undefined) return Promise.reject(refused);
    return this.send(text, params, name, source, rowMode, closures, options);
  }

  /** Why a statement must not be sent at all, if it must not. */
  private refuse(text: string, source: string | undefined, options: RunOptions | undefined): Error | undefined {
    const transaction = this.transaction;
    if (transaction === undefined) {
      if (this.misuse !== "ignore") {
        try {
          this.checkNotInTransaction(source, "query");
        } catch (error) {
          return error as Error;
        }
      }
    } else if (!transaction.open) return transactionEnded(source);
    if (options !== undefined) {
      const { timeoutMs } = options;
      if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs > 0 && timeoutMs < 2 ** 31))
        return new InvalidArgumentError(
          `closql: timeoutMs must be a number of milliseconds in (0, 2^31), got ${String(timeoutMs)}`,
        );
      if (options.signal?.aborted) return queryCanceled(canceledBySignal, text, source);
    }
    return undefined;
  }

  /** BEGIN, COMMIT, SAVEPOINT and the like: run also after the transaction's callback ended. @internal */
  control(text: string): Promise<pg.QueryResult<any>> {
    return this.send(text, NO_PARAMS, undefined, undefined, undefined, undefined, undefined);
  }

  /**
   * A client of the pool with closql's session pinned, for a transaction; connection failures come
   * typed. The caller releases it. @internal
   */
  async checkout(): Promise<pg.PoolClient> {
    if (this.pool === undefined) throw new ClosqlError("closql: a transaction needs a pool-backed Database");
    try {
      return await this.pool.connect();
    } catch (error) {
      throw toClosqlError(error, "", undefined, NO_PARAMS, { ...this.errors, connecting: true });
    }
  }

  /**
   * A statement on this (the db's own) executor inside one of its transaction callbacks runs on
   * another connection, outside the transaction: its writes survive a rollback, it cannot see the
   * transaction's uncommitted rows, and it waits forever on a row the transaction locked.
   * `db.outsideTransaction(…)` marks the legitimate cases. @internal
   */
  checkNotInTransaction(source: string | undefined, what: "query" | "transaction"): void {
    const active = transactionContext.getStore();
    if (active === undefined || active.root !== this || !active.open) return;
    const at = source ? ` (query at ${source})` : "";
    const message =
      what === "query"
        ? `closql: a query on \`db\` ran inside a \`db.transaction\` callback${at}. It runs on another connection, outside the transaction: use the callback's \`tx\`.`
        : "closql: `db.transaction` was called inside a `db.transaction` callback: it opens a second, independent transaction on another connection. Use `tx.transaction` for a nested one (a savepoint).";
    const hint =
      " If it must run outside (e.g. an audit record that survives a rollback), wrap it in `db.outsideTransaction(() => …)`; `connect({ transactionMisuse })` chooses whether this throws or warns.";
    if (this.misuse === "throw") throw new TransactionMisuseError(message + hint);
    const key = `${what}:${source ?? ""}`;
    this.warned ??= new Set();
    if (this.warned.has(key)) return;
    this.warned.add(key);
    process.emitWarning(message + hint, { code: "CLOSQL_QUERY_OUTSIDE_TRANSACTION" });
  }

  private async send(
    text: string,
    params: readonly unknown[],
    name: string | undefined,
    source: string | undefined,
    rowMode: "array" | undefined,
    closures: QueryEvent["closures"],
    options: RunOptions | undefined,
  ): Promise<pg.QueryResult<any>> {
    const started = performance.now();
    // Dates go as UTC text (timestamp.ts): pg would send the process's local time.
    const config: StatementConfig = { text, values: sendableParams(params), types: closqlTypes };
    if (rowMode) config.rowMode = rowMode;
    try {
      const result = await this.execute(
        config,
        name !== undefined && this.options.prepare ? name : undefined,
        source,
        options,
      );
      this.options.onQuery?.({
        sql: text,
        params,
        rowCount: rowCountOf(result),
        durationMs: performance.now() - started,
        source,
        closures,
      });
      return result;
    } catch (error) {
      const wrapped = toClosqlError(error, text, source, params, this.errors);
      // "current transaction is aborted" (25P02) only echoes the failure that aborted it.
      if (this.transaction !== undefined && (wrapped as { code?: unknown }).code !== "25P02")
        this.transaction.connection.lastFailure = wrapped;
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
   * Runs one statement on one connection, which closql needs to see: to bound the statements it
   * holds, to re-prepare there once when the server's statement is stale or gone (statements.ts), and
   * to cancel it. Checking a client out is what `pool.query` does inside; no extra round trip.
   */
  private execute(
    config: StatementConfig,
    name: string | undefined,
    source: string | undefined,
    options: RunOptions | undefined,
  ): Promise<pg.QueryResult<any>> {
    if (name !== undefined) config.name = name;
    return new Promise((resolve, reject) => {
      const statement = new Statement(
        config,
        name,
        this.options.maxPreparedStatements,
        source,
        resolve,
        reject,
        options,
      );
      const transaction = this.transaction;
      if (transaction !== undefined) transaction.connection.enqueue(statement);
      else if (this.pool === undefined) statement.start(this.target as pg.PoolClient, false, undefined);
      else
        this.pool.connect().then(
          (client) => statement.start(client, true, undefined),
          (error) =>
            statement.fail(toClosqlError(error, config.text, source, NO_PARAMS, { ...this.errors, connecting: true })),
        );
    });
  }
}

const NO_PARAMS: readonly unknown[] = [];

/** Rows affected or returned; SQL text of several statements (`db.execute`) yields one result each. */
function rowCountOf(result: pg.QueryResult | pg.QueryResult[]): number {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return last === undefined ? 0 : (last.rowCount ?? last.rows.length);
}
const canceledBySignal = "closql: canceled by its AbortSignal";

function unknownTarget(): ConnectionTarget {
  return { host: undefined, port: undefined, database: undefined, user: undefined };
}

function transactionEnded(source: string | undefined): TransactionMisuseError {
  return new TransactionMisuseError(
    `closql: a query on a \`tx\` ran after its transaction callback had finished${source ? ` (query at ${source})` : ""}: ` +
      "the transaction is over (committed or rolled back). Run and await a transaction's queries inside its callback.",
  );
}

/**
 * One statement from its call to its result: waiting for a connection (or its turn on a
 * transaction's), running, and being canceled by its signal or timeout. Written with pg's callback
 * API and one promise per statement: pg's promise API adds two (its own and a stack-rewriting catch)
 * on the hot path.
 */
class Statement {
  private client: pg.PoolClient | undefined;
  private checkedOut = false;
  private finished: ((error: unknown) => void) | undefined;
  private state: "waiting" | "running" | "settled" = "waiting";
  private retried = false;
  /** Why closql canceled it (signal or timeout), once it did. */
  private canceledBecause: string | undefined;
  /** The cancel request on its way: the connection is not reused before it completes. */
  private cancelSent: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort: (() => void) | undefined;

  constructor(
    private readonly config: StatementConfig,
    private readonly name: string | undefined,
    private readonly maxPrepared: number,
    private readonly source: string | undefined,
    private readonly resolve: (result: pg.QueryResult<any>) => void,
    private readonly reject: (error: unknown) => void,
    options: RunOptions | undefined,
  ) {
    if (options === undefined) return;
    const { signal, timeoutMs } = options;
    if (timeoutMs !== undefined) {
      this.timer = setTimeout(() => this.cancel(`closql: canceled after its timeoutMs (${timeoutMs} ms)`), timeoutMs);
    }
    if (signal !== undefined) {
      this.signal = signal;
      this.onAbort = () => this.cancel(canceledBySignal);
      signal.addEventListener("abort", this.onAbort);
    }
  }

  /** Runs on `client` (`checkedOut`: released to the pool afterwards); `finished` is told when the client is free again. */
  start(client: pg.PoolClient, checkedOut: boolean, finished: ((error: unknown) => void) | undefined): void {
    this.client = client;
    this.checkedOut = checkedOut;
    this.finished = finished;
    if (this.state === "settled") {
      // Canceled while it waited: nothing was sent.
      this.free(undefined);
      return;
    }
    this.state = "running";
    // Like pool.query: a connection lost mid-statement is reported to the statement, and must not also
    // be an unhandled 'error' event while the client is out of the pool.
    if (checkedOut) client.on("error", ignoreClientError);
    try {
      if (this.name !== undefined) useStatement(client as unknown as PgClientInternals, this.name, this.maxPrepared);
      client.query(this.config as pg.QueryConfig, this.done);
    } catch (error) {
      this.done(error as Error);
    }
  }

  /** Could not get a connection. */
  fail(error: unknown): void {
    if (this.state === "settled") return;
    this.settle(error, undefined);
  }

  private readonly done = (error: Error | null | undefined, result?: pg.QueryResult<any>): void => {
    const client = this.client!;
    const internals = client as unknown as PgClientInternals;
    if (
      error &&
      !this.retried &&
      this.name !== undefined &&
      this.canceledBecause === undefined &&
      // A statement that fails inside a transaction aborts it: no retry can succeed there.
      internals._txStatus !== "T" &&
      internals._txStatus !== "E" &&
      isStaleStatementError(error)
    ) {
      this.retried = true;
      forgetStatement(internals, this.name);
      client.query(this.config as pg.QueryConfig, this.done);
      return;
    }
    let outcome: unknown = error ?? undefined;
    // The server's 57014 for closql's own cancel says only "canceling statement due to user request".
    if (this.canceledBecause !== undefined && (error as { code?: unknown } | null)?.code === "57014")
      outcome = queryCanceled(this.canceledBecause, this.config.text, this.source);
    const complete = (): void => {
      this.free(error ?? undefined);
      if (this.state !== "settled") this.settle(outcome, result);
    };
    if (this.cancelSent === undefined) complete();
    else void this.cancelSent.then(complete);
  };

  /** Gives the client back: to the pool, or to the transaction's queue. */
  private free(error: unknown): void {
    const client = this.client!;
    if (this.checkedOut) {
      client.removeListener("error", ignoreClientError);
      // A server error leaves the connection usable (and its statements prepared); a lost connection,
      // or a value pg could not serialize mid-message, removes it from the pool, as pool.query does.
      client.release(
        error === undefined || (isServerError(error) && !isConnectionFailure(error)) ? undefined : (error as Error),
      );
    }
    this.finished?.(error);
  }

  private settle(error: unknown, result: pg.QueryResult<any> | undefined): void {
    this.state = "settled";
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.onAbort !== undefined) this.signal!.removeEventListener("abort", this.onAbort);
    if (error !== undefined) this.reject(error);
    else this.resolve(result!);
  }

  /** Cancels on the server if running, at once if still waiting; the outcome is settled by done(). */
  private cancel(reason: string): void {
    if (this.state === "settled" || this.canceledBecause !== undefined) return;
    this.canceledBecause = reason;
    if (this.state === "waiting") {
      // Not sent yet: reject now; the connection, when it comes, goes back unused (start()).
      this.settle(queryCanceled(reason, this.config.text, this.source), undefined);
      return;
    }
    this.cancelSent = requestCancel(this.client!);
  }
}

/**
 * One client whose statements run one at a time, in the order they were issued: a transaction's
 * connection. Statements issued together (`Promise.all`) queue here rather than in pg, so each runs
 * alone on the client, which closql's prepared-statement bookkeeping and cancellation rely on.
 */
export class SerialConnection {
  private readonly waiting: Statement[] = [];
  private running = false;
  /** Set when the connection failed: the client must leave the pool. */
  lost: Error | undefined;
  /** The most recent statement error, typed (the `cause` of a TransactionAbortedError). */
  lastFailure: unknown;
  /** Savepoints created on it so far, to name the next one. */
  savepoints = 0;

  constructor(readonly client: pg.PoolClient) {
    // A connection that fails while the transaction holds it emits "error" (also between statements).
    client.on("error", this.onClientError);
  }

  /** @internal */
  enqueue(statement: Statement): void {
    if (this.running) this.waiting.push(statement);
    else this.begin(statement);
  }

  /** Returns the client to the pool, without it when the connection failed. */
  release(): void {
    this.client.removeListener("error", this.onClientError);
    this.client.release(this.lost);
  }

  private begin(statement: Statement): void {
    this.running = true;
    statement.start(this.client, false, this.next);
  }

  private readonly next = (error: unknown): void => {
    if (error !== undefined && (!isServerError(error) || isConnectionFailure(error)))
      this.lost ??= error instanceof Error ? error : new Error(String(error));
    const statement = this.waiting.shift();
    if (statement === undefined) this.running = false;
    else this.begin(statement);
  };

  private readonly onClientError = (error: Error): void => {
    this.lost ??= error;
  };
}

function ignoreClientError(): void {}
