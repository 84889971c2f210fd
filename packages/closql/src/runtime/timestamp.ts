import { ClosqlError, UnrepresentableValueError } from "./errors";

/**
 * closql's timestamp policy, in one place.
 *
 * - `timestamp` (without time zone) holds a wall-clock time with no zone; closql reads and writes it
 *   as **UTC**: `2020-01-01 00:00:00` is `new Date(Date.UTC(2020, 0, 1))` in every process time zone
 *   and under every session `TimeZone`. (`pg` would read it in the Node process's local zone and
 *   write a Date as local time, so the same row meant different instants on different machines.)
 * - Every Date closql sends is UTC text with an explicit `+00` offset: exact for `timestamptz`, the
 *   UTC wall clock for `timestamp` (PostgreSQL ignores an offset there), whatever the session zone.
 * - Text is read in the ISO `DateStyle`, which closql pins on its connections (see session.ts).
 */

/** Milliseconds of PostgreSQL's earliest timestamp, 4714-11-24 00:00:00 BC (astronomical year -4713). */
const PG_MIN_MS = utcMs(-4713, 10, 24, 0, 0, 0, 0);
/** Past every timestamp a Date can hold (JavaScript's range ends in 275760; PostgreSQL's in 294276). */
const PG_MAX_TEXT = "294276-12-31 23:59:59.999999+00";

/** `Date.UTC` without its two-digit-year quirk (0–99 mean 1900–1999 there). */
function utcMs(year: number, month: number, day: number, h: number, m: number, s: number, ms: number): number {
  const d = new Date(Date.UTC(2000, month, day, h, m, s, ms));
  d.setUTCFullYear(year);
  return d.getTime();
}

const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?( BC)?$/;

/**
 * A `timestamp` (without time zone) in the ISO DateStyle as the UTC instant of its wall clock.
 * Sub-millisecond digits are cut, as `date_trunc('milliseconds', …)` and `getTime()`'s SQL cut them.
 * ±infinity stay ±Infinity, as `pg` gives them for `timestamptz`.
 */
export function parseTimestampUtc(text: string): Date | number {
  if (text === "infinity") return Infinity;
  if (text === "-infinity") return -Infinity;
  const m = TIMESTAMP.exec(text);
  if (!m) throw new ClosqlError(`closql: cannot read timestamp ${JSON.stringify(text)} (is DateStyle ISO?)`);
  const year = m[8] ? 1 - Number(m[1]) : Number(m[1]);
  const ms = Number((m[7] ?? "").padEnd(3, "0").slice(0, 3));
  return new Date(utcMs(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
}

/**
 * A `timestamptz` as PostgreSQL prints it in the ISO DateStyle (`2026-01-01 09:30:00.123456+02`), read
 * without a regular expression: the same Date as pg's own parser (postgres-date: sub-millisecond
 * digits cut), `orElse`, which still reads every other form (BC, years outside 100–9999, an offset
 * with seconds, ±infinity).
 */
export function parseTimestamptz(text: string, orElse: (text: string) => unknown): unknown {
  const n = text.length;
  if (n >= 22 && text.charCodeAt(4) === 45 && text.charCodeAt(10) === 32 && text.charCodeAt(19) !== 32) {
    const year = digits(text, 0, 4);
    const month = digits(text, 5, 2);
    const day = digits(text, 8, 2);
    const hour = digits(text, 11, 2);
    const minute = digits(text, 14, 2);
    const second = digits(text, 17, 2);
    let at = 19;
    let ms = 0;
    if (text.charCodeAt(at) === 46) {
      // Up to six digits: the first three are the milliseconds.
      let scale = 100;
      at++;
      while (at < n) {
        const d = text.charCodeAt(at) - 48;
        if (d < 0 || d > 9) break;
        ms += d * scale;
        scale /= 10;
        at++;
      }
      ms = Math.trunc(ms);
    }
    const sign = text.charCodeAt(at);
    let offset = -1;
    if ((sign === 43 || sign === 45) && (n === at + 3 || (n === at + 6 && text.charCodeAt(at + 3) === 58))) {
      const minutes = digits(text, at + 1, 2) * 60 + (n === at + 6 ? digits(text, at + 4, 2) : 0);
      offset = (sign === 45 ? -minutes : minutes) * 60000;
    }
    if (
      year >= 100 &&
      month >= 0 &&
      day >= 0 &&
      hour >= 0 &&
      minute >= 0 &&
      second >= 0 &&
      offset !== -1 &&
      text.charCodeAt(7) === 45 &&
      text.charCodeAt(13) === 58 &&
      text.charCodeAt(16) === 58
    )
      return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset);
  }
  return orElse(text);
}

/** The decimal number of `count` digits at `at`, or -1 when one is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/**
 * A millisecond instant as PostgreSQL timestamp text in UTC (`2020-01-01 00:00:00.000+00`, `… BC`
 * before year 1): for `timestamp` and `timestamptz` parameters alike, whatever the session `TimeZone`.
 */
export function timestampText(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const date = `${pad(year > 0 ? year : 1 - year, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return `${date} ${time}.${pad(d.getUTCMilliseconds(), 3)}+00${year > 0 ? "" : " BC"}`;
}

/**
 * The edge of a comparison with a timestamp column, as text. An instant before PostgreSQL's first
 * timestamp is clamped to it, and one past a Date's range to past PostgreSQL's last: no stored row
 * lies between the instant and its clamped edge, so every comparison keeps its answer (and the
 * server never rejects a Date JavaScript accepts).
 */
export function timestampEdge(ms: number): string {
  if (ms < PG_MIN_MS) return timestampText(PG_MIN_MS);
  if (!(ms <= 8.64e15)) return PG_MAX_TEXT;
  return timestampText(ms);
}

/** A Date as a parameter: UTC text, never the process's local time (what `pg` would send). */
export function dateParam(d: Date): string {
  const ms = d.getTime();
  if (Number.isNaN(ms)) throw new ClosqlError("closql: cannot send an invalid Date as a parameter");
  return timestampText(ms);
}

/**
 * Statement parameters as closql sends them: Dates (also inside arrays) as UTC text, where `pg` would
 * send the process's local time.
 */
export function sendableParams(params: readonly unknown[]): unknown[] {
  return params.map(sendableParam);
}

/** One parameter as closql sends it (see sendableParams). */
export function sendableParam(v: unknown): unknown {
  return typeof v === "string"
    ? representable(v)
    : v instanceof Date
      ? dateParam(v)
      : Array.isArray(v)
        ? v.map(sendableParam)
        : v;
}

/** NUL, or a UTF-16 surrogate without its other half. */
const UNREPRESENTABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Does this string, or any string in this JSON value (keys included), hold what PostgreSQL cannot? */
export function unrepresentable(x: unknown): boolean {
  if (typeof x === "string") return UNREPRESENTABLE.test(x);
  if (Array.isArray(x)) return x.some(unrepresentable);
  if (x !== null && typeof x === "object")
    return Object.entries(x).some(([k, v]) => UNREPRESENTABLE.test(k) || unrepresentable(v));
  return false;
}

function representable(s: string): string {
  if (UNREPRESENTABLE.test(s)) {
    throw new UnrepresentableValueError(
      // The value stays out of the message, as in every closql error (it may be personal data).
      "closql: a string parameter holds a NUL character or a lone UTF-16 surrogate, which PostgreSQL text cannot hold",
    );
  }
  return s;
}
