import type { AnyTable } from "./table";
import { ClosqlError } from "../runtime/errors";

/**
 * Type-level facts about a column. The transformer reads these from the *types* of the schema
 * declaration (it never runs user code), so every fact it needs must be a literal type here.
 */
export interface ColumnMeta {
  /** SQL type as written in DDL: `integer`, `text[]`, `"role"` for an enum. */
  readonly sqlType: string;
  readonly nullable: boolean;
  /** Has a default or is generated: optional in `$insert`. */
  readonly hasDefault: boolean;
  /** Explicit SQL name from `.name()`; otherwise the key in snake_case. */
  readonly name: string | undefined;
  /** How an int8 value reaches JavaScript: `bigint` (exact) or `number` (throws beyond 2^53). */
  readonly int8: "bigint" | "number" | undefined;
  /** Declared with `.primaryKey()`: the key relations point at. */
  readonly primaryKey: boolean;
  /**
   * Declared `.primaryKey()` or `.unique()`: no two rows share a non-null value (keyset pagination
   * needs a unique last sort key). Absent until set.
   */
  readonly unique?: true | undefined;
}

type With<M extends ColumnMeta, K extends keyof ColumnMeta, V extends ColumnMeta[K]> = {
  readonly [P in keyof M]: P extends K ? V : M[P];
};

export type ReferentialAction = "cascade" | "restrict" | "no action" | "set null" | "set default";

export interface ReferenceOptions {
  onDelete?: ReferentialAction;
  onUpdate?: ReferentialAction;
}

/** Runtime description of a column: what DDL rendering and row decoding need. */
export interface ColumnConfig {
  sqlType: string;
  nullable: boolean;
  /** Already-rendered SQL default expression. */
  defaultSql?: string;
  generated?: boolean;
  primaryKey: boolean;
  unique: boolean;
  name?: string;
  int8?: "bigint" | "number";
  /** For enum columns: the type to create before the table. */
  enum?: { name: string; values: readonly string[] };
  references?: { column: () => Column<unknown, ColumnMeta>; options: ReferenceOptions };
  /** `.renamedFrom("old")`: the column's previous SQL name, for migrations. */
  renamedFrom?: string;
  /** Set when the column is placed in a table. */
  table?: AnyTable;
  key?: string;
}

/**
 * A column builder. Each method returns a new column: builders are immutable, so a shared base
 * column can be refined in several tables.
 */
export class Column<T, M extends ColumnMeta> {
  /** Phantom: the JavaScript type of a non-null value. */
  declare readonly $type: T;
  /** Phantom: the facts the transformer reads. */
  declare readonly $meta: M;

  constructor(readonly config: ColumnConfig) {}

  private with(patch: Partial<ColumnConfig>): any {
    return new Column({ ...this.config, ...patch });
  }

  nullable(): Column<T, With<M, "nullable", true>> {
    return this.with({ nullable: true });
  }

  /** A constant default; rendered into the DDL as a literal. */
  default(value: T): Column<T, With<M, "hasDefault", true>> {
    return this.with({ defaultSql: renderDefault(value, this.config.sqlType) });
  }

  /** A default written in SQL, e.g. `.defaultSql("gen_random_uuid()")`. */
  defaultSql(expression: string): Column<T, With<M, "hasDefault", true>> {
    return this.with({ defaultSql: expression });
  }

  defaultNow(): Column<T, With<M, "hasDefault", true>> {
    return this.with({ defaultSql: "now()" });
  }

  /** `gen_random_uuid()` (built in since PostgreSQL 13). */
  defaultRandom(): Column<T, With<M, "hasDefault", true>> {
    return this.with({ defaultSql: "gen_random_uuid()" });
  }

  primaryKey(): Column<T, With<M, "primaryKey", true> & { readonly unique: true }> {
    return this.with({ primaryKey: true });
  }

  unique(): Column<T, M & { readonly unique: true }> {
    return this.with({ unique: true });
  }

  references(column: () => Column<any, ColumnMeta>, options: ReferenceOptions = {}): Column<T, M> {
    return this.with({ references: { column, options } });
  }

  name<N extends string>(sqlName: N): Column<T, With<M, "name", N>> {
    return this.with({ name: sqlName });
  }

  /**
   * A hint for migrations (`closql diff`/`generate`): this column was called `previousName` (its SQL
   * name) before. Where the database has `previousName` and not this column, the migration renames
   * it, keeping its data, instead of dropping one column and adding another. closql never guesses a
   * rename; the hint may stay in the declaration once the migration is applied.
   */
  renamedFrom(previousName: string): Column<T, M> {
    return this.with({ renamedFrom: previousName });
  }

  /** An array of this type. A default set before `.array()` does not carry over (set it after). */
  array(): Column<T[], With<With<M, "sqlType", `${M["sqlType"]}[]`>, "hasDefault", false>> {
    const patch: Partial<ColumnConfig> = { sqlType: `${this.config.sqlType}[]` };
    if (this.config.defaultSql !== undefined) patch.defaultSql = undefined;
    return this.with(patch);
  }
}

export type AnyColumn = Column<any, ColumnMeta>;

type Base<S extends string, D extends boolean = false, I extends ColumnMeta["int8"] = undefined> = {
  readonly sqlType: S;
  readonly nullable: false;
  readonly hasDefault: D;
  readonly name: undefined;
  readonly int8: I;
  readonly primaryKey: false;
};

function column<T, S extends string, D extends boolean = false>(
  sqlType: S,
  extra: Partial<ColumnConfig> = {},
): Column<T, Base<S, D>> {
  return new Column({ sqlType, nullable: false, primaryKey: false, unique: false, ...extra });
}

export const serial = () => column<number, "integer", true>("integer", { generated: true, defaultSql: undefined });
export const integer = () => column<number, "integer">("integer");
export const smallint = () => column<number, "smallint">("smallint");
export const real = () => column<number, "real">("real");
export const doublePrecision = () => column<number, "double precision">("double precision");
/** numeric is exact: it reaches JavaScript as a string so no digit is lost. */
export const numeric = (precision?: number, scale?: number) =>
  column<string, "numeric">(
    "numeric",
    precision === undefined ? {} : { sqlType: `numeric(${precision}${scale === undefined ? "" : `, ${scale}`})` },
  );
export const text = () => column<string, "text">("text");
export const varchar = (length?: number) =>
  column<string, "varchar">("varchar", length === undefined ? {} : { sqlType: `varchar(${length})` });
export const boolean = () => column<boolean, "boolean">("boolean");
export const timestamptz = () => column<Date, "timestamptz">("timestamptz");
export const timestamp = () => column<Date, "timestamp">("timestamp");
/** A calendar date as `"YYYY-MM-DD"`: no time zone can shift it. */
export const date = () => column<string, "date">("date");
export const uuid = () => column<string, "uuid">("uuid");
// Overloads, not a defaulted type parameter: inside `table("t", { … })` a type parameter would be
// inferred from the contextual type `Column<any, ColumnMeta>` instead of taking its default, giving
// `any` here and `number | bigint` for bigint()/bigserial().
export function jsonb(): Column<unknown, Base<"jsonb">>;
export function jsonb<T>(): Column<T, Base<"jsonb">>;
export function jsonb(): Column<unknown, Base<"jsonb">> {
  return column<unknown, "jsonb">("jsonb");
}
export const bytea = () => column<Uint8Array, "bytea">("bytea");

interface Int8Options<Mode extends "bigint" | "number"> {
  mode?: Mode;
}
type Int8Js<Mode> = Mode extends "number" ? number : bigint;

/** int8. `{ mode: "number" }` gives numbers but throws on values beyond Number.MAX_SAFE_INTEGER. */
export function bigint(options?: Int8Options<"bigint">): Column<bigint, Base<"bigint", false, "bigint">>;
export function bigint<Mode extends "bigint" | "number">(
  options: Int8Options<Mode>,
): Column<Int8Js<Mode>, Base<"bigint", false, Mode>>;
export function bigint(options: Int8Options<"bigint" | "number"> = {}): AnyColumn {
  return new Column({
    sqlType: "bigint",
    nullable: false,
    primaryKey: false,
    unique: false,
    int8: options.mode ?? "bigint",
  });
}

export function bigserial(options?: Int8Options<"bigint">): Column<bigint, Base<"bigint", true, "bigint">>;
export function bigserial<Mode extends "bigint" | "number">(
  options: Int8Options<Mode>,
): Column<Int8Js<Mode>, Base<"bigint", true, Mode>>;
export function bigserial(options: Int8Options<"bigint" | "number"> = {}): AnyColumn {
  return new Column({
    sqlType: "bigint",
    nullable: false,
    primaryKey: false,
    unique: false,
    generated: true,
    int8: options.mode ?? "bigint",
  });
}

/** Renders a JavaScript default value as an SQL literal for DDL. */
export function renderDefault(value: unknown, sqlType: string): string {
  if (value === null) return "NULL";
  // Before the scalar cases: a jsonb string, number or boolean is a JSON document, not an SQL literal.
  if (sqlType === "jsonb") return `${quote(JSON.stringify(value))}::jsonb`;
  if (typeof value === "boolean") return value ? "true" : "false";
  // NaN and ±Infinity have no bare SQL spelling: quoted, they cast to real/double precision.
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : quote(String(value));
  if (typeof value === "bigint") return String(value);
  if (typeof value === "string") return `${quote(value)}`;
  if (value instanceof Date) return `${quote(value.toISOString())}::${sqlType}`;
  if (value instanceof Uint8Array && sqlType === "bytea") return `${quote(`\\x${hex(value)}`)}::bytea`;
  if (Array.isArray(value) && sqlType.endsWith("[]")) return `${quote(arrayLiteral(value))}::${sqlType}`;
  throw new ClosqlError(`closql: cannot render default ${String(value)} for ${sqlType}`);
}

function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function arrayLiteral(values: unknown[]): string {
  return `{${values.map((v) => (v === null ? "NULL" : `"${elementText(v).replace(/["\\]/g, "\\$&")}"`)).join(",")}}`;
}

function elementText(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return `\\x${hex(v)}`;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
