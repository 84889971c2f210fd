import type { AnyColumn } from "./column";
import { AnyTable, columnName } from "./table";
import type { Schema } from "./relations";
import { quoteIdent, quoteLiteral } from "../sql/identifiers";

/**
 * The whole schema as DDL statements, in dependency order: enum types, tables (a table after the
 * tables its foreign keys point at; keys of a cycle are added afterwards), then indexes.
 */
export function renderDdl(schema: Schema): string[] {
  const tables = Object.values(schema.tables);
  const statements: string[] = [];

  const enums = new Map<string, readonly string[]>();
  for (const t of tables)
    for (const c of columnsOf(t)) if (c.config.enum) enums.set(c.config.enum.name, c.config.enum.values);
  for (const [name, values] of enums)
    statements.push(`CREATE TYPE ${quoteIdent(name)} AS ENUM (${values.map(quoteLiteral).join(", ")})`);

  const created = new Set<AnyTable>();
  const deferred: string[] = [];
  for (const t of dependencyOrder(tables)) {
    const lines: string[] = [];
    for (const c of columnsOf(t)) lines.push(renderColumn(c, created, t, deferred));
    const pk = t.$extras.find((e) => e.kind === "primaryKey");
    if (pk) lines.push(`PRIMARY KEY (${pk.columns.map((c) => quoteIdent(columnName(c))).join(", ")})`);
    for (const e of t.$extras) if (e.kind === "check") lines.push(`CONSTRAINT ${quoteIdent(e.name)} CHECK (${e.sql})`);
    statements.push(`CREATE TABLE ${quoteIdent(t.$name)} (\n  ${lines.join(",\n  ")}\n)`);
    created.add(t);
  }
  statements.push(...deferred);

  for (const t of tables) {
    for (const e of t.$extras) {
      if (e.kind !== "index") continue;
      const parts = e.parts.map((p) => ("sql" in p ? `(${p.sql})` : quoteIdent(columnName(p)))).join(", ");
      const using = e.method && e.method !== "btree" ? ` USING ${e.method}` : "";
      const where = e.where ? ` WHERE ${e.where}` : "";
      statements.push(
        `CREATE ${e.unique ? "UNIQUE " : ""}INDEX ${quoteIdent(e.name)} ON ${quoteIdent(t.$name)}${using} (${parts})${where}`,
      );
    }
  }
  return statements;
}

function renderColumn(c: AnyColumn, created: Set<AnyTable>, owner: AnyTable, deferred: string[]): string {
  const cfg = c.config;
  const type = cfg.generated ? (cfg.sqlType === "bigint" ? "bigserial" : "serial") : cfg.sqlType;
  let sql = `${quoteIdent(columnName(c))} ${type}`;
  if (!cfg.nullable) sql += " NOT NULL";
  if (cfg.defaultSql !== undefined) sql += ` DEFAULT ${cfg.defaultSql}`;
  if (cfg.primaryKey) sql += " PRIMARY KEY";
  if (cfg.unique) sql += " UNIQUE";
  if (cfg.references) {
    const target = cfg.references.column();
    const targetTable = target.config.table!;
    const clause = `REFERENCES ${quoteIdent(targetTable.$name)} (${quoteIdent(columnName(target))})${referentialActions(cfg.references.options)}`;
    if (created.has(targetTable) || targetTable === owner) sql += ` ${clause}`;
    else
      deferred.push(`ALTER TABLE ${quoteIdent(owner.$name)} ADD FOREIGN KEY (${quoteIdent(columnName(c))}) ${clause}`);
  }
  return sql;
}

function referentialActions(o: { onDelete?: string; onUpdate?: string }): string {
  return (
    (o.onDelete ? ` ON DELETE ${o.onDelete.toUpperCase()}` : "") +
    (o.onUpdate ? ` ON UPDATE ${o.onUpdate.toUpperCase()}` : "")
  );
}

/** Tables sorted so that a referenced table comes first; a cycle keeps declaration order. */
function dependencyOrder(tables: AnyTable[]): AnyTable[] {
  const order: AnyTable[] = [];
  const state = new Map<AnyTable, "visiting" | "done">();
  const visit = (t: AnyTable) => {
    if (state.has(t)) return;
    state.set(t, "visiting");
    for (const c of columnsOf(t)) {
      const target = c.config.references?.column().config.table;
      if (target && target !== t && tables.includes(target)) visit(target);
    }
    state.set(t, "done");
    order.push(t);
  };
  tables.forEach(visit);
  return order;
}

/** DROP statements for the schema, in reverse dependency order (for tests and resets). */
export function renderDrop(schema: Schema): string[] {
  const tables = dependencyOrder(Object.values(schema.tables)).reverse();
  const enums = new Set<string>();
  for (const t of tables) for (const c of columnsOf(t)) if (c.config.enum) enums.add(c.config.enum.name);
  return [
    ...tables.map((t) => `DROP TABLE IF EXISTS ${quoteIdent(t.$name)} CASCADE`),
    ...[...enums].map((e) => `DROP TYPE IF EXISTS ${quoteIdent(e)}`),
  ];
}

function columnsOf(t: AnyTable): AnyColumn[] {
  return Object.values(t.$columns as Record<string, AnyColumn>);
}
