import {
  DeadlockDetected,
  InvalidArgumentError,
  SerializationFailure,
  TransactionAbortedError,
  TransactionMisuseError,
} from "./errors";
import { ActiveTransaction, Executor, SerialConnection, transactionContext } from "./executor";

/** Options of `db.transaction(fn, options)` (the outermost level; a nested transaction takes none). */
export interface TransactionOptions {
  /** `BEGIN ISOLATION LEVEL …`; default: the server's `default_transaction_isolation` (normally read committed). */
  readonly isolationLevel?: "read committed" | "repeatable read" | "serializable";
  /** `"read only"`: any write in the transaction fails (SQLSTATE 25006). */
  readonly accessMode?: "read only" | "read write";
  /** With `serializable` and `read only`: wait for a snapshot that can never fail to serialize. */
  readonly deferrable?: boolean;
  /**
   * Re-run the whole callback (in a new transaction) when it fails with `SerializationFailure`
   * (40001) or `DeadlockDetected` (40P01), after a jittered exponential backoff. Off by default:
   * the callback must be safe to run again (no side effects outside the database).
   * `true` = `{ maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 1000 }`.
   */
  readonly retry?: boolean | RetryOptions;
}

export interface RetryOptions {
  /** How many times the callback may run in all, the first included (default 5). */
  readonly maxAttempts?: number;
  /** The wait before the n-th retry is random in [0, min(maxDelayMs, baseDelayMs · 2ⁿ⁻¹)] ms ("full jitter"). Default 10. */
  readonly baseDelayMs?: number;
  /** Default 1000. */
  readonly maxDelayMs?: number;
}

const ISOLATION_LEVELS = ["read committed", "repeatable read", "serializable"] as const;
const ACCESS_MODES = ["read only", "read write"] as const;
const DEFAULT_RETRY: Required<RetryOptions> = { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 1000 };

/** One transaction level: the outermost BEGIN, or a SAVEPOINT inside it. */
class TransactionLevel implements ActiveTransaction {
  open = true;
  /** The nested level open on it, if any: savepoints on one connection nest, they cannot run side by side. */
  child: TransactionLevel | undefined;

  constructor(
    readonly root: Executor,
    readonly connection: SerialConnection,
  ) {}
}

/** What a transaction needs of the Database it is started on. */
export interface TransactionHost<D> {
  /** The db's executor over the pool. */
  readonly root: Executor;
  /** The `tx` handed to a callback: the same Database over `executor`. */
  readonly database: (executor: Executor) => D;
}

/**
 * `db.transaction(fn, options)`: BEGIN on a connection of its own, `fn(tx)`, COMMIT on return
 * (resolving to what `fn` returned), ROLLBACK on throw (rethrowing what `fn` threw). With `retry`,
 * a serialization failure or deadlock re-runs it all.
 */
export async function transaction<D, T>(
  host: TransactionHost<D>,
  fn: (tx: D) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (host.root.detectsMisuse) host.root.checkNotInTransaction(undefined, "transaction");
  const begin = beginStatement(options);
  const retry = retryPolicy(options.retry);
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptTransaction(host, begin, fn);
    } catch (error) {
      // Also when the callback caught the failure and returned: the transaction could only roll back.
      const failure = error instanceof TransactionAbortedError ? error.cause : error;
      const retryable = failure instanceof SerializationFailure || failure instanceof DeadlockDetected;
      if (!retryable || attempt >= retry.maxAttempts) throw error;
      const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}

async function attemptTransaction<D, T>(
  host: TransactionHost<D>,
  begin: string,
  fn: (tx: D) => Promise<T>,
): Promise<T> {
  const connection = await host.root.holdConnection();
  const level = new TransactionLevel(host.root, connection);
  const executor = new Executor(connection.client, host.root.options, level);
  try {
    await executor.control(begin);
    let result: T;
    try {
      result = await callback(host, level, fn, executor);
    } finally {
      level.open = false;
    }
    const commit = await executor.control("COMMIT");
    // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK, not an error.
    if (commit.command === "ROLLBACK") throw aborted(connection);
    return result;
  } catch (error) {
    // After a failed COMMIT the transaction is already over; ROLLBACK then only warns.
    if (connection.lost === undefined) await executor.control("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    connection.release();
  }
}

/** `tx.transaction(fn)`: a SAVEPOINT, released on return, rolled back to on throw (the outer work stays). */
export async function savepoint<D, T>(
  host: TransactionHost<D>,
  parent: ActiveTransaction,
  fn: (tx: D) => Promise<T>,
  options: TransactionOptions | undefined,
): Promise<T> {
  const outer = parent as TransactionLevel;
  if (options !== undefined && Object.values(options).some((v) => v !== undefined))
    throw new TransactionMisuseError(
      "closql: a nested transaction (a savepoint) takes no options: isolation level, access mode, deferrable and retry apply to the outermost `db.transaction`.",
    );
  if (!outer.open)
    throw new TransactionMisuseError(
      "closql: `tx.transaction` ran after the callback of `tx` had finished: the transaction is over.",
    );
  if (outer.child !== undefined)
    throw new TransactionMisuseError(
      "closql: two nested transactions ran at once on one `tx`: savepoints on one connection nest, they cannot run side by side. Await one before starting the next (and inside a nested callback, use its own `tx`).",
    );
  const connection = outer.connection;
  const name = `closql_savepoint_${++connection.savepoints}`;
  const level = new TransactionLevel(outer.root, connection);
  const executor = new Executor(connection.client, outer.root.options, level);
  outer.child = level;
  try {
    await executor.control(`SAVEPOINT ${name}`);
    let result: T;
    try {
      result = await callback(host, level, fn, executor);
    } catch (error) {
      level.open = false;
      if (connection.lost === undefined)
        await executor.control(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`).catch(() => {});
      throw error;
    }
    level.open = false;
    try {
      await executor.control(`RELEASE SAVEPOINT ${name}`);
    } catch (error) {
      // in_failed_sql_transaction: a statement in the savepoint failed and the callback caught it.
      if ((error as { code?: unknown }).code !== "25P02") throw error;
      await executor.control(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`);
      throw aborted(connection);
    }
    return result;
  } finally {
    level.open = false;
    outer.child = undefined;
  }
}

/** Runs the callback with `level` as the current transaction (for misuse detection, when it is on). */
function callback<D, T>(
  host: TransactionHost<D>,
  level: TransactionLevel,
  fn: (tx: D) => Promise<T>,
  executor: Executor,
) {
  const tx = host.database(executor);
  return host.root.detectsMisuse ? transactionContext.run(level, fn, tx) : fn(tx);
}

function aborted(connection: SerialConnection): TransactionAbortedError {
  return new TransactionAbortedError(
    "closql: the transaction callback returned, but a statement in it had failed (its error was caught), so PostgreSQL could only roll it back: nothing was committed. `cause` is the statement's error.",
    { cause: connection.lastFailure },
  );
}

/** The BEGIN for `options`, which are checked against closed lists: they become SQL text. */
function beginStatement(options: TransactionOptions): string {
  const modes: string[] = [];
  const { isolationLevel, accessMode, deferrable } = options;
  if (isolationLevel !== undefined) {
    if (!ISOLATION_LEVELS.includes(isolationLevel))
      throw new InvalidArgumentError(
        `closql: isolationLevel must be one of ${ISOLATION_LEVELS.join(", ")}; got ${String(isolationLevel)}`,
      );
    modes.push(`ISOLATION LEVEL ${isolationLevel.toUpperCase()}`);
  }
  if (accessMode !== undefined) {
    if (!ACCESS_MODES.includes(accessMode))
      throw new InvalidArgumentError(
        `closql: accessMode must be "read only" or "read write"; got ${String(accessMode)}`,
      );
    modes.push(accessMode.toUpperCase());
  }
  if (deferrable !== undefined) {
    if (typeof deferrable !== "boolean") throw new InvalidArgumentError(`closql: deferrable must be a boolean`);
    modes.push(deferrable ? "DEFERRABLE" : "NOT DEFERRABLE");
  }
  return modes.length === 0 ? "BEGIN" : `BEGIN ${modes.join(", ")}`;
}

function retryPolicy(retry: TransactionOptions["retry"]): Required<RetryOptions> {
  if (retry === undefined || retry === false) return { ...DEFAULT_RETRY, maxAttempts: 1 };
  if (retry === true) return DEFAULT_RETRY;
  const policy = { ...DEFAULT_RETRY, ...retry };
  if (!Number.isSafeInteger(policy.maxAttempts) || policy.maxAttempts < 1)
    throw new InvalidArgumentError(
      `closql: retry.maxAttempts must be an integer ≥ 1; got ${String(policy.maxAttempts)}`,
    );
  for (const key of ["baseDelayMs", "maxDelayMs"] as const)
    if (!(policy[key] >= 0 && Number.isFinite(policy[key])))
      throw new InvalidArgumentError(`closql: retry.${key} must be a number ≥ 0; got ${String(policy[key])}`);
  return policy;
}
