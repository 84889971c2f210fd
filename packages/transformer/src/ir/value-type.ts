import type { ColumnInfo } from "../recognize/schema";

/** What JavaScript sees for a value: decides truthiness, comparison rules and row decoding. */
export type JsKind =
  | "boolean"
  | "number"
  | "bigint"
  | "string"
  | "date"
  | "json"
  | "array"
  | "bytes"
  /** A whole row (a closure parameter): an object, compared by reference. */
  | "row"
  | "unknown";

export interface ValueType {
  readonly kind: JsKind;
  /** May be SQL NULL (JavaScript null/undefined). */
  readonly nullable: boolean;
  /** SQL type when known: from a column, or what an SQL function returns. */
  readonly sqlType?: string;
  /** A number that can never be NaN (a JSON number, similarity()), so no NaN guard is needed. */
  readonly neverNaN?: boolean;
  /** For enum columns: the labels (a bound non-label can match nothing). */
  readonly enumLabels?: readonly string[];
  /** A property path into JSONB: SQL NULL there means a missing key (`undefined`), not null. */
  readonly jsonPath?: boolean;
  /**
   * What SQL NULL stands for when it is not null: `undefined` (the value of `x?.y` when x is null), or
   * `either` (a branch yields null, the other undefined). See absenceOf.
   */
  readonly absent?: "undefined" | "either";
  /**
   * TypeScript proved the value non-null here (`u.age !== null && …`). SQL keeps handling NULL (a
   * narrowing can be unsound: after `x != u.n` is false TypeScript drops null from `u.n`), but what
   * JavaScript would refuse or throw on null (ordering, property access, arithmetic) is allowed.
   */
  readonly narrowed?: boolean;
  /** For arrays: the element type. */
  readonly element?: ValueType;
}

/** The JavaScript kind of a column's values, from its SQL type. */
export function columnType(c: ColumnInfo): ValueType {
  return { ...sqlTypeToValueType(c.sqlType, c.int8), nullable: c.nullable };
}

function sqlTypeToValueType(sqlType: string, int8: ColumnInfo["int8"]): ValueType {
  if (sqlType.endsWith("[]")) {
    const element = sqlTypeToValueType(sqlType.slice(0, -2), int8);
    return { kind: "array", nullable: false, sqlType, element: { ...element, nullable: true } };
  }
  const base = sqlType.replace(/\(.*\)$/, "");
  switch (base) {
    case "smallint":
    case "integer":
    case "real":
    case "double precision":
      return { kind: "number", nullable: false, sqlType: base };
    case "bigint":
      return { kind: int8 === "number" ? "number" : "bigint", nullable: false, sqlType: base };
    case "boolean":
      return { kind: "boolean", nullable: false, sqlType: base };
    case "timestamptz":
    case "timestamp":
      return { kind: "date", nullable: false, sqlType: base };
    case "jsonb":
      return { kind: "json", nullable: false, sqlType: base };
    case "bytea":
      return { kind: "bytes", nullable: false, sqlType: base };
    default:
      // text, varchar, numeric (exact, as a string), date ("YYYY-MM-DD"), uuid, enums
      return { kind: "string", nullable: false, sqlType: base };
  }
}

/** SQL types whose values can be NaN, which PostgreSQL treats as equal to itself and above every number. */
export function mayBeNaN(t: ValueType): boolean {
  return (
    t.kind === "number" && !t.neverNaN && t.sqlType !== "integer" && t.sqlType !== "smallint" && t.sqlType !== "bigint"
  );
}

export function isIntegerSqlType(t: ValueType): boolean {
  return t.sqlType === "integer" || t.sqlType === "smallint" || t.sqlType === "bigint";
}

/** Strings that can be empty (so truthiness needs `<> ''`); numeric, uuid, date and enums never are. */
export function isTextual(t: ValueType): boolean {
  return t.kind === "string" && (t.sqlType === undefined || t.sqlType === "text" || t.sqlType === "varchar");
}

/** A JSONB value or path: compared and tested by JSON's rules. */
export function isJson(t: ValueType): boolean {
  return t.sqlType === "jsonb";
}

/** Every JavaScript number: a double. */
export const FLOAT: ValueType = { kind: "number", nullable: false, sqlType: "double precision" };

export const BOOLEAN: ValueType = { kind: "boolean", nullable: false, sqlType: "boolean" };

/** What JavaScript value an SQL NULL of this type is: null, undefined, or either (unknown). */
export function absenceOf(t: ValueType): "null" | "undefined" | "either" {
  return t.absent ?? (t.jsonPath ? "undefined" : "null");
}

/** May be NULL where TypeScript did not prove otherwise: what ordering and property access check. */
export function maybeNull(t: ValueType): boolean {
  return t.nullable && !t.narrowed;
}

/** The nullability of a value computed from `t` (NULL in, NULL out). */
export function nullabilityOf(t: ValueType): Pick<ValueType, "nullable" | "narrowed"> {
  return t.narrowed ? { nullable: t.nullable, narrowed: true } : { nullable: t.nullable };
}
