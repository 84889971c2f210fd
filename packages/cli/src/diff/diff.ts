import {
  ddl,
  ColumnModel,
  EnumModel,
  ForeignKeyModel,
  IndexModel,
  KeyModel,
  quoteIdent,
  quoteLiteral,
  SchemaModel,
  TableModel,
  dependencyOrder,
} from "closql";
import { applyRenames, Renames } from "./renames";
import { typeChange } from "./type-change";

/**
 * Where a step runs in a migration: the safe order. Types and renames come first, then everything
 * that could stand in the way of a change is dropped (foreign keys, indexes, constraints), tables
 * and columns are created and altered, data-losing drops follow, and keys, indexes and foreign keys
 * are (re)built last, when every column they name exists with its final type.
 */
export const PHASES = [
  "createEnum",
  "addEnumValue",
  "rename",
  "dropForeignKey",
  "dropIndex",
  "dropConstraint",
  "createTable",
  "addColumn",
  "alterColumn",
  "dropColumn",
  "dropTable",
  "recreateEnum",
  "addConstraint",
  "createIndex",
  "addForeignKey",
  "dropEnum",
] as const;
export type Phase = (typeof PHASES)[number];

/** One statement of a migration and what the user must know about it. */
export interface Step {
  readonly sql: string;
  readonly phase: Phase;
  /** One line for reports: `add column "users"."age"`. */
  readonly summary: string;
  /** Set when the step loses data: why. It needs `--allow-destructive`. */
  readonly destructive?: string;
  /** Set when the step rewrites or locks an existing table: what happens and the safer sequence. */
  readonly warning?: string;
  /** The enum type a label or recreation step changes. */
  readonly enum?: string;
  /** The index a createIndex or dropIndex step is about. */
  readonly index?: string;
  /** For an index built on an existing table: the same, built without blocking writes. */
  readonly concurrently?: string;
}

export interface DiffOptions {
  /** The renames to perform (from the declaration's hints), keyed by the target's names. */
  readonly renames: Renames;
  /** How the server prints an identifier inside an expression (bare unless it must be quoted). */
  readonly printIdentifier: (name: string) => string;
  /**
   * How new enum labels are added: `ALTER TYPE … ADD VALUE` (the default), or by recreating the type,
   * which a transaction may use at once (a label added by ADD VALUE cannot be used before it commits).
   */
  readonly enumLabels?: "add" | "recreate";
}

/**
 * The steps that turn a database whose model is `from` into `to`, in a safe order. Both models must
 * be printed the same way (both read from the server: see normalize.ts), so that equal means equal.
 */
export function diffModels(from: SchemaModel, to: SchemaModel, options: DiffOptions): Step[] {
  const steps: Step[] = [];
  const add = (step: Step) => steps.push(step);

  // Renames first, and the rest compares the renamed model by name.
  for (const [newName, oldName] of options.renames.tables)
    add({
      phase: "rename",
      sql: ddl.renameTable(oldName, newName),
      summary: `rename table "${oldName}" to "${newName}"`,
    });
  for (const [table, cols] of options.renames.columns)
    for (const [newName, oldName] of cols)
      add({
        phase: "rename",
        sql: ddl.renameColumn(table, oldName, newName),
        summary: `rename column "${table}"."${oldName}" to "${newName}"`,
      });
  const source = applyRenames(from, options.renames, options.printIdentifier);

  diffEnums(source, to, options.enumLabels ?? "add", add);

  const before = new Map(source.tables.map((t) => [t.name, t]));
  const after = new Map(to.tables.map((t) => [t.name, t]));
  // Column types that are enums, as the server prints them.
  const enumTypes = new Set(
    [...source.enums, ...to.enums].flatMap((e) => [e.name, quoteIdent(e.name), quoteIdentIfNeeded(e.name)]),
  );

  const created = to.tables.filter((t) => !before.has(t.name));
  const existing = new Set(to.tables.filter((t) => before.has(t.name)).map((t) => t.name));
  for (const t of dependencyOrder(created)) {
    const inline = (fk: ForeignKeyModel) => existing.has(fk.table) || fk.table === t.name;
    add({ phase: "createTable", sql: ddl.createTable(t, inline), summary: `create table "${t.name}"` });
    for (const fk of t.foreignKeys)
      if (!inline(fk))
        add({ phase: "addForeignKey", sql: ddl.addForeignKey(t.name, fk), summary: `add foreign key on "${t.name}"` });
    existing.add(t.name);
    for (const i of t.indexes)
      add({ phase: "createIndex", sql: ddl.createIndex(t.name, i), summary: `create index "${i.name}"` });
  }

  for (const t of source.tables) {
    const target = after.get(t.name);
    if (target) diffTable(t, target, enumTypes, add);
  }
  // Tables are dropped referencing ones first, so a table's own keys go with it. A kept table's key
  // pointing at a dropped one is dropped by the comparison above (the target no longer declares
  // it); in a cycle of dropped tables, the key pointing back at an already dropped table goes first.
  const dropOrder = dependencyOrder(source.tables.filter((t) => !after.has(t.name))).reverse();
  dropOrder.forEach((t, i) => {
    for (const fk of t.foreignKeys) {
      const j = dropOrder.findIndex((x) => x.name === fk.table);
      if (j >= 0 && j < i)
        add({
          phase: "dropForeignKey",
          sql: ddl.dropConstraint(t.name, ddl.constraintName(t.name, fk, "foreignKey")),
          summary: `drop foreign key (${fk.columns.join(", ")}) of "${t.name}"`,
        });
    }
    add({
      phase: "dropTable",
      sql: ddl.dropTable(t.name),
      summary: `drop table "${t.name}"`,
      destructive: `drops table "${t.name}" and every row in it`,
    });
  });

  return steps
    .map((s, i) => ({ s, i }))
    .sort((a, b) => PHASES.indexOf(a.s.phase) - PHASES.indexOf(b.s.phase) || a.i - b.i)
    .map(({ s }) => s);
}

function diffEnums(from: SchemaModel, to: SchemaModel, labels: "add" | "recreate", add: (s: Step) => void): void {
  const before = new Map(from.enums.map((e) => [e.name, e]));
  const after = new Map(to.enums.map((e) => [e.name, e]));
  for (const e of to.enums) {
    const old = before.get(e.name);
    if (!old) add({ phase: "createEnum", sql: ddl.createEnum(e), summary: `create enum "${e.name}"` });
    else if (!sameList(old.values, e.values)) changeEnum(from, to, old, e, labels, add);
  }
  for (const e of from.enums)
    if (!after.has(e.name)) add({ phase: "dropEnum", sql: ddl.dropEnum(e.name), summary: `drop enum "${e.name}"` });
}

/**
 * New labels are added in place (`ADD VALUE … BEFORE/AFTER`) when the old labels keep their order;
 * anything else (a label removed, labels reordered) recreates the type: the old one renamed, the new
 * one created, every column of it cast through text, the old type dropped. Indexes and checks that
 * hold a constant of the type (`WHERE role = 'admin'::role`) could not follow the cast: those the
 * migration keeps are dropped before it and created again after it (those it adds or changes are
 * dropped and created by their own steps, around this one).
 */
function changeEnum(
  from: SchemaModel,
  to: SchemaModel,
  old: EnumModel,
  e: EnumModel,
  labels: "add" | "recreate",
  add: (s: Step) => void,
): void {
  const kept = e.values.filter((v) => old.values.includes(v));
  if (sameList(kept, old.values) && labels === "add") {
    e.values.forEach((v, i) => {
      if (old.values.includes(v)) return;
      const next = e.values.slice(i + 1).find((x) => old.values.includes(x));
      const position = next !== undefined ? { before: next } : { after: e.values[i - 1] };
      add({
        phase: "addEnumValue",
        sql: ddl.addEnumValue(e.name, v, position),
        summary: `add label ${quoteLiteral(v)} to enum "${e.name}"`,
        enum: e.name,
      });
    });
    return;
  }
  const removed = old.values.filter((v) => !e.values.includes(v));
  const previous = `${e.name}__closql_old`;
  const type = (t: string) => t.replace(/(\[\])+$/, "");
  const uses = to.tables.flatMap((t) =>
    t.columns
      .filter(
        (c) =>
          type(c.type) === quoteIdentIfNeeded(e.name) || type(c.type) === e.name || type(c.type) === quoteIdent(e.name),
      )
      .map((c) => ({ table: t.name, column: c })),
  );
  const step = (sql: string, summary: string, extra: Partial<Step> = {}) =>
    add({ phase: "recreateEnum", sql, summary, enum: e.name, ...extra });
  const constant = new RegExp(`::(?:${escapeRegExp(e.name)}|${escapeRegExp(quoteIdent(e.name))})(?![A-Za-z0-9_$"])`);
  const rebuilt = to.tables.flatMap((t) => {
    const before = from.tables.find((x) => x.name === t.name);
    if (!before) return [];
    const indexes = t.indexes.filter(
      (i) =>
        before.indexes.some((x) => sameIndex(x, i)) &&
        (constant.test(i.where ?? "") || i.parts.some((p) => "expression" in p && constant.test(p.expression))),
    );
    const checks = t.checks.filter(
      (c) =>
        before.checks.some((x) => x.name === c.name && x.expression === c.expression) && constant.test(c.expression),
    );
    return indexes.length + checks.length > 0 ? [{ table: t.name, indexes, checks }] : [];
  });
  step(ddl.renameEnum(e.name, previous), `recreate enum "${e.name}" (rename the old type)`, {
    ...(removed.length > 0
      ? {
          destructive: `drops label${removed.length > 1 ? "s" : ""} ${removed.map(quoteLiteral).join(", ")} of enum "${e.name}": rows holding ${removed.length > 1 ? "them" : "it"} make the migration fail`,
        }
      : {}),
    warning: `recreating enum "${e.name}" rewrites every table with a column of it (${uses.map((u) => `"${u.table}"`).join(", ") || "none"}) under an ACCESS EXCLUSIVE lock`,
  });
  for (const k of rebuilt) {
    for (const i of k.indexes) step(ddl.dropIndex(i.name), `recreate enum "${e.name}": drop index "${i.name}" for now`);
    for (const c of k.checks)
      step(ddl.dropConstraint(k.table, c.name), `recreate enum "${e.name}": drop check "${c.name}" for now`);
  }
  step(ddl.createEnum(e), `recreate enum "${e.name}"`);
  for (const { table, column } of uses) {
    const array = column.type.endsWith("[]");
    if (column.default !== undefined) step(ddl.dropDefault(table, column.name), `recreate enum "${e.name}"`);
    step(
      ddl.alterColumnType(
        table,
        column.name,
        column.type,
        `${quoteIdent(column.name)}::text${array ? "[]" : ""}::${column.type}`,
      ),
      `recreate enum "${e.name}": cast "${table}"."${column.name}"`,
    );
    if (column.default !== undefined)
      step(ddl.setDefault(table, column.name, column.default), `recreate enum "${e.name}"`);
  }
  step(ddl.dropEnum(previous), `recreate enum "${e.name}" (drop the old type)`);
  for (const k of rebuilt) {
    for (const c of k.checks) step(ddl.addCheck(k.table, c), `recreate enum "${e.name}": add check "${c.name}" again`);
    for (const i of k.indexes)
      step(ddl.createIndex(k.table, i), `recreate enum "${e.name}": create index "${i.name}" again`);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function diffTable(from: TableModel, to: TableModel, enumTypes: ReadonlySet<string>, add: (s: Step) => void): void {
  const table = to.name;
  const before = new Map(from.columns.map((c) => [c.name, c]));
  const after = new Map(to.columns.map((c) => [c.name, c]));

  for (const c of to.columns) {
    const old = before.get(c.name);
    if (!old) addColumn(table, c, add);
    else alterColumn(table, old, c, enumTypes, add);
  }
  for (const c of from.columns)
    if (!after.has(c.name))
      add({
        phase: "dropColumn",
        sql: ddl.dropColumn(table, c.name),
        summary: `drop column "${table}"."${c.name}"`,
        destructive: `drops column "${table}"."${c.name}" and its data`,
      });

  // Primary key.
  const pkChanged = !sameKey(from.primaryKey, to.primaryKey);
  if (from.primaryKey && pkChanged)
    add({
      phase: "dropConstraint",
      sql: ddl.dropConstraint(table, ddl.constraintName(from.name, from.primaryKey, "primaryKey")),
      summary: `drop primary key of "${table}"`,
    });
  if (to.primaryKey && pkChanged)
    add({
      phase: "addConstraint",
      sql: ddl.addPrimaryKey(table, to.primaryKey),
      summary: `add primary key (${to.primaryKey.columns.join(", ")}) to "${table}"`,
      warning: indexLock(table, "the primary key's unique index", "PRIMARY KEY"),
    });

  // Unique constraints, by their columns.
  for (const u of from.uniques)
    if (!to.uniques.some((x) => sameKey(x, u)))
      add({
        phase: "dropConstraint",
        sql: ddl.dropConstraint(table, ddl.constraintName(from.name, u, "unique")),
        summary: `drop unique (${u.columns.join(", ")}) of "${table}"`,
      });
  for (const u of to.uniques)
    if (!from.uniques.some((x) => sameKey(x, u)))
      add({
        phase: "addConstraint",
        sql: ddl.addUnique(table, u),
        summary: `add unique (${u.columns.join(", ")}) to "${table}"`,
        warning: indexLock(table, "the constraint's unique index", "UNIQUE"),
      });

  // Foreign keys, by everything they say.
  for (const fk of from.foreignKeys)
    if (!to.foreignKeys.some((x) => sameForeignKey(x, fk)))
      add({
        phase: "dropForeignKey",
        sql: ddl.dropConstraint(table, ddl.constraintName(from.name, fk, "foreignKey")),
        summary: `drop foreign key (${fk.columns.join(", ")}) of "${table}"`,
      });
  for (const fk of to.foreignKeys)
    if (!from.foreignKeys.some((x) => sameForeignKey(x, fk)))
      add({
        phase: "addForeignKey",
        sql: ddl.addForeignKey(table, fk),
        summary: `add foreign key (${fk.columns.join(", ")}) → "${fk.table}" to "${table}"`,
        warning:
          `adding a foreign key checks every row of "${table}" while holding SHARE ROW EXCLUSIVE locks on "${table}" and "${fk.table}" (writes wait). ` +
          `Safer on a big table: add it with NOT VALID (instant), then run ALTER TABLE ${quoteIdent(table)} VALIDATE CONSTRAINT … in a later migration (it lets writes through).`,
      });

  // Checks, by name and expression.
  for (const c of from.checks)
    if (!to.checks.some((x) => x.name === c.name && x.expression === c.expression))
      add({ phase: "dropConstraint", sql: ddl.dropConstraint(table, c.name), summary: `drop check "${c.name}"` });
  for (const c of to.checks)
    if (!from.checks.some((x) => x.name === c.name && x.expression === c.expression))
      add({
        phase: "addConstraint",
        sql: ddl.addCheck(table, c),
        summary: `add check "${c.name}" to "${table}"`,
        warning:
          `adding a check scans every row of "${table}" under an ACCESS EXCLUSIVE lock. ` +
          `Safer on a big table: add it with NOT VALID, then VALIDATE CONSTRAINT ${quoteIdent(c.name)} in a later migration.`,
      });

  // Indexes, by name and definition.
  for (const i of from.indexes)
    if (!to.indexes.some((x) => sameIndex(x, i)))
      add({ phase: "dropIndex", sql: ddl.dropIndex(i.name), summary: `drop index "${i.name}"`, index: i.name });
  for (const i of to.indexes)
    if (!from.indexes.some((x) => sameIndex(x, i))) {
      const concurrently = ddl.createIndex(table, i, { concurrently: true });
      add({
        phase: "createIndex",
        sql: ddl.createIndex(table, i),
        summary: `create index "${i.name}" on "${table}"`,
        index: i.name,
        concurrently,
        warning:
          `CREATE INDEX blocks writes to "${table}" while it builds. Safer on a big table: build it without blocking, ` +
          `${concurrently}, in a migration of its own marked -- closql:no-transaction ` +
          `(CONCURRENTLY cannot run in a transaction; closql generate --concurrently writes it so).`,
      });
    }
}

function addColumn(table: string, c: ColumnModel, add: (s: Step) => void): void {
  const required = !c.nullable && c.default === undefined && !c.serial;
  add({
    phase: "addColumn",
    sql: ddl.addColumn(table, c),
    summary: `add column "${table}"."${c.name}"`,
    ...(required
      ? {
          warning:
            `"${c.name}" is NOT NULL without a default: adding it fails if "${table}" has rows. ` +
            `Safer: add it nullable, backfill it (UPDATE ${quoteIdent(table)} SET ${quoteIdent(c.name)} = … in batches), then SET NOT NULL ` +
            `(after a CHECK (${quoteIdent(c.name)} IS NOT NULL) NOT VALID constraint is validated, SET NOT NULL needs no scan).`,
        }
      : c.serial
        ? {
            warning: `adding a serial column rewrites "${table}" under an ACCESS EXCLUSIVE lock (each row takes a value).`,
          }
        : {}),
  });
}

function alterColumn(
  table: string,
  from: ColumnModel,
  to: ColumnModel,
  enumTypes: ReadonlySet<string>,
  add: (s: Step) => void,
): void {
  const at = `"${table}"."${to.name}"`;
  const typeDiffers = from.type !== to.type;
  const oldDefault = from.serial ? "serial" : from.default;
  const newDefault = to.serial ? "serial" : to.default;
  const defaultDiffers = oldDefault !== newDefault;
  // A default of the old type may not cast to the new one: it is dropped around the type change
  // (and set again after it); otherwise SET DEFAULT replaces it in place.
  if (from.default !== undefined && (typeDiffers || to.default === undefined || to.serial))
    add({ phase: "alterColumn", sql: ddl.dropDefault(table, to.name), summary: `drop default of ${at}` });
  if (from.serial && !to.serial)
    add({
      phase: "alterColumn",
      sql: ddl.dropDefault(table, to.name),
      summary: `stop filling ${at} from its sequence`,
    });
  if (typeDiffers) {
    const change = typeChange(from.type, to.type);
    add({
      phase: "alterColumn",
      sql: ddl.alterColumnType(table, to.name, to.type, castThroughText(from.type, to.type, to.name, enumTypes)),
      summary: `change type of ${at} from ${from.type} to ${to.type}`,
      ...(change === "narrow"
        ? {
            destructive: `changes ${at} from ${from.type} to ${to.type}: values that do not fit fail the migration or lose precision`,
          }
        : {}),
      ...(change !== "relabel"
        ? {
            warning:
              `changing the type rewrites "${table}" and its indexes under an ACCESS EXCLUSIVE lock (reads and writes wait). ` +
              `Safer on a big table: add a new column, backfill it in batches, switch the application to it, then drop the old one.`,
          }
        : {}),
    });
  }
  if (typeDiffers && from.serial && to.serial)
    add({
      phase: "alterColumn",
      // The sequence's own type bounds its values: it follows the column's.
      sql:
        `DO $$ BEGIN EXECUTE format('ALTER SEQUENCE %s AS ${to.type}', ` +
        `pg_get_serial_sequence(${quoteLiteral(quoteIdent(table))}, ${quoteLiteral(to.name)})); END $$`,
      summary: `change the type of ${at}'s sequence to ${to.type}`,
    });
  if (to.serial && !from.serial) {
    const sequence = `${table}_${to.name}_seq`;
    add({
      phase: "alterColumn",
      sql: `CREATE SEQUENCE ${quoteIdent(sequence)} AS ${to.type} OWNED BY ${quoteIdent(table)}.${quoteIdent(to.name)}`,
      summary: `fill ${at} from a sequence`,
    });
    add({
      phase: "alterColumn",
      sql: `SELECT setval(${quoteLiteral(quoteIdent(sequence))}, COALESCE(max(${quoteIdent(to.name)}), 0) + 1, false) FROM ${quoteIdent(table)}`,
      summary: `fill ${at} from a sequence`,
    });
    add({
      phase: "alterColumn",
      sql: ddl.setDefault(table, to.name, `nextval(${quoteLiteral(quoteIdent(sequence))}::regclass)`),
      summary: `fill ${at} from a sequence`,
    });
  }
  if (to.default !== undefined && (defaultDiffers || (typeDiffers && from.default !== undefined)) && !to.serial)
    add({
      phase: "alterColumn",
      sql: ddl.setDefault(table, to.name, to.default),
      summary: `set default of ${at} to ${to.default}`,
    });
  if (from.nullable && !to.nullable)
    add({
      phase: "alterColumn",
      sql: ddl.setNotNull(table, to.name),
      summary: `make ${at} NOT NULL`,
      warning:
        `SET NOT NULL fails if a row holds NULL, and scans "${table}" under an ACCESS EXCLUSIVE lock. ` +
        `Safer: backfill the NULLs first; on a big table add CHECK (${quoteIdent(to.name)} IS NOT NULL) NOT VALID, VALIDATE it, ` +
        `then SET NOT NULL (it trusts the validated check) and drop the check.`,
    });
  if (!from.nullable && to.nullable)
    add({ phase: "alterColumn", sql: ddl.dropNotNull(table, to.name), summary: `make ${at} nullable` });
}

/**
 * An enum casts to text and text to an enum, but there is no cast between an enum and another type:
 * such a change goes through text (`"role"::text::new_role`). Other changes use the direct cast.
 */
function castThroughText(from: string, to: string, column: string, enumTypes: ReadonlySet<string>): string | undefined {
  const base = (t: string) => t.replace(/(\[\])+$/, "");
  const array = to.endsWith("[]") ? "[]" : "";
  const isEnum = (t: string) => enumTypes.has(base(t));
  if (!isEnum(from) && !isEnum(to)) return undefined;
  if (base(to) === "text" || base(from) === "text") return undefined;
  return `${quoteIdent(column)}::text${array}::${to}`;
}

function indexLock(table: string, what: string, kind: string): string {
  return (
    `building ${what} blocks writes to "${table}". Safer on a big table: CREATE UNIQUE INDEX CONCURRENTLY … ` +
    `in a migration marked -- closql:no-transaction, then ALTER TABLE ${quoteIdent(table)} ADD ${kind} USING INDEX ….`
  );
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function sameKey(a: KeyModel | undefined, b: KeyModel | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return sameList(a.columns, b.columns);
}

function sameForeignKey(a: ForeignKeyModel, b: ForeignKeyModel): boolean {
  return (
    sameList(a.columns, b.columns) &&
    a.table === b.table &&
    sameList(a.references, b.references) &&
    a.onDelete === b.onDelete &&
    a.onUpdate === b.onUpdate
  );
}

function sameIndex(a: IndexModel, b: IndexModel): boolean {
  return (
    a.name === b.name &&
    a.unique === b.unique &&
    (a.method ?? "btree") === (b.method ?? "btree") &&
    a.where === b.where &&
    a.parts.length === b.parts.length &&
    a.parts.every((p, i) => JSON.stringify(p) === JSON.stringify(b.parts[i]))
  );
}

/** An identifier as format_type and pg_get_expr print it when it needs no quotes (lower case, no keyword). */
function quoteIdentIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteIdent(name);
}
