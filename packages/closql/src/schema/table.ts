import { AnyColumn, Column, ColumnMeta } from "./column";
import { snakeCase } from "../sql/identifiers";
import { ClosqlError } from "../runtime/errors";
import { parseInsert, ParseOptions } from "./validate";
import { JsonSchema, JsonSchemaOptions, tableJsonSchema } from "./json-schema";

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type ValueOf<C> = C extends Column<infer T, infer M> ? (M["nullable"] extends true ? T | null : T) : never;
type IsOptional<C> = C extends Column<any, infer M> ? (M["nullable"] extends true ? true : M["hasDefault"]) : never;

/** What a SELECT of the whole table returns. */
export type RowOf<C extends Record<string, AnyColumn>> = Simplify<{ -readonly [K in keyof C]: ValueOf<C[K]> }>;

/** What an INSERT takes: columns with a default, generated or nullable columns are optional. */
export type InsertOf<C extends Record<string, AnyColumn>> = Simplify<
  { -readonly [K in keyof C as IsOptional<C[K]> extends true ? never : K]: ValueOf<C[K]> } & {
    -readonly [K in keyof C as IsOptional<C[K]> extends true ? K : never]?: ValueOf<C[K]>;
  }
>;

/** Indexes and table constraints, declared next to the table. */
export type TableExtra = IndexSpec | PrimaryKeySpec | CheckSpec;

export interface IndexSpec {
  readonly kind: "index";
  readonly name: string;
  readonly unique: boolean;
  readonly method?: "btree" | "gin" | "gist" | "hash" | "brin";
  /** Column references or SQL expressions (for expression indexes). */
  readonly parts: readonly (AnyColumn | { sql: string })[];
  /** Partial index predicate, in SQL. */
  readonly where?: string;
}

export interface PrimaryKeySpec {
  readonly kind: "primaryKey";
  readonly columns: readonly AnyColumn[];
}

export interface CheckSpec {
  readonly kind: "check";
  readonly name: string;
  readonly sql: string;
}

class IndexBuilder {
  constructor(private readonly spec: IndexSpec) {}
  /** The indexed columns, in order. */
  on(...columns: AnyColumn[]): IndexBuilder {
    return new IndexBuilder({ ...this.spec, parts: [...this.spec.parts, ...columns] });
  }
  /** An indexed SQL expression, e.g. `lower(email)`. */
  expression(sql: string): IndexBuilder {
    return new IndexBuilder({ ...this.spec, parts: [...this.spec.parts, { sql }] });
  }
  using(method: NonNullable<IndexSpec["method"]>): IndexBuilder {
    return new IndexBuilder({ ...this.spec, method });
  }
  /** Makes it a partial index. */
  where(sql: string): IndexBuilder {
    return new IndexBuilder({ ...this.spec, where: sql });
  }
  build(): IndexSpec {
    if (this.spec.parts.length === 0) throw new ClosqlError(`closql: index ${this.spec.name} has no columns`);
    return this.spec;
  }
}

export const index = (name: string) => new IndexBuilder({ kind: "index", name, unique: false, parts: [] });
export const uniqueIndex = (name: string) => new IndexBuilder({ kind: "index", name, unique: true, parts: [] });
export const primaryKey = (...columns: AnyColumn[]): PrimaryKeySpec => ({ kind: "primaryKey", columns });
export const check = (name: string, sql: string): CheckSpec => ({ kind: "check", name, sql });

export interface TableMeta<N extends string, C extends Record<string, AnyColumn>> {
  /** Phantom: lets the transformer find the table through a query's type. */
  readonly $name: N;
  readonly $columns: C;
  /** Phantom: the row type, `typeof users.$row`. */
  readonly $row: RowOf<C>;
  /** Phantom: the insert type, `typeof users.$insert`. */
  readonly $insert: InsertOf<C>;
  readonly $extras: readonly (IndexSpec | PrimaryKeySpec | CheckSpec)[];
  /** Set by `.renamedFrom()`: the table's previous name. */
  readonly $renamedFrom?: string;
  /**
   * A hint for migrations (`closql diff`/`generate`): this table was called `previousName` before.
   * Where the database has `previousName` and not this table, the migration renames it, keeping its
   * rows. Returns the same table: `table("people", {…}).renamedFrom("users")`.
   */
  renamedFrom(previousName: string): this;
  /**
   * The insert object for `input` (typically `JSON.parse` of a request body), with JSON's forms
   * converted where that is lossless (an ISO string to a Date, a digit string to a bigint, base64 to
   * bytes), or a `ValidationError` whose `issues` list every bad field. Never returns a key that is
   * not a column. See the README's "Validation".
   */
  parse(input: unknown, options?: ParseOptions): InsertOf<C>;
  /** JSON Schema (draft 2020-12) of the insert body `parse` accepts, or of a row: HTTP validation, OpenAPI. */
  jsonSchema(options?: JsonSchemaOptions): JsonSchema;
}

/**
 * Phantom: a table's column carries its key as a literal type, so a relation's key closure
 * (`p => p.userId`) tells the transformer which column it names without running it.
 */
export interface ColumnKey<K extends string> {
  readonly $key: K;
}

export type Table<N extends string, C extends Record<string, AnyColumn>> = TableMeta<N, C> & {
  readonly [K in keyof C]: C[K] & ColumnKey<K & string>;
};
export type AnyTable = TableMeta<string, any>;

/**
 * Declares a table. `extras` receives the table's columns and returns its indexes and constraints:
 * `table("posts", {...}, t => [index("posts_user_idx").on(t.userId)])`.
 */
export function table<N extends string, C extends Record<string, AnyColumn>>(
  name: N,
  columns: C,
  extras?: (t: { readonly [K in keyof C]: C[K] }) => (IndexBuilder | PrimaryKeySpec | CheckSpec)[],
): Table<N, C> {
  const bound = {} as Record<string, AnyColumn>;
  const result = { $name: name, $columns: bound } as unknown as Table<N, C> & { $extras: TableExtra[] };
  for (const key of Object.keys(columns)) {
    // Columns are properties of the table object, beside its own members.
    if (TABLE_MEMBERS.includes(key) || key === "__proto__" || key.startsWith("$"))
      throw new ClosqlError(
        `closql: table "${name}" cannot have a column keyed "${key}": ${key.startsWith("$") ? "keys starting with $ are reserved for closql" : `"${key}" is a method of the table object`}; use another key and .name("${key.replace(/^\$/, "")}") for the SQL name`,
      );
  }
  Object.defineProperties(result, {
    parse: { value: (input: unknown, options?: ParseOptions) => parseInsert(name, bound, input, options) },
    jsonSchema: { value: (options?: JsonSchemaOptions) => tableJsonSchema(name, bound, options) },
    renamedFrom: {
      value: (previousName: string) => {
        if (typeof previousName !== "string" || previousName === "" || previousName === name)
          throw new ClosqlError(`closql: table "${name}".renamedFrom() needs the table's previous name`);
        Object.defineProperty(result, "$renamedFrom", { value: previousName, enumerable: false });
        return result;
      },
    },
  });
  for (const [key, col] of Object.entries(columns)) {
    bound[key] = new Column({ ...col.config, table: result as unknown as AnyTable, key });
    (result as any)[key] = bound[key];
  }
  result.$extras = (extras?.(bound as never) ?? []).map((e) => (e instanceof IndexBuilder ? e.build() : e));
  return result;
}

/** The table object's own methods: no column may be keyed like one. */
const TABLE_MEMBERS: readonly string[] = ["parse", "jsonSchema", "renamedFrom"];

/** The SQL name of a column of a table. */
export function columnName(column: AnyColumn): string {
  return column.config.name ?? snakeCase(column.config.key!);
}

export type { ColumnMeta };
