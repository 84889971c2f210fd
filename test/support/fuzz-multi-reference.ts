/**
 * The multi-table fuzzer's reference: joins, groups, aggregates, distinct and keyset pagination
 * computed in JavaScript over the seeded rows, the way a JavaScript programmer would write them.
 * The closures themselves are the generated source, run uncompiled; only what has no JavaScript
 * syntax (a join, a group, an aggregate marker) is spelled out here, with the semantics the README
 * promises:
 * - a join keeps the pairs whose condition is truthy; a left join adds `null` for a row without one;
 * - groups and distinct rows compare keys as a `Map` does (SameValueZero: NaN is NaN, -0 is 0;
 *   `null` and `undefined` are two keys; "1.0" and "1.00" are two strings);
 * - count() is the group's size, count(x) the values that are neither null nor undefined;
 * - sum/avg/min/max skip null and undefined, and are null when nothing is left; sum of integers is
 *   exact (a number), of bigints a bigint, of numeric strings the exact decimal string (scale = the
 *   largest input scale), of doubles the double sum; avg is the mean as a double (numeric: a string
 *   equal to the mean);
 * - min/max order like `orderBy`: strings by code units, numbers with NaN above all, numeric strings
 *   by value; where several values tie (0 and -0, "1.0" and "1.00") any of them is right;
 * - orderBy: NULL (and undefined) last ascending and first descending unless `nulls` says otherwise.
 */

import { LINKS } from "./fuzz-multi-schema";

export type Tuple = readonly unknown[];
export type Group = readonly Tuple[];

/** A value any of whose alternatives is right (a group key or an extreme that ties). */
export class AnyOf {
  constructor(readonly values: readonly unknown[]) {}
}
/** A double that may differ in its last bits (summation order); numeric strings compared by value. */
export class Approx {
  constructor(readonly value: unknown) {}
}

/**
 * A timestamp ±infinity as the reference holds it: closql reads it back as the number ±Infinity
 * (pg's policy, README Limits), while its SQL compares it as an instant after (before) every other
 * one, `getTime()` included. The reference's rows hold this Date whose time is ±Infinity, so the
 * closures compute what the SQL does; a result value ±Infinity matches it.
 */
export class InfiniteDate extends Date {
  constructor(readonly sign: 1 | -1) {
    super(NaN);
  }
  override getTime(): number {
    return this.sign * Infinity;
  }
  override valueOf(): number {
    return this.sign * Infinity;
  }
}

/** The rows with every ±Infinity timestamp (columns `at`, `ts`) as an InfiniteDate. */
export function withInfiniteDates<T extends object>(rows: readonly T[]): T[] {
  return rows.map((r) => {
    const out = { ...r } as Record<string, unknown>;
    for (const k of ["at", "ts"])
      if (typeof out[k] === "number") out[k] = new InfiniteDate((out[k] as number) > 0 ? 1 : -1);
    return out as T;
  });
}

export function start<T>(rows: readonly T[]): [T][] {
  return rows.map((r) => [r]);
}

export function join<T extends Tuple, R>(
  tuples: readonly T[],
  rows: readonly R[],
  on: (...t: [...T, R]) => unknown,
  left: true,
): [...T, R | null][];
export function join<T extends Tuple, R>(
  tuples: readonly T[],
  rows: readonly R[],
  on: (...t: [...T, R]) => unknown,
  left: false,
): [...T, R][];
export function join<T extends Tuple, R>(
  tuples: readonly T[],
  rows: readonly R[],
  on: (...t: [...T, R]) => unknown,
  left: boolean,
): [...T, R | null][] {
  return tuples.flatMap((t) => {
    const matches = rows.filter((r) => on(...t, r));
    if (matches.length === 0 && left) return [[...t, null] as [...T, R | null]];
    return matches.map((r) => [...t, r] as [...T, R | null]);
  });
}

export function where<T extends Tuple>(tuples: readonly T[], f: (...t: T) => unknown): T[] {
  return tuples.filter((t) => f(...t));
}

/** SameValueZero, telling types (and null from undefined) apart, as a string. */
export function canonical(v: unknown): string {
  if (typeof v === "number") return Number.isNaN(v) ? "n:NaN" : `n:${v === 0 ? 0 : v}`;
  if (typeof v === "bigint") return `g:${v}`;
  if (typeof v === "string") return `s:${v}`;
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "boolean") return `b:${v}`;
  // closql groups and compares timestamps by value (as getTime() does), not by object identity.
  if (v instanceof Date) return `n:${v.getTime()}`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (typeof v === "object")
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${k}=${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return String(v);
}

/** Groups by `key` (one value or an array of them); without a key, the whole input is one group. */
export function groups<T extends Tuple>(tuples: readonly T[], key: ((...t: NoInfer<T>) => unknown) | null): T[][] {
  if (key === null) return [[...tuples]];
  const map = new Map<string, T[]>();
  for (const t of tuples) {
    const k = canonical(key(...t));
    const g = map.get(k);
    if (g) g.push(t);
    else map.set(k, [t]);
  }
  return [...map.values()];
}

/** A group key's value (every member of the group has it). */
export function key<T extends Tuple, V>(g: readonly T[], f: (...t: NoInfer<T>) => V): V {
  return f(...g[0]);
}
/** A group key as a result field: the members' values, all equal as keys, may differ in spelling (0, -0). */
export function keyField<T extends Tuple>(g: readonly T[], f: (...t: NoInfer<T>) => unknown): unknown {
  return anyOf(g.map((t) => f(...t)));
}

function anyOf(values: readonly unknown[]): unknown {
  const distinct: unknown[] = [];
  for (const v of values) if (!distinct.some((d) => Object.is(d, v))) distinct.push(v);
  return distinct.length === 1 ? distinct[0] : new AnyOf(distinct);
}

function present<T extends Tuple>(g: readonly T[], f: (...t: NoInfer<T>) => unknown): unknown[] {
  return g.map((t) => f(...t)).filter((v) => v !== null && v !== undefined);
}

export function count<T extends Tuple>(g: readonly T[], f?: (...t: NoInfer<T>) => unknown): number {
  return f ? present(g, f).length : g.length;
}

export type NumberKind = "int" | "double" | "real" | "bigint" | "bn" | "numeric";

export function sum<T extends Tuple>(g: readonly T[], f: (...t: NoInfer<T>) => unknown, kind: "bigint"): bigint | null;
export function sum<T extends Tuple>(g: readonly T[], f: (...t: NoInfer<T>) => unknown, kind: "numeric"): string | null;
export function sum<T extends Tuple>(
  g: readonly T[],
  f: (...t: T) => unknown,
  kind: "int" | "double" | "real" | "bn",
): number | null;
export function sum<T extends Tuple>(g: readonly T[], f: (...t: NoInfer<T>) => unknown, kind: NumberKind): unknown {
  const xs = present(g, f);
  if (xs.length === 0) return null;
  if (kind === "bigint") return (xs as bigint[]).reduce((a, b) => a + b);
  if (kind === "numeric") return decimalSum(xs as string[]);
  if (kind === "int" || kind === "bn") return Number((xs as number[]).reduce((a, b) => a + BigInt(b), 0n));
  return (xs as number[]).reduce((a, b) => a + b);
}

export function avg<T extends Tuple>(g: readonly T[], f: (...t: NoInfer<T>) => unknown, kind: "numeric"): string | null;
export function avg<T extends Tuple>(
  g: readonly T[],
  f: (...t: T) => unknown,
  kind: Exclude<NumberKind, "numeric">,
): number | null;
export function avg<T extends Tuple>(g: readonly T[], f: (...t: NoInfer<T>) => unknown, kind: NumberKind): unknown {
  const xs = present(g, f);
  if (xs.length === 0) return null;
  if (kind === "numeric") {
    const s = decimalSum(xs as string[]);
    return s === "NaN" ? "NaN" : String(Number(s) / xs.length);
  }
  if (kind === "double" || kind === "real") return (xs as number[]).reduce((a, b) => a + b) / xs.length;
  const total = (xs as (number | bigint)[]).reduce<bigint>((a, b) => a + BigInt(b), 0n);
  return Number(total) / xs.length;
}

/** min/max in closql's order (see `compareValues`); `extremeField` when several values tie. */
export function min<T extends Tuple, V>(
  g: readonly T[],
  f: (...t: NoInfer<T>) => V,
  kind?: "numeric",
): NonNullable<V> | null {
  return extreme(g, f, -1, kind) as NonNullable<V> | null;
}
export function max<T extends Tuple, V>(
  g: readonly T[],
  f: (...t: NoInfer<T>) => V,
  kind?: "numeric",
): NonNullable<V> | null {
  return extreme(g, f, 1, kind) as NonNullable<V> | null;
}
export function extremeField<T extends Tuple>(
  g: readonly T[],
  f: (...t: T) => unknown,
  which: "min" | "max",
  kind?: "numeric",
): unknown {
  const xs = present(g, f);
  if (xs.length === 0) return null;
  const best = extreme(g, f, which === "min" ? -1 : 1, kind);
  return anyOf(xs.filter((x) => compareExtreme(x, best, kind) === 0));
}

function extreme<T extends Tuple>(
  g: readonly T[],
  f: (...t: NoInfer<T>) => unknown,
  sign: 1 | -1,
  kind?: "numeric",
): unknown {
  const xs = present(g, f);
  if (xs.length === 0) return null;
  return xs.reduce((best, x) => (compareExtreme(x, best, kind) * sign > 0 ? x : best));
}

function compareExtreme(a: unknown, b: unknown, kind?: "numeric"): number {
  return kind === "numeric" ? compareDecimal(a as string, b as string) : compareValues(a, b);
}

/** closql's order of two non-null values: strings by code units, NaN above every number. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return (a as never) < (b as never) ? -1 : (a as never) > (b as never) ? 1 : 0;
}

export type SortSpec = readonly [direction: "asc" | "desc", nulls: "first" | "last" | null];

/** Compares two sort-key tuples under `specs`. */
export function compareKeys(a: readonly unknown[], b: readonly unknown[], specs: readonly SortSpec[]): number {
  for (let i = 0; i < specs.length; i++) {
    const [direction, nulls] = specs[i];
    const an = a[i] === null || a[i] === undefined;
    const bn = b[i] === null || b[i] === undefined;
    const nullsFirst = nulls ? nulls === "first" : direction === "desc";
    let c: number;
    if (an || bn) c = an && bn ? 0 : an === nullsFirst ? -1 : 1;
    else c = compareValues(a[i], b[i]) * (direction === "desc" ? -1 : 1);
    if (c !== 0) return c;
  }
  return 0;
}

/** Decimal strings as [digits, scale]; "NaN" as null. */
function decimal(s: string): [bigint, number] | null {
  if (s === "NaN") return null;
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m) throw new Error(`not a decimal: ${s}`);
  const frac = m[3] ?? "";
  return [BigInt(`${m[1]}${m[2] || "0"}${frac}`), frac.length];
}

function decimalSum(xs: readonly string[]): string {
  const ds = xs.map(decimal);
  if (ds.some((d) => d === null)) return "NaN";
  const scale = Math.max(...ds.map((d) => d![1]));
  const total = ds.reduce((a, d) => a + d![0] * 10n ** BigInt(scale - d![1]), 0n);
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, "0");
  const int = digits.slice(0, digits.length - scale);
  return `${negative ? "-" : ""}${int}${scale > 0 ? `.${digits.slice(digits.length - scale)}` : ""}`;
}

/** Numeric strings by value; NaN above every number (PostgreSQL's numeric order). */
export function compareDecimal(a: string, b: string): number {
  const x = decimal(a);
  const y = decimal(b);
  if (x === null || y === null) return x === null ? (y === null ? 0 : 1) : -1;
  const scale = Math.max(x[1], y[1]);
  const xv = x[0] * 10n ** BigInt(scale - x[1]);
  const yv = y[0] * 10n ** BigInt(scale - y[1]);
  return xv < yv ? -1 : xv > yv ? 1 : 0;
}

/** Marks a result field as approximate (a double sum or mean). */
export function approx(v: unknown): unknown {
  return v === null ? null : new Approx(v);
}

/** Result rows with their sort keys; `distinct` drops rows equal field by field (SameValueZero). */
export interface Expected {
  readonly v: Record<string, unknown>;
  readonly k: readonly unknown[];
}
export function output<T extends Tuple>(
  tuples: readonly T[],
  select: (...t: T) => Record<string, unknown>,
  keys: readonly ((...t: T) => unknown)[],
  distinct = false,
): Expected[] {
  const out = tuples.map((t) => ({ v: select(...t), k: keys.map((k) => k(...t)) }));
  if (!distinct) return out;
  // Rows equal as a Set sees them may differ in spelling (0 and -0): SQL returns either one.
  const seen = new Map<string, Expected>();
  for (const e of out) {
    const c = canonical(e.v);
    const first = seen.get(c);
    if (!first) {
      seen.set(c, { v: { ...e.v }, k: e.k });
      continue;
    }
    const v = first.v as Record<string, unknown>;
    for (const [k, x] of Object.entries(e.v)) {
      const known = v[k] instanceof AnyOf ? (v[k] as AnyOf).values : [v[k]];
      if (!known.some((y) => Object.is(y, x))) v[k] = new AnyOf([...known, x]);
    }
  }
  return [...seen.values()];
}

// ---------- preload ----------

/**
 * One relation of a preload tree, as the generated `.preload()` calls merged give it (closql merges
 * them the same way: a relation named by several calls loads once, with the one call's filter and
 * options): the filter runs over the related rows (a parent with its `kids`/`reports`, as a relation
 * predicate sees it), `order`/`direction`/`limit` apply per parent row.
 */
export interface PreloadSpec {
  readonly rel: string;
  readonly filter?: (row: never) => unknown;
  readonly order?: (row: never) => unknown;
  readonly direction?: "asc" | "desc";
  readonly limit?: number;
  readonly children: readonly PreloadSpec[];
}

/** A to-many relation's expected rows: compared as a page of a sort (multisets within ties). */
export class Related {
  constructor(
    readonly rows: readonly Expected[],
    readonly specs: readonly SortSpec[],
    readonly limit: number | undefined,
  ) {}
}

type Row = Record<string, unknown>;
export interface PreloadData {
  readonly P: readonly object[];
  readonly C: readonly object[];
  readonly R: readonly object[];
}
type Table = "mp" | "mc" | "mj";
/** The fuzz schema's relations in JavaScript: the related rows of one row, in table order. */
type Rows = { readonly P: readonly Row[]; readonly C: readonly Row[]; readonly R: readonly Row[] };
const RELATIONS: Record<Table, Record<string, [Table, boolean, (d: Rows, r: Row) => readonly Row[]]>> = {
  mp: {
    kids: ["mc", true, (d, p) => d.C.filter((c) => c.pid === p.id)],
    reports: ["mp", true, (d, p) => d.P.filter((r) => r.bossId === p.id)],
    boss: ["mp", false, (d, p) => d.P.filter((b) => b.id === p.bossId)],
    kid: ["mc", false, (d, p) => d.C.filter((c) => c.pid === p.id)],
    likes: [
      "mc",
      true,
      (d, p) => LINKS.filter((j) => j.pid === p.id).flatMap((j) => d.C.filter((c) => c.id === j.cid)),
    ],
    links: ["mj", true, (_d, p) => LINKS.filter((j) => j.pid === p.id)],
  },
  mc: {
    parent: ["mp", false, (d, c) => d.P.filter((p) => p.id === c.pid)],
    likers: [
      "mp",
      true,
      (d, c) => LINKS.filter((j) => j.cid === c.id).flatMap((j) => d.P.filter((p) => p.id === j.pid)),
    ],
    links: ["mj", true, (_d, c) => LINKS.filter((j) => j.cid === c.id)],
  },
  mj: {
    liker: ["mp", false, (d, j) => d.P.filter((p) => p.id === j.pid)],
    liked: ["mc", false, (d, j) => d.C.filter((c) => c.id === j.cid)],
  },
};

/**
 * `row` (of `table`) with the relations of `specs` loaded: to-many as `Related` (order and per-parent
 * limit), to-one as the row or `null`; a hasOne whose key matches several rows may be any of them.
 */
export function loaded(table: Table, row: object, specs: readonly PreloadSpec[], data: PreloadData): Row {
  const d = data as Rows;
  const out: Row = { ...row };
  for (const s of specs) {
    const [target, many, related] = RELATIONS[table][s.rel];
    let rows = related(d, row as Row);
    // A parent as a relation predicate sees it: with its kids and reports.
    const seen = (r: Row) => (target === "mp" ? d.R.find((x) => x.id === r.id)! : r);
    if (s.filter) rows = rows.filter((r) => (s.filter as (r: Row) => unknown)(seen(r)));
    const values = rows.map((r) => ({
      v: loaded(target, r, s.children, d),
      k: s.order ? [(s.order as (r: Row) => unknown)(r)] : [],
    }));
    if (many) out[s.rel] = new Related(values, s.order ? [[s.direction ?? "asc", null]] : [], s.limit);
    else
      out[s.rel] = values.length === 0 ? null : values.length === 1 ? values[0].v : new AnyOf(values.map((e) => e.v));
  }
  return out;
}
