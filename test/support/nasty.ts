import { bigint, boolean, doublePrecision, integer, relations, serial, table, text, timestamptz } from "closql";

/** A table whose rows hold the values where JavaScript and SQL disagree most easily. */
export const items = table("items", {
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
});

export const nastySchema = relations({ items });
export type Item = typeof items.$row;

const strings = [
  "",
  "a",
  "A",
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
  "😀",
  "ab😀",
  "\uFFFD",
  "x y",
  "50%_off",
];
const numbers = [0, 1, -1, 2, 7, 2147483647, -2147483648, 42];
const floats = [0, -0, 1.5, -2.25, NaN, Infinity, -Infinity, 1e300, 7];

/** Deterministic rows covering NULLs, empty strings, LIKE metacharacters, unicode, NaN and extremes. */
export function nastyRows(): Item[] {
  const rows: Item[] = [];
  const at = (i: number) => new Date(Date.UTC(2024, 0, 1 + i, i % 24, i % 60, i % 60, (i * 7) % 1000));
  for (let i = 0; i < 60; i++) {
    const pick = <T>(xs: readonly T[], k: number) => xs[(i * k + Math.floor(i / xs.length)) % xs.length];
    rows.push({
      id: i + 1,
      s: pick(strings, 1),
      ns: i % 4 === 0 ? null : pick(strings, 5),
      n: pick(numbers, 3),
      nn: i % 3 === 0 ? null : pick(numbers, 7),
      f: i % 5 === 0 ? null : pick(floats, 1),
      big: i % 6 === 0 ? null : BigInt(pick(numbers, 1)) * 1000000007n,
      b: i % 3 === 1 ? null : i % 3 === 0,
      tags: i % 7 === 0 ? null : [pick(strings, 2), pick(strings, 3)].slice(0, i % 3),
      at: i % 8 === 0 ? null : at(i),
    });
  }
  return rows;
}
