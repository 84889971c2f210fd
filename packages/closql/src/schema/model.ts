import type { AnyColumn } from "./column";
import type { Schema } from "./relations";
import { AnyTable, columnName } from "./table";
import { ClosqlError } from "../runtime/errors";

/**
 * A schema as plain data: what DDL is printed from and what migrations compare. One shape for both
 * sides of a diff — `schemaModel()` builds it from a declaration, the CLI's introspection builds it
 * from pg_catalog — and one printer (ddl.ts) turns any part of it into statements.
 *
 * Names are raw (unquoted); `type`, `default`, check expressions, index expressions and predicates
 * are SQL text as written (a declaration) or as the server prints it (introspection).
 */
export interface SchemaModel {
  readonly enums: readonly EnumModel[];
  readonly tables: readonly TableModel[];
}

export interface EnumModel {
  readonly name: string;
  readonly values: readonly string[];
}

export interface TableModel {
  readonly name: string;
  /** A declaration's `.renamedFrom("old")` hint: the table's previous name. */
  readonly renamedFrom?: string;
  readonly columns: readonly ColumnModel[];
  readonly primaryKey?: KeyModel;
  readonly uniques: readonly KeyModel[];
  readonly foreignKeys: readonly ForeignKeyModel[];
  readonly checks: readonly CheckModel[];
  readonly indexes: readonly IndexModel[];
}

export interface ColumnModel {
  readonly name: string;
  /** The SQL type: `integer`, `text[]`, `"role"`, `character varying(20)`. */
  readonly type: string;
  readonly nullable: boolean;
  /** The default expression, SQL. */
  readonly default?: string;
  /** Filled from a sequence the column owns (`serial`, `bigserial`): `type` is the integer type. */
  readonly serial?: boolean;
  /** A declaration's `.renamedFrom("old")` hint: the column's previous SQL name. */
  readonly renamedFrom?: string;
}

/** A primary key or unique constraint. `name` is absent when the server chooses it (the default). */
export interface KeyModel {
  readonly name?: string;
  readonly columns: readonly string[];
}

export type ReferentialActionSql = "CASCADE" | "RESTRICT" | "SET NULL" | "SET DEFAULT";

export interface ForeignKeyModel extends KeyModel {
  /** The referenced table. */
  readonly table: string;
  readonly references: readonly string[];
  /** Absent: NO ACTION, PostgreSQL's default. */
  readonly onDelete?: ReferentialActionSql;
  readonly onUpdate?: ReferentialActionSql;
}

export interface CheckModel {
  readonly name: string;
  readonly expression: string;
}

export interface IndexModel {
  readonly name: string;
  readonly unique: boolean;
  /** Absent: btree. */
  readonly method?: string;
  readonly parts: readonly IndexPart[];
  /** A partial index's predicate, SQL. */
  readonly where?: string;
}

/** One key of an index: a column or an expression, and what follows it (opclass, collation, DESC). */
export type IndexPart =
  { readonly column: string; readonly options?: string } | { readonly expression: string; readonly options?: string };

/** The model of a declared schema: every table, its columns, keys, checks and indexes, and the enums they use. */
export function schemaModel(schema: Schema): SchemaModel {
  const tables = Object.values(schema.tables);
  const enums = new Map<string, readonly string[]>();
  for (const t of tables)
    for (const c of columnsOf(t)) if (c.config.enum) enums.set(c.config.enum.name, c.config.enum.values);
  return {
    enums: [...enums].map(([name, values]) => ({ name, values })),
    tables: tables.map(tableModel),
  };
}

function tableModel(t: AnyTable): TableModel {
  const columns = columnsOf(t);
  const pkColumns = columns.filter((c) => c.config.primaryKey).map(columnName);
  const pkExtras = t.$extras.filter((e) => e.kind === "primaryKey");
  if (pkColumns.length + pkExtras.length > 1)
    throw new ClosqlError(
      `closql: table "${t.$name}" declares more than one primary key (${[...pkColumns.map((c) => `.primaryKey() on "${c}"`), ...pkExtras.map(() => "primaryKey(…)")].join(", ")}): declare a composite key once, with primaryKey(t.a, t.b)`,
    );
  const primaryKey =
    pkColumns.length > 0 ? { columns: pkColumns } : pkExtras[0] && { columns: pkExtras[0].columns.map(columnName) };
  return {
    name: t.$name,
    ...(t.$renamedFrom !== undefined ? { renamedFrom: t.$renamedFrom } : {}),
    columns: columns.map((c) => ({
      name: columnName(c),
      type: c.config.sqlType,
      nullable: c.config.nullable,
      ...(c.config.defaultSql !== undefined ? { default: c.config.defaultSql } : {}),
      ...(c.config.generated ? { serial: true } : {}),
      ...(c.config.renamedFrom !== undefined ? { renamedFrom: c.config.renamedFrom } : {}),
    })),
    ...(primaryKey ? { primaryKey } : {}),
    uniques: columns.filter((c) => c.config.unique).map((c) => ({ columns: [columnName(c)] })),
    foreignKeys: columns.flatMap((c) => {
      const ref = c.config.references;
      if (!ref) return [];
      const target = ref.column();
      return [
        {
          columns: [columnName(c)],
          table: target.config.table!.$name,
          references: [columnName(target)],
          ...(ref.options.onDelete && ref.options.onDelete !== "no action"
            ? { onDelete: ref.options.onDelete.toUpperCase() as ReferentialActionSql }
            : {}),
          ...(ref.options.onUpdate && ref.options.onUpdate !== "no action"
            ? { onUpdate: ref.options.onUpdate.toUpperCase() as ReferentialActionSql }
            : {}),
        },
      ];
    }),
    checks: t.$extras.flatMap((e) => (e.kind === "check" ? [{ name: e.name, expression: e.sql }] : [])),
    indexes: t.$extras.flatMap((e) =>
      e.kind === "index"
        ? [
            {
              name: e.name,
              unique: e.unique,
              ...(e.method && e.method !== "btree" ? { method: e.method } : {}),
              parts: e.parts.map((p) => ("sql" in p ? { expression: p.sql } : { column: columnName(p) })),
              ...(e.where !== undefined ? { where: e.where } : {}),
            },
          ]
        : [],
    ),
  };
}

function columnsOf(t: AnyTable): AnyColumn[] {
  return Object.values(t.$columns as Record<string, AnyColumn>);
}

/** Tables sorted so that a referenced table comes first; a cycle keeps declaration order. */
export function dependencyOrder(tables: readonly TableModel[]): TableModel[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const order: TableModel[] = [];
  const seen = new Set<TableModel>();
  const visit = (t: TableModel) => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const fk of t.foreignKeys) {
      const target = byName.get(fk.table);
      if (target && target !== t) visit(target);
    }
    order.push(t);
  };
  tables.forEach(visit);
  return order;
}
