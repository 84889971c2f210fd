import { bigint, boolean, doublePrecision, integer, numeric, relations, serial, table, text } from "closql";

/**
 * The multi-table fuzzer's tables: parents (`mp`, with a self reference `bossId`) and children
 * (`mc`, `pid` → `mp.id`). Parents without children, children without a parent (NULL and dangling
 * `pid`), and in every column the values where SQL and JavaScript part: NULL, "", %, _, \, case
 * pairs, astral characters, NaN, ±Infinity, -0, int4/int8 extremes, numeric "1.0" beside "1.00".
 */
export const mp = table("mp", {
  id: serial().primaryKey(),
  s: text(),
  ns: text().nullable(),
  n: integer(),
  nn: integer().nullable(),
  f: doublePrecision().nullable(),
  big: bigint().nullable(),
  bn: bigint({ mode: "number" }).nullable(),
  dec: numeric().nullable(),
  b: boolean().nullable(),
  bossId: integer().nullable(),
});
export const mc = table("mc", {
  id: serial().primaryKey(),
  pid: integer().nullable(),
  s: text(),
  ns: text().nullable(),
  n: integer(),
  nn: integer().nullable(),
  f: doublePrecision().nullable(),
  big: bigint().nullable(),
  dec: numeric().nullable(),
  b: boolean().nullable(),
});
export const multiSchema = relations({ mp, mc }, (r) => ({
  mp: {
    kids: r.hasMany(mc, (c) => c.pid),
    reports: r.hasMany(mp, (p) => p.bossId),
  },
}));
export type Mp = typeof mp.$row;
export type Mc = typeof mc.$row;
/** A parent as a relation predicate sees it in JavaScript: its children and its reports. */
export type MpR = Mp & { readonly kids: Mc[]; readonly reports: MpR[] };

const I = 2147483647;
const BIG = 9223372036854775807n;

// prettier-ignore
export const PARENTS: Mp[] = [
  { id: 1, s: "a", ns: null, n: 1, nn: null, f: 1.5, big: 7n, bn: 7, dec: "1.0", b: true, bossId: null },
  { id: 2, s: "", ns: "", n: 0, nn: 0, f: -0, big: null, bn: 0, dec: "1.00", b: false, bossId: 1 },
  { id: 3, s: "%", ns: "a%b", n: -1, nn: -1, f: NaN, big: -BIG - 1n, bn: -9007199254740991, dec: "NaN", b: null, bossId: 1 },
  { id: 4, s: "_", ns: "_", n: I, nn: I, f: Infinity, big: BIG, bn: 9007199254740991, dec: "123456789012345678901234567890.5", b: true, bossId: 2 },
  { id: 5, s: "\\", ns: "\\", n: -I - 1, nn: null, f: -Infinity, big: 0n, bn: null, dec: "-1.5", b: false, bossId: 99 },
  { id: 6, s: "é", ns: "É", n: 7, nn: 7, f: 0, big: 1n, bn: 1, dec: "0", b: true, bossId: 6 },
  { id: 7, s: "😀", ns: "ab😀", n: 7, nn: 3, f: null, big: null, bn: null, dec: null, b: null, bossId: 3 },
  { id: 8, s: "A", ns: null, n: 42, nn: 42, f: 1e15, big: -1n, bn: -1, dec: "0.1", b: false, bossId: null },
  { id: 9, s: "a", ns: "a", n: 1, nn: 1, f: 0.1, big: 7n, bn: 7, dec: "1", b: true, bossId: 4 },
  { id: 10, s: "ß", ns: "SS", n: 2, nn: null, f: -2.25, big: 1000000007n, bn: 4294967296, dec: "100", b: null, bossId: 9 },
  { id: 11, s: "a", ns: "null", n: 3, nn: 3, f: 7, big: 7n, bn: 7, dec: "1.0", b: true, bossId: 1 },
  { id: 12, s: "a b", ns: " a ", n: 1, nn: 1, f: NaN, big: null, bn: null, dec: "0.00", b: false, bossId: 12 },
  { id: 13, s: "İ", ns: "i", n: -7, nn: -7, f: -0, big: 2n, bn: 2, dec: "-0.5", b: null, bossId: null },
];

// prettier-ignore
export const CHILDREN: Mc[] = [
  { id: 1, pid: 1, s: "a", ns: null, n: 1, nn: 1, f: 1.5, big: 1n, dec: "1.0", b: true },
  { id: 2, pid: 1, s: "b", ns: "b", n: 2, nn: null, f: NaN, big: null, dec: "2.50", b: false },
  { id: 3, pid: 1, s: "", ns: "", n: 0, nn: 0, f: -0, big: BIG, dec: null, b: null },
  { id: 4, pid: 2, s: "%", ns: "%", n: I, nn: I, f: Infinity, big: BIG, dec: "0.10", b: true },
  { id: 5, pid: 3, s: "_", ns: null, n: -I - 1, nn: null, f: -Infinity, big: -BIG - 1n, dec: "-1", b: false },
  { id: 6, pid: 3, s: "a\\b", ns: "a_b", n: 7, nn: 7, f: 0.1, big: 7n, dec: "7", b: true },
  { id: 7, pid: 4, s: "A", ns: "a", n: 42, nn: 42, f: 1e15, big: 42n, dec: "42.000", b: null },
  { id: 8, pid: 6, s: "é", ns: "e\u0301", n: 3, nn: null, f: null, big: null, dec: null, b: null },
  { id: 9, pid: 6, s: "😀", ns: "😀", n: 3, nn: 3, f: 3, big: 3n, dec: "3", b: true },
  { id: 10, pid: 6, s: "ab", ns: "ab", n: -1, nn: -1, f: -1, big: -1n, dec: "-1.0", b: false },
  { id: 11, pid: 7, s: "ß", ns: "ss", n: 1, nn: 1, f: 2.25, big: 1n, dec: "NaN", b: true },
  { id: 12, pid: 9, s: "a", ns: "a", n: 1, nn: 1, f: NaN, big: 1n, dec: "1", b: false },
  { id: 13, pid: 9, s: "a", ns: null, n: 1, nn: null, f: 1.5, big: null, dec: "1.00", b: null },
  { id: 14, pid: 11, s: "null", ns: "null", n: 0, nn: 0, f: 0, big: 0n, dec: "0", b: false },
  { id: 15, pid: null, s: "stray", ns: null, n: 5, nn: 5, f: 5, big: 5n, dec: "5", b: true },
  { id: 16, pid: null, s: "", ns: "", n: 0, nn: null, f: null, big: null, dec: null, b: null },
  { id: 17, pid: 99, s: "dangling", ns: "x", n: 9, nn: 9, f: -9, big: 9n, dec: "9.9", b: false },
  { id: 18, pid: 12, s: " a ", ns: "\ta\n", n: 2, nn: 2, f: -0, big: 2n, dec: "0.0", b: true },
];

/** The parents with their relations, as JavaScript would hold them. */
export function withRelations(parents: readonly Mp[], children: readonly Mc[]): MpR[] {
  const out: MpR[] = parents.map((p) => ({ ...p, kids: children.filter((c) => c.pid === p.id), reports: [] }));
  for (const p of out) (p.reports as MpR[]).push(...out.filter((r) => r.bossId === p.id));
  return out;
}
