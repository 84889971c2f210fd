import {
  bigint,
  boolean,
  doublePrecision,
  integer,
  date,
  jsonb,
  numeric,
  pgEnum,
  real,
  relations,
  serial,
  table,
  text,
  timestamp,
  timestamptz,
  uuid,
} from "closql";

export const mood = pgEnum("mood", ["sad", "ok", "happy"]);

/** The fuzzed table: every kind of value the closure language handles, with the nastiest rows. */
export const fz = table("fz", {
  id: serial().primaryKey(),
  s: text(),
  ns: text().nullable(),
  n: integer(),
  nn: integer().nullable(),
  f: doublePrecision().nullable(),
  big: bigint().nullable(),
  b: boolean().nullable(),
  tags: text().array().nullable(),
  at: timestamptz().nullable(),
  meta: jsonb<{ k: string; v?: number | null }>().nullable(),
  m: mood().nullable(),
  // Issue 7: types whose SQL equality or arithmetic is not JavaScript's, and session-dependent ones.
  u: uuid().nullable(),
  d: date().nullable(),
  dec: numeric().nullable(),
  dec2: numeric(12, 2).nullable(),
  r4: real().nullable(),
  bn: bigint({ mode: "number" }).nullable(),
  j: jsonb<{ x?: number | null; s?: string | null; a?: number[] }>().nullable(),
  ts: timestamp().nullable(),
  x: text(),
});
export const fuzzSchema = relations({ fz });
export type Fz = typeof fz.$row;

/**
 * Strings for rows and literals: empty, LIKE metacharacters, quotes, backslash, case pairs,
 * non-ASCII case mappings, white space JavaScript trims, astral characters. U+E000–U+FFFF is left
 * out: ordering it against astral characters is the documented COLLATE "C" limit.
 */
export const STRINGS = [
  "",
  "a",
  "A",
  "ab",
  "abc",
  "%",
  "_",
  "\\",
  "a%b",
  "a_b",
  "a\\b",
  "'",
  '"',
  "é",
  "É",
  "ß",
  "SS",
  "😀",
  "ab😀",
  "x y",
  " a ",
  "\ta\n",
  "\u00a0a",
  "İ",
  "ǅ",
  "Σ",
  "null",
  "0",
  "-1",
];
export const INTS = [0, 1, -1, 2, 3, 7, 42, 2147483647, -2147483648];
export const FLOATS = [0, -0, 1.5, -2.25, 0.1, NaN, Infinity, -Infinity, 1e15, 7, -1];
export const BIGS = [0n, 1n, -1n, 7n, 1000000007n, -9223372036854775808n, 9223372036854775807n];

/** uuid rows are stored (and read back) in lower case; captures also use upper case. */
export const UUIDS = [
  "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "0a0eebc9-9c0b-4ef8-bb6d-6bb9bd380a11",
];
/** Literal/captured spellings: upper case, braces, no dashes: equal in SQL, not in JavaScript. */
export const UUID_SPELLINGS = [
  ...UUIDS,
  "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
  "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
  "a0eebc999c0b4ef8bb6d6bb9bd380a11",
  "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
];
export const DATES = ["2020-01-01", "2024-02-29", "1999-12-31", "2024-01-10", "0001-01-01"];
export const DATE_SPELLINGS = [...DATES, "2020-1-1", "2020-01-01 ", "20200101", "01/01/2020", "2024-02-29T00:00"];
/** numeric rows as PostgreSQL prints them (scale kept: "1.0" and "1.00" are distinct strings). */
export const DECIMALS = ["0", "1", "1.0", "1.00", "-1.5", "0.1", "NaN", "123456789012345678901234567890.5", "100"];
export const DECIMAL_SPELLINGS = [...DECIMALS, "-0", "1e2", "100", "01", ".1", "+1", "1.000"];
export const DECIMALS2 = ["0.00", "1.00", "1.50", "-1.50", "0.10", "NaN", "9999999999.99"];
/** float4 values as JavaScript receives them (pg parses the shortest float4 text as a double). */
export const REALS = [0, -0, 0.1, 1.5, NaN, Infinity, -Infinity, 16777216, 3.4028235e38, 1e-45];
export const BIG_NUMBERS = [0, 1, -1, 7, 9007199254740991, -9007199254740991, 4294967296];
/**
 * JSONB documents as raw text, seeded as is: huge and tiny numbers (doubles in JavaScript, numeric in
 * SQL), -0, 1.0, JSON null, missing keys, arrays.
 */
export const J_RAW = [
  '{"x": 1, "s": "a", "a": [1, 2]}',
  '{"x": 1e400}',
  '{"x": -1e400, "s": ""}',
  '{"x": 1e-400, "a": []}',
  '{"x": null, "s": null}',
  "{}",
  '{"x": 0.1, "a": [0.1, 1e400]}',
  '{"x": 1.0, "s": "1.0"}',
  '{"x": -0, "a": [-0]}',
  '{"x": 12345678901234567890, "s": "null"}',
  '{"x": 7, "s": "undefined", "a": [7]}',
];
/**
 * Strings for the `x` column and literals: quoting, escapes, a character PostgreSQL would have put in
 * place of a lone surrogate (closql now refuses those before sending; U+FFFD itself is left out like
 * all of U+E000–U+FFFF, the documented COLLATE "C" ordering limit, so "\u07FF" stands in).
 */
export const NASTY_STRINGS = ["\\' OR TRUE --", "\\", "'", "''", "a\\b", "$1", "\u07FF", "E'x'", "\\x41", "%\\_", ""];

export function fuzzRows(count = 80): Fz[] {
  const rows: Fz[] = [];
  for (let i = 0; i < count; i++) {
    const pick = <T>(xs: readonly T[], k: number) => xs[(i * k + Math.floor(i / xs.length)) % xs.length];
    rows.push({
      id: i + 1,
      s: pick(STRINGS, 1),
      ns: i % 4 === 0 ? null : pick(STRINGS, 7),
      n: pick(INTS, 3),
      nn: i % 3 === 0 ? null : pick(INTS, 5),
      f: i % 5 === 0 ? null : pick(FLOATS, 1),
      big: i % 6 === 0 ? null : pick(BIGS, 1),
      b: i % 3 === 1 ? null : i % 3 === 0,
      tags: i % 7 === 0 ? null : STRINGS.slice(i % STRINGS.length, (i % STRINGS.length) + (i % 4)),
      at: i % 8 === 0 ? null : new Date(Date.UTC(2024, 0, 1 + (i % 20), i % 24, 0, 0, (i * 7) % 1000)),
      meta:
        i % 5 === 1
          ? null
          : i % 5 === 2
            ? { k: pick(STRINGS, 3) }
            : { k: pick(STRINGS, 2), v: i % 5 === 3 ? null : pick(INTS, 2) },
      m: i % 4 === 3 ? null : (["sad", "ok", "happy"] as const)[i % 3],
      u: i % 5 === 4 ? null : pick(UUIDS, 3),
      d: i % 6 === 5 ? null : pick(DATES, 5),
      dec: i % 7 === 6 ? null : pick(DECIMALS, 3),
      dec2: i % 6 === 2 ? null : pick(DECIMALS2, 7),
      r4: i % 5 === 3 ? null : pick(REALS, 3),
      bn: i % 4 === 2 ? null : pick(BIG_NUMBERS, 5),
      // Replaced by what PostgreSQL gives back for J_RAW (see seedFuzzRows); `null` rows stay SQL NULL.
      j: i % 9 === 8 ? null : {},
      ts:
        i % 7 === 3 ? null : new Date(Date.UTC(2024, 2, 30 + (i % 4), (i * 5) % 24, (i * 11) % 60, 0, (i * 3) % 1000)),
      x: pick(NASTY_STRINGS, 3),
    });
  }
  return rows;
}
