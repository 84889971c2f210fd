import pg from "pg";
import type { AnyTable } from "../schema/table";
import type { Schema } from "../schema/relations";
import { Executor, QueryEvent } from "./executor";
import { TableQuery } from "./query";
import { RawSql, rawSql } from "./raw-sql";
import { pinnedSessions } from "./session";
import { DEFAULT_MAX_PREPARED_STATEMENTS } from "./statements";

export interface ConnectOptions<S extends Schema> {
  readonly schema: S;
  /** A connection string; closql then owns the pool and `close()` ends it. */
  readonly url?: string;
  /** Or a pool you own (closql never ends it). */
  readonly pool?: pg.Pool;
  /** Connections of the pool closql creates from `url` (default 10). */
  readonly poolSize?: number;
  /** Called after every statement: logging, tracing, counting queries in tests. */
  readonly onQuery?: (event: QueryEvent) => void;
  /**
   * Named prepared statements (default true: closql's SQL is constant, so each statement is parsed
   * and planned once per connection). Set false behind PgBouncer in transaction pooling mode.
   * A statement the server dropped (`DEALLOCATE ALL`, `DISCARD ALL`) or whose result type changed
   * (the schema was recreated, a column ALTERed) is re-prepared once, transparently, on the same connection.
   */
  readonly prepare?: boolean;
  /**
   * At most this many of closql's named statements per connection (default 1000); beyond it the least
   * recently used is deallocated. Matters for chains built across `if`s, whose texts vary.
   */
  readonly maxPreparedStatements?: number;
}

/**
 * What `connect()` returns. The transformer folds a chain into one constant statement only when its
 * root is written `db.<table>` on this type (a phantom brand marks it), as only then is its whole
 * history known; a query reached any other way composes at run time from precompiled fragments.
 */
export type Database<S extends Schema> = {
  readonly [K in keyof S["tables"]]: TableQuery<S["tables"][K]>;
} & DatabaseMethods & {
    /** Phantom: how the transformer recognizes closql's Database. */
    readonly $closqlDatabase: true;
  };

export interface DatabaseMethods {
  /**
   * Raw SQL escape hatch: ``db.sql<Row>`SELECT … WHERE id = ${id}` ``. Interpolated values are always
   * bound as parameters, never spliced into the text. Rows come back as pg returns them (column names as keys).
   */
  readonly sql: RawSql;
  /**
   * Runs SQL text as it is, e.g. the statements of `renderDdl(schema)` or a migration. Never build
   * this text from input: use `db.sql` for anything with values.
   */
  execute(text: string): Promise<void>;
  /** Ends the pool if closql created it from `url`. */
  close(): Promise<void>;
  /** The underlying pool. */
  readonly pool: pg.Pool;
}

export function connect<S extends Schema>(options: ConnectOptions<S>): Database<S> {
  if (!options.pool && !options.url) throw new TypeError("closql: connect() needs { url } or { pool }");
  const pool = options.pool ?? new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  const ownsPool = !options.pool;
  const maxPreparedStatements = options.maxPreparedStatements ?? DEFAULT_MAX_PREPARED_STATEMENTS;
  if (!Number.isSafeInteger(maxPreparedStatements) || maxPreparedStatements < 1)
    throw new TypeError(`closql: connect() needs maxPreparedStatements ≥ 1, got ${maxPreparedStatements}`);
  // Statements run on sessions with the settings closql depends on pinned (session.ts).
  const executor = new Executor(pinnedSessions(pool), {
    prepare: options.prepare ?? true,
    maxPreparedStatements,
    onQuery: options.onQuery,
  });
  const db: Record<string, unknown> = {};
  for (const [key, table] of Object.entries(options.schema.tables)) db[key] = new TableQuery(executor, table.$name);
  const methods: DatabaseMethods = {
    pool,
    sql: rawSql(executor),
    async execute(text: string) {
      await executor.run(text, [], undefined, undefined, undefined);
    },
    async close() {
      if (ownsPool) await pool.end();
    },
  };
  return Object.assign(db, methods) as unknown as Database<S>;
}
