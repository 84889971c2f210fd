import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { CliError } from "../command";
import type { Step } from "../diff/diff";
import { leadingKeyword, splitStatements, SqlStatement } from "../sql/lexer";

/**
 * A migration file: `migrations/<timestamp>_<name>.sql`, plain SQL with directive comments.
 *
 *     -- closql migration 20261123101500_add_age
 *     -- closql:up
 *     ALTER TABLE "users" ADD COLUMN "age" integer;
 *     -- closql:down
 *     -- closql:destructive drops column "users"."age" and its data
 *     ALTER TABLE "users" DROP COLUMN "age";
 *
 * `-- closql:up` and `-- closql:down` start the sections (down may be empty: no rollback).
 * `-- closql:destructive <why>` marks a statement that loses data: `migrate`/`rollback` refuse the
 * section without --allow-destructive. `-- closql:warning <text>` explains a lock or rewrite.
 * `-- closql:no-transaction` before `-- closql:up` runs the file's statements one by one outside a
 * transaction (for CREATE INDEX CONCURRENTLY); otherwise the whole section is one transaction.
 */
export const DIRECTIVE = {
  up: "-- closql:up",
  down: "-- closql:down",
  destructive: "-- closql:destructive",
  warning: "-- closql:warning",
  noTransaction: "-- closql:no-transaction",
} as const;

/** Migration files: `<digits>_<name>.sql`, applied in file-name order. */
export const MIGRATION_FILE = /^(\d+)_([^/\\]+)\.sql$/;

export interface MigrationSection {
  readonly statements: readonly SqlStatement[];
  /** The `-- closql:destructive` reasons in the section. */
  readonly destructive: readonly string[];
}

export interface MigrationFile {
  /** The file name without `.sql`: the migration's id in `closql_migrations`. */
  readonly id: string;
  readonly path: string;
  /** sha256 of the text, line endings normalized (a checkout's CRLF is no edit). */
  readonly checksum: string;
  readonly transaction: boolean;
  readonly up: MigrationSection;
  readonly down: MigrationSection;
}

export function checksum(text: string): string {
  return createHash("sha256").update(text.replace(/\r\n/g, "\n")).digest("hex");
}

/** Reads and checks one migration file. */
export function parseMigration(file: string, text: string): MigrationFile {
  const name = path.basename(file);
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const upAt = lines.findIndex((l) => l.trim() === DIRECTIVE.up);
  const downAt = lines.findIndex((l) => l.trim() === DIRECTIVE.down);
  if (upAt < 0)
    throw new CliError(
      `closql: ${file}: not a closql migration: no "${DIRECTIVE.up}" line (a migration has "${DIRECTIVE.up}" and "${DIRECTIVE.down}" sections)`,
    );
  if (downAt >= 0 && downAt < upAt)
    throw new CliError(`closql: ${file}: "${DIRECTIVE.down}" comes before "${DIRECTIVE.up}"`);
  if (
    lines.filter((l) => l.trim() === DIRECTIVE.up).length > 1 ||
    lines.filter((l) => l.trim() === DIRECTIVE.down).length > 1
  )
    throw new CliError(`closql: ${file}: more than one "${DIRECTIVE.up}" or "${DIRECTIVE.down}" line`);
  const transaction = !lines.slice(0, upAt).some((l) => l.trim() === DIRECTIVE.noTransaction);
  const section = (from: number, to: number): MigrationSection => {
    const body = lines.slice(from + 1, to).join("\n");
    const statements = splitStatements(body, from + 2);
    if (transaction)
      for (const s of statements) {
        const word = leadingKeyword(s.text);
        if (["BEGIN", "COMMIT", "ROLLBACK", "START", "END", "SAVEPOINT", "RELEASE"].includes(word))
          throw new CliError(
            `closql: ${file}:${s.line}: ${word} in a migration: closql runs each section in its own transaction. ` +
              `Remove it, or mark the file "${DIRECTIVE.noTransaction}" to run its statements one by one.`,
          );
      }
    return {
      statements,
      destructive: lines
        .slice(from + 1, to)
        .filter((l) => l.trim().startsWith(DIRECTIVE.destructive))
        .map((l) => l.trim().slice(DIRECTIVE.destructive.length).trim() || "(no reason given)"),
    };
  };
  return {
    id: name.replace(/\.sql$/, ""),
    path: file,
    checksum: checksum(text),
    transaction,
    up: section(upAt, downAt >= 0 ? downAt : lines.length),
    down: downAt >= 0 ? section(downAt, lines.length) : { statements: [], destructive: [] },
  };
}

/** Every migration file of `dir`, in order; none when the folder does not exist. */
export function readMigrations(dir: string): MigrationFile[] {
  if (!fs.existsSync(dir)) return [];
  if (!fs.statSync(dir).isDirectory()) throw new CliError(`closql: ${dir} is not a folder (--dir)`);
  return fs
    .readdirSync(dir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      return parseMigration(file, fs.readFileSync(file, "utf8"));
    });
}

/** One section's text: each step's warning and destructive mark as comments above its statement. */
export function renderSection(steps: readonly Step[]): string {
  return steps
    .map((s) => {
      const notes: string[] = [];
      if (s.destructive) notes.push(`${DIRECTIVE.destructive} ${s.destructive}`);
      if (s.warning) notes.push(...wrap(`${DIRECTIVE.warning} ${s.warning}`, "--   "));
      return [...notes, `${s.sql};`].join("\n");
    })
    .join("\n\n");
}

/** The text of a new migration file. */
export function renderMigration(
  id: string,
  header: readonly string[],
  up: readonly Step[],
  down: readonly Step[],
  options: { transaction?: boolean } = {},
): string {
  return [
    `-- closql migration ${id}`,
    ...header.map((l) => `-- ${l}`),
    "",
    ...(options.transaction === false ? [DIRECTIVE.noTransaction, ""] : []),
    DIRECTIVE.up,
    "",
    renderSection(up),
    "",
    DIRECTIVE.down,
    "",
    ...(down.length > 0 ? [renderSection(down), ""] : []),
  ].join("\n");
}

/** Wraps a comment at about 110 columns; continuation lines start with `prefix`. */
function wrap(text: string, prefix: string): string[] {
  const words = text.split(" ");
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line && line.length + 1 + w.length > 110) {
      lines.push(line);
      line = prefix + w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}
