import { randomBytes } from "node:crypto";
import { after, before } from "node:test";
import pg from "pg";
import { AnyTable, columnName, connect, Database, QueryEvent, quoteIdent, renderDdl, Schema } from "closql";

/** The server every test file uses: DATABASE_URL (set by test/run.js when it starts embedded PGlite). */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error("DATABASE_URL is not set: run the tests with `npm test`, which starts embedded PGlite when needed");
  return url;
}

export interface TestDatabase<S extends Schema> {
  readonly db: Database<S>;
  /** Every statement run so far, newest last. */
  readonly events: QueryEvent[];
  /** The last statement's event. */
  last(): QueryEvent;
  /** Name of this test's own PostgreSQL schema (namespace). */
  readonly namespace: string;
  /** Inserts rows given as the TypeScript row objects (keys by property name). */
  seed<T extends AnyTable>(table: T, rows: readonly Partial<T["$row"]>[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Creates a fresh PostgreSQL schema (namespace), creates the tables of `schema` in it with
 * renderDdl, and connects with search_path pointing there. close() drops everything.
 */
export async function openTestDatabase<S extends Schema>(
  schema: S,
  options: { prepare?: boolean } = {},
): Promise<TestDatabase<S>> {
  const namespace = `t_${randomBytes(5).toString("hex")}`;
  const embedded = process.env.CLOSQL_EMBEDDED === "1";
  const pool = new pg.Pool({
    connectionString: databaseUrl(),
    max: embedded ? 1 : 4,
    options: `-c search_path=${namespace}`,
  });
  const events: QueryEvent[] = [];
  const db = connect({ schema, pool, prepare: options.prepare, onQuery: (e) => events.push(e) });
  // PGlite is one session behind every connection: statements prepared through an earlier pool are
  // still there, unknown to this pool's per-connection cache.
  if (embedded) await db.execute("DEALLOCATE ALL");
  await db.execute(`CREATE SCHEMA ${namespace}`);
  // PGlite is one session shared by every connection: set the path on it explicitly too.
  await db.execute(`SET search_path TO ${namespace}`);
  for (const statement of renderDdl(schema)) await db.execute(statement);
  return {
    db,
    events,
    namespace,
    last: () => events[events.length - 1],
    async seed(table, rows) {
      if (rows.length === 0) return;
      const cols = Object.entries(table.$columns as Record<string, { config: { sqlType: string } }>);
      const records = rows.map((row) => {
        const record: Record<string, unknown> = {};
        for (const [key, col] of cols) {
          if (!(key in row)) continue;
          record[columnName(col as never)] = toJson((row as Record<string, unknown>)[key], col.config.sqlType);
        }
        return record;
      });
      const name = quoteIdent(table.$name);
      await pool.query(`INSERT INTO ${name} SELECT * FROM jsonb_populate_recordset(NULL::${name}, $1::jsonb)`, [
        JSON.stringify(records),
      ]);
    },
    async close() {
      await db.execute(`DROP SCHEMA ${namespace} CASCADE`);
      await pool.end();
    },
  };
}

function toJson(value: unknown, sqlType: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  // JSON.stringify(-0) is "0": send it as text so the row keeps its sign.
  if (typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0)))
    return Object.is(value, -0) ? "-0" : String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString("hex")}`;
  if (Array.isArray(value) && sqlType === "bigint[]") return value.map((v) => (v === null ? null : String(v)));
  return value;
}

/**
 * For a test file or describe block: opens a test database with `schema`, seeds `rows` into `table`
 * before its tests and drops everything after them. The handle reads the current database lazily.
 */
export function useSeededDatabase<S extends Schema, T extends AnyTable>(
  schema: S,
  table: T,
  rows: readonly Partial<T["$row"]>[],
): TestDatabase<S> {
  let current: TestDatabase<S> | undefined;
  before(async () => {
    current = await openTestDatabase(schema);
    await current.seed(table, rows);
  });
  after(() => current?.close());
  const get = () => {
    if (!current) throw new Error("useSeededDatabase: used outside a test");
    return current;
  };
  return {
    get db() {
      return get().db;
    },
    get events() {
      return get().events;
    },
    get namespace() {
      return get().namespace;
    },
    last: () => get().last(),
    seed: (tbl, r) => get().seed(tbl, r),
    close: () => get().close(),
  };
}
