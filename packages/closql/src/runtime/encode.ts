import { Column, ColumnConfig } from "../schema/column";
import { validatorOf } from "../schema/validate";
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
  /** For int8 columns: how JavaScript holds their values. */
  readonly int8?: "bigint" | "number";
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
  // NULL is the server's to refuse: a NOT NULL column reports NotNullViolation with its name.
  if (value === undefined || value === null) return value;
  const { check, encodeValue } = codecOf(column);
  const problem = check(value);
  if (problem !== undefined) throw new ColumnValueError(column.label, problem);
  return encodeValue(value);
}

/** A codec's decisions, made once per column. */
export interface PreparedCodec {
  readonly check: (value: unknown) => string | undefined;
  readonly encodeValue: (value: unknown) => unknown;
  /** Whether closql knows the type's rules (else values pass unchecked and pg serializes them). */
  readonly known: boolean;
}

const prepared = new WeakMap<ColumnCodec, PreparedCodec>();

/**
 * What a codec does, decided once per column (codecs are hoisted constants): the declaration's strict
 * check (schema/validate.ts: the rules `parse` uses) and the encoding of its SQL type.
 */
export function codecOf(codec: ColumnCodec): PreparedCodec {
  let known = prepared.get(codec);
  if (!known) {
    const config: ColumnConfig = {
      sqlType: codec.sqlType,
      nullable: true,
      primaryKey: false,
      unique: false,
      ...(codec.int8 ? { int8: codec.int8 } : {}),
      ...(codec.labels ? { enum: { name: codec.sqlType, values: codec.labels } } : {}),
    };
    const validator = validatorOf(new Column(config));
    known = {
      check: validator.check,
      encodeValue: valueEncoder(codec.sqlType),
      known: validator.scalar.kind !== "unknown",
    };
    prepared.set(codec, known);
  }
  return known;
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

/**
 * How a checked value of `sqlType` becomes its parameter, decided once per type: as it is where pg
 * sends what closql needs, else in the form that keeps the value exact.
 */
function valueEncoder(sqlType: string): (value: unknown) => unknown {
  if (sqlType.endsWith("[]")) {
    const element = valueEncoder(sqlType.slice(0, -2));
    return (value) => (value as readonly unknown[]).map((v) => (v === null || v === undefined ? null : element(v)));
  }
  switch (baseType(sqlType)) {
    case "jsonb":
      return (value) => JSON.stringify(value);
    case "real":
    case "double precision":
      // pg would send -0 as "0": the column keeps the sign JavaScript has.
      return (value) => (Object.is(value, -0) ? "-0" : value);
    case "bigint":
      return (value) => (typeof value === "bigint" ? value.toString() : value);
    case "timestamptz":
    case "timestamp":
      return (value) => dateParam(value as Date);
    case "bytea":
      return (value) =>
        Buffer.isBuffer(value)
          ? value
          : Buffer.from(
              (value as Uint8Array).buffer,
              (value as Uint8Array).byteOffset,
              (value as Uint8Array).byteLength,
            );
    default:
      return asIs;
  }
}

const asIs = (value: unknown): unknown => value;

export const baseType = (sqlType: string) => sqlType.replace(/\(.*\)$/, "");

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
