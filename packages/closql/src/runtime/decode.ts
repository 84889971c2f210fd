import pg from "pg";
import { PrecisionLossError } from "./errors";
import { parseTimestamptz, parseTimestampUtc } from "./timestamp";

/**
 * Value conversions the row mappers call. The transformer emits a mapper per query that calls these
 * by name only for columns that need them; every other value is used as `pg` parsed it.
 */
export const decode = {
  /** A field whose SQL NULL is JavaScript's undefined (a missing JSON key, `x?.y` of a null x). */
  undefinedIfNull(v: unknown): unknown {
    return v === null ? undefined : v;
  },
  /** A JSONB path read as text: SQL NULL is a missing key (undefined), the text 'null' is JSON null. */
  jsonOrUndefined(v: string | null): unknown {
    return v === null ? undefined : JSON.parse(v);
  },
  /** int8 → bigint, exactly. */
  int8(v: string | null): bigint | null {
    return v === null ? null : BigInt(v);
  },
  /** int8 → number, refusing to round. */
  int8Number(v: string | null): number | null {
    if (v === null) return null;
    const n = Number(v);
    if (!Number.isSafeInteger(n))
      throw new PrecisionLossError(
        `int8 value ${v} does not fit a JavaScript number exactly; use bigint() without { mode: "number" }`,
      );
    return n;
  },
  int8Array(v: (string | null)[] | null): (bigint | null)[] | null {
    return v === null ? null : v.map(decode.int8);
  },
  int8NumberArray(v: (string | null)[] | null): (number | null)[] | null {
    return v === null ? null : v.map(decode.int8Number);
  },
  /** Arrays of enums arrive as text (`{a,b}`): their type id is only known at run time. */
  textArray(v: string | null): (string | null)[] | null {
    return v === null
      ? null
      : (pg.types.getTypeParser(1009 as never, "text") as (value: string) => (string | null)[])(v);
  },
  /** count(*) arrives as int8. */
  count(v: string): number {
    return decode.int8Number(v)!;
  },
};

const DATE = 1082;
const DATE_ARRAY = 1182;
const TIMESTAMP = 1114;
const TIMESTAMP_ARRAY = 1115;
const TIMESTAMPTZ = 1184;
const TEXT_ARRAY = 1009;
const NUMERIC_ARRAY = 1231;
const identity = (v: string) => v;
const textArray = pg.types.getTypeParser(TEXT_ARRAY as never, "text") as (value: string) => (string | null)[];

const fastParsers = new WeakMap<(value: string) => unknown, (value: string) => unknown>();
function fastTimestamptz(orElse: (value: string) => unknown): (value: string) => unknown {
  let fast = fastParsers.get(orElse);
  if (!fast) fastParsers.set(orElse, (fast = (v) => parseTimestamptz(v, orElse)));
  return fast;
}

/**
 * Type parsers for every closql query (results are text in the ISO DateStyle closql pins, session.ts):
 * `date` stays the `"YYYY-MM-DD"` string (pg's default builds a local-midnight Date, which a time
 * zone can shift to another day); `timestamp` (without time zone) is read as UTC, not in the Node
 * process's zone (timestamp.ts); `numeric[]` elements stay exact strings like `numeric` (pg's
 * default parses them as floats); everything else is pg's default.
 */
export const closqlTypes = {
  getTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
    if (oid === DATE) return identity;
    if (oid === DATE_ARRAY || oid === NUMERIC_ARRAY) return textArray;
    if (oid === TIMESTAMP) return parseTimestampUtc;
    if (oid === TIMESTAMP_ARRAY) return (v) => textArray(v).map((e) => (e === null ? null : parseTimestampUtc(e)));
    const parser = pg.types.getTypeParser(oid as never, format ?? "text") as (value: string) => unknown;
    // pg's own timestamptz parser (postgres-date's), unless the application registered another:
    // the same Dates, read faster.
    if (oid === TIMESTAMPTZ && parser.name === "parseDate") return fastTimestamptz(parser);
    return parser;
  },
};
