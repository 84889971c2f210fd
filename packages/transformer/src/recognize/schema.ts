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
}

export interface TableInfo {
  readonly name: string;
  /** Columns by TypeScript key, in declaration order. */
  readonly columns: ReadonlyMap<string, ColumnInfo>;
}

/** Reads `Query<T>` types: is this a closql query, which table, is it a chain root. */
export class SchemaReader {
  private readonly cache = new Map<ts.Type, TableInfo | undefined>();

  constructor(private readonly checker: ts.TypeChecker) {}

  /** The table behind a closql query type, or undefined when `type` is not a closql query. */
  tableOfQuery(type: ts.Type): TableInfo | undefined {
    const tableProp = type.getProperty("$table");
    if (!tableProp || !type.getProperty("$out") || !type.getProperty("$steps")) return undefined;
    const tableType = this.checker.getTypeOfSymbol(tableProp);
    if (!this.cache.has(tableType)) this.cache.set(tableType, this.readTable(tableType));
    return this.cache.get(tableType);
  }

  /** A chain root (`db.users`) starts empty, so a chain from it folds into one constant statement. */
  isRoot(type: ts.Type): boolean {
    return type.getProperty("$closqlRoot") !== undefined;
  }

  private readTable(tableType: ts.Type): TableInfo | undefined {
    const name = this.literal(tableType, "$name");
    const columnsProp = tableType.getProperty("$columns");
    if (typeof name !== "string" || !columnsProp) return undefined;
    const columnsType = this.checker.getTypeOfSymbol(columnsProp);
    const columns = new Map<string, ColumnInfo>();
    for (const prop of columnsType.getProperties()) {
      const metaProp = this.checker.getTypeOfSymbol(prop).getProperty("$meta");
      if (!metaProp) continue;
      const meta = this.checker.getTypeOfSymbol(metaProp);
      const sqlType = this.literal(meta, "sqlType");
      if (typeof sqlType !== "string") continue;
      const explicitName = this.literal(meta, "name");
      const int8 = this.literal(meta, "int8");
      columns.set(prop.name, {
        key: prop.name,
        name: typeof explicitName === "string" ? explicitName : snakeCase(prop.name),
        sqlType,
        nullable: this.literal(meta, "nullable") === true,
        int8: int8 === "bigint" || int8 === "number" ? int8 : undefined,
      });
    }
    return { name, columns };
  }

  /** The value of a literal-typed property: a string, true/false, or undefined. */
  private literal(type: ts.Type, property: string): string | boolean | undefined {
    const prop = type.getProperty(property);
    if (!prop) return undefined;
    const t = this.checker.getTypeOfSymbol(prop);
    if (t.isStringLiteral()) return t.value;
    if (t.flags & ts.TypeFlags.BooleanLiteral)
      return (t as unknown as { intrinsicName: string }).intrinsicName === "true";
    return undefined;
  }
}
