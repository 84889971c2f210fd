import type { IndexPart, SchemaModel, TableModel } from "closql";
import { renameIdentifiers } from "../sql/lexer";

/**
 * Renames a migration performs, each keyed by the target's name: `tables` maps a table's new name to
 * its old one; `columns` maps (new table name → new column name) to the old column name.
 */
export interface Renames {
  readonly tables: ReadonlyMap<string, string>;
  readonly columns: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

export const NO_RENAMES: Renames = { tables: new Map(), columns: new Map() };

/**
 * The renames the declaration's `.renamedFrom()` hints ask for, given what the database has: a hint
 * applies where the database has the old name and not the new one (afterwards, the hint is inert).
 * Nothing is ever guessed from similar shapes. `notes` explain hints that could not apply.
 */
export function renamesFromHints(from: SchemaModel, to: SchemaModel): { renames: Renames; notes: string[] } {
  const notes: string[] = [];
  const fromTables = new Map(from.tables.map((t) => [t.name, t]));
  const toNames = new Set(to.tables.map((t) => t.name));
  const tables = new Map<string, string>();
  for (const t of to.tables) {
    const old = t.renamedFrom;
    if (old === undefined || fromTables.has(t.name) || !fromTables.has(old)) continue;
    if (toNames.has(old)) notes.push(`table "${t.name}".renamedFrom("${old}") ignored: "${old}" is declared too`);
    else if ([...tables.values()].includes(old))
      notes.push(`table "${t.name}".renamedFrom("${old}") ignored: another table is renamed from "${old}"`);
    else tables.set(t.name, old);
  }
  const columns = new Map<string, Map<string, string>>();
  for (const t of to.tables) {
    const source = fromTables.get(tables.get(t.name) ?? t.name);
    if (!source) continue;
    const have = new Set(source.columns.map((c) => c.name));
    const declared = new Set(t.columns.map((c) => c.name));
    const renamed = new Map<string, string>();
    for (const c of t.columns) {
      const old = c.renamedFrom;
      if (old === undefined || have.has(c.name) || !have.has(old)) continue;
      if (declared.has(old))
        notes.push(`column "${t.name}"."${c.name}".renamedFrom("${old}") ignored: "${old}" is declared too`);
      else if ([...renamed.values()].includes(old))
        notes.push(`column "${t.name}"."${c.name}".renamedFrom("${old}") ignored: another column is renamed from it`);
      else renamed.set(c.name, old);
    }
    if (renamed.size > 0) columns.set(t.name, renamed);
  }
  return { renames: { tables, columns }, notes };
}

/** The same renames seen from the other side (for a migration's down section). */
export function invertRenames(r: Renames): Renames {
  const tables = new Map([...r.tables].map(([to, from]) => [from, to]));
  const columns = new Map(
    [...r.columns].map(([table, cols]) => [
      r.tables.get(table) ?? table,
      new Map([...cols].map(([to, from]) => [from, to])),
    ]),
  );
  return { tables, columns };
}

/**
 * `model` with the renames applied, as the server would show it after the RENAME statements: table
 * and column names, the keys that list them, foreign keys pointing at them, and the column names in
 * check expressions, index expressions and predicates (printed as the server prints identifiers).
 */
export function applyRenames(model: SchemaModel, r: Renames, printIdentifier: (name: string) => string): SchemaModel {
  if (r.tables.size === 0 && r.columns.size === 0) return model;
  const newTable = new Map([...r.tables].map(([to, from]) => [from, to]));
  const tableName = (old: string) => newTable.get(old) ?? old;
  // old table name → (old column → new column)
  const columnMaps = new Map<string, Map<string, string>>();
  for (const [table, cols] of r.columns)
    columnMaps.set(r.tables.get(table) ?? table, new Map([...cols].map(([to, from]) => [from, to])));
  const columnName = (oldTable: string, old: string) => columnMaps.get(oldTable)?.get(old) ?? old;
  const expression = (oldTable: string, sql: string) =>
    renameIdentifiers(sql, columnMaps.get(oldTable) ?? new Map(), printIdentifier);

  const renameTable = (t: TableModel): TableModel => {
    const cols = (names: readonly string[]) => names.map((n) => columnName(t.name, n));
    return {
      ...t,
      name: tableName(t.name),
      columns: t.columns.map((c) => ({ ...c, name: columnName(t.name, c.name) })),
      ...(t.primaryKey ? { primaryKey: { ...t.primaryKey, columns: cols(t.primaryKey.columns) } } : {}),
      uniques: t.uniques.map((u) => ({ ...u, columns: cols(u.columns) })),
      foreignKeys: t.foreignKeys.map((fk) => ({
        ...fk,
        columns: cols(fk.columns),
        table: tableName(fk.table),
        references: fk.references.map((n) => columnName(fk.table, n)),
      })),
      checks: t.checks.map((c) => ({ ...c, expression: expression(t.name, c.expression) })),
      indexes: t.indexes.map((i) => ({
        ...i,
        parts: i.parts.map((p): IndexPart =>
          "column" in p
            ? { ...p, column: columnName(t.name, p.column) }
            : { ...p, expression: expression(t.name, p.expression) },
        ),
        ...(i.where !== undefined ? { where: expression(t.name, i.where) } : {}),
      })),
    };
  };
  return { enums: model.enums, tables: model.tables.map(renameTable) };
}
