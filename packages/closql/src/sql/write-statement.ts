import { Fragment, StatementBuilder } from "./fragment";

/**
 * The statements that change rows, in one list: the transformer's method table and the runtime's
 * `Query`/`TableQuery` methods are keyed by it (closql's build fails when one is missing).
 */
export const WRITE_KINDS = ["insert", "insertMany", "upsert", "update", "delete"] as const;
export type WriteKind = (typeof WRITE_KINDS)[number];

/** `"col" = value` of an UPDATE, or a column and its value in an INSERT. */
export interface Assignment<P> {
  /** Quoted column name. */
  readonly column: string;
  readonly value: Fragment<P>;
}

/** What to do on a unique conflict (upsert). */
export interface Conflict<P> {
  /** `("email")`, `("a", "b")` or `ON CONSTRAINT "users_email_key"`. */
  readonly target: string;
  /**
   * DO UPDATE SET these; DO UPDATE SET every given column except the target's (`excluded` lists them)
   * to its proposed value (`EXCLUDED`); or DO NOTHING.
   */
  readonly action: { readonly update: readonly Assignment<P>[] } | { readonly excluded: readonly string[] } | "nothing";
}

/** The parts of one INSERT/UPDATE/DELETE, each compiled at build time. */
export interface WriteParts<P> {
  readonly kind: "insert" | "update" | "delete";
  /** Quoted table name. */
  readonly table: string;
  /** INSERT: the columns given (none: DEFAULT VALUES). UPDATE: the SET list (at least one). */
  readonly assignments: readonly Assignment<P>[];
  /** UPDATE/DELETE: the conditions, ANDed. */
  readonly where: readonly Fragment<P>[];
  readonly conflict?: Conflict<P>;
  /** The RETURNING list (quoted columns), if rows come back. */
  readonly returning?: string;
}

/**
 * Prints one write from its precompiled parts. The transformer calls it at build time when the whole
 * statement is known (P = a binding) and the runtime when part of it is only known then — which
 * optional columns a row holds, where-steps added by a helper — (P = a value), so both print the
 * same SQL.
 */
export function assembleWrite<P>(parts: WriteParts<P>): { text: string; params: P[] } {
  const b = new StatementBuilder<P>();
  switch (parts.kind) {
    case "insert":
      b.append(`INSERT INTO ${parts.table}`);
      if (parts.assignments.length === 0) b.append(" DEFAULT VALUES");
      else {
        b.append(` (${parts.assignments.map((a) => a.column).join(", ")}) VALUES (`);
        b.appendJoined(
          parts.assignments.map((a) => a.value),
          ", ",
        );
        b.append(")");
      }
      if (parts.conflict) appendConflict(b, parts.conflict, parts.assignments);
      break;
    case "update":
      b.append(`UPDATE ${parts.table} SET `);
      appendAssignments(b, parts.assignments);
      appendWhere(b, parts.where);
      break;
    case "delete":
      b.append(`DELETE FROM ${parts.table}`);
      appendWhere(b, parts.where);
      break;
  }
  if (parts.returning !== undefined) b.append(` RETURNING ${parts.returning}`);
  return b.build();
}

function appendAssignments<P>(b: StatementBuilder<P>, assignments: readonly Assignment<P>[]): void {
  assignments.forEach((a, i) => {
    b.append(`${i > 0 ? ", " : ""}${a.column} = `).appendFragment(a.value);
  });
}

function appendWhere<P>(b: StatementBuilder<P>, where: readonly Fragment<P>[]): void {
  if (where.length > 0) b.append(" WHERE ").appendJoined(where, " AND ");
}

function appendConflict<P>(b: StatementBuilder<P>, conflict: Conflict<P>, given: readonly Assignment<P>[]): void {
  b.append(` ON CONFLICT ${conflict.target}`);
  const action = conflict.action;
  if (action === "nothing") b.append(" DO NOTHING");
  else {
    b.append(" DO UPDATE SET ");
    appendAssignments(b, "update" in action ? action.update : proposedValues(given, action.excluded));
  }
}

/**
 * An upsert's default update: every given column outside the conflict target takes the proposed
 * value. With none left, the first target column is set to itself, so the conflicting row still
 * comes back through RETURNING (DO NOTHING would return nothing for it).
 */
function proposedValues<P>(given: readonly Assignment<P>[], keep: readonly string[]): Assignment<P>[] {
  const set = given.map((a) => a.column).filter((c) => !keep.includes(c));
  const columns = set.length > 0 ? set : keep.length > 0 ? [keep[0]] : given.map((a) => a.column);
  return columns.map((column) => ({ column, value: { sql: [`EXCLUDED.${column}`], refs: [], params: [] } }));
}

/** One column of a batch insert: its name, and how one row's value travels in an array parameter. */
export interface BatchColumn {
  /** Quoted column name. */
  readonly column: string;
  /**
   * The SQL type of the array parameter's elements. Array and JSON values travel as text (one
   * element per row: a one-dimensional array of arrays is not a thing in PostgreSQL) and are cast back.
   */
  readonly elementType: string;
  /** The column's own type when elements travel as text, else undefined. */
  readonly castTo?: string;
}

/**
 * A batch INSERT whose text does not depend on the number of rows: every column's values travel as
 * one array parameter, `unnest` turns them back into rows, and the ordinality keeps input order (the
 * RETURNING rows come out in the order the SELECT feeds them). Without `returning`, no rows come back.
 */
export function insertManyText(table: string, columns: readonly BatchColumn[], returning: string | undefined): string {
  const back = returning === undefined ? "" : ` RETURNING ${returning}`;
  if (columns.length === 0) {
    // Every row takes every default: one row per element of an array of the right length.
    return `INSERT INTO ${table} SELECT FROM unnest($1::int[]) WITH ORDINALITY AS r(x, i) ORDER BY i${back}`;
  }
  const names = columns.map((c) => c.column);
  const selected = columns.map((c) => (c.castTo ? `${c.column}::${c.castTo}` : c.column));
  const arrays = columns.map((c, i) => `$${i + 1}::${c.elementType}[]`);
  return (
    `INSERT INTO ${table} (${names.join(", ")}) SELECT ${selected.join(", ")} FROM unnest(${arrays.join(", ")})` +
    ` WITH ORDINALITY AS r(${names.join(", ")}, closql_ord) ORDER BY closql_ord${back}`
  );
}
