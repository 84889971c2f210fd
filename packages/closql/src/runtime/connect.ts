import pg from "pg";
import type { AnyTable } from "../schema/table";
import type { RelationsOf, Schema } from "../schema/relations";
import { ConnectionTarget, InvalidArgumentError, TransactionMisuseError } from "./errors";
import { assertCompiledBuild } from "./build";
import {
  Executor,
  ExecutorOptions,
  PipelineLimits,
  QueryEvent,
  TransactionMisuse,
  transactionContext,
} from "./executor";
import { TableQuery } from "./query";
import { RawSql, rawSql } from "./raw-sql";
import { checkChannel, Listener, ListenOptions, NOTIFY_SQL, NotificationHandler } from "./listen";
import { Sessions, startupOptions } from "./session";
import { DEFAULT_MAX_PREPARED_STATEMENTS } from "./statements";
import { savepoint, transaction, TransactionHost, TransactionOptions } from "./transaction";

export interface ConnectOptions<S extends Schema> {
  readonly schema: S;
  /**
   * A connection string; closql then owns the pool and `close()` ends it. `undefined` is accepted (so
   * `url: process.env.DATABASE_URL` type-checks under `exactOptionalPropertyTypes`), and fails at
   * connect() unless `pool` is given.
   */
  readonly url?: string | undefined;
  /** Or a pool you own (closql never ends it). */
  readonly pool?: pg.Pool | undefined;
  /** Connections of the pool closql creates from `url` (default 10). */
  readonly poolSize?: number | undefined;
  /**
   * With `url`: how long a statement or transaction waits for a free connection (or for a new one to
   * be established) before failing with `PoolTimeoutError` (resp. `ConnectionError`). Default: no
   * limit. With `pool`, set the pool's own `connectionTimeoutMillis`: closql types its errors the same.
   */
  readonly connectionTimeoutMs?: number | undefined;
  /**
   * PostgreSQL `statement_timeout` for every statement closql runs: one running longer is canceled
   * by the server and fails with `QueryCanceled`. Set on each connection before closql's first
   * statement there (also on a pool you pass in). Default: the server's (normally none).
   */
  readonly statementTimeoutMs?: number | undefined;
  /** Called after every statement: logging, tracing, counting queries in tests. */
  readonly onQuery?: ((event: QueryEvent) => void) | undefined;
  /**
   * Named prepared statements (default true: closql's SQL is constant, so each statement is parsed
   * and planned once per connection). Set false behind PgBouncer in transaction pooling mode.
   * A statement the server dropped (`DEALLOCATE ALL`, `DISCARD ALL`) or whose result type changed
   * (the schema was recreated, a column ALTERed) is re-prepared once, transparently, on the same connection.
   */
  readonly prepare?: boolean | undefined;
  /**
   * Pipelining of the statements run on `db` outside transactions (default on): they are spread over
   * at most `connections` connections of the pool (default {@link DEFAULT_PIPELINE_CONNECTIONS}, and
   * at most half the pool), each keeping up to `depth` statements in flight (default
   * {@link DEFAULT_PIPELINE_DEPTH}) instead of waiting for each reply. Each statement has its own
   * Sync, so an error fails only that statement. Transactions, streams and `listen` always get a
   * connection of their own. `false`: one statement per connection at a time, each checked out of
   * the pool and given back (pg's `pool.query`); use it when statements routinely wait on locks or
   * run long, since a pipelined statement waits for those sent before it on its connection.
   */
  readonly pipeline?: boolean | { readonly connections?: number; readonly depth?: number } | undefined;
  /**
   * Behind PgBouncer in transaction pooling mode, where consecutive statements of one client may run
   * on different server sessions: no named prepared statements (`prepare: false`), no pipelining, and
   * the session settings sent as `SET` (PgBouncer tracks DateStyle) rather than as startup options
   * (PgBouncer refuses those). `statementTimeoutMs` is refused: a `SET statement_timeout` would not
   * follow the client; set it on the role or use PgBouncer's `query_timeout`.
   */
  readonly pgbouncer?: boolean | undefined;
  /**
   * At most this many of closql's named statements per connection (default 1000); beyond it the least
   * recently used is deallocated. Matters for chains built across `if`s, whose texts vary.
   */
  readonly maxPreparedStatements?: number | undefined;
  /**
   * Error messages never hold the statement's values (default true): a server message quoting a
   * bound value has it replaced with `…`, and the server's `detail` (`Key (email)=(…) already
   * exists.`) stays in the error's `detail` property. `false` (for development) keeps the server's
   * message as it is and appends the detail.
   */
  readonly redactErrors?: boolean | undefined;
  /**
   * What a query on `db` (or `db.transaction`) does when it runs inside a `db.transaction` callback,
   * where `tx` was almost certainly meant: `"throw"` a `TransactionMisuseError`, `"warn"` once per
   * query location (`process.emitWarning`), or `"ignore"`. Default `"throw"`, and `"ignore"` when
   * `NODE_ENV` is `production`: detection follows each transaction callback with Node's
   * AsyncLocalStorage, which, once entered, makes every promise of the process a little slower
   * (about 1 µs per statement measured on Node 20). Wrap the legitimate cases in `db.outsideTransaction`.
   */
  readonly transactionMisuse?: TransactionMisuse | undefined;
  /**
   * Check, before the first connection, that this program was built with closql's transform (default
   * true): a build that forgot it fails with `UncompiledQueryError` naming the fix for the host in use,
   * before any statement (DDL, `db.sql`) is sent. Set false in a program that is not built with the
   * transform and only runs raw SQL (`db.sql`, `db.execute`).
   */
  readonly checkBuild?: boolean | undefined;
  /** `db.listen`'s connection: `onReconnect` (re-read what missed notifications stood for), `onError`, backoff. */
  readonly listen?: Omit<ListenOptions, "run" | "beforeConnect"> | undefined;
}

/**
 * What `connect()` returns, and what a transaction callback receives as `tx`. The transformer folds a
 * chain into one constant statement only when its root is written `db.<table>` on this type (a
 * phantom brand marks it), as only then is its whole history known; a query reached any other way
 * composes at run time from precompiled fragments.
 */
export type Database<S extends Schema> = {
  readonly [K in keyof S["tables"]]: TableQuery<S["tables"][K], RelationsOf<S, K>>;
} & DatabaseMethods<S> & {
    /** Phantom: how the transformer recognizes closql's Database. */
    readonly $closqlDatabase: true;
  };

export interface DatabaseMethods<S extends Schema = Schema> {
  /**
   * Raw SQL escape hatch: ``db.sql<Row>`SELECT … WHERE id = ${id}` ``. Interpolated values are always
   * bound as parameters, never spliced into the text, except identifiers made with
   * `db.sql.identifier(name)`, spliced quoted. Rows come back as pg returns them (column names as keys).
   */
  readonly sql: RawSql;
  /**
   * Runs SQL text as it is, e.g. the statements of `renderDdl(schema)` or a migration. Never build
   * this text from input: use `db.sql` for anything with values.
   */
  execute(text: string): Promise<void>;
  /**
   * Runs `fn` in a transaction on one connection: every query on `tx` (same API as `db`) runs in it.
   * Commits when `fn`'s promise resolves (to its value), rolls back when it rejects (rethrowing its
   * error). On a `tx`, a nested call is a SAVEPOINT: rolled back to on throw, keeping the outer work.
   * Options (outermost level only): `isolationLevel`, `accessMode`, `deferrable`, `retry`.
   */
  transaction<T>(fn: (tx: Database<S>) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs `fn` as if no transaction callback were running: queries on `db` inside it are the
   * deliberate kind (an audit record that must survive a rollback), not the misuse
   * `connect({ transactionMisuse })` reports.
   */
  outsideTransaction<T>(fn: () => T): T;
  /**
   * Calls `handler` with the payload of every notification on `channel` (exact case), on one
   * dedicated connection that re-listens by itself after it drops. Resolves, once the server listens,
   * to the function that stops this handler.
   */
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  /** `pg_notify(channel, payload)`; on a `tx`, delivered when the transaction commits. */
  notify(channel: string, payload?: string): Promise<void>;
  /** Ends the listening connection, and the pool if closql created it from `url`. On a `tx`, throws: a transaction ends with its callback. */
  close(): Promise<void>;
  /** The underlying pool. */
  readonly pool: pg.Pool;
}

export function connect<S extends Schema>(options: ConnectOptions<S>): Database<S> {
  if (!options.pool && !options.url)
    throw new InvalidArgumentError(
      `closql: connect() needs { url } or { pool }${"url" in options ? ", and got url: undefined (is DATABASE_URL set?)" : ""}`,
    );
  const maxPreparedStatements = options.maxPreparedStatements ?? DEFAULT_MAX_PREPARED_STATEMENTS;
  if (!Number.isSafeInteger(maxPreparedStatements) || maxPreparedStatements < 1)
    throw new InvalidArgumentError(`closql: connect() needs maxPreparedStatements ≥ 1, got ${maxPreparedStatements}`);
  const { connectionTimeoutMs, statementTimeoutMs } = options;
  if (connectionTimeoutMs !== undefined) {
    if (options.pool)
      throw new InvalidArgumentError(
        "closql: connectionTimeoutMs applies to the pool closql creates from `url`: set connectionTimeoutMillis on your pool",
      );
    if (!Number.isSafeInteger(connectionTimeoutMs) || connectionTimeoutMs < 1)
      throw new InvalidArgumentError(
        `closql: connectionTimeoutMs must be a positive integer, got ${connectionTimeoutMs}`,
      );
  }
  if (
    statementTimeoutMs !== undefined &&
    (!Number.isSafeInteger(statementTimeoutMs) || statementTimeoutMs < 0 || statementTimeoutMs >= 2 ** 31)
  )
    throw new InvalidArgumentError(
      `closql: statementTimeoutMs must be an integer in [0, 2^31) (0: none), got ${statementTimeoutMs}`,
    );
  const misuse = options.transactionMisuse ?? (process.env.NODE_ENV === "production" ? "ignore" : "throw");
  if (!["throw", "warn", "ignore"].includes(misuse))
    throw new InvalidArgumentError(
      `closql: transactionMisuse must be "throw", "warn" or "ignore", got ${String(misuse)}`,
    );

  const pgbouncer = options.pgbouncer === true;
  if (pgbouncer) {
    if (options.prepare === true)
      throw new InvalidArgumentError("closql: pgbouncer: true runs unnamed statements; it cannot take prepare: true");
    if (options.pipeline !== undefined && options.pipeline !== false)
      throw new InvalidArgumentError(
        "closql: pgbouncer: true runs one statement per connection at a time; it cannot take pipeline",
      );
    if (statementTimeoutMs !== undefined)
      throw new InvalidArgumentError(
        "closql: statementTimeoutMs is a session setting, which does not follow a client behind PgBouncer's transaction pooling: set statement_timeout on the role, or PgBouncer's query_timeout",
      );
  }
  const poolSize = options.poolSize ?? 10;
  // A pool closql creates starts every session with its settings (no round trip to pin them), merged
  // with options the URL or PGOPTIONS give (the later -c wins).
  const startup =
    options.pool || pgbouncer ? undefined : startupConfig(options.url!, startupOptions({ statementTimeoutMs }));
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: startup?.url ?? options.url,
      options: startup?.options,
      max: poolSize,
      connectionTimeoutMillis: connectionTimeoutMs,
    });
  const ownsPool = !options.pool;
  const pipeline = pgbouncer
    ? false
    : pipelineLimits(options.pipeline, options.pool ? poolMax(options.pool) : poolSize);
  // pg-pool emits "error" on the pool when an idle connection fails (server restarted, backend
  // terminated); unheard, that event would crash the process. pg-pool has already dropped the
  // connection and the next statement gets a new one: nothing is left to do. (A pool you pass in is
  // yours to listen on.)
  if (ownsPool) pool.on("error", ignorePoolError);
  // Statements run on sessions with the settings closql depends on pinned (session.ts).
  // A build that forgot the transform fails before closql first connects, not at its first query.
  let buildChecked = options.checkBuild === false;
  const checkBuild = () => {
    if (!buildChecked) assertCompiledBuild();
    buildChecked = true;
  };
  const sessions = new Sessions(pool, { statementTimeoutMs }, checkBuild, startup !== undefined);
  const executor = new Executor(sessions, {
    prepare: options.prepare ?? !pgbouncer,
    pipeline,
    maxPreparedStatements,
    onQuery: options.onQuery,
    target: connectionTarget(pool),
    revealErrorValues: options.redactErrors === false,
    transactionMisuse: misuse,
  } satisfies ExecutorOptions);

  const listener = new Listener(pool, {
    ...options.listen,
    beforeConnect: checkBuild,
    run: (text, params) => executor.run(text, params, undefined, undefined, undefined),
  });
  const host: TransactionHost<Database<S>> = {
    root: executor,
    database: (txExecutor) =>
      database(
        options.schema,
        txExecutor,
        pool,
        {
          transaction: (fn, txOptions) => savepoint(host, txExecutor.transaction!, fn, txOptions),
          close: async () => {
            throw new TransactionMisuseError(
              "closql: close() on a `tx`: a transaction ends when its callback returns (commit) or throws (rollback); close the `db`.",
            );
          },
        },
        listener,
      ),
  };
  return database(
    options.schema,
    executor,
    pool,
    {
      transaction: (fn, txOptions) => transaction(host, fn, txOptions),
      close: async () => {
        await listener.close();
        if (ownsPool) await pool.end();
      },
    },
    listener,
  );
}

function ignorePoolError(): void {}

/**
 * Connections pipelined over at most by default. Measured with bench/src/northwind.ts (bench/RESULTS.md):
 * 200 concurrent lookups over a pool of 10 on 2 cores.
 */
export const DEFAULT_PIPELINE_CONNECTIONS = 4;
/** Statements in flight per pipelined connection by default (the same measurement). */
export const DEFAULT_PIPELINE_DEPTH = 32;

function pipelineLimits(option: ConnectOptions<Schema>["pipeline"], poolMax: number): PipelineLimits | false {
  if (option === false) return false;
  if (option !== undefined && option !== true && (typeof option !== "object" || option === null))
    throw new InvalidArgumentError(
      `closql: pipeline must be a boolean or { connections, depth }, got ${String(option)}`,
    );
  const given = typeof option === "object" ? option : {};
  for (const key of ["connections", "depth"] as const) {
    const value = given[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1))
      throw new InvalidArgumentError(`closql: pipeline.${key} must be an integer ≥ 1, got ${String(value)}`);
  }
  return {
    // Half the pool at most by default: the rest stays for transactions and streams under load.
    connections: given.connections ?? Math.max(1, Math.min(DEFAULT_PIPELINE_CONNECTIONS, Math.floor(poolMax / 2))),
    depth: given.depth ?? DEFAULT_PIPELINE_DEPTH,
  };
}

/** The size of a pool the user passed in (pg-pool's `max`, 10 unless set). */
function poolMax(pool: pg.Pool): number {
  const max = (pool as { options?: { max?: unknown } }).options?.max;
  return typeof max === "number" && max > 0 ? max : 10;
}

/**
 * The pool's startup `options`: the URL's own (else PGOPTIONS, as pg reads them), then closql's. pg
 * lets a URL's `options` override the config's, so it moves from the URL into the config. A URL that
 * does not parse as one is left to pg, and closql pins its settings with SET instead (undefined).
 */
function startupConfig(url: string, pin: string): { url: string; options: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const own = parsed.searchParams.get("options");
  if (own === null) return { url, options: [process.env.PGOPTIONS, pin].filter(Boolean).join(" ") };
  parsed.searchParams.delete("options");
  return { url: parsed.toString(), options: `${own} ${pin}` };
}

/**
 * The query root of each table, over `executor`: `db.users`, `tx.users`. The one place a Database's
 * tables are built, for `db` and for every `tx` alike.
 */
export function tableRoots(schema: Schema, executor: Executor): Record<string, unknown> {
  const roots: Record<string, unknown> = {};
  for (const [key, table] of Object.entries(schema.tables)) roots[key] = new TableQuery(executor, table.$name);
  return roots;
}

/** A Database (`db` or a `tx`) over `executor`: the table roots and the methods. */
function database<S extends Schema>(
  schema: S,
  executor: Executor,
  pool: pg.Pool,
  level: Pick<DatabaseMethods<S>, "transaction" | "close">,
  listener: Listener,
): Database<S> {
  const methods: DatabaseMethods<S> = {
    pool,
    sql: rawSql(executor),
    async execute(text: string) {
      await executor.run(text, [], undefined, undefined, undefined);
    },
    transaction: level.transaction,
    outsideTransaction: (fn) => transactionContext.exit(fn),
    listen: (channel, handler) => listener.listen(channel, handler),
    // On this executor: inside a transaction the notification is part of it (sent at commit).
    notify: async (channel, payload = "") => {
      checkChannel(channel);
      if (typeof payload !== "string") throw new InvalidArgumentError("closql: notify() needs a string payload");
      await executor.run(NOTIFY_SQL, [channel, payload], undefined, undefined, undefined);
    },
    close: level.close,
  };
  return Object.assign(tableRoots(schema, executor), methods) as unknown as Database<S>;
}

/**
 * Where `pool` connects, for `ConnectionError` messages: read once, when an error first needs it,
 * from pg's own resolution of the pool's options (connection string, `PG*` variables, defaults).
 * The password is never read.
 */
function connectionTarget(pool: pg.Pool): () => ConnectionTarget {
  let target: ConnectionTarget | undefined;
  return () => {
    if (target === undefined) {
      try {
        // Constructing a Client only parses its options: nothing connects.
        const client = new pg.Client({ ...(pool as { options?: pg.PoolConfig }).options });
        target = { host: client.host, port: client.port, database: client.database, user: client.user };
      } catch {
        target = { host: undefined, port: undefined, database: undefined, user: undefined };
      }
    }
    return target;
  };
}
