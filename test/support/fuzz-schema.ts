import {
  bigint,
  boolean,
  doublePrecision,
  integer,
  jsonb,
  pgEnum,
  relations,
  serial,
  table,
  text,
  timestamptz,
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
    });
  }
  return rows;
}
