import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";
import {
  ClosqlError,
  ConnectionTarget,
  ErrorContext,
  InvalidArgumentError,
  queryCanceled,
  toClosqlError,
  TransactionMisuseError,
} from "./errors";
import { Lane, LaneOwner, LanePool } from "./lanes";
import { Sessions } from "./session";
import { CANCELED_BY_SIGNAL, RowForm, Statement, StatementOwner, StatementResult, StatementState } from "./statement";
import { forgetStatement, isStaleStatementError } from "./statements";

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

/** Pipelining limits (`connect({ pipeline })`): connections held for it at most, statements in flight on each. */
export interface PipelineLimits {
  readonly connections: number;
  readonly depth: number;
}

/** What a query on `db` does when it runs inside one of that db's transaction callbacks. */
export type TransactionMisuse = "throw" | "warn" | "ignore";

export interface ExecutorOptions {
  /**
   * Use named prepared statements (parse/plan once per connection). Turn off behind PgBouncer in
   * transaction pooling mode, where a statement prepared on one server connection is missing on the next.
   */
  readonly prepare: boolean;
  /** Statements of the db outside transactions: pipelined over this many connections and depth, or one per connection at a time (false). */
  readonly pipeline: PipelineLimits | false;
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

/** Something that runs statements: a pool (through its sessions), or one client (e.g. inside a transaction). */
export type Queryable = Sessions | pg.PoolClient;

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

/**
 * Runs statements and turns failures into typed errors. One per connection scope: the db's (its
 * statements spread over pipelined connections, lanes.ts), a transaction level's (its one
 * connection, one statement at a time), or one client's.
 */
export class Executor implements StatementOwner {
  /** The pool (`db`'s executor), or the one client its statements run on. */
  readonly target: pg.Pool | pg.PoolClient;
  /** The db's sessions over the pool, or undefined when `target` is one client. */
  private readonly sessions: Sessions | undefined;
  /** Where the db's statements run: its lanes over the pool. */
  private readonly lanes: LanePool | undefined;
  /** Where the statements of an executor over one client run, one at a time. */
  private serial: SerialConnection | undefined;
  private readonly errors: ErrorContext;
  private readonly misuse: TransactionMisuse;
  /** Sources already warned about (`transactionMisuse: "warn"` warns once per query). */
  private warned: Set<string> | undefined;

  constructor(
    target: Queryable,
    readonly options: ExecutorOptions,
    /** Set when this executor runs one transaction level's statements: in order, on its connection. */
    readonly transaction?: ActiveTransaction,
  ) {
    if (target instanceof Sessions) {
      this.sessions = target;
      this.target = target.pool;
      const pipeline = options.pipeline;
      this.lanes = new LanePool(target, {
        // Off: every statement checks a connection out of the pool and gives it back, as pool.query does.
        connections: pipeline === false ? Infinity : pipeline.connections,
        depth: pipeline === false ? 1 : pipeline.depth,
        pipelined: pipeline !== false,
        maxPrepared: options.maxPreparedStatements,
      });
    } else {
      this.sessions = undefined;
      this.lanes = undefined;
      this.target = target;
      this.serial = transaction?.connection;
    }
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
    /** Rows as arrays, objects (undefined), or each mapped as it arrives (a compiled mapper). */
    rowMode: "array" | ((fields: any[]) => unknown) | undefined,
    closures?: QueryEvent["closures"],
    options?: RunOptions,
  ): Promise<StatementResult> {
    // Not an async function: one promise per statement on the hot path; refusals reject.
    const refused = this.refuse(text, source, options);
    if (refused !== undefined) return Promise.reject(refused);
    return this.start(
      text,
      params,
      this.options.prepare ? name : undefined,
      source,
      rowMode === undefined ? false : rowMode === "array" ? true : rowMode,
      closures,
      options,
    );
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
      if (options.signal?.aborted) return queryCanceled(CANCELED_BY_SIGNAL, text, source);
    }
    return undefined;
  }

  /** BEGIN, COMMIT, SAVEPOINT and the like: run also after the transaction's callback ended. @internal */
  control(text: string): Promise<StatementResult> {
    return this.start(text, NO_PARAMS, undefined, undefined, false, undefined, undefined);
  }

  /**
   * A client of the pool with closql's session pinned, for a transaction or a stream; connection
   * failures come typed. The caller releases it. @internal
   */
  async checkout(): Promise<pg.PoolClient> {
    if (this.sessions === undefined) throw new ClosqlError("closql: a transaction needs a pool-backed Database");
    try {
      return await this.sessions.connect();
    } catch (error) {
      throw toClosqlError(error, "", undefined, NO_PARAMS, { ...this.errors, connecting: true });
    }
  }

  /**
   * A connection of the pool held for one transaction (or a batch insert's own): its statements run
   * in the order issued, pipelined as the db's are (up to the pipeline's depth in flight; one at a
   * time with `pipeline: false`). The caller releases it. @internal
   */
  async holdConnection(): Promise<SerialConnection> {
    const client = await this.checkout();
    const pipeline = this.options.pipeline;
    return new SerialConnection(
      client,
      this.options.maxPreparedStatements,
      true,
      pipeline === false ? 1 : pipeline.depth,
    );
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

  /** Makes the statement (its values encoded: a refused value rejects before anything is sent) and hands it on. */
  private start(
    text: string,
    params: readonly unknown[],
    name: string | undefined,
    source: string | undefined,
    form: RowForm,
    closures: QueryEvent["closures"],
    options: RunOptions | undefined,
  ): Promise<StatementResult> {
    return new Promise((resolve, reject) => {
      let statement: Statement;
      try {
        statement = new Statement(this, text, params, name, source, form, closures, options, resolve, reject);
      } catch (error) {
        // closql's own refusals (a lone surrogate, an invalid Date) as they are; pg's (a value it cannot
        // serialize) typed and reported like a failed statement.
        if (error instanceof ClosqlError) reject(error);
        else this.failed(text, params, source, closures, 0, error, reject);
        return;
      }
      if (this.options.onQuery !== undefined) statement.started = performance.now();
      this.dispatch(statement);
    });
  }

  private dispatch(statement: Statement): void {
    if (this.lanes !== undefined) this.lanes.dispatch(statement);
    else
      (this.serial ??= new SerialConnection(
        this.target as pg.PoolClient,
        this.options.maxPreparedStatements,
        false,
      )).enqueue(statement);
  }

  /** The server answered `statement`: re-prepare a stale statement once, else settle it. @internal */
  answered(statement: Statement, error: unknown): void {
    const lane = statement.lane!;
    if (
      error !== undefined &&
      !statement.retried &&
      statement.name !== undefined &&
      statement.canceledBecause === undefined &&
      isStaleStatementError(error) &&
      // A statement that fails inside a transaction aborts it: no retry can succeed there.
      !inTransaction(lane)
    ) {
      statement.retried = true;
      // Closed (and forgotten) before anything else is written on the connection, so that what follows parses afresh.
      forgetStatement(lane.connection!, statement.name);
      lane.answered(statement, undefined);
      statement.resend();
      this.dispatch(statement);
      return;
    }
    lane.answered(statement, error);
    let outcome = error;
    // The server's 57014 for closql's own cancel says only "canceling statement due to user request".
    if (statement.canceledBecause !== undefined && (error as { code?: unknown } | undefined)?.code === "57014")
      outcome = queryCanceled(statement.canceledBecause, statement.text, statement.source);
    const cancelSent = statement.cancelSent;
    if (cancelSent === undefined) statement.settle(outcome);
    else void cancelSent.then(() => statement.settle(outcome));
  }

  /** No connection could be had for `statement`. @internal */
  connectFailed(statement: Statement, error: unknown): void {
    statement.settle(
      toClosqlError(error, statement.text, statement.source, NO_PARAMS, { ...this.errors, connecting: true }),
    );
  }

  /** Reports a settled statement (`onQuery`, typed errors) and resolves or rejects its caller. @internal */
  settled(statement: Statement, error: unknown): void {
    if (error !== undefined) {
      const { text, params, source, closures, started, reject } = statement;
      this.failed(text, params, source, closures, started, error, reject);
      return;
    }
    const result = statement.result();
    const onQuery = this.options.onQuery;
    if (onQuery !== undefined) {
      try {
        onQuery({
          sql: statement.text,
          params: statement.params,
          rowCount: result.rowCount ?? result.rows.length,
          durationMs: performance.now() - statement.started,
          source: statement.source,
          closures: statement.closures,
        });
      } catch (thrown) {
        statement.reject(thrown);
        return;
      }
    }
    statement.resolve(result);
  }

  private failed(
    text: string,
    params: readonly unknown[],
    source: string | undefined,
    closures: QueryEvent["closures"],
    started: number,
    error: unknown,
    reject: (error: unknown) => void,
  ): void {
    const wrapped = toClosqlError(error, text, source, params, this.errors);
    // "current transaction is aborted" (25P02) only echoes the failure that aborted it.
    if (this.transaction !== undefined && (wrapped as { code?: unknown }).code !== "25P02")
      this.transaction.connection.lastFailure = wrapped;
    const onQuery = this.options.onQuery;
    if (onQuery !== undefined) {
      try {
        onQuery({
          sql: text,
          params,
          rowCount: 0,
          durationMs: started === 0 ? 0 : performance.now() - started,
          source,
          error: wrapped,
          closures,
        });
      } catch (thrown) {
        reject(thrown);
        return;
      }
    }
    reject(wrapped);
  }
}

/** Whether the connection's last ReadyForQuery said "in a transaction" (T) or "in a failed one" (E). */
function inTransaction(lane: Lane): boolean {
  const status = (lane.client as unknown as { _txStatus?: string | null })._txStatus;
  return status === "T" || status === "E";
}

const NO_PARAMS: readonly unknown[] = [];

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
 * One client whose statements run in the order they were issued: a transaction's connection, or the
 * one client an executor was made over. With `depth` above 1 (a connection closql holds, in pg's
 * pipeline mode while it does) up to `depth` are in flight at once, each with its own Sync: inside
 * a transaction block a Sync commits nothing, and a failed statement makes those behind it fail
 * with 25P02 as they would have one at a time. The rest queue here rather than in pg. A cancelable
 * statement (a signal or timeout) is the last one sent until it is answered, as on the db's lanes,
 * so that a cancel request can only hit it.
 */
export class SerialConnection implements LaneOwner {
  private readonly lane: Lane;
  private readonly waiting: Statement[] = [];
  /** The most recent statement error, typed (the `cause` of a TransactionAbortedError). */
  lastFailure: unknown;
  /** Savepoints created on it so far, to name the next one. */
  savepoints = 0;

  constructor(
    readonly client: pg.PoolClient,
    maxPreparedStatements: number,
    /** Listen for the connection's failure (a transaction's, which it releases); false for a client its holder watches. */
    watchErrors = true,
    /** Statements in flight at most; above 1 only on a connection closql holds and releases. */
    private readonly depth = 1,
  ) {
    this.lane = new Lane(this, depth > 1, maxPreparedStatements);
    this.lane.attach(client, undefined, watchErrors);
  }

  /** Set when the connection failed: the client must leave the pool. */
  get lost(): Error | undefined {
    return this.lane.lost;
  }

  /** @internal */
  enqueue(statement: Statement): void {
    if (this.waiting.length === 0 && this.lane.takesAnother(this.depth)) this.lane.send(statement);
    else this.waiting.push(statement);
  }

  /** @internal */
  freed(lane: Lane): void {
    // Also on a lost connection: pg fails what is sent there at once, with the reason.
    while (this.waiting.length > 0 && lane.takesAnother(this.depth)) {
      const statement = this.waiting.shift()!;
      if (statement.state === StatementState.Waiting) lane.send(statement);
    }
  }

  /** Returns the client to the pool, without it when the connection failed. */
  release(): void {
    this.lane.release();
  }
}
