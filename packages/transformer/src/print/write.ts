import { assembleWrite, Assignment, Conflict, Fragment, quoteIdent, WriteParts } from "closql/sql";
import type { Binding } from "../ir/binding";
import type { LoweredAssignment, LoweredWrite } from "../ir/statement";
import type { TableInfo } from "../recognize/schema";
import { printSql } from "./print-sql";
import { wholeRow } from "./statement";

/** A fragment's shape and how many of the flat values it binds: what the runtime assembles from. */
export interface PlannedFragment {
  readonly sql: readonly string[];
  readonly refs: readonly number[];
  readonly params: number;
}

/** The parts of a write whose text is only known at run time (closql's `WritePlanParts`). */
export interface PlannedWrite {
  readonly kind: "insert" | "update" | "delete";
  readonly table: string;
  readonly assignments: readonly (PlannedFragment & { readonly column: string; readonly optional?: true })[];
  readonly where: readonly PlannedFragment[];
  readonly conflict?: {
    readonly target: string;
    readonly action:
      | "nothing"
      | { readonly excluded: readonly string[] }
      | { readonly update: readonly (PlannedFragment & { readonly column: string })[] };
  };
  readonly returning?: string;
}

/**
 * A write, printed: the whole text when every part is known at build time, else its parts for the
 * runtime to assemble with the same printer. `params` are the values in the order the runtime takes
 * them: for a text, its `$n` order; for parts, each fragment's own values in part order.
 */
export interface PrintedWrite {
  readonly text?: string;
  readonly parts?: PlannedWrite;
  readonly params: readonly Binding[];
}

/**
 * `where` are the conditions known at build time: the where-steps of a chain whose whole history is
 * known (`folded`); a chain reached through a helper gets its conditions at run time.
 */
export function printWrite(
  table: TableInfo,
  write: LoweredWrite,
  where: readonly Fragment<Binding>[],
  folded: boolean,
): PrintedWrite {
  const statementKind = write.kind === "upsert" ? "insert" : (write.kind as "insert" | "update" | "delete");
  const printed = (a: LoweredAssignment) => ({
    column: quoteIdent(a.column.name),
    value: printSql(a.node),
    optional: a.optional,
  });
  const assignments = write.assignments.map(printed);
  const c = write.conflict;
  const update = c && c.action !== "nothing" && c.action !== "excluded" ? c.action.update.map(printed) : [];
  const returning = write.result === "count" ? undefined : wholeRow(table).columns;
  const conflictOf = <A>(updateAs: A[]) =>
    c && {
      target: c.target,
      action:
        c.action === "nothing"
          ? ("nothing" as const)
          : c.action === "excluded"
            ? { excluded: c.keep }
            : { update: updateAs },
    };
  if (folded && assignments.every((a) => !a.optional)) {
    const parts: WriteParts<Binding> = {
      kind: statementKind,
      table: quoteIdent(table.name),
      assignments: assignments.map(({ column, value }): Assignment<Binding> => ({ column, value })),
      where,
      conflict: conflictOf(update.map(({ column, value }) => ({ column, value }))) as Conflict<Binding> | undefined,
      returning,
    };
    return assembleWrite(parts);
  }
  const params: Binding[] = [];
  const plan = (f: Fragment<Binding>): PlannedFragment => {
    params.push(...f.params);
    return { sql: f.sql, refs: f.refs, params: f.params.length };
  };
  const planned = (a: ReturnType<typeof printed>) => ({
    column: a.column,
    ...plan(a.value),
    ...(a.optional ? { optional: true as const } : {}),
  });
  const parts: PlannedWrite = {
    kind: statementKind,
    table: quoteIdent(table.name),
    assignments: assignments.map(planned),
    conflict: conflictOf(update.map(planned)),
    where: where.map(plan),
    returning,
  };
  return { parts, params };
}
