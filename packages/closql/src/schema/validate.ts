import type { AnyColumn, ColumnConfig } from "./column";
import { ValidationError, ValidationIssue, ValidationIssueCode } from "../runtime/errors";
import { canonical } from "../sql/canonical";

/**
 * Values against their column's declaration, at run time: one set of per-type rules serves
 *
 * - the write path (`columnValueProblem`): the value must already be the declared JavaScript type;
 *   nothing is coerced. It exists for input TypeScript never saw (`as any`, JSON), which PostgreSQL
 *   would otherwise coerce silently (`"12"` into an integer, `true` into text, a JS array into jsonb as
 *   an SQL array literal) or reject with an error that names no column;
 * - `table.parse(input)`, the HTTP boundary: the same rules plus the few *lossless* coercions JSON
 *   forces (a JSON document has no Date, bigint or bytes), listed in `fromJson` of each rule;
 * - `table.jsonSchema()` (json-schema.ts), built from the same rules and patterns.
 *
 * A rule looks at one non-null scalar (array elements one by one); nullability, arrays and
 * required keys are handled around it.
 */

/** A problem with a value; `at` is the path below the column (`[2]`, `.plan`), empty for the value itself. */
export class Problem {
  constructor(
    readonly code: ValidationIssueCode,
    readonly message: string,
    readonly at = "",
  ) {}
  under(prefix: string): Problem {
    return new Problem(this.code, this.message, prefix + this.at);
  }
  /** The short form the write path reports: `[2]: expected a string, got number`. */
  get text(): string {
    return this.at ? `${this.at}: ${this.message}` : this.message;
  }
}

/** The kind of a column's scalar, from its declaration. */
export type ScalarKind =
  | { kind: "int"; sqlType: "smallint" | "integer"; min: number; max: number }
  | { kind: "int8"; mode: "bigint" | "number" }
  | { kind: "float"; sqlType: "real" | "double precision" }
  | { kind: "numeric"; precision?: number; scale?: number }
  | { kind: "text"; maxLength?: number }
  | { kind: "boolean" }
  | { kind: "timestamp"; sqlType: "timestamptz" | "timestamp" }
  | { kind: "date" }
  | { kind: "uuid" }
  | { kind: "jsonb" }
  | { kind: "bytea" }
  | { kind: "enum"; labels: readonly string[] }
  | { kind: "unknown"; sqlType: string };

interface Rule {
  readonly scalar: ScalarKind;
  /**
   * The write path's fast test: true when `v` fits. Allocation-free and monomorphic; only when it
   * says false does `check` work out the problem.
   */
  ok(v: unknown): boolean;
  /** Strict: `undefined` when `v` (neither null nor undefined) is a value of the declared JS type that fits. */
  check(v: unknown): Problem | undefined;
  /** parse: the value to insert, converted from its JSON form where that is lossless, or a Problem. */
  fromJson(v: unknown): unknown;
}

// ------------------------------------------------------------------------------------------------
// Describing values without echoing them: error messages may be logged or sent back to a client, and
// the input may be long or secret. Only the JS type is named.
// ------------------------------------------------------------------------------------------------

export function describe(v: unknown): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "number":
      return Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : "number";
    case "object":
      if (Array.isArray(v)) return "array";
      if (v instanceof Date) return "Date";
      if (v instanceof Uint8Array) return "Uint8Array";
      return "object";
    default:
      return typeof v;
  }
}

const got = (expected: string, v: unknown) => new Problem("type", `expected ${expected}, got ${describe(v)}`);

// ------------------------------------------------------------------------------------------------
// Strings: what PostgreSQL text can hold.
// ------------------------------------------------------------------------------------------------

/** NUL (PostgreSQL rejects it in text and jsonb) or any surrogate (then checked for a lone one). */
const SUSPECT = /[\u0000\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A string PostgreSQL would reject (NUL) or silently change (a lone surrogate becomes U+FFFD). */
export function stringProblem(s: string): Problem | undefined {
  if (!SUSPECT.test(s)) return undefined;
  if (s.includes("\u0000")) return new Problem("unrepresentable", "contains a NUL character, which PostgreSQL rejects");
  if (LONE_SURROGATE.test(s))
    return new Problem(
      "unrepresentable",
      "contains a lone UTF-16 surrogate, which PostgreSQL would store as U+FFFD (not valid Unicode)",
    );
  return undefined;
}

/** Characters as PostgreSQL counts them in UTF-8: code points (a surrogate pair is one). */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

// ------------------------------------------------------------------------------------------------
// The JSON forms, as regular expression sources: parse tests them and jsonSchema() prints them as
// `pattern`, so the two cannot drift apart. They are valid with and without the `u` flag.
// ------------------------------------------------------------------------------------------------

/** A string with no NUL and no lone surrogate (a pair is matched as its two halves without `u`, or as one code point with it). */
export const TEXT_PATTERN = "^(?:[^\\u0000\\ud800-\\udfff]|[\\ud800-\\udbff][\\udc00-\\udfff])*$";

/**
 * RFC 3339 full-date with a four-digit year 0001–9999 that exists in the proleptic Gregorian calendar
 * (2023-02-29 and 2023-04-31 do not): the calendar is in the pattern so a JSON Schema validator that
 * ignores `format` still agrees with parse.
 */
const FULL_DATE =
  "(?!0000)(?:\\d{4}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)" +
  "|(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)";
export const DATE_PATTERN = `^${FULL_DATE}$`;
/** PostgreSQL's special dates, as it prints them. */
export const DATE_SPECIALS = ["infinity", "-infinity"] as const;

/**
 * RFC 3339 date-time with an explicit offset (`Z` or `±HH:MM`: a time without one names no instant),
 * seconds, no leap second (a Date cannot hold 23:59:60), and at most millisecond precision: digits
 * past the third must be zeros, since a Date holds milliseconds and dropping microseconds would lose
 * data silently.
 */
export const DATE_TIME_PATTERN = `^(${FULL_DATE})T([01]\\d|2[0-3]):([0-5]\\d):([0-5]\\d)(?:\\.(\\d{1,3})0*)?(Z|([+-])([01]\\d|2[0-3]):([0-5]\\d))$`;
const DATE_TIME = new RegExp(DATE_TIME_PATTERN);

/** Lowercase, uppercase or mixed hex, 8-4-4-4-12 (PostgreSQL reads every case as the same uuid). */
export const UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
const UUID = new RegExp(UUID_PATTERN);

/** Standard base64 (RFC 4648 §4) with its padding, no whitespace and no URL-safe alphabet. */
export const BASE64_PATTERN = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$";
const BASE64 = new RegExp(BASE64_PATTERN);

const INT8_MAX = 9223372036854775807n;
const INT8_MIN = -9223372036854775808n;

/** Canonical decimal text of the integers 0..bound (no leading zeros), as one regex alternation. */
function decimalsUpTo(bound: string): string {
  const parts = ["0", `[1-9]\\d{0,${bound.length - 2}}`];
  for (let i = 0; i < bound.length; i++) {
    const lo = i === 0 ? 1 : 0;
    const hi = Number(bound[i]) - 1;
    if (hi < lo) continue;
    const rest = bound.length - 1 - i;
    parts.push(`${bound.slice(0, i)}[${lo}-${hi}]${rest ? `\\d{${rest}}` : ""}`);
  }
  parts.push(bound);
  return parts.join("|");
}

/** An int8 as a string of digits: `-?(0|[1-9][0-9]*)` within int8's range, so its length is bounded too. */
export const INT8_STRING_PATTERN = `^(?:${decimalsUpTo(INT8_MAX.toString())}|-(?:${decimalsUpTo((-INT8_MIN).toString())}))$`;
const INT8_STRING = /^-?(?:0|[1-9]\d*)$/;

/** Plain decimal notation, what PostgreSQL prints for numeric: `-12.50`, `0.5`, `3` (no exponent, no `+`). */
const DECIMAL = /^-?(\d+)(?:\.(\d+))?$/;
/** Unconstrained numeric's limits: 131072 digits before the point, 16383 after (beyond: an error). */
const NUMERIC_MAX_INT_DIGITS = 131072;
const NUMERIC_MAX_SCALE = 16383;

/** The decimal strings a numeric column takes, with its precision and scale when declared. */
export function numericPattern(precision?: number, scale?: number): string {
  if (precision === undefined)
    return `^(?:-?\\d{1,${NUMERIC_MAX_INT_DIGITS}}(?:\\.\\d{1,${NUMERIC_MAX_SCALE}})?|NaN|-?Infinity)$`;
  const s = scale ?? 0;
  const intDigits = precision - s;
  // Leading zeros are not digits of the value; trailing zeros past the scale lose nothing.
  const int = intDigits > 0 ? `0*\\d{1,${intDigits}}` : "0+";
  const negativeScale = s < 0 ? `(?:0*\\d{0,${precision}}0{${-s}}|0+)` : undefined;
  const frac = s > 0 ? `(?:\\.\\d{1,${s}}0*|\\.0+)?` : "(?:\\.0+)?";
  return `^(?:-?${negativeScale ?? int}${frac}|NaN)$`;
}

const PG_MIN_TIMESTAMP_MS = (() => {
  // 4714-11-24 00:00:00 BC (astronomical year -4713), PostgreSQL's first timestamp.
  const d = new Date(Date.UTC(2000, 10, 24));
  d.setUTCFullYear(-4713);
  return d.getTime();
})();

// ------------------------------------------------------------------------------------------------
// The rules.
// ------------------------------------------------------------------------------------------------

function intRule(scalar: Extract<ScalarKind, { kind: "int" }>): Rule {
  const range = new Problem("range", `out of range for ${scalar.sqlType} (${scalar.min} to ${scalar.max})`);
  const check = (v: unknown): Problem | undefined => {
    if (typeof v !== "number" || !Number.isFinite(v)) return got("an integer", v);
    if (!Number.isInteger(v)) return new Problem("type", "expected an integer, got a fraction");
    if (v < scalar.min || v > scalar.max) return range;
    return undefined;
  };
  const ok = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= scalar.min && v <= scalar.max;
  return { scalar, ok, check, fromJson: (v) => check(v) ?? v };
}

const safeRange = new Problem(
  "range",
  'beyond Number.MAX_SAFE_INTEGER: an int8 in { mode: "number" } must be exact (use bigint mode for larger values)',
);

function int8Rule(scalar: Extract<ScalarKind, { kind: "int8" }>): Rule {
  if (scalar.mode === "number") {
    const check = (v: unknown): Problem | undefined => {
      if (typeof v !== "number" || !Number.isFinite(v)) return got("an integer", v);
      if (!Number.isInteger(v)) return new Problem("type", "expected an integer, got a fraction");
      return Number.isSafeInteger(v) ? undefined : safeRange;
    };
    return { scalar, ok: Number.isSafeInteger, check, fromJson: (v) => check(v) ?? v };
  }
  const range = new Problem("range", "out of range for bigint (int8)");
  const check = (v: unknown): Problem | undefined => {
    if (typeof v !== "bigint") return got("a bigint", v);
    return v < INT8_MIN || v > INT8_MAX ? range : undefined;
  };
  return {
    scalar,
    ok: (v) => typeof v === "bigint" && v >= INT8_MIN && v <= INT8_MAX,
    check,
    // JSON has no bigint: an int8 comes as a string of digits, or as a number if it is a safe integer
    // (a larger JSON number has already been rounded to a double by JSON.parse).
    fromJson(v) {
      if (typeof v === "string") {
        if (!INT8_STRING.test(v)) return new Problem("format", 'expected an integer string like "-123"');
        if (v.length > 20) return range;
        const n = BigInt(v);
        return check(n) ?? n;
      }
      if (typeof v === "number" && Number.isFinite(v)) {
        if (!Number.isInteger(v)) return new Problem("type", "expected an integer, got a fraction");
        if (!Number.isSafeInteger(v))
          return new Problem(
            "range",
            "an integer beyond 2^53 may have lost digits in JSON: send int8 values beyond Number.MAX_SAFE_INTEGER as strings",
          );
        return BigInt(v);
      }
      if (typeof v === "bigint") return check(v) ?? v;
      return got("an integer or a string of digits", v);
    },
  };
}

/** The magnitudes float4 rounds to ±Infinity (2^128 − 2^103: halfway past its largest value, ties to even) … */
export const FLOAT4_OVERFLOW = 2 ** 128 - 2 ** 103;
/** … and to 0 (2^-150: half its smallest subnormal, ties to even). */
export const FLOAT4_UNDERFLOW = 2 ** -150;

/**
 * NaN and ±Infinity are values of real and double precision in PostgreSQL too: the write path lets
 * them through. parse does not: JSON has no such values, and JSON.parse makes Infinity only of a
 * number beyond a double's range (`1e400`), which it would be wrong to store as infinity.
 */
const nonFinite = (v: unknown) =>
  typeof v === "number" && !Number.isFinite(v)
    ? new Problem("range", `${describe(v)} is not a JSON number (beyond a double's range?)`)
    : undefined;

function floatRule(scalar: Extract<ScalarKind, { kind: "float" }>): Rule {
  if (scalar.sqlType === "double precision") {
    const check = (v: unknown) => (typeof v === "number" ? undefined : got("a number", v));
    return { scalar, ok: (v) => typeof v === "number", check, fromJson: (v) => nonFinite(v) ?? check(v) ?? v };
  }
  const check = (v: unknown): Problem | undefined => {
    if (typeof v !== "number") return got("a number", v);
    // real rounds to float4 (that is the type), but a finite value beyond its range, or one so small
    // it would round to 0, is an error in PostgreSQL.
    if (Number.isFinite(v) && (Math.abs(v) >= FLOAT4_OVERFLOW || (v !== 0 && Math.abs(v) <= FLOAT4_UNDERFLOW)))
      return new Problem("range", "out of range for real (float4)");
    return undefined;
  };
  return { scalar, ok: (v) => check(v) === undefined, check, fromJson: (v) => nonFinite(v) ?? check(v) ?? v };
}

function numericRule(scalar: Extract<ScalarKind, { kind: "numeric" }>): Rule {
  const { precision, scale = 0 } = scalar;
  const declared = precision === undefined ? "numeric" : `numeric(${precision}, ${scale})`;
  const syntax = new Problem("format", 'expected a decimal string like "-12.50" (or "NaN")');
  const check = (v: unknown): Problem | undefined => {
    if (typeof v !== "string") return got("a decimal string", v);
    const m = DECIMAL.exec(v);
    if (!m) {
      if (v === "NaN") return undefined;
      if (v === "Infinity" || v === "-Infinity")
        return precision === undefined ? undefined : new Problem("range", `${declared} cannot hold an infinite value`);
      return syntax;
    }
    const intDigits = m[1].replace(/^0+/, "").length;
    const fracDigits = (m[2] ?? "").replace(/0+$/, "").length;
    if (precision === undefined) {
      if (m[1].length > NUMERIC_MAX_INT_DIGITS || (m[2] ?? "").length > NUMERIC_MAX_SCALE)
        return new Problem("range", "out of range for numeric");
      return undefined;
    }
    // More fractional digits than the scale would be rounded away silently; more integer digits than
    // precision − scale are an error in PostgreSQL.
    if (fracDigits > Math.max(scale, 0))
      return new Problem("range", `more than ${Math.max(scale, 0)} decimal places: ${declared} would round it`);
    // A negative scale rounds to tens, hundreds…: the last −scale integer digits must be zeros.
    if (scale < 0 && intDigits > 0 && !m[1].endsWith("0".repeat(-scale)))
      return new Problem("range", `${declared} would round it to a multiple of 1e${-scale}`);
    if (intDigits > precision - scale) return new Problem("range", `too many digits for ${declared}`);
    return undefined;
  };
  return { scalar, ok: (v) => check(v) === undefined, check, fromJson: (v) => check(v) ?? v };
}

function textRule(scalar: Extract<ScalarKind, { kind: "text" }>): Rule {
  const { maxLength } = scalar;
  const long =
    maxLength === undefined
      ? undefined
      : new Problem("too_long", `longer than varchar(${maxLength}) (${maxLength} characters)`);
  const check = (v: unknown): Problem | undefined => {
    if (typeof v !== "string") return got("a string", v);
    // PostgreSQL counts characters (code points); a string no longer in UTF-16 units than the limit
    // cannot have more code points. (It rejects a longer one, except that it silently cuts trailing
    // spaces: both are refused here.)
    if (long && v.length > maxLength! && codePoints(v) > maxLength!) return long;
    return stringProblem(v);
  };
  const ok =
    maxLength === undefined
      ? (v: unknown) => typeof v === "string" && !SUSPECT.test(v)
      : (v: unknown) => typeof v === "string" && v.length <= maxLength && !SUSPECT.test(v);
  return { scalar, ok, check, fromJson: (v) => check(v) ?? v };
}

const booleanRule: Rule = {
  scalar: { kind: "boolean" },
  ok: (v) => typeof v === "boolean",
  check: (v) => (typeof v === "boolean" ? undefined : got("a boolean", v)),
  fromJson: (v) => (typeof v === "boolean" ? v : got("a boolean", v)),
};

const DATE_TIME_HINT = 'expected an RFC 3339 date-time with an offset, like "2024-01-31T09:30:00.000Z"';

function timestampRule(scalar: Extract<ScalarKind, { kind: "timestamp" }>): Rule {
  const check = (v: unknown): Problem | undefined => {
    if (!(v instanceof Date)) return got("a Date", v);
    const ms = v.getTime();
    if (Number.isNaN(ms)) return new Problem("type", "expected a Date, got an invalid Date");
    if (ms < PG_MIN_TIMESTAMP_MS) return new Problem("range", `before ${scalar.sqlType}'s first value (4713 BC)`);
    return undefined;
  };
  return {
    scalar,
    ok: (v) => v instanceof Date && v.getTime() >= PG_MIN_TIMESTAMP_MS,
    check,
    // JSON has no Date: a timestamp comes as RFC 3339 text (what JSON.stringify writes for a Date).
    fromJson(v) {
      if (v instanceof Date) return check(v) ?? v;
      if (typeof v !== "string") return got("a date-time string", v);
      const m = DATE_TIME.exec(v);
      if (!m)
        return DATE_TIME.test(v.replace(/(\.\d{3})\d+/, "$1"))
          ? new Problem("range", "sub-millisecond digits would be lost (a Date holds milliseconds)")
          : new Problem("format", DATE_TIME_HINT);
      const [, date, h, min, s, ms = "0", zone, sign, oh, om] = m;
      const [y, mo, d] = date.split("-").map(Number);
      const t = new Date(Date.UTC(2000, mo - 1, d, Number(h), Number(min), Number(s), Number(ms.padEnd(3, "0"))));
      t.setUTCFullYear(y); // Date.UTC maps years 0–99 to 1900–1999
      if (zone !== "Z") t.setTime(t.getTime() - (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60000);
      return t;
    },
  };
}

const dateFormat = new Problem("format", 'expected a date "YYYY-MM-DD" that exists in the calendar');
const DATE = new RegExp(DATE_PATTERN);

const dateRule: Rule = {
  scalar: { kind: "date" },
  ok: (v) => typeof v === "string" && canonical.date(v),
  // The write path takes every date closql reads back (canonical.date: also BC and years past 9999),
  // so a row read from the database can be written again.
  check: (v) => (typeof v !== "string" ? got("a date string", v) : canonical.date(v) ? undefined : dateFormat),
  // parse takes the JSON form only, RFC 3339's full-date (years 0001–9999) or ±infinity, which its
  // JSON Schema can state exactly; BC dates and years past 9999 are written through the typed API.
  fromJson(v) {
    if (typeof v !== "string") return got("a date string", v);
    return DATE.test(v) || v === "infinity" || v === "-infinity" ? v : dateFormat;
  },
};

const uuidFormat = new Problem("format", "expected a uuid (8-4-4-4-12 hex digits)");
const uuidRule: Rule = {
  scalar: { kind: "uuid" },
  ok: (v) => typeof v === "string" && v.length === 36 && UUID.test(v),
  check: (v) => (typeof v !== "string" ? got("a uuid string", v) : UUID.test(v) ? undefined : uuidFormat),
  // Lowercased: the same uuid, in the text closql reads back (so what parse returns equals the row).
  fromJson: (v) => (typeof v !== "string" ? got("a uuid string", v) : UUID.test(v) ? v.toLowerCase() : uuidFormat),
};

const byteaRule: Rule = {
  scalar: { kind: "bytea" },
  ok: (v) => v instanceof Uint8Array,
  check: (v) => (v instanceof Uint8Array ? undefined : got("a Uint8Array", v)),
  // JSON has no bytes: bytea comes as standard base64 (JSON Schema's contentEncoding "base64").
  fromJson(v) {
    if (v instanceof Uint8Array) return v;
    if (typeof v !== "string") return got("a base64 string", v);
    // A Buffer, as pg reads bytea back, so a parsed value equals what a SELECT returns.
    return BASE64.test(v) ? Buffer.from(v, "base64") : new Problem("format", "expected standard base64 with padding");
  },
};

function enumRule(labels: readonly string[]): Rule {
  const set = new Set(labels);
  const shown = labels.length <= 12 ? labels : [...labels.slice(0, 12), "…"];
  const unknown = new Problem("enum", `expected one of ${shown.map((l) => JSON.stringify(l)).join(", ")}`);
  const check = (v: unknown): Problem | undefined =>
    typeof v !== "string" ? got("a string", v) : set.has(v) ? undefined : unknown;
  const ok = (v: unknown) => typeof v === "string" && set.has(v);
  return { scalar: { kind: "enum", labels }, ok, check, fromJson: (v) => check(v) ?? v };
}

/**
 * A jsonb value must survive JSON.stringify → PostgreSQL → JSON.parse unchanged: plain objects,
 * arrays, strings, finite numbers, booleans and null. Anything else would be changed silently (NaN
 * and Infinity become null, a Date a string, a Map `{}`, an `undefined` array element null) or throw
 * in JSON.stringify (bigint, a cycle). Strings and keys must be text PostgreSQL holds (jsonb rejects
 * `\u0000`). An object property whose value is `undefined` is dropped, as JSON.stringify drops it:
 * that is how TypeScript's optional properties are written, and it reads back as absent.
 */
/**
 * JSON.parse builds any depth, but this check recurses, and so does PostgreSQL's jsonb parser (it
 * fails near 12,000 levels with the default max_stack_depth): a bound well inside both, so a hostile
 * body is a ValidationError, never a stack overflow.
 */
const MAX_JSON_DEPTH = 1000;

function jsonProblem(v: unknown, at: string, out: Problem[] | undefined, seen: unknown[]): Problem | undefined {
  const report = (p: Problem) => {
    const q = at ? p.under(at) : p;
    out?.push(q);
    return q;
  };
  switch (typeof v) {
    case "string": {
      const p = stringProblem(v);
      return p && report(p);
    }
    case "number":
      return Number.isFinite(v) ? undefined : report(new Problem("type", `${describe(v)} is not a JSON value`));
    case "boolean":
      return undefined;
    case "object": {
      if (v === null) return undefined;
      if (seen.includes(v)) return report(new Problem("type", "a cycle is not a JSON value"));
      if (seen.length >= MAX_JSON_DEPTH)
        return report(new Problem("range", `nested deeper than ${MAX_JSON_DEPTH} levels`));
      let first: Problem | undefined;
      seen.push(v);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length && !(first && !out); i++) {
          const e = v[i];
          const p =
            e === undefined
              ? report(new Problem("type", "undefined is not a JSON value").under(`[${i}]`))
              : jsonProblem(e, `${at}[${i}]`, out, seen);
          first ??= p;
        }
      } else {
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) {
          seen.pop();
          return report(new Problem("type", `${describeObject(v)} is not a plain JSON value`));
        }
        for (const key of Object.keys(v)) {
          if (first && !out) break;
          const sub = `${at}${pathKey(key)}`;
          const kp = stringProblem(key);
          if (kp) {
            const q = new Problem(kp.code, `key ${kp.message}`, sub);
            out?.push(q);
            first ??= q;
            continue;
          }
          const e = (v as Record<string, unknown>)[key];
          const p = e === undefined ? undefined : jsonProblem(e, sub, out, seen);
          first ??= p;
        }
      }
      seen.pop();
      return first;
    }
    default:
      return report(new Problem("type", `${describe(v)} is not a JSON value`));
  }
}

function describeObject(v: object): string {
  const name = v.constructor?.name;
  return typeof name === "string" && name ? `a ${name}` : "an object with a prototype";
}

/**
 * jsonProblem's fast half: true when `v` is certainly a plain JSON value, without allocating. Past a
 * depth where a cycle is likelier than real data it gives up (false), and jsonProblem decides.
 */
function jsonOk(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case "string":
      return !SUSPECT.test(v) || stringProblem(v) === undefined;
    case "number":
      return Number.isFinite(v);
    case "boolean":
      return true;
    case "object": {
      if (v === null) return true;
      if (depth > 100) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const e = v[i];
          if (e === undefined || !jsonOk(e, depth + 1)) return false;
        }
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in v) {
        if (SUSPECT.test(key) && stringProblem(key) !== undefined) return false;
        const e = (v as Record<string, unknown>)[key];
        if (e !== undefined && !jsonOk(e, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

const jsonbRule: Rule = {
  scalar: { kind: "jsonb" },
  ok: (v) => jsonOk(v, 0),
  check: (v) => jsonProblem(v, "", undefined, []),
  fromJson(v) {
    const all: Problem[] = [];
    jsonProblem(v, "", all, []);
    return all.length === 0 ? v : all.length === 1 ? all[0] : new Problems(all);
  },
};

/** Several problems inside one value (array elements, a jsonb document). */
class Problems {
  constructor(readonly list: Problem[]) {}
}

function unknownRule(sqlType: string): Rule {
  // A type closql's builders do not make: nothing is known about it, so nothing is refused.
  return { scalar: { kind: "unknown", sqlType }, ok: () => true, check: () => undefined, fromJson: (v) => v };
}

/** A property key in a path: `.plan`, or `["a b"]` when it is not an identifier. */
export function pathKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key)
    ? `.${key}`
    : `[${JSON.stringify(key.length > 40 ? key.slice(0, 40) + "…" : key)}]`;
}

// ------------------------------------------------------------------------------------------------
// Columns.
// ------------------------------------------------------------------------------------------------

/** The scalar kind and array depth of a column, from its runtime config. */
export function scalarOf(config: ColumnConfig): { scalar: ScalarKind; depth: number } {
  let sqlType = config.sqlType;
  let depth = 0;
  while (sqlType.endsWith("[]")) {
    sqlType = sqlType.slice(0, -2);
    depth++;
  }
  return { scalar: scalarKind(sqlType, config), depth };
}

function scalarKind(sqlType: string, config: ColumnConfig): ScalarKind {
  if (config.enum) return { kind: "enum", labels: config.enum.values };
  switch (sqlType) {
    case "smallint":
      return { kind: "int", sqlType, min: -32768, max: 32767 };
    case "integer":
      return { kind: "int", sqlType, min: -2147483648, max: 2147483647 };
    case "bigint":
      return { kind: "int8", mode: config.int8 ?? "bigint" };
    case "real":
    case "double precision":
      return { kind: "float", sqlType };
    case "text":
    case "varchar":
      return { kind: "text" };
    case "boolean":
      return { kind: "boolean" };
    case "timestamptz":
    case "timestamp":
      return { kind: "timestamp", sqlType };
    case "date":
      return { kind: "date" };
    case "uuid":
      return { kind: "uuid" };
    case "jsonb":
      return { kind: "jsonb" };
    case "bytea":
      return { kind: "bytea" };
    case "numeric":
      return { kind: "numeric" };
  }
  let m = /^numeric\((\d+)(?:,\s*(-?\d+))?\)$/.exec(sqlType);
  if (m) return { kind: "numeric", precision: Number(m[1]), scale: m[2] === undefined ? 0 : Number(m[2]) };
  m = /^varchar\((\d+)\)$/.exec(sqlType);
  if (m) return { kind: "text", maxLength: Number(m[1]) };
  return { kind: "unknown", sqlType };
}

function ruleFor(scalar: ScalarKind): Rule {
  switch (scalar.kind) {
    case "int":
      return intRule(scalar);
    case "int8":
      return int8Rule(scalar);
    case "float":
      return floatRule(scalar);
    case "numeric":
      return numericRule(scalar);
    case "text":
      return textRule(scalar);
    case "boolean":
      return booleanRule;
    case "timestamp":
      return timestampRule(scalar);
    case "date":
      return dateRule;
    case "uuid":
      return uuidRule;
    case "jsonb":
      return jsonbRule;
    case "bytea":
      return byteaRule;
    case "enum":
      return enumRule(scalar.labels);
    case "unknown":
      return unknownRule(scalar.sqlType);
  }
}

/** Everything validation needs about one column, built once per column (see `validatorOf`). */
export interface ColumnValidator {
  readonly key: string;
  readonly nullable: boolean;
  /** Optional in `$insert`: nullable, or has a default, or is generated. */
  readonly optional: boolean;
  readonly scalar: ScalarKind;
  /** Array dimensions: 0 for a scalar column, 1 for `x.array()`. */
  readonly depth: number;
  /** The write path's check: the short problem, or `undefined` when the value fits. */
  readonly check: (value: unknown) => string | undefined;
  /** The same check with the problem's code and path. */
  readonly problem: (value: unknown) => Problem | undefined;
  /** parse: the converted value, or the problems (paths below the column). */
  readonly parse: (value: unknown) => unknown;
}

const notNull = new Problem("null", "must not be null (the column is NOT NULL)");
/** A missing array element: closql declares `x.array()` as `X[]`, with no null elements. */
const badElement = (e: null | undefined) =>
  e === null ? new Problem("null", "got null (the array's elements are not nullable)") : got("a value", e);

function buildValidator(config: ColumnConfig): ColumnValidator {
  const { scalar, depth } = scalarOf(config);
  const rule = ruleFor(scalar);
  const nullable = config.nullable;

  /** Strict check of a value of `d` array dimensions: the first problem. */
  const strict = (v: unknown, d: number): Problem | undefined => {
    if (d === 0) return rule.check(v);
    if (!Array.isArray(v)) return got("an array", v);
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      const p = e === null || e === undefined ? badElement(e) : strict(e, d - 1);
      if (p) return p.under(`[${i}]`);
    }
    return undefined;
  };

  /** parse of a value of `d` array dimensions: the converted value, or a Problem / Problems. */
  const fromJson = (v: unknown, d: number): unknown => {
    if (d === 0) return rule.fromJson(v);
    if (!Array.isArray(v)) return got("an array", v);
    const out: unknown[] = new Array(v.length);
    const problems: Problem[] = [];
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      const r = e === null || e === undefined ? badElement(e) : fromJson(e, d - 1);
      if (r instanceof Problem) problems.push(r.under(`[${i}]`));
      else if (r instanceof Problems) for (const p of r.list) problems.push(p.under(`[${i}]`));
      else out[i] = r;
    }
    return problems.length === 0 ? out : new Problems(problems);
  };

  const problem = (v: unknown): Problem | undefined => {
    if (v === null) return nullable ? undefined : notNull;
    if (v === undefined) return got("a value", v);
    return strict(v, depth);
  };
  /** The fast test of a value of `d` array dimensions. */
  const okAt = (v: unknown, d: number): boolean => {
    if (d === 0) return rule.ok(v);
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      if (e === null || e === undefined || !okAt(e, d - 1)) return false;
    }
    return true;
  };
  const ok = depth === 0 ? rule.ok : (v: unknown) => okAt(v, depth);
  // The write path: a fitting value costs the fast test (a few ns for scalars); only a bad one pays
  // for finding out what is wrong.
  const check = nullable
    ? (v: unknown): string | undefined => (v === null || ok(v) ? undefined : problem(v)?.text)
    : (v: unknown): string | undefined => (v !== null && ok(v) ? undefined : problem(v)?.text);

  return {
    key: config.key ?? "",
    nullable,
    optional: nullable || config.defaultSql !== undefined || config.generated === true,
    scalar,
    depth,
    check,
    problem,
    parse: (v) => (v === null ? (nullable ? null : notNull) : fromJson(v, depth)),
  };
}

const VALIDATOR = Symbol("closql.validator");

/**
 * The column's validator, built on first use and cached on its config. The cache is a
 * non-enumerable property, so a column refined from this one (`{ ...config }` in Column.with) does
 * not inherit a validator for a different declaration.
 */
export function validatorOf(column: AnyColumn): ColumnValidator {
  const config = column.config as ColumnConfig & { [VALIDATOR]?: ColumnValidator };
  let v = config[VALIDATOR];
  if (!v) {
    v = buildValidator(config);
    Object.defineProperty(config, VALIDATOR, { value: v, enumerable: false });
  }
  return v;
}

/**
 * The write path's check of one bound value, for compiled `insert`/`update`: `undefined` when `value`
 * is a value of the column's declared JavaScript type that PostgreSQL stores as it is, otherwise a
 * short message without the value (`expected an integer, got string`, `[2]: expected a string, got
 * number` for an array element). Nothing is coerced. `null` passes for a nullable column; `undefined`
 * never passes (leave an absent key out before checking).
 *
 * Hot path: call `columnChecker(column)` once and keep the function; this form looks it up each time.
 */
export function columnValueProblem(column: AnyColumn, value: unknown): string | undefined {
  return validatorOf(column).check(value);
}

/** The write path's check for one column, as a function to keep (see `columnValueProblem`). */
export function columnChecker(column: AnyColumn): (value: unknown) => string | undefined {
  return validatorOf(column).check;
}

/** The facts of a column the check needs, for callers that hold these rather than the column. */
export interface ColumnFacts {
  /** As declared: `integer`, `varchar(20)[]`, `"role"` for an enum. */
  readonly sqlType: string;
  readonly nullable: boolean;
  /** An enum's labels (for the enum and its arrays). */
  readonly labels?: readonly string[];
  /** For `bigint` columns: `"number"` for `{ mode: "number" }` (default `"bigint"`). */
  readonly int8?: "bigint" | "number";
}

const byFacts = new WeakMap<ColumnFacts, ColumnValidator>();

/**
 * `columnChecker` from the facts alone (e.g. a compiled write's per-column constant), cached per
 * facts object: call it once per column, not per value.
 */
export function valueChecker(facts: ColumnFacts): (value: unknown) => string | undefined {
  let v = byFacts.get(facts);
  if (!v) {
    v = buildValidator({
      sqlType: facts.sqlType,
      nullable: facts.nullable,
      primaryKey: false,
      unique: false,
      int8: facts.int8,
      enum: facts.labels ? { name: "", values: facts.labels } : undefined,
    });
    byFacts.set(facts, v);
  }
  return v.check;
}

/**
 * Throws `ValidationError` naming the table and column when `value` does not fit (see
 * `columnValueProblem`); for callers that want closql's error rather than the message.
 */
export function assertColumnValue(column: AnyColumn, value: unknown): void {
  const problem = validatorOf(column).problem(value);
  if (problem === undefined) return;
  throw validationError(column.config.table?.$name, [issue(column.config.key ?? "?", problem)]);
}

// ------------------------------------------------------------------------------------------------
// parse.
// ------------------------------------------------------------------------------------------------

export interface ParseOptions {
  /**
   * Keys of the input that are not columns: `"reject"` (the default) lists each as an issue;
   * `"strip"` leaves them out of the result. The result never carries them either way.
   */
  readonly unknownKeys?: "reject" | "strip";
}

/** `table.parse`: the insert object for `input`, or a ValidationError listing every problem. */
export function parseInsert(
  tableName: string,
  columns: Record<string, AnyColumn>,
  input: unknown,
  options: ParseOptions = {},
): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    throw validationError(tableName, [
      { path: "", code: "type", message: `expected an object, got ${describe(input)}` },
    ]);
  const source = input as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  const issues: ValidationIssue[] = [];
  for (const key in columns) {
    const validator = validatorOf(columns[key]);
    const v = Object.prototype.hasOwnProperty.call(source, key) ? source[key] : undefined;
    if (v === undefined) {
      if (!validator.optional) issues.push({ path: key, code: "required", message: "required" });
      continue;
    }
    const r = validator.parse(v);
    if (r instanceof Problem) issues.push(issue(key, r));
    else if (r instanceof Problems) for (const p of r.list) issues.push(issue(key, p));
    else result[key] = r;
  }
  if (options.unknownKeys !== "strip") {
    for (const key of Object.keys(source)) {
      if (!Object.prototype.hasOwnProperty.call(columns, key))
        issues.push({ path: key, code: "unknown_key", message: `not a column of ${tableName}` });
    }
  }
  if (issues.length > 0) throw validationError(tableName, issues);
  return result;
}

function issue(key: string, p: Problem): ValidationIssue {
  return { path: key + p.at, code: p.code, message: p.message };
}

const MESSAGE_ISSUES = 10;
const MESSAGE_PATH = 60;

function validationError(tableName: string | undefined, issues: ValidationIssue[]): ValidationError {
  const shown = issues
    .slice(0, MESSAGE_ISSUES)
    .map(
      (i) =>
        `${i.path.length > MESSAGE_PATH ? i.path.slice(0, MESSAGE_PATH) + "…" : i.path || "(input)"}: ${i.message}`,
    );
  const more = issues.length > MESSAGE_ISSUES ? `; and ${issues.length - MESSAGE_ISSUES} more` : "";
  return new ValidationError(`closql: invalid ${tableName ?? "value"}: ${shown.join("; ")}${more}`, issues, tableName);
}
