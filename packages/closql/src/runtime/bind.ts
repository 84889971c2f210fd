import { canonical } from "../sql/canonical";
import { ClosqlError, UnrepresentableValueError } from "./errors";
import { unrepresentable } from "./timestamp";
import { timestampEdge } from "./timestamp";

const INT8_MAX = 9223372036854775807n;
const INT8_MIN = -9223372036854775808n;

/** An integral double (or ±Infinity) as an int8 parameter, clamped to int8's range. */
function int8(k: number): string | number {
  if (Number.isSafeInteger(k)) return k;
  if (k >= 9223372036854775807) return INT8_MAX.toString();
  if (k <= -9223372036854775808) return INT8_MIN.toString();
  return BigInt(k).toString();
}

function nanBound(nan: "max" | "min" | undefined): string | null {
  return nan === "max" ? INT8_MAX.toString() : nan === "min" ? INT8_MIN.toString() : null;
}

/**
 * Run-time halves of comparisons the transformer compiled: they map a JavaScript value to the
 * parameter that makes constant SQL give JavaScript's answer. Each is called once per execution.
 */
export const bind = {
  /** A double for float8 arithmetic: `pg` would send -0 as "0", losing the sign `x / -0` depends on. */
  double(x: number | null | undefined): number | string | null {
    return x === undefined ? null : Object.is(x, -0) ? "-0" : x;
  },
  /** NaN compares false with everything in JavaScript; as NULL it does in SQL too. */
  number(x: number | null | undefined): number | null {
    return x === undefined || x === null || Number.isNaN(x) ? null : x;
  },
  /** Against an integer column (`col op $n::int8`): the integer k with `col op k` ⇔ `col op x`. */
  int: {
    /** `col = x`: only an integer in int8's range can be equal. */
    eq(x: number | null | undefined): number | string | null {
      if (x === undefined || x === null || !Number.isInteger(x) || x > 9223372036854775807 || x < -9223372036854775808)
        return null;
      return int8(x);
    },
    /**
     * `col > x` ⇔ `col > floor(x)`; `col <= x` ⇔ `col <= floor(x)`. NaN compares false: NULL, or for a
     * negated comparison (`!(col > x)` is `col <= x`, true for every row when x is NaN) the int8 end
     * that makes it true.
     */
    floor(x: number | null | undefined, nan?: "max" | "min"): number | string | null {
      if (x === undefined || x === null || Number.isNaN(x)) return nanBound(nan);
      return int8(Math.floor(x));
    },
    /** `col < x` ⇔ `col < ceil(x)`; `col >= x` ⇔ `col >= ceil(x)`; NaN as for floor. */
    ceil(x: number | null | undefined, nan?: "max" | "min"): number | string | null {
      if (x === undefined || x === null || Number.isNaN(x)) return nanBound(nan);
      return int8(Math.ceil(x));
    },
    /** `list.includes(col)`: only the integers of the list can match. */
    list(xs: readonly (number | null)[]): (number | string | null)[] {
      return xs.filter((x) => x === null || bind.int.eq(x) !== null).map((x) => (x === null ? null : int8(x)));
    },
  },
  /** A value compared with a JSONB path, as JSON text (`undefined` → SQL NULL, like a missing key). */
  json(x: unknown): string | null {
    // JSON.stringify(NaN) is "null", but NaN never equals JSON null in JavaScript; and a string with
    // NUL or a lone surrogate equals no JSONB value (PostgreSQL cannot store one).
    if (x === undefined || (typeof x === "number" && !Number.isFinite(x)) || unrepresentable(x)) return null;
    return JSON.stringify(typeof x === "bigint" ? x.toString() : x);
  },
  /**
   * A captured value as a JSONB value (a branch joining a JSONB one): undefined is SQL NULL (the
   * branch's absence is tracked by its type); what JSONB cannot hold as JavaScript has it — a string
   * with NUL or a lone surrogate, NaN, ±Infinity — fails before sending.
   */
  jsonValue(x: unknown): string | null {
    if (x === undefined) return null;
    if ((typeof x === "number" && !Number.isFinite(x)) || unrepresentable(x))
      throw new UnrepresentableValueError(
        "closql: a captured value has no exact JSONB form (a NUL character, a lone UTF-16 surrogate, NaN or ±Infinity)",
      );
    return JSON.stringify(typeof x === "bigint" ? x.toString() : x);
  },
  /**
   * Dates against a timestamp column, as UTC text (timestamp.ts: the same instant for `timestamptz`,
   * the UTC wall clock for `timestamp`, under any session TimeZone). JavaScript sees the column
   * truncated to milliseconds, so `col > d` ⇔ `col >= d + 1ms` and `col <= d` ⇔ `col < d + 1ms`.
   * An invalid Date (or a NaN of milliseconds) compares false: NULL.
   */
  date: {
    at(d: Date | number | null | undefined): string | null {
      const ms = instant(d);
      return ms === null ? null : timestampEdge(ms);
    },
    next(d: Date | number | null | undefined): string | null {
      const ms = instant(d);
      return ms === null ? null : timestampEdge(ms + 1);
    },
    /**
     * A number x compared with `getTime()`, an integer t: the integer edge with the same answer.
     * `t > x` ⇔ `t >= floor(x) + 1`, `t < x` ⇔ `t < ceil(x)`, `t === x` only for an integral x.
     */
    ms: {
      floor: (x: number | null | undefined): number | null => (typeof x === "number" ? Math.floor(x) : null),
      ceil: (x: number | null | undefined): number | null => (typeof x === "number" ? Math.ceil(x) : null),
      eq: (x: number | null | undefined): number | null => (typeof x === "number" && Number.isInteger(x) ? x : null),
    },
  },
  /** A string compared with a uuid or date: only their canonical text can be equal (else NULL: nothing). */
  canonical: {
    uuid: (x: string | null | undefined): string | null => (typeof x === "string" && canonical.uuid(x) ? x : null),
    date: (x: string | null | undefined): string | null => (typeof x === "string" && canonical.date(x) ? x : null),
  },
  /** A string compared with an enum column: a non-label can equal nothing (PostgreSQL would reject it). */
  oneOf(x: string | null | undefined, labels: readonly string[]): string | null {
    return typeof x === "string" && labels.includes(x) ? x : null;
  },
  /** `.limit(n)` / `.offset(n)`: a whole number. */
  count(n: number, method: string): number {
    if (!Number.isSafeInteger(n) || n < 0)
      throw new ClosqlError(`closql: .${method}() takes a non-negative integer, got ${String(n)}`);
    return n;
  },
};

/** The milliseconds of a valid Date or a non-NaN number (±Infinity stay, clamped at the edge). */
function instant(d: Date | number | null | undefined): number | null {
  const ms = d instanceof Date ? d.getTime() : typeof d === "number" ? d : NaN;
  return Number.isNaN(ms) ? null : ms;
}
