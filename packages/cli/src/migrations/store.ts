import { quoteIdent } from "closql";
import type { Session } from "../database/connect";
import { MIGRATIONS_TABLE } from "../database/introspect";

/** A row of `closql_migrations`: one applied migration. */
export interface AppliedMigration {
  readonly id: string;
  readonly checksum: string;
  readonly appliedAt: Date;
}

const table = quoteIdent(MIGRATIONS_TABLE);

/**
 * The applied migrations of the session's current schema, oldest first; none when the table does
 * not exist yet (nothing was ever applied there).
 */
export async function appliedMigrations(session: Session): Promise<AppliedMigration[]> {
  const exists = await session.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname = $1 AND relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())) AS found`,
    [MIGRATIONS_TABLE],
  );
  if (!exists.rows[0].found) return [];
  const rows = await session.query<{ id: string; checksum: string; applied_at: Date }>(
    `SELECT id, checksum, applied_at FROM ${table} ORDER BY applied_at, id`,
  );
  return rows.rows.map((r) => ({ id: r.id, checksum: r.checksum, appliedAt: r.applied_at }));
}

export async function ensureMigrationsTable(session: Session): Promise<void> {
  await session.query(
    `CREATE TABLE IF NOT EXISTS ${table} (
      id text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      duration_ms integer NOT NULL
    )`,
  );
}

export const recordApplied = (session: Session, id: string, checksum: string, durationMs: number) =>
  session.query(`INSERT INTO ${table} (id, checksum, duration_ms) VALUES ($1, $2, $3)`, [id, checksum, durationMs]);

export const recordRolledBack = (session: Session, id: string) =>
  session.query(`DELETE FROM ${table} WHERE id = $1`, [id]);

/**
 * Holds the migration lock of the session's current schema while `work` runs: a session-level
 * advisory lock, so a second `closql migrate` (another deploy, another replica) waits for the first
 * to finish and then finds nothing left to apply. `onWait` is told when the lock is taken.
 */
export async function withMigrationLock<T>(session: Session, onWait: () => void, work: () => Promise<T>): Promise<T> {
  // Two int4 keys: "clos" in ASCII, and the schema's name hashed.
  const key = "1668050803, hashtext(current_schema())";
  const got = await session.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${key}) AS ok`);
  if (!got.rows[0].ok) {
    onWait();
    await session.query(`SELECT pg_advisory_lock(${key})`);
  }
  try {
    return await work();
  } finally {
    await session.query(`SELECT pg_advisory_unlock(${key})`).catch(() => {});
  }
}
