import ts from "typescript";
import { snakeCase } from "closql/sql";

/** A column as the transformer sees it: everything comes from the schema declaration's types. */
export interface ColumnInfo {
  /** Property name in TypeScript, e.g. `createdAt`. */
  readonly key: string;
  /** SQL name, e.g. `created_at`. */
  readonly name: string;
  /** SQL type as declared: `integer`, `text[]`, `"role"`. */
  readonly sqlType: string;
  readonly nullable: boolean;
  readonly int8?: "bigint" | "number";
  /** For enum columns (and arrays of them): the declared labels. */
  readonly enumLabels?: readonly string[];
}

/** A fact the SQL depends on that the schema's types do not state exactly (a `boolean`, a `string`). */
export interface UnknownFact {
  /** The column's TypeScript key, or undefined for a fact of the whole table. */
  readonly column?: string;
  readonly fact: string;
}

export interface TableInfo {
  readonly name: string;
  /** Columns by TypeScript key, in declaration order. */
  readonly columns: ReadonlyMap<string, ColumnInfo>;
  /** Facts that are not literal types: a query of this table cannot be compiled faithfully. */
  readonly unknownFacts: readonly UnknownFact[];
}

/** What the type of an expression says about closql. */
export type QueryType =
  /** Not a closql query. */
  | { readonly kind: "none" }
  /** A closql query whose table is not known at build time (`Query<any>`, a generic table). */
  | { readonly kind: "unknownTable"; readonly why: string }
  | { readonly kind: "query"; readonly table: TableInfo };

const NOT_A_QUERY: QueryType = { kind: "none" };

/**
 * Reads `Query<T>` types: is this a closql query, which table, is it closql's Database. A receiver
 * typed by a type parameter (`Q extends Query<typeof users>`) is read through its constraint.
 */
export class SchemaReader {
  private readonly cache = new Map<ts.Type, QueryType>();

  constructor(private readonly checker: ts.TypeChecker) {}

  /** The table behind a closql query type, or undefined when `type` is not a query of a known table. */
  tableOfQuery(type: ts.Type): TableInfo | undefined {
    const q = this.queryType(type);
    return q.kind === "query" ? q.table : undefined;
  }

  /** Whether `type` is a closql query, and of which table. */
  queryType(type: ts.Type): QueryType {
    // `q?.where` reads a `Query | undefined`; a type parameter is read through its constraint.
    const apparent = this.checker.getApparentType(this.checker.getNonNullableType(type));
    const tableProp = apparent.getProperty("$table");
    if (!tableProp || !apparent.getProperty("$out") || !apparent.getProperty("$steps")) return NOT_A_QUERY;
    const tableType = this.checker.getTypeOfSymbol(tableProp);
    let known = this.cache.get(tableType);
    if (!known) {
      known = this.readTable(tableType);
      this.cache.set(tableType, known);
    }
    return known;
  }

  /** closql's `Database` (what `connect()` returns): `db.users` on it is a table's own, empty query. */
  isDatabase(type: ts.Type): boolean {
    return this.checker.getApparentType(type).getProperty("$closqlDatabase") !== undefined;
  }

  private readTable(declared: ts.Type): QueryType {
    const tableType = this.checker.getApparentType(declared);
    if (tableType.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))
      return { kind: "unknownTable", why: "its table type is `any`" };
    const name = this.literal(tableType, "$name");
    const columnsProp = tableType.getProperty("$columns");
    if (typeof name !== "string" || !columnsProp)
      return { kind: "unknownTable", why: "its table's name is not a literal type (a generic or widened table)" };
    const columnsType = this.checker.getApparentType(this.checker.getTypeOfSymbol(columnsProp));
    const columns = new Map<string, ColumnInfo>();
    const unknownFacts: UnknownFact[] = [];
    if (this.checker.getIndexInfosOfType(columnsType).length > 0)
      unknownFacts.push({ fact: "the set of columns (the columns type has an index signature)" });
    for (const prop of columnsType.getProperties()) {
      const read = this.readColumn(prop);
      if ("fact" in read) unknownFacts.push({ column: prop.name, fact: read.fact });
      else columns.set(prop.name, read);
    }
    return { kind: "query", table: { name, columns, unknownFacts } };
  }

  /** One column's facts, each of which must be a literal type. */
  private readColumn(prop: ts.Symbol): ColumnInfo | { fact: string } {
    const columnType = this.checker.getTypeOfSymbol(prop);
    const metaProp = columnType.getProperty("$meta");
    if (!metaProp) return { fact: "its column type (not a closql column)" };
    const meta = this.checker.getTypeOfSymbol(metaProp);
    const sqlType = this.literal(meta, "sqlType");
    if (typeof sqlType !== "string") return { fact: "its SQL type (not a string literal type)" };
    const nullable = this.literal(meta, "nullable");
    if (typeof nullable !== "boolean") return { fact: "its nullability (`boolean`, not `true` or `false`)" };
    const name = this.optionalLiteral(meta, "name");
    if (name === UNKNOWN || typeof name === "boolean")
      return { fact: "its SQL name (`.name()` of a value whose type is not a string literal)" };
    const int8 = this.optionalLiteral(meta, "int8");
    if (int8 === UNKNOWN || !(int8 === undefined || int8 === "bigint" || int8 === "number"))
      return { fact: "how its int8 values reach JavaScript (`mode` is not a literal)" };
    if (/^bigint(\[\])?$/.test(sqlType) && int8 === undefined)
      return { fact: "how its int8 values reach JavaScript (`mode` is not a literal)" };
    let enumLabels: string[] | undefined;
    if (sqlType.startsWith('"')) {
      enumLabels = this.enumLabels(columnType);
      if (!enumLabels) return { fact: "its enum labels (the label list's type is not a tuple of string literals)" };
    }
    return {
      key: prop.name,
      name: name ?? snakeCase(prop.name),
      sqlType,
      nullable,
      int8,
      enumLabels,
    };
  }

  /** The labels of an enum column (or an array of one), from its value type `$type`. */
  private enumLabels(columnType: ts.Type): string[] | undefined {
    const valueProp = columnType.getProperty("$type");
    if (!valueProp) return undefined;
    let value = this.checker.getTypeOfSymbol(valueProp);
    if (this.checker.isArrayType(value)) value = this.checker.getTypeArguments(value as ts.TypeReference)[0];
    const members = value.isUnion() ? value.types : [value];
    if (!members.every((m) => m.isStringLiteral())) return undefined;
    return members.map((m) => (m as ts.StringLiteralType).value);
  }

  /** The value of a literal-typed property: a string, true/false, or undefined when it is not a literal. */
  private literal(type: ts.Type, property: string): string | boolean | undefined {
    const value = this.optionalLiteral(type, property);
    return value === UNKNOWN ? undefined : value;
  }

  /** Like `literal`, but tells the type `undefined` (→ undefined) from a type that is not a literal. */
  private optionalLiteral(type: ts.Type, property: string): string | boolean | undefined | typeof UNKNOWN {
    const prop = type.getProperty(property);
    if (!prop) return UNKNOWN;
    const t = this.checker.getTypeOfSymbol(prop);
    if (t.isStringLiteral()) return t.value;
    if (t.flags & ts.TypeFlags.BooleanLiteral)
      return (t as unknown as { intrinsicName: string }).intrinsicName === "true";
    if (t.flags & ts.TypeFlags.Undefined) return undefined;
    return UNKNOWN;
  }
}

const UNKNOWN = Symbol("not a literal type");
