import { CliError } from "../command";
import type { Session } from "../database/connect";
import { DIRECTIVE, MigrationFile, MigrationSection } from "./file";
import {
  AppliedMigration,
  appliedMigrations,
  ensureMigrationsTable,
  recordApplied,
  recordRolledBack,
  withMigrationLock,
} from "./store";

export type MigrationState = "applied" | "pending" | "edited" | "missing";

export interface MigrationStatus {
  readonly id: string;
  readonly state: MigrationState;
  readonly file?: MigrationFile;
  readonly applied?: AppliedMigration;
}

/**
 * Files and applied rows side by side: applied (checksums equal), edited (applied, but the file
 * changed since), missing (applied, but no file), pending (a file never applied). Applied ones come
 * in the order they were applied, then pending ones in file order.
 */
export function migrationStatus(
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
): MigrationStatus[] {
  const byId = new Map(files.map((f) => [f.id, f]));
  const done = new Set(applied.map((a) => a.id));
  return [
    ...applied.map((a): MigrationStatus => {
      const file = byId.get(a.id);
      if (!file) return { id: a.id, state: "missing", applied: a };
      return { id: a.id, state: file.checksum === a.checksum ? "applied" : "edited", file, applied: a };
    }),
    ...files.filter((f) => !done.has(f.id)).map((f): MigrationStatus => ({ id: f.id, state: "pending", file: f })),
  ];
}

export interface RunOptions {
  readonly allowDestructive: boolean;
  readonly out: (line: string) => void;
}

/** Refuses what must never be run: applied files that changed since. */
function refuseEdited(status: readonly MigrationStatus[]): void {
  const edited = status.filter((s) => s.state === "edited");
  if (edited.length > 0)
    throw new CliError(
      `closql: ${edited.length === 1 ? "an applied migration was" : `${edited.length} applied migrations were`} edited after being applied:\n` +
        edited.map((s) => `  ${s.file!.path} (applied ${s.applied!.appliedAt.toISOString()})`).join("\n") +
        "\nThe database ran the original text. Restore the file (git checkout), and put further changes in a new migration (closql generate <name>).",
    );
}

function refuseDestructive(what: string, entries: readonly { file: MigrationFile; section: MigrationSection }[]): void {
  const marked = entries.filter((e) => e.section.destructive.length > 0);
  if (marked.length === 0) return;
  throw new CliError(
    `closql: refusing to ${what} destructive changes without --allow-destructive:\n` +
      marked.map((e) => e.section.destructive.map((d) => `  ${e.file.path}: ${d}`).join("\n")).join("\n") +
      `\nRead them, back up what you need, and run again with --allow-destructive (they are the lines marked "${DIRECTIVE.destructive}").`,
  );
}

/**
 * `closql migrate`: under the migration lock, applies every pending file in file order, each in its
 * own transaction together with its row in closql_migrations (a file marked no-transaction runs
 * statement by statement, then is recorded). Stops at the first failure: what was applied before
 * stays applied. Returns the ids applied.
 */
export async function migrate(
  session: Session,
  files: readonly MigrationFile[],
  options: RunOptions,
): Promise<string[]> {
  return withMigrationLock(
    session,
    () => options.out("closql: another closql migrate holds the migration lock: waiting for it to finish…"),
    async () => {
      await ensureMigrationsTable(session);
      const status = migrationStatus(files, await appliedMigrations(session));
      refuseEdited(status);
      for (const s of status)
        if (s.state === "missing") options.out(`closql: note: ${s.id} was applied but its file is not in this folder`);
      const pending = status.filter((s) => s.state === "pending").map((s) => s.file!);
      if (!options.allowDestructive)
        refuseDestructive(
          "apply",
          pending.map((file) => ({ file, section: file.up })),
        );
      const applied: string[] = [];
      for (const file of pending) {
        const started = performance.now();
        await runSection(session, file, file.up, "up", async () => {
          await recordApplied(session, file.id, file.checksum, Math.round(performance.now() - started));
        });
        options.out(`applied ${file.id} (${Math.round(performance.now() - started)} ms)`);
        applied.push(file.id);
      }
      return applied;
    },
  );
}

/**
 * `closql rollback`: under the migration lock, runs the down section of the last `steps` applied
 * migrations, newest first, each in its own transaction with the removal of its row. Returns the ids
 * rolled back.
 */
export async function rollback(
  session: Session,
  files: readonly MigrationFile[],
  steps: number,
  options: RunOptions,
): Promise<string[]> {
  return withMigrationLock(
    session,
    () => options.out("closql: another closql command holds the migration lock: waiting for it to finish…"),
    async () => {
      const status = migrationStatus(files, await appliedMigrations(session)).filter((s) => s.state !== "pending");
      const last = status.slice(-steps).reverse();
      if (last.length === 0) {
        options.out("closql: nothing to roll back: no migration is applied");
        return [];
      }
      for (const s of last) {
        if (s.state === "missing")
          throw new CliError(
            `closql: cannot roll back ${s.id}: its file is not in this folder (its down section is needed)`,
          );
        if (s.state === "edited") refuseEdited([s]);
        if (s.file!.down.statements.length === 0)
          throw new CliError(`closql: cannot roll back ${s.id}: its "${DIRECTIVE.down}" section is empty`);
      }
      if (!options.allowDestructive)
        refuseDestructive(
          "roll back",
          last.map((s) => ({ file: s.file!, section: s.file!.down })),
        );
      const done: string[] = [];
      for (const s of last) {
        const file = s.file!;
        const started = performance.now();
        await runSection(session, file, file.down, "down", () => recordRolledBack(session, file.id).then(() => {}));
        options.out(`rolled back ${file.id} (${Math.round(performance.now() - started)} ms)`);
        done.push(file.id);
      }
      return done;
    },
  );
}

/** Runs a section's statements, then `record`, in one transaction unless the file says otherwise. */
async function runSection(
  session: Session,
  file: MigrationFile,
  section: MigrationSection,
  name: "up" | "down",
  record: () => Promise<void>,
): Promise<void> {
  if (file.transaction) await session.query("BEGIN");
  let current: (typeof section.statements)[number] | undefined;
  try {
    for (const statement of section.statements) {
      current = statement;
      await session.query(statement.text);
    }
    current = undefined;
    await record();
    if (file.transaction) await session.query("COMMIT");
  } catch (e) {
    if (file.transaction) await session.query("ROLLBACK").catch(() => {});
    const where = current ? `${file.path}:${current.line}` : file.path;
    const err = e as Error & { detail?: string; hint?: string };
    throw new CliError(
      `closql: ${file.id} (${name}) failed at ${where}: ${err.message}` +
        (err.detail ? `\n  detail: ${err.detail}` : "") +
        (err.hint ? `\n  hint: ${err.hint}` : "") +
        (file.transaction
          ? `\nNothing of ${file.id} was applied (its transaction was rolled back).`
          : `\n${file.id} runs outside a transaction: the statements before this one stay applied.`),
    );
  }
}
