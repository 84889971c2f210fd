import { ClosqlError } from "./errors";
import { dateParam } from "./timestamp";

/**
 * What a compiled write knows of a column it stores a value in, emitted once per column as a
 * constant: enough to check the value and turn it into the parameter PostgreSQL stores exactly.
 */
export interface ColumnCodec {
  /** `users.age`: named in errors. */
  readonly label: string;
  /** As declared: `integer`, `text[]`, `"role"`. */
  readonly sqlType: string;
  readonly nullable: boolean;
  /** For enum columns (and their arrays): the labels. */
  readonly labels?: readonly string[];
}

/** A value that does not fit its column, found before anything is sent. */
export class ColumnValueError extends ClosqlError {
  constructor(
    /** `users.age` */
    readonly column: string,
    readonly problem: string,
  ) {
    super(`closql: column ${column}: ${problem}`);
  }
}

/**
 * A value bound into a column (insert, update, upsert): checked against the column's declared
 * JavaScript type, because PostgreSQL would silently coerce what TypeScript let through (`as any`,
 * JSON input): the string "12" into an integer, `true` into text, a JavaScript array into jsonb as a
 * PostgreSQL array. `undefined` passes through: it means "not given" (the column's default on insert,
 * unchanged on update).
 */
export function encode(value: unknown, column: ColumnCodec): unknown {
  if (value === undefined || value === null) return value;
  const problem = valueProblem(value, column.sqlType, column.labels);
  if (problem !== undefined) throw new ColumnValueError(column.label, problem);
  return encodeChecked(value, column.sqlType);
}

/**
 * One row of a batch insert, for its array parameter: array and JSON values travel as text (see
 * insertManyText), everything else as `encode` gives it.
 */
export function encodeElement(value: unknown, column: ColumnCodec): unknown {
  const v = encode(value, column);
  if (v === undefined || v === null || !column.sqlType.endsWith("[]")) return v;
  return arrayLiteral(v as readonly unknown[]);
}

function encodeChecked(value: unknown, sqlType: string): unknown {
  if (sqlType.endsWith("[]")) {
    const element = sqlType.slice(0, -2);
    return (value as readonly unknown[]).map((v) => (v === null || v === undefined ? null : encodeChecked(v, element)));
  }
  switch (baseType(sqlType)) {
    case "jsonb":
      return JSON.stringify(value);
    case "real":
    case "double precision":
      // pg would send -0 as "0": the column keeps the sign JavaScript has.
      return Object.is(value, -0) ? "-0" : value;
    case "bigint":
      return typeof value === "bigint" ? value.toString() : value;
    case "timestamptz":
    case "timestamp":
      return dateParam(value as Date);
    case "bytea":
      return Buffer.isBuffer(value)
        ? value
        : Buffer.from((value as Uint8Array).buffer, (value as Uint8Array).byteOffset, (value as Uint8Array).byteLength);
    default:
      return value;
  }
}

const baseType = (sqlType: string) => sqlType.replace(/\(.*\)$/, "");

const INT_RANGE: Record<string, [number, number]> = {
  smallint: [-32768, 32767],
  integer: [-2147483648, 2147483647],
  bigint: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** Why `value` cannot be stored in a column of `sqlType` as JavaScript holds it, or undefined. */
export function valueProblem(value: unknown, sqlType: string, labels?: readonly string[]): string | undefined {
  if (sqlType.endsWith("[]")) {
    if (!Array.isArray(value)) return `expected an array, got ${describe(value)}`;
    const element = sqlType.slice(0, -2);
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (v === null || v === undefined) continue;
      const p = valueProblem(v, element, labels);
      if (p !== undefined) return `element ${i}: ${p}`;
    }
    return undefined;
  }
  const base = baseType(sqlType);
  switch (base) {
    case "smallint":
    case "integer":
    case "bigint": {
      if (base === "bigint" && typeof value === "bigint") {
        return value >= -9223372036854775808n && value <= 9223372036854775807n ? undefined : "out of int8's range";
      }
      if (typeof value !== "number")
        return `expected ${base === "bigint" ? "a bigint" : "an integer"}, got ${describe(value)}`;
      if (!Number.isInteger(value)) return `expected an integer, got ${value}`;
      const [min, max] = INT_RANGE[base];
      if (value < min || value > max)
        return `${value} is out of the ${base} range${base === "bigint" ? " a JavaScript number holds exactly" : ""}`;
      return undefined;
    }
    case "real":
    case "double precision":
      return typeof value === "number" ? undefined : `expected a number, got ${describe(value)}`;
    case "boolean":
      return typeof value === "boolean" ? undefined : `expected a boolean, got ${describe(value)}`;
    case "timestamptz":
    case "timestamp":
      if (!(value instanceof Date)) return `expected a Date, got ${describe(value)}`;
      return Number.isNaN(value.getTime()) ? "an invalid Date" : undefined;
    case "jsonb":
      return jsonProblem(value);
    case "bytea":
      return value instanceof Uint8Array ? undefined : `expected a Uint8Array, got ${describe(value)}`;
    case "date":
      if (typeof value !== "string") return `expected a "YYYY-MM-DD" string, got ${describe(value)}`;
      return isCanonicalDate(value)
        ? undefined
        : `expected a "YYYY-MM-DD" date, got ${JSON.stringify(value.slice(0, 40))}`;
    case "uuid":
      if (typeof value !== "string") return `expected a uuid string, got ${describe(value)}`;
      // PostgreSQL also reads braces, no dashes and upper case, and reads them back otherwise.
      return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)
        ? undefined
        : `expected a lower-case uuid, got ${JSON.stringify(value.slice(0, 40))}`;
    case "numeric":
      if (typeof value !== "string") return `expected a numeric string, got ${describe(value)}`;
      return /^\s*[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$|^\s*[+-]?(NaN|Infinity)\s*$/i.test(value)
        ? undefined
        : `expected a numeric string, got ${JSON.stringify(value.slice(0, 40))}`;
    default:
      if (typeof value !== "string") return `expected a string, got ${describe(value)}`;
      if (labels && !labels.includes(value))
        return `${JSON.stringify(value.slice(0, 40))} is not one of ${labels.map((l) => JSON.stringify(l)).join(", ")}`;
      return undefined;
  }
}

/** A value JSON.stringify would change or refuse (what travels is JSON text). */
function jsonProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `${value} has no JSON form (JSON.stringify gives null)`;
    case "object":
      return undefined;
    default:
      return `${typeof value} has no JSON form`;
  }
}

function isCanonicalDate(s: string): boolean {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3])));
  d.setUTCFullYear(Number(m[1]));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() + 1 === Number(m[2]) && d.getUTCDate() === Number(m[3]);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  const t = typeof value;
  return t === "object" ? "an object" : t === "string" ? `a string` : t;
}

/** A PostgreSQL array literal (`{"a","b",NULL}`), nesting inner arrays. */
export function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((v) =>
    v === null || v === undefined
      ? "NULL"
      : Array.isArray(v)
        ? arrayLiteral(v)
        : Buffer.isBuffer(v)
          ? `"\\\\x${v.toString("hex")}"`
          : `"${String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`,
  );
  return `{${items.join(",")}}`;
}
