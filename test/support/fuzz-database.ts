import { randomBytes } from "node:crypto";
import pg from "pg";
import { columnName, connect, Database, QueryEvent, quoteIdent, renderDdl } from "closql";
import { databaseUrl } from "./database";
import { fuzzSchema, fz, Fz, J_RAW } from "./fuzz-schema";

/**
 * The fuzzer's own test database: like openTestDatabase, plus what the fuzzer needs beyond it —
 * session settings applied to every connection (TimeZone, DateStyle), another database (a non-C
 * collation), direct access to the pool (to PREPARE statements on one connection), and raw JSONB
 * seeding (documents such as `{"x": 1e400}` that no JavaScript value serializes to).
 */
export interface FuzzDatabase {
  readonly db: Database<typeof fuzzSchema>;
  readonly events: QueryEvent[];
  last(): QueryEvent;
  readonly namespace: string;
  readonly pool: pg.Pool;
  /** PREPAREs `sql` on one connection and deallocates it: the server error, if any. */
  prepareError(sql: string): Promise<Error | undefined>;
  close(): Promise<void>;
}

export interface FuzzDatabaseOptions {
  /** Statements run on every new connection, e.g. `SET TimeZone = 'America/Sao_Paulo'`. */
  readonly settings?: readonly string[];
  /** Another database on the same server (default: DATABASE_URL's). */
  readonly url?: string;
}

const embedded = () => process.env.CLOSQL_EMBEDDED === "1";

export async function openFuzzDatabase(options: FuzzDatabaseOptions = {}): Promise<FuzzDatabase> {
  const namespace = `f_${randomBytes(5).toString("hex")}`;
  const pool = new pg.Pool({
    connectionString: options.url ?? databaseUrl(),
    max: embedded() ? 1 : 2,
    options: `-c search_path=${namespace}`,
  });
  // Applied before anything else runs on the connection (pg queues queries in order).
  pool.on("connect", (client) => {
    for (const s of options.settings ?? []) client.query(s).catch(() => undefined);
  });
  const events: QueryEvent[] = [];
  const db = connect({ schema: fuzzSchema, pool, onQuery: (e) => events.push(e) });
  if (embedded()) await pool.query("DEALLOCATE ALL");
  await pool.query(`CREATE SCHEMA ${namespace}`);
  // PGlite is one session shared by every connection: set the path (and the settings) on it too.
  await pool.query(`SET search_path TO ${namespace}`);
  for (const s of options.settings ?? []) await pool.query(s);
  for (const statement of renderDdl(fuzzSchema)) await pool.query(statement);
  let prepared = 0;
  return {
    db,
    events,
    namespace,
    pool,
    last: () => events[events.length - 1],
    async prepareError(sql) {
      const client = await pool.connect();
      const name = `fuzz_prepare_${prepared++}`;
      try {
        await client.query(`PREPARE ${name} AS ${sql}`);
        await client.query(`DEALLOCATE ${name}`);
        return undefined;
      } catch (e) {
        return e as Error;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.query(`DROP SCHEMA ${namespace} CASCADE`);
      // PGlite's one session outlives this pool: leave it as other test files expect it.
      if (embedded() && options.settings?.length) await pool.query("RESET ALL");
      await pool.end();
    },
  };
}

/**
 * Inserts `rows` into fz, then replaces each non-null `j` with the raw document J_RAW[i] and sets the
 * JavaScript row's `j` to what a reader gets back (JSON.parse of PostgreSQL's text: 1e400 becomes
 * Infinity, 1e-400 becomes 0, -0 becomes 0): the reference is what a user's program sees.
 */
export async function seedFuzzRows(t: FuzzDatabase, rows: Fz[]): Promise<void> {
  const cols = Object.entries(fz.$columns as Record<string, { config: { sqlType: string } }>);
  const records = rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const [key, col] of cols) {
      if (key === "j") continue;
      record[columnName(col as never)] = toJson((row as Record<string, unknown>)[key]);
    }
    return record;
  });
  const name = quoteIdent(fz.$name);
  await t.pool.query(`INSERT INTO ${name} SELECT * FROM jsonb_populate_recordset(NULL::${name}, $1::jsonb)`, [
    JSON.stringify(records),
  ]);
  const withJson = rows.filter((r) => r.j !== null);
  await t.pool.query(
    `UPDATE ${name} SET "j" = v.j::jsonb FROM unnest($1::int[], $2::text[]) AS v(id, j) WHERE ${name}."id" = v.id`,
    [withJson.map((r) => r.id), withJson.map((r) => J_RAW[(r.id - 1) % J_RAW.length])],
  );
  const back = await t.pool.query(`SELECT "id", "j"::text AS j FROM ${name} WHERE "j" IS NOT NULL`);
  for (const { id, j } of back.rows as { id: number; j: string }[]) rows[id - 1].j = JSON.parse(j);
}

function toJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  // JSON.stringify(-0) is "0": send it as text so the row keeps its sign.
  if (typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0)))
    return Object.is(value, -0) ? "-0" : String(value);
  if (value instanceof Date) return value.toISOString();
  return value;
}
