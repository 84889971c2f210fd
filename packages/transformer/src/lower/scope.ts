import type ts from "typescript";
import { quoteIdent } from "closql/sql";
import { Refusal } from "../diagnostics/refusal";
import type { JoinedTable } from "../recognize/schema";
import type { RowSource } from "./context";

/**
 * The row parameters a closure receives, one per table of the query. One table reads its columns
 * unqualified (`"id"`); joined tables are qualified by their name, and a table joined again (a
 * self-join) by an alias `"<name>_<n>"` for its n-th occurrence, so `employees` joined to itself
 * reads `"employees"` and `"employees_2"`.
 */
export function scopeOf(tables: readonly JoinedTable[], at: ts.Node): RowSource[] {
  if (tables.length === 1 && !tables[0].optional) return [{ table: tables[0].table }];
  const seen = new Map<string, number>();
  return tables.map(({ table, optional }) => {
    const n = (seen.get(table.name) ?? 0) + 1;
    seen.set(table.name, n);
    const qualifier = n === 1 ? table.name : `${table.name}_${n}`;
    return optional ? { table, qualifier, optional: { presence: presenceColumn(table, at) } } : { table, qualifier };
  });
}

/** A NOT NULL column of a left-joined table: NULL exactly where no row matched. */
function presenceColumn(table: JoinedTable["table"], at: ts.Node): string {
  for (const c of table.columns.values()) if (!c.nullable) return c.name;
  throw new Refusal(
    "joinShape",
    at,
    `table "${table.name}" has no NOT NULL column, so a left join cannot tell a missing row from a row of NULLs.`,
    "Declare its primary key, or join it with `join`.",
  );
}

/** The SQL a table is read under in a statement: `"posts"`, or `"users" AS "users_2"` for an alias. */
export function tableReference(source: RowSource): string {
  const name = quoteIdent(source.table.name);
  if (source.qualifier === undefined || source.qualifier === source.table.name) return name;
  return `${name} AS ${quoteIdent(source.qualifier)}`;
}
