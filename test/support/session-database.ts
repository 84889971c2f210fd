import { randomBytes } from "node:crypto";
import pg from "pg";
import { connect, Database, QueryEvent, renderDdl } from "closql";
import { databaseUrl } from "./database";
import { Moment, sessionSchema } from "./session-schema";

export interface SessionDatabase {
  readonly db: Database<typeof sessionSchema>;
  /** The pool's one connection, for settings changed behind closql's back. */
  readonly pool: pg.Pool;
  readonly events: QueryEvent[];
  readonly namespace: string;
  close(): Promise<void>;
}

/**
 * A pool of ONE connection (so a `SET` reaches the session closql then uses) with `options` added
 * to its startup packet, a fresh namespace with the session schema, and `rows` inserted through
 * `db.sql` (so Dates travel as closql sends them). `url` defaults to the test server.
 */
export async function openSessionDatabase(
  rows: readonly Moment[],
  options: { startup?: string; url?: string; namespace?: string } = {},
): Promise<SessionDatabase> {
  const namespace = options.namespace ?? `s_${randomBytes(5).toString("hex")}`;
  const pool = new pg.Pool({
    connectionString: options.url ?? databaseUrl(),
    max: 1,
    options: `-c search_path=${namespace} ${options.startup ?? ""}`,
  });
  const events: QueryEvent[] = [];
  const db = connect({ schema: sessionSchema, pool, onQuery: (e) => events.push(e) });
  if (process.env.CLOSQL_EMBEDDED === "1") await db.execute("DEALLOCATE ALL");
  if (!options.namespace) {
    await db.execute(`CREATE SCHEMA ${namespace}`);
    await db.execute(`SET search_path TO ${namespace}`);
    for (const statement of renderDdl(sessionSchema)) await db.execute(statement);
    for (const r of rows) {
      await db.sql`INSERT INTO moments (id, name, mood, tag, ts, tz, day, f, stamps)
        VALUES (${r.id}, ${r.name}, ${r.mood}, ${r.tag}, ${r.ts}, ${r.tz}, ${r.day}, ${r.f}, ${r.stamps})`;
    }
  } else {
    await db.execute(`SET search_path TO ${namespace}`);
  }
  return {
    db,
    pool,
    events,
    namespace,
    async close() {
      // PGlite is one session for every connection: leave it as other test files expect it.
      await pool.query("RESET DateStyle; RESET TimeZone; RESET extra_float_digits");
      if (!options.namespace) await db.execute(`DROP SCHEMA ${namespace} CASCADE`);
      await pool.end();
    },
  };
}
