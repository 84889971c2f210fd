import {
  bigint,
  boolean,
  date,
  doublePrecision,
  integer,
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

/**
 * The multi-table fuzzer's tables: parents (`mp`, with a self reference `bossId`) and children
 * (`mc`, `pid` → `mp.id`). Parents without children, children without a parent (NULL and dangling
 * `pid`), and in every column the values where SQL and JavaScript part: NULL, "", %, _, \, case
 * pairs, astral characters, NaN, ±Infinity, -0, int4/int8 extremes, numeric "1.0" beside "1.00";
 * typed columns (gap list of the first fuzzer): timestamps with microseconds and ±infinity, dates at
 * the calendar's edges and ±infinity, uuids (stored lower case; captures also upper case), enum
 * labels with quotes, a comma and a space, jsonb with nested objects, missing keys and JSON null, and
 * float4. Microseconds and infinity are set by SQL after seeding (see MICROSECONDS/INFINITIES): a
 * Date holds milliseconds, and ±infinity reads back as ±Infinity (README, Limits).
 */
export const tone = pgEnum("tone", ["it's", 'say "hi"', "a,b", "Z", "a b", "é"]);
export type Tone = "it's" | 'say "hi"' | "a,b" | "Z" | "a b" | "é";
export type J = { k?: string | null; v?: number | null; o?: { x?: number } };
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
  at: timestamptz().nullable(),
  d: date().nullable(),
  u: uuid().nullable(),
  m: tone().nullable(),
  j: jsonb<J>().nullable(),
  r4: real().nullable(),
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
  at: timestamptz().nullable(),
  ts: timestamp().nullable(),
  d: date().nullable(),
  u: uuid().nullable(),
  m: tone().nullable(),
  j: jsonb<J>().nullable(),
});
/** A junction (many-to-many `likes`/`likers`): duplicate links, NULL and dangling ends. */
export const mj = table("mj", {
  id: serial().primaryKey(),
  pid: integer().nullable(),
  cid: integer().nullable(),
});
export const multiSchema = relations({ mp, mc, mj }, (r) => ({
  mp: {
    kids: r.hasMany(mc, (c) => c.pid),
    reports: r.hasMany(mp, (p) => p.bossId),
    // Preload only (the preload fuzzer): a self belongsTo, a hasOne whose key is not unique (any
    // one of the rows is right), and many-to-many through `mj`.
    boss: r.belongsTo(mp, (p) => p.bossId),
    kid: r.hasOne(mc, (c) => c.pid),
    likes: r.manyToMany(mc, { through: mj, from: (j) => j.pid, to: (j) => j.cid }),
    links: r.hasMany(mj, (j) => j.pid),
  },
  mc: {
    parent: r.belongsTo(mp, (c) => c.pid),
    likers: r.manyToMany(mp, { through: mj, from: (j) => j.cid, to: (j) => j.pid }),
    links: r.hasMany(mj, (j) => j.cid),
  },
  // The junction as a table of its own: three distinct tables along a path load as nested JSON.
  mj: {
    liker: r.belongsTo(mp, (j) => j.pid),
    liked: r.belongsTo(mc, (j) => j.cid),
  },
}));
export type Mp = typeof mp.$row;
export type Mc = typeof mc.$row;
export type Mj = typeof mj.$row;

/** Links of the junction: a pair twice, a child without a parent, dangling and NULL ends. */
// prettier-ignore
export const LINKS: Mj[] = [
  { id: 1, pid: 1, cid: 1 }, { id: 2, pid: 1, cid: 2 }, { id: 3, pid: 1, cid: 2 }, { id: 4, pid: 2, cid: 15 },
  { id: 5, pid: 3, cid: 99 }, { id: 6, pid: 99, cid: 1 }, { id: 7, pid: null, cid: 3 }, { id: 8, pid: 6, cid: 8 },
  { id: 9, pid: 6, cid: 9 }, { id: 10, pid: 4, cid: 4 }, { id: 11, pid: 12, cid: 18 }, { id: 12, pid: 13, cid: null },
  { id: 13, pid: 6, cid: 1 }, { id: 14, pid: 9, cid: 8 },
];
/** A parent as a relation predicate sees it in JavaScript: its children and its reports. */
export type MpR = Mp & { readonly kids: Mc[]; readonly reports: MpR[] };

const I = 2147483647;
const BIG = 9223372036854775807n;

// prettier-ignore
const BASE_PARENTS: Omit<Mp, Typed | "r4">[] = [
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
const BASE_CHILDREN: Omit<Mc, Typed | "ts">[] = [
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

type Typed = "at" | "d" | "u" | "m" | "j";
const t = (iso: string) => new Date(iso);
/** ±infinity as closql reads a timestamp back (pg's policy: a number, not a Date). */
const INF = Infinity as unknown as Date;
const NINF = -Infinity as unknown as Date;
const U1 = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
const U0 = "00000000-0000-0000-0000-000000000000";
const UF = "ffffffff-ffff-ffff-ffff-ffffffffffff";
const U2 = "0a0eebc9-9c0b-4ef8-bb6d-6bb9bd380a11";

// prettier-ignore
const TYPED_PARENTS: Pick<Mp, Typed | "r4">[] = [
  { at: t("2024-01-01T00:00:00.123Z"), d: "2024-02-29", u: U1, m: "it's", j: { k: "a", v: 1, o: { x: 1 } }, r4: 0.1 },
  { at: t("2024-01-01T00:00:00.123Z"), d: "0001-01-01", u: U0, m: 'say "hi"', j: {}, r4: -0 },
  { at: null, d: null, u: null, m: null, j: null, r4: null },
  { at: INF, d: "9999-12-31", u: UF, m: "a,b", j: { k: null, v: null }, r4: NaN },
  { at: NINF, d: "infinity", u: U2, m: "Z", j: { v: 1.5 }, r4: Infinity },
  { at: t("1970-01-01T00:00:00.000Z"), d: "-infinity", u: U1, m: "a b", j: { k: "", o: {} }, r4: -Infinity },
  { at: t("2024-02-29T23:59:59.999Z"), d: "1999-12-31", u: U0, m: "é", j: { k: "a", v: 1, o: { x: 1 } }, r4: 16777216 },
  { at: t("0001-01-01T00:00:00.000Z"), d: "2024-02-29", u: null, m: "it's", j: { k: "A", v: 0 }, r4: 3.4028235e38 },
  { at: t("2024-01-01T00:00:00.124Z"), d: null, u: U1, m: null, j: { v: -2, o: { x: 2 } }, r4: 1.5 },
  { at: null, d: "2000-01-01", u: UF, m: "Z", j: { k: "null" }, r4: 0 },
  { at: t("1969-12-31T23:59:59.999Z"), d: "2024-03-01", u: U2, m: 'say "hi"', j: { k: "a" }, r4: 1e-45 },
  { at: t("2024-01-01T00:00:00.123Z"), d: "1970-01-01", u: U0, m: "a,b", j: {}, r4: 0.1 },
  { at: t("2099-12-31T00:00:00.000Z"), d: "2024-02-29", u: null, m: "é", j: { k: "é", v: 7 }, r4: -2.25 },
];

// prettier-ignore
const TYPED_CHILDREN: Pick<Mc, Typed | "ts">[] = [
  { at: t("2024-01-01T00:00:00.123Z"), ts: t("2024-01-01T00:00:00.123Z"), d: "2024-02-29", u: U1, m: "it's", j: { k: "a", v: 1 } },
  { at: t("2024-01-01T00:00:00.124Z"), ts: null, d: "1999-12-31", u: U0, m: "Z", j: null },
  { at: null, ts: t("1970-01-01T00:00:00.000Z"), d: null, u: null, m: null, j: {} },
  { at: INF, ts: INF, d: "infinity", u: UF, m: "a,b", j: { k: null } },
  { at: t("1970-01-01T00:00:00.000Z"), ts: t("2024-02-29T23:59:59.999Z"), d: "2024-02-29", u: U2, m: 'say "hi"', j: { o: { x: 1 } } },
  { at: t("2024-02-29T23:59:59.999Z"), ts: t("0001-01-01T00:00:00.000Z"), d: "0001-01-01", u: U1, m: "é", j: { v: null } },
  { at: t("0001-01-01T00:00:00.000Z"), ts: null, d: "2000-01-01", u: null, m: "a b", j: { k: "a", v: 1, o: { x: 1 } } },
  { at: null, ts: t("2024-01-01T00:00:00.124Z"), d: "-infinity", u: U0, m: "it's", j: { k: "A" } },
  { at: t("2024-01-01T00:00:00.123Z"), ts: t("2024-01-01T00:00:00.123Z"), d: "2024-03-01", u: U1, m: "Z", j: null },
  { at: NINF, ts: null, d: null, u: UF, m: null, j: { v: 1.5 } },
  { at: t("1969-12-31T23:59:59.999Z"), ts: t("1969-12-31T23:59:59.999Z"), d: "1970-01-01", u: U2, m: "a,b", j: {} },
  { at: t("2099-12-31T00:00:00.000Z"), ts: t("2099-12-31T00:00:00.000Z"), d: "2024-02-29", u: null, m: "é", j: { k: "" } },
  { at: t("2024-01-01T00:00:00.123Z"), ts: null, d: "9999-12-31", u: U0, m: "it's", j: { k: "null", v: 0 } },
  { at: null, ts: t("2024-01-01T00:00:00.123Z"), d: "2024-02-29", u: U1, m: 'say "hi"', j: { k: "a" } },
  { at: t("2024-02-29T23:59:59.999Z"), ts: INF, d: null, u: null, m: "Z", j: { o: {} } },
  { at: null, ts: null, d: null, u: null, m: null, j: null },
  { at: t("1970-01-01T00:00:00.000Z"), ts: t("1970-01-01T00:00:00.000Z"), d: "2000-01-01", u: UF, m: "a b", j: { v: -2 } },
  { at: t("2024-01-01T00:00:00.123Z"), ts: t("2024-01-01T00:00:00.123Z"), d: "1999-12-31", u: U2, m: "é", j: { k: "é", v: 7 } },
];

export const PARENTS: Mp[] = BASE_PARENTS.map((p, i) => ({ ...p, ...TYPED_PARENTS[i] }));
export const CHILDREN: Mc[] = BASE_CHILDREN.map((c, i) => ({ ...c, ...TYPED_CHILDREN[i] }));

/**
 * Sub-millisecond digits the JavaScript rows cannot hold, set by SQL after seeding: each row's Date
 * is the value cut to milliseconds (what closql reads back). Rows 1, 2 and 12 of `mp` share a
 * millisecond, as do `mc` rows 1, 9, 13, 18 and `mp` rows 1, 2, 12.
 */
export const MICROSECONDS: readonly string[] = [
  `UPDATE "mp" SET "at" = '2024-01-01 00:00:00.123456+00' WHERE "id" = 1`,
  `UPDATE "mp" SET "at" = '2024-01-01 00:00:00.123999+00' WHERE "id" = 12`,
  `UPDATE "mp" SET "at" = '2024-02-29 23:59:59.999999+00' WHERE "id" = 7`,
  `UPDATE "mc" SET "at" = '2024-01-01 00:00:00.123001+00', "ts" = '2024-01-01 00:00:00.123999' WHERE "id" = 1`,
  `UPDATE "mc" SET "ts" = '2024-02-29 23:59:59.999500' WHERE "id" = 5`,
  `UPDATE "mc" SET "at" = '2024-01-01 00:00:00.123500+00' WHERE "id" = 13`,
];

/** The parents with their relations, as JavaScript would hold them. */
export function withRelations(parents: readonly Mp[], children: readonly Mc[]): MpR[] {
  const out: MpR[] = parents.map((p) => ({ ...p, kids: children.filter((c) => c.pid === p.id), reports: [] }));
  for (const p of out) (p.reports as MpR[]).push(...out.filter((r) => r.bossId === p.id));
  return out;
}
