import type { Schema } from "./relations";
import {
  CheckModel,
  ColumnModel,
  dependencyOrder,
  EnumModel,
  ForeignKeyModel,
  IndexModel,
  KeyModel,
  schemaModel,
  TableModel,
} from "./model";
import { quoteIdent, quoteLiteral } from "../sql/identifiers";

/**
 * The one DDL printer: every statement closql writes — `renderDdl`'s CREATEs and each step of a
 * migration (`closql diff`/`generate`) — is printed here from the schema model (model.ts), whether
 * the model came from a declaration or from the database's catalog.
 */

/**
 * The whole schema as DDL statements, in dependency order: enum types, tables (a table after the
 * tables its foreign keys point at; keys of a cycle are added afterwards), then indexes.
 */
export function renderDdl(schema: Schema): string[] {
  const model = schemaModel(schema);
  return [
    ...model.enums.map(createEnum),
    ...createTables(model.tables, new Set()),
    ...model.tables.flatMap((t) => t.indexes.map((i) => createIndex(t.name, i))),
  ];
}

/** DROP statements for the schema, in reverse dependency order (for tests and resets). */
export function renderDrop(schema: Schema): string[] {
  const model = schemaModel(schema);
  return [
    ...dependencyOrder(model.tables)
      .reverse()
      .map((t) => `DROP TABLE IF EXISTS ${quoteIdent(t.name)} CASCADE`),
    ...model.enums.map((e) => `DROP TYPE IF EXISTS ${quoteIdent(e.name)}`),
  ];
}

/**
 * CREATE TABLE statements for `tables` in dependency order. A foreign key is written in its table
 * when the referenced table exists by then (`existing`, or created earlier here, or itself);
 * otherwise it is added by an ALTER TABLE after all the CREATEs (a cycle).
 */
export function createTables(tables: readonly TableModel[], existing: ReadonlySet<string>): string[] {
  const created = new Set(existing);
  const statements: string[] = [];
  const deferred: string[] = [];
  for (const t of dependencyOrder(tables)) {
    const inline = (fk: ForeignKeyModel) => created.has(fk.table) || fk.table === t.name;
    statements.push(createTable(t, inline));
    for (const fk of t.foreignKeys) if (!inline(fk)) deferred.push(addForeignKey(t.name, fk));
    created.add(t.name);
  }
  return [...statements, ...deferred];
}

/**
 * One CREATE TABLE with its keys and checks (not its indexes). A one-column key whose name is the
 * server's default is written on its column (`"id" serial NOT NULL PRIMARY KEY`); foreign keys for
 * which `inlineForeignKey` is false are left out (the caller adds them later).
 */
export function createTable(t: TableModel, inlineForeignKey: (fk: ForeignKeyModel) => boolean = () => true): string {
  const onColumn = (key: KeyModel | undefined, suffix: string) =>
    key !== undefined && key.columns.length === 1 && !hasOwnName(t.name, key, suffix);
  const pk = t.primaryKey;
  const lines = t.columns.map((c) => {
    let sql = columnDefinition(c);
    if (pk && onColumn(pk, "pkey") && pk.columns[0] === c.name) sql += " PRIMARY KEY";
    if (t.uniques.some((u) => onColumn(u, "key") && u.columns[0] === c.name)) sql += " UNIQUE";
    for (const fk of t.foreignKeys)
      if (inlineForeignKey(fk) && onColumn(fk, "fkey") && fk.columns[0] === c.name) sql += ` ${references(fk)}`;
    return sql;
  });
  if (pk && !onColumn(pk, "pkey")) lines.push(primaryKeyClause(t.name, pk));
  for (const u of t.uniques) if (!onColumn(u, "key")) lines.push(uniqueClause(t.name, u));
  for (const fk of t.foreignKeys)
    if (inlineForeignKey(fk) && !onColumn(fk, "fkey")) lines.push(foreignKeyClause(t.name, fk));
  for (const c of t.checks) lines.push(checkClause(c));
  return `CREATE TABLE ${quoteIdent(t.name)} (\n  ${lines.join(",\n  ")}\n)`;
}

/** `"name" type [NOT NULL] [DEFAULT …]`; a serial column's type is its serial pseudo-type. */
export function columnDefinition(c: ColumnModel): string {
  let sql = `${quoteIdent(c.name)} ${c.serial ? serialType(c.type) : c.type}`;
  if (!c.nullable) sql += " NOT NULL";
  if (c.default !== undefined) sql += ` DEFAULT ${c.default}`;
  return sql;
}

function serialType(type: string): string {
  if (type === "bigint") return "bigserial";
  if (type === "smallint") return "smallserial";
  return "serial";
}

export const createEnum = (e: EnumModel): string =>
  `CREATE TYPE ${quoteIdent(e.name)} AS ENUM (${e.values.map(quoteLiteral).join(", ")})`;

/** `ALTER TYPE … ADD VALUE`, placed before or after an existing label. */
export const addEnumValue = (name: string, value: string, position?: { before: string } | { after: string }): string =>
  `ALTER TYPE ${quoteIdent(name)} ADD VALUE ${quoteLiteral(value)}` +
  (position === undefined
    ? ""
    : "before" in position
      ? ` BEFORE ${quoteLiteral(position.before)}`
      : ` AFTER ${quoteLiteral(position.after)}`);

export const renameEnum = (from: string, to: string): string =>
  `ALTER TYPE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`;
export const dropEnum = (name: string): string => `DROP TYPE ${quoteIdent(name)}`;

export const renameTable = (from: string, to: string): string =>
  `ALTER TABLE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`;
export const dropTable = (name: string): string => `DROP TABLE ${quoteIdent(name)}`;

const alterTable = (table: string, action: string) => `ALTER TABLE ${quoteIdent(table)} ${action}`;
const alterColumn = (table: string, column: string, action: string) =>
  alterTable(table, `ALTER COLUMN ${quoteIdent(column)} ${action}`);

export const addColumn = (table: string, c: ColumnModel): string =>
  alterTable(table, `ADD COLUMN ${columnDefinition(c)}`);
export const dropColumn = (table: string, column: string): string =>
  alterTable(table, `DROP COLUMN ${quoteIdent(column)}`);
export const renameColumn = (table: string, from: string, to: string): string =>
  alterTable(table, `RENAME COLUMN ${quoteIdent(from)} TO ${quoteIdent(to)}`);
/** `ALTER COLUMN … TYPE … USING "col"::type`: the cast is explicit, so any castable change applies. */
export const alterColumnType = (
  table: string,
  column: string,
  type: string,
  using = `${quoteIdent(column)}::${type}`,
) => alterColumn(table, column, `TYPE ${type} USING ${using}`);
export const setDefault = (table: string, column: string, expression: string): string =>
  alterColumn(table, column, `SET DEFAULT ${expression}`);
export const dropDefault = (table: string, column: string): string => alterColumn(table, column, "DROP DEFAULT");
export const setNotNull = (table: string, column: string): string => alterColumn(table, column, "SET NOT NULL");
export const dropNotNull = (table: string, column: string): string => alterColumn(table, column, "DROP NOT NULL");

export const addPrimaryKey = (table: string, key: KeyModel): string =>
  alterTable(table, `ADD ${primaryKeyClause(table, key)}`);
export const addUnique = (table: string, key: KeyModel): string => alterTable(table, `ADD ${uniqueClause(table, key)}`);
export const addForeignKey = (table: string, fk: ForeignKeyModel): string =>
  alterTable(table, `ADD ${foreignKeyClause(table, fk)}`);
export const addCheck = (table: string, c: CheckModel): string => alterTable(table, `ADD ${checkClause(c)}`);
export const dropConstraint = (table: string, name: string): string =>
  alterTable(table, `DROP CONSTRAINT ${quoteIdent(name)}`);

export function createIndex(table: string, i: IndexModel, options: { concurrently?: boolean } = {}): string {
  const parts = i.parts
    .map((p) => ("column" in p ? quoteIdent(p.column) : `(${p.expression})`) + (p.options ? ` ${p.options}` : ""))
    .join(", ");
  const using = i.method && i.method !== "btree" ? ` USING ${i.method}` : "";
  const where = i.where !== undefined ? ` WHERE ${i.where}` : "";
  const concurrently = options.concurrently ? "CONCURRENTLY " : "";
  return `CREATE ${i.unique ? "UNIQUE " : ""}INDEX ${concurrently}${quoteIdent(i.name)} ON ${quoteIdent(table)}${using} (${parts})${where}`;
}

export const dropIndex = (name: string, options: { concurrently?: boolean; ifExists?: boolean } = {}): string =>
  `DROP INDEX ${options.concurrently ? "CONCURRENTLY " : ""}${options.ifExists ? "IF EXISTS " : ""}${quoteIdent(name)}`;

/**
 * The name PostgreSQL gives a key declared without one: `users_pkey`, `users_email_key`,
 * `posts_user_id_fkey` (its makeObjectName: both parts shortened, the longer first, to fit 63 bytes).
 * A second key that would take the same name gets a number instead; that one keeps its own name.
 */
export function defaultConstraintName(table: string, columns: readonly string[], suffix: string): string {
  const label = suffix === "pkey" ? "" : columns.join("_");
  const max = 63 - suffix.length - 1 - (label ? 1 : 0);
  let a = Buffer.byteLength(table);
  let b = Buffer.byteLength(label);
  while (a + b > max) {
    if (a > b) a--;
    else b--;
  }
  const clip = (s: string, bytes: number) => {
    let out = "";
    for (const ch of s) {
      if (Buffer.byteLength(out + ch) > bytes) break;
      out += ch;
    }
    return out;
  };
  return [clip(table, a), ...(label ? [clip(label, b)] : []), suffix].join("_");
}

/** The key has a name other than the one the server would choose: it must be written out. */
function hasOwnName(table: string, key: KeyModel, suffix: string): boolean {
  return key.name !== undefined && key.name !== defaultConstraintName(table, key.columns, suffix);
}

/** The name to drop a key by: its own, else the server's default. */
export function constraintName(table: string, key: KeyModel, kind: "primaryKey" | "unique" | "foreignKey"): string {
  return key.name ?? defaultConstraintName(table, key.columns, SUFFIX[kind]);
}

const SUFFIX = { primaryKey: "pkey", unique: "key", foreignKey: "fkey" } as const;

function named(table: string, key: KeyModel, suffix: string): string {
  return hasOwnName(table, key, suffix) ? `CONSTRAINT ${quoteIdent(key.name!)} ` : "";
}

const columnList = (columns: readonly string[]) => columns.map(quoteIdent).join(", ");

function primaryKeyClause(table: string, key: KeyModel): string {
  return `${named(table, key, "pkey")}PRIMARY KEY (${columnList(key.columns)})`;
}

function uniqueClause(table: string, key: KeyModel): string {
  return `${named(table, key, "key")}UNIQUE (${columnList(key.columns)})`;
}

function foreignKeyClause(table: string, fk: ForeignKeyModel): string {
  return `${named(table, fk, "fkey")}FOREIGN KEY (${columnList(fk.columns)}) ${references(fk)}`;
}

function references(fk: ForeignKeyModel): string {
  return (
    `REFERENCES ${quoteIdent(fk.table)} (${columnList(fk.references)})` +
    (fk.onDelete ? ` ON DELETE ${fk.onDelete}` : "") +
    (fk.onUpdate ? ` ON UPDATE ${fk.onUpdate}` : "")
  );
}

function checkClause(c: CheckModel): string {
  return `CONSTRAINT ${quoteIdent(c.name)} CHECK (${c.expression})`;
}
