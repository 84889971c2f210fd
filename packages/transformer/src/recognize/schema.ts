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
  /** Declared `.primaryKey()`. */
  readonly primaryKey: boolean;
  /** Declared `.primaryKey()` or `.unique()` (a literal `true` in its facts; anything else: not known). */
  readonly unique?: boolean;
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
  /** Its single-column primary key, which relations point at (undefined: none, or a composite key). */
  readonly primaryKey?: ColumnInfo;
}

export type RelationKind = "hasMany" | "hasOne" | "belongsTo" | "manyToMany";

/** A relation as the transformer reads it from the query type's `$relations` (never by running code). */
export interface RelationInfo {
  readonly name: string;
  readonly kind: RelationKind;
  readonly target: TableInfo;
  /**
   * The key column's TypeScript key: for hasMany/hasOne a column of the target holding the source's
   * primary key; for belongsTo a column of the source holding the target's.
   */
  readonly key: string;
  /** manyToMany: the junction table and its columns holding the source's (`from`) and the target's (`to`) keys. */
  readonly through?: { readonly table: TableInfo; readonly from: ColumnInfo; readonly to: ColumnInfo };
  /** The target's own relations (read when a nested path or predicate first needs them). */
  readonly targetRelations: () => Relations;
  /** Why this relation cannot be compiled (a fact that is not a literal type, a key that is not a column). */
  readonly problem?: string;
}

/** The relations of a table, by name, as a query type carries them. */
export type Relations = ReadonlyMap<string, RelationInfo>;

const NO_RELATIONS: Relations = new Map();

/** Does the relation hold several rows (an array), or one row or null? */
export function isToMany(r: RelationInfo): boolean {
  return r.kind === "hasMany" || r.kind === "manyToMany";
}

/** What the type of an expression says about closql. */
export type QueryType =
  /** Not a closql query. */
  | { readonly kind: "none" }
  /** A closql query whose table is not known at build time (`Query<any>`, a generic table). */
  | { readonly kind: "unknownTable"; readonly why: string }
  | {
      readonly kind: "query";
      readonly table: TableInfo;
      readonly relations: Relations;
      /** A joined query's tables in join order (absent for a one-table query). */
      readonly joined?: readonly JoinedTable[];
    };

/** One table of a joined query, as its type states it. */
export interface JoinedTable {
  readonly table: TableInfo;
  /** Left-joined: its closure parameter is `Row | null`. */
  readonly optional: boolean;
}

const NOT_A_QUERY: QueryType = { kind: "none" };

/**
 * Reads `Query<T>` types: is this a closql query, which table, is it closql's Database. A receiver
 * typed by a type parameter (`Q extends Query<typeof users>`) is read through its constraint.
 */
export class SchemaReader {
  private readonly cache = new Map<ts.Type, QueryType>();
  private readonly relationCache = new Map<ts.Type, Relations>();

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
    const known = this.tableType(this.checker.getTypeOfSymbol(tableProp));
    if (known.kind !== "query") return known;
    const relationsProp = apparent.getProperty("$relations");
    const relations = relationsProp ? this.relations(this.checker.getTypeOfSymbol(relationsProp)) : NO_RELATIONS;
    const tablesProp = apparent.getProperty("$tables");
    const rowsProp = apparent.getProperty("$rows");
    if (!tablesProp || !rowsProp) return { ...known, relations };
    return this.joinedQuery({ ...known, relations }, tablesProp, rowsProp);
  }

  /** A table's declaration type (`typeof posts`, a join's argument) read as the transformer sees it. */
  tableType(tableType: ts.Type): QueryType {
    let known = this.cache.get(tableType);
    if (!known) {
      known = this.readTable(tableType);
      this.cache.set(tableType, known);
    }
    return known;
  }

  /** A joined query's `$tables` and `$rows` tuples: each table, and whether its row may be null. */
  private joinedQuery(first: QueryType & { kind: "query" }, tablesProp: ts.Symbol, rowsProp: ts.Symbol): QueryType {
    const tuple = (prop: ts.Symbol) => {
      const t = this.checker.getTypeOfSymbol(prop);
      return this.checker.isTupleType(t) ? this.checker.getTypeArguments(t as ts.TypeReference) : undefined;
    };
    const tables = tuple(tablesProp);
    const rows = tuple(rowsProp);
    if (!tables || !rows || tables.length !== rows.length)
      return { kind: "unknownTable", why: "its joined tables are not a tuple type" };
    const joined: JoinedTable[] = [];
    for (let i = 0; i < tables.length; i++) {
      const read = this.tableType(tables[i]);
      if (read.kind !== "query")
        return read.kind === "none" ? { kind: "unknownTable", why: "a joined table is not a closql table" } : read;
      const row = rows[i];
      const optional = (row.isUnion() ? row.types : [row]).some((p) => (p.flags & ts.TypeFlags.Null) !== 0);
      joined.push({ table: read.table, optional });
    }
    return { kind: "query", table: first.table, relations: first.relations, joined };
  }

  /** The relations a `$relations` type (closql's `RelationsOf`) declares. */
  relations(type: ts.Type): Relations {
    let known = this.relationCache.get(type);
    if (!known) {
      const apparent = this.checker.getApparentType(type);
      const read = new Map<string, RelationInfo>();
      if (!(apparent.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)))
        for (const prop of apparent.getProperties()) read.set(prop.name, this.readRelation(prop));
      known = read;
      this.relationCache.set(type, known);
    }
    return known;
  }

  /** One relation: kind, target, keys and junction, each a literal type (else it carries its problem). */
  private readRelation(prop: ts.Symbol): RelationInfo {
    const type = this.checker.getTypeOfSymbol(prop);
    const name = prop.name;
    const targetRelations = () => {
      const p = type.getProperty("$targetRelations");
      return p ? this.relations(this.checker.getTypeOfSymbol(p)) : NO_RELATIONS;
    };
    const failed = (problem: string): RelationInfo => ({
      name,
      kind: "hasMany",
      key: "",
      target: { name: "?", columns: new Map(), unknownFacts: [] },
      targetRelations,
      problem,
    });
    const kind = this.literal(type, "kind");
    if (kind !== "hasMany" && kind !== "hasOne" && kind !== "belongsTo" && kind !== "manyToMany")
      return failed("its kind is not a literal type");
    const target = this.tableOfProperty(type, "target");
    if (typeof target === "string") return failed(`its target ${target}`);
    const key = this.literal(type, "key");
    if (typeof key !== "string") return failed("its key column is not a literal type");
    if (kind === "manyToMany") {
      const throughProp = type.getProperty("through");
      const throughType = throughProp && this.checker.getNonNullableType(this.checker.getTypeOfSymbol(throughProp));
      const junction = throughType ? this.tableOfProperty(throughType, "table") : "is missing";
      if (typeof junction === "string") return failed(`its junction table ${junction}`);
      const from = this.literal(throughType!, "from");
      const to = this.literal(throughType!, "to");
      const fromColumn = typeof from === "string" ? junction.columns.get(from) : undefined;
      const toColumn = typeof to === "string" ? junction.columns.get(to) : undefined;
      if (!fromColumn || !toColumn)
        return failed(`its junction's key columns are not literal column keys of "${junction.name}"`);
      return { name, kind, key, target, through: { table: junction, from: fromColumn, to: toColumn }, targetRelations };
    }
    return { name, kind, key, target, targetRelations };
  }

  /** The table of a table-typed property, or why it is not one known at build time. */
  private tableOfProperty(type: ts.Type, property: string): TableInfo | string {
    const p = type.getProperty(property);
    if (!p) return "is missing";
    const read = this.tableType(this.checker.getTypeOfSymbol(p));
    if (read.kind !== "query")
      return read.kind === "unknownTable" ? `is not known at build time: ${read.why}` : "is not a table";
    if (read.table.unknownFacts.length > 0) return `"${read.table.name}" has column facts that are not literal types`;
    return read.table;
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
    const keys = [...columns.values()].filter((c) => c.primaryKey);
    const primaryKey = keys.length === 1 ? keys[0] : undefined;
    return { kind: "query", table: { name, columns, unknownFacts, primaryKey }, relations: NO_RELATIONS };
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
      primaryKey: this.literal(meta, "primaryKey") === true,
      ...(this.optionalLiteral(meta, "unique") === true ? { unique: true } : {}),
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

/**
 * How a relation's rows are found from a source row: `targetColumn` (of the target, or of the
 * junction for manyToMany) equals `sourceColumn` (of the source). For manyToMany, `targetKey` of the
 * target equals the junction's `to`. Or why the relation cannot be compiled.
 */
export interface RelationLink {
  readonly sourceColumn: ColumnInfo;
  readonly targetColumn: ColumnInfo;
}

export function relationLink(relation: RelationInfo, source: TableInfo): RelationLink | { problem: string } {
  if (relation.problem) return { problem: relation.problem };
  const primaryKeyOf = (t: TableInfo) => t.primaryKey ?? `table "${t.name}" has no single-column primary key`;
  const column = (t: TableInfo, key: string) => t.columns.get(key) ?? `"${key}" is not a column of table "${t.name}"`;
  const pair =
    relation.kind === "belongsTo"
      ? [column(source, relation.key), primaryKeyOf(relation.target)]
      : relation.kind === "manyToMany"
        ? [primaryKeyOf(source), relation.through!.from, primaryKeyOf(relation.target)]
        : [primaryKeyOf(source), column(relation.target, relation.key)];
  const problem = pair.find((p) => typeof p === "string");
  if (typeof problem === "string") return { problem };
  const keys = [...(pair as ColumnInfo[]), ...(relation.through ? [relation.through.to] : [])];
  const inexact = keys.find((c) => INEXACT_KEY_TYPES.has(c.sqlType.replace(/\(.*?\)/, "")));
  if (inexact)
    return {
      problem:
        `its key "${inexact.name}" is ${inexact.sqlType}, whose SQL equality is not JavaScript's === ` +
        `(numeric "1.0" = "1.00", float NaN = NaN): the statements would relate rows JavaScript does not ` +
        `(one preload strategy matching in SQL, the other by the key's value); use an integer, bigint, text or uuid key`,
    };
  return { sourceColumn: pair[0] as ColumnInfo, targetColumn: pair[1] as ColumnInfo };
}

/** Key types whose SQL `=` relates values JavaScript's `===` tells apart (or the reverse). */
const INEXACT_KEY_TYPES = new Set(["numeric", "real", "double precision"]);
