import { prng } from "./fuzz-generator";
import type { SortSpec } from "./fuzz-multi-reference";

/**
 * Generates multi-table reads over `mp` (parents) and `mc` (children): joins and left joins (the
 * optional side `T | null`), self-joins, three tables, `groupBy`/`having` with every aggregate in
 * `select`/`having`/`orderBy`, whole-result aggregates, `distinct` with and without `orderBy`,
 * relation predicates (`some`/`every`, nested, negated), and keyset pagination (`after`). Each case
 * is the query's source (`run`) and the same closures composed with the reference helpers of
 * fuzz-multi-reference.ts (`ref`), so one source text is both compiled and run as JavaScript.
 */
export interface MultiCase {
  readonly kind: "join" | "group" | "distinct" | "relation" | "keyset" | "preload";
  /** Statements before the query (captured values). */
  readonly captures: string[];
  /** The compiled query, ending in a terminal. */
  readonly run: string;
  /** JavaScript computing the expected `Expected[]` (fuzz-multi-reference.ts). */
  readonly ref: string;
  /** The orderBy calls' directions and nulls (keys are in each Expected's `k`). */
  readonly specs: SortSpec[];
  readonly limit?: number;
  readonly offset?: number;
  /** `first`: the row or undefined, compared as a page of at most one row. */
  readonly terminal: "all" | "count" | "first";
  readonly tags: string[];
}

type TableName = "mp" | "mc";
interface Param {
  readonly name: string;
  readonly table: TableName;
  readonly optional: boolean;
}
type ColKind =
  | "int"
  | "double"
  | "real"
  | "bn"
  | "bigint"
  | "numeric"
  | "string"
  | "bool"
  /** timestamptz / timestamp: a Date (±Infinity for ±infinity). */
  | "time"
  /** date: "YYYY-MM-DD", "infinity", "-infinity". */
  | "day"
  | "uuid"
  | "enum"
  | "json";
interface Col {
  readonly name: string;
  readonly kind: ColKind;
  readonly nullable: boolean;
}

const COMMON: Col[] = [
  { name: "id", kind: "int", nullable: false },
  { name: "s", kind: "string", nullable: false },
  { name: "ns", kind: "string", nullable: true },
  { name: "n", kind: "int", nullable: false },
  { name: "nn", kind: "int", nullable: true },
  { name: "f", kind: "double", nullable: true },
  { name: "big", kind: "bigint", nullable: true },
  { name: "dec", kind: "numeric", nullable: true },
  { name: "b", kind: "bool", nullable: true },
  { name: "at", kind: "time", nullable: true },
  { name: "d", kind: "day", nullable: true },
  { name: "u", kind: "uuid", nullable: true },
  { name: "m", kind: "enum", nullable: true },
  { name: "j", kind: "json", nullable: true },
];
const COLUMNS: Record<TableName, Col[]> = {
  mp: [
    ...COMMON,
    { name: "bn", kind: "bn", nullable: true },
    { name: "bossId", kind: "int", nullable: true },
    { name: "r4", kind: "real", nullable: true },
  ],
  mc: [...COMMON, { name: "pid", kind: "int", nullable: true }, { name: "ts", kind: "time", nullable: true }],
};
/** Kinds JavaScript holds as strings (closql's `string` values). */
const STRING_KINDS: ColKind[] = ["string", "numeric", "day", "uuid", "enum"];
const READS_ROW = /\b[a-z]\??\.|\b(count|sum|avg|min|max)\(/;
const READS_AGGREGATE = /\b(count|sum|avg|min|max)\(/;
const ROW_TYPE: Record<TableName, string> = { mp: "Mp", mc: "Mc" };
const ARRAY: Record<TableName, string> = { mp: "P", mc: "C" };

/** Strings that LIKE, escapes, case mapping or collation treat differently from JavaScript. */
const STRS = ["", "a", "A", "%", "_", "\\", "a%b", "a_b", "é", "ß", "😀", "null", "1.0", "1", "a b", "ab", "İ", "b"];
const NUMS = ["0", "1", "-1", "2", "7", "0.5", "1e15", "2147483647", "-2.25"];
const CAPTURED_NUMS = ["0", "1", "-1", "NaN", "-0", "Infinity", "0.5", "2147483648", "7"];
/** Typed literals: uuids in both cases (SQL equal, JavaScript not), dates at the edges, enum labels with quotes. */
const UUIDS = [
  "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
  "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
  "0a0eebc9-9c0b-4ef8-bb6d-6bb9bd380a11",
];
const DAYS = [
  "2024-02-29",
  "0001-01-01",
  "9999-12-31",
  "infinity",
  "-infinity",
  "1999-12-31",
  "2024-1-1",
  "2000-01-01",
];
const TONES = ["it's", 'say "hi"', "a,b", "Z", "a b", "é"];
const INSTANTS = [
  "2024-01-01T00:00:00.123Z",
  "2024-01-01T00:00:00.124Z",
  "1970-01-01T00:00:00.000Z",
  "0001-01-01T00:00:00.000Z",
  "2099-12-31T00:00:00.000Z",
  "1969-12-31T23:59:59.999Z",
];

class Generator {
  private captures: string[] = [];
  private tags = new Set<string>();
  constructor(private readonly rand: () => number) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)];
  }
  private chance(p: number): boolean {
    return this.rand() < p;
  }
  private tag(t: string): void {
    this.tags.add(t);
  }
  private capture(type: string, value: string): string {
    const name = `c${this.captures.length}`;
    this.captures.push(`const ${name}: ${type} = ${value};`);
    return name;
  }

  // ---------- values over rows (the same text compiles and runs as JavaScript) ----------

  /** `p.col` or `p?.col`; nullable when the column is or the row may be missing. */
  private col(p: Param, c: Col): { text: string; nullable: boolean } {
    return { text: `${p.name}${p.optional ? "?." : "."}${c.name}`, nullable: c.nullable || p.optional };
  }
  private colsOf(p: Param, kinds: readonly ColKind[]): Col[] {
    return COLUMNS[p.table].filter((c) => kinds.includes(c.kind));
  }

  num(d: number, ps: readonly Param[]): string {
    const p = this.pick(ps);
    const leaves: (() => string)[] = [
      () => {
        const c = this.col(p, this.pick(this.colsOf(p, ["int", "double", "bn", "real"])));
        return c.nullable ? `(${c.text} ?? ${this.pick(["0", "1", "-1", "7"])})` : c.text;
      },
      () => (p.optional ? `(${p.name}?.s.length ?? 0)` : `${p.name}.s.length`),
      () => this.pick(NUMS),
      () => this.capture("number", this.pick(CAPTURED_NUMS)),
    ];
    if (d <= 0) return this.pick(leaves)();
    return this.pick<() => string>([
      ...leaves,
      () => `(${this.num(d - 1, ps)} ${this.pick(["+", "-", "*", "/"])} ${this.num(d - 1, ps)})`,
      () => `(-${this.num(d - 1, ps)})`,
      () => `(${this.cond(d - 1, ps)} ? ${this.num(d - 1, ps)} : ${this.num(d - 1, ps)})`,
      () => (p.optional ? `((${p.name}?.n ?? 0) % 3)` : `(${p.name}.n % ${this.pick(["2", "3", "-4"])})`),
    ])();
  }

  str(d: number, ps: readonly Param[]): string {
    const p = this.pick(ps);
    const leaves: (() => string)[] = [
      () => {
        const c = this.col(p, this.pick(this.colsOf(p, this.chance(0.6) ? ["string", "numeric"] : STRING_KINDS)));
        return c.nullable ? `(${c.text} ?? ${JSON.stringify(this.pick(["", "z", "none"]))})` : c.text;
      },
      () => JSON.stringify(this.pick(STRS)),
      () => this.capture("string", JSON.stringify(this.pick(STRS))),
    ];
    if (d <= 0) return this.pick(leaves)();
    return this.pick<() => string>([
      ...leaves,
      () => `(${this.str(d - 1, ps)} + ${this.str(d - 1, ps)})`,
      () => `${this.str(d - 1, ps)}.${this.pick(["toLowerCase", "toUpperCase", "trim"])}()`,
      () => `(${this.cond(d - 1, ps)} ? ${this.str(d - 1, ps)} : ${this.str(d - 1, ps)})`,
      () => `\`\${${this.str(d - 1, ps)}}|\${${p.optional ? `${p.name}?.n` : `${p.name}.n`}}\``,
    ])();
  }

  cond(d: number, ps: readonly Param[]): string {
    const p = this.pick(ps);
    const eq = () => this.pick(["===", "!=="]);
    const ord = () => this.pick(["<", "<=", ">", ">="]);
    const options: (() => string)[] = [
      () => `${this.num(d, ps)} ${this.pick(["===", "!==", "<", "<=", ">", ">="])} ${this.num(d, ps)}`,
      () => `${this.str(d, ps)} ${this.pick(["===", "!==", "<", ">="])} ${this.str(d, ps)}`,
      () => {
        const c = this.col(p, this.pick(COLUMNS[p.table].filter((x) => x.nullable || p.optional)));
        return `${c.text} ${this.pick(["===", "!==", "==", "!="])} ${this.pick(p.optional ? ["null", "undefined"] : ["null"])}`;
      },
      () => (this.chance(0.5) ? "!" : "") + this.col(p, this.pick(COLUMNS[p.table])).text,
      () => {
        // The same column (or kind) of two rows: null === undefined is false, NaN !== NaN, -0 === 0.
        const q = this.pick(ps);
        const c = this.pick(COLUMNS[p.table].filter((x) => x.kind !== "bool" || this.chance(0.3)));
        const others = COLUMNS[q.table].filter((x) => x.kind === c.kind);
        const [r, other] = others.length ? [q, this.pick(others)] : [p, c];
        return `${this.col(p, c).text} ${eq()} ${this.col(r, other).text}`;
      },
      () => `${this.col(p, this.pick(this.colsOf(p, ["bool"]))).text} ${eq()} ${this.pick(["true", "false", "null"])}`,
      () => {
        const c = this.pick(this.colsOf(p, ["int", "double"]).filter((x) => x.nullable));
        const guard = [p.optional ? `${p.name} !== null` : "", `${p.name}.${c.name} !== null`].filter(Boolean);
        return `(${guard.join(" && ")} && ${p.name}.${c.name} ${ord()} ${this.num(
          0,
          ps.filter((x) => !x.optional),
        )})`;
      },
      () => {
        const guard = [p.optional ? `${p.name} !== null` : "", `${p.name}.big !== null`].filter(Boolean);
        return `(${guard.join(" && ")} && ${p.name}.big ${this.pick(["===", "<", ">="])} ${this.pick(["0n", "7n", "-1n", "9223372036854775807n", this.capture("bigint", "-9223372036854775808n")])})`;
      },
      () =>
        `${this.str(Math.max(0, d - 1), ps)}.${this.pick(["startsWith", "endsWith", "includes"])}(${this.pick([JSON.stringify(this.pick(STRS)), this.capture("string", JSON.stringify(this.pick(STRS)))])})`,
      () =>
        `(${this.col(p, this.pick(this.colsOf(p, ["numeric"]))).text} ?? "") ${ord()} ${JSON.stringify(this.pick(["1", "1.0", "0", "NaN", "-"]))}`,
    ];
    options.push(
      () => this.typedCond(p, ps),
      () => this.typedCond(p, ps),
    );
    if (p.optional)
      options.push(() =>
        this.pick([`${p.name} === null`, `${p.name} !== null`, `!${p.name}`, `${p.name}`, `${p.name} == undefined`]),
      );
    if (d > 0)
      options.push(
        () => `(${this.cond(d - 1, ps)} && ${this.cond(d - 1, ps)})`,
        () => `(${this.cond(d - 1, ps)} || ${this.cond(d - 1, ps)})`,
        () => `!(${this.cond(d - 1, ps)})`,
        () => `(${this.cond(d - 1, ps)} ? ${this.cond(d - 1, ps)} : ${this.cond(d - 1, ps)})`,
      );
    return `(${this.pick(options)()})`;
  }

  /**
   * Conditions on the typed columns: timestamps (ordering, getTime(), captured Dates), dates and
   * uuids as strings (captures in other spellings), enum labels with quotes, JSONB paths (missing
   * keys, JSON null, nested objects).
   */
  private typedCond(p: Param, ps: readonly Param[]): string {
    const dot = p.optional ? "?." : ".";
    const q = this.pick(ps);
    const guard = (x: Param, col: string) =>
      [x.optional ? `${x.name} !== null` : "", `${x.name}.${col} !== null`].filter(Boolean).join(" && ");
    const time = (x: Param) => this.pick(COLUMNS[x.table].filter((c) => c.kind === "time")).name;
    return this.pick<() => string>([
      () => {
        const [a, b] = [time(p), time(q)];
        return `(${guard(p, a)} && ${guard(q, b)} && ${p.name}.${a} ${this.pick(["<", "<=", ">", ">="])} ${q.name}.${b})`;
      },
      () => {
        const a = time(p);
        const since = this.capture("Date", `new Date(${JSON.stringify(this.pick(INSTANTS))})`);
        return `(${guard(p, a)} && ${p.name}.${a} ${this.pick(["<", "<=", ">", ">="])} ${since})`;
      },
      () => {
        const [a, b] = [time(p), time(q)];
        return `(${guard(p, a)} && ${guard(q, b)} && ${p.name}.${a}.getTime() ${this.pick(["===", "!==", "<"])} ${q.name}.${b}.getTime())`;
      },
      () =>
        `${p.name}${dot}${time(p)}?.getTime() ${this.pick(["===", "!=="])} ${this.pick([...INSTANTS.map((i) => String(Date.parse(i))), "undefined"])}`,
      () => {
        const v = this.chance(0.5)
          ? JSON.stringify(this.pick(UUIDS))
          : this.capture("string", JSON.stringify(this.pick(UUIDS)));
        return `${p.name}${dot}u ${this.pick(["===", "!=="])} ${v}`;
      },
      () => `${p.name}${dot}u ${this.pick(["===", "!=="])} ${q.name}${q.optional ? "?." : "."}u`,
      () => {
        const v = this.chance(0.5)
          ? JSON.stringify(this.pick(DAYS))
          : this.capture("string", JSON.stringify(this.pick(DAYS)));
        return this.chance(0.5)
          ? `${p.name}${dot}d ${this.pick(["===", "!=="])} ${v}`
          : `(${guard(p, "d")} && ${p.name}.d ${this.pick(["<", "<=", ">", ">="])} ${v})`;
      },
      () => {
        const v = this.chance(0.5)
          ? JSON.stringify(this.pick(TONES))
          : this.capture("string", JSON.stringify(this.pick(TONES)));
        return this.chance(0.6)
          ? `${p.name}${dot}m ${this.pick(["===", "!=="])} ${v}`
          : `(${guard(p, "m")} && ${p.name}.m ${this.pick(["<", ">="])} ${v})`;
      },
      () => `${p.name}${dot}m ${this.pick(["===", "!=="])} ${q.name}${q.optional ? "?." : "."}m`,
      () =>
        `${p.name}${dot}j?.k ${this.pick(["===", "!=="])} ${this.pick(['"a"', '""', "null", "undefined", '"null"'])}`,
      () => `${p.name}${dot}j?.v ${this.pick(["===", "!=="])} ${this.pick(["1", "null", "undefined", "1.5", "0"])}`,
      () =>
        `(${p.name}${dot}j?.v ?? ${this.pick(["0", "-1"])}) ${this.pick(["<", ">=", ">"])} ${this.pick(["0", "1"])}`,
      () => `${p.name}${dot}j?.o?.x ${this.pick(["===", "!=="])} ${this.pick(["1", "undefined"])}`,
      () => `!${p.name}${dot}j?.${this.pick(["k", "v", "o"])}`,
      () => `(${p.name}${dot}j?.k ?? "").startsWith(${JSON.stringify(this.pick(["a", "", "é", "n"]))})`,
      () => `${p.name}${dot}j?.k ${this.pick(["===", "!=="])} ${q.name}${q.optional ? "?." : "."}j?.k`,
    ])();
  }

  /** Any value a select field may hold: numbers, strings, conditions, raw (nullable, undefined) columns, whole rows. */
  private field(ps: readonly Param[]): string {
    const p = this.pick(ps);
    return this.pick<() => string>([
      () => this.num(1, ps),
      () => this.str(1, ps),
      () => this.cond(1, ps),
      () => this.col(p, this.pick(COLUMNS[p.table])).text,
      () => this.col(p, this.pick(COLUMNS[p.table])).text,
      () => {
        this.tag("whole-row");
        return p.name;
      },
    ])();
  }

  // ---------- the shape of a joined query ----------

  private sig(ps: readonly Param[]): string {
    return ps.map((p) => `${p.name}: ${ROW_TYPE[p.table]}${p.optional ? " | null" : ""}`).join(", ");
  }
  private params(ps: readonly Param[]): string {
    return ps.map((p) => p.name).join(", ");
  }

  /** The from/join part: `db.mp.join(…)` and the reference tuples, with the row parameters. */
  private source(maxJoins: number): { run: string; ref: string; ps: Param[] } {
    const ps: Param[] = [{ name: "a", table: "mp", optional: false }];
    let run = "db.mp";
    let ref = "A.start(P)";
    const joins = Math.floor(this.rand() * (maxJoins + 1));
    for (let i = 0; i < joins; i++) {
      const left = this.chance(0.6);
      const table: TableName = this.chance(0.65) ? "mc" : "mp";
      const name = ["b", "c"][i];
      const joined: Param = { name, table, optional: false };
      const on = this.on([...ps, joined]);
      this.tag(`${left ? "leftJoin" : "join"}-${ps[ps.length - 1].table}-${table}`);
      if (table === "mp") this.tag("self-join");
      run += `.${left ? "leftJoin" : "join"}(${table}, (${this.params([...ps, joined])}) => ${on})`;
      ref = `A.join(${ref}, ${ARRAY[table]}, (${this.sig([...ps, joined])}) => ${on}, ${left})`;
      ps.push({ ...joined, optional: left });
    }
    if (joins === 0) this.tag("one-table");
    if (joins === 2) this.tag("three-tables");
    return { run, ref, ps };
  }

  /** A join condition: mostly the foreign key, sometimes with more, sometimes anything. */
  private on(ps: readonly Param[]): string {
    const j = ps[ps.length - 1];
    const a = ps[0];
    const prev = ps[ps.length - 2];
    const key =
      j.table === "mc"
        ? this.pick([
            `${a.name}.id === ${j.name}.pid`,
            `${a.name}.id === ${j.name}.pid`,
            `${a.name}.n === ${j.name}.n`,
            `${a.name}.ns === ${j.name}.ns`,
            `${a.name}.dec === ${j.name}.dec`,
            `${a.name}.f === ${j.name}.f`,
            `${a.name}.u === ${j.name}.u`,
            `${a.name}.d === ${j.name}.d`,
            `${a.name}.m === ${j.name}.m`,
            `${a.name}.j?.k === ${j.name}.j?.k`,
            `${a.name}.at?.getTime() === ${j.name}.at?.getTime()`,
          ])
        : this.pick([
            `${a.name}.bossId === ${j.name}.id`,
            `${a.name}.bossId === ${j.name}.id`,
            `${a.name}.id === ${j.name}.bossId`,
            `${prev.optional ? `${prev.name}?.` : `${prev.name}.`}n === ${j.name}.n`,
            `${a.name}.ns === ${j.name}.s`,
            `${a.name}.u === ${j.name}.u`,
            `${a.name}.m === ${j.name}.m`,
          ]);
    return this.chance(0.25) ? `(${key} && ${this.cond(0, ps)})` : key;
  }

  /** orderBy keys (value text) with their specs. */
  private orderKeys(make: () => string, max: number): { keys: string[]; specs: SortSpec[] } {
    const keys: string[] = [];
    const specs: SortSpec[] = [];
    const n = 1 + Math.floor(this.rand() * max);
    for (let i = 0; i < n; i++) {
      // A key that reads no row is refused (it orders nothing): retry a few times for one that does.
      let key = make();
      for (let tries = 0; tries < 5 && !READS_ROW.test(key); tries++) key = make();
      keys.push(key);
      specs.push([this.pick(["asc", "desc"] as const), this.pick([null, null, "first", "last"] as const)]);
    }
    return { keys, specs };
  }
  private orderCalls(keys: readonly string[], specs: readonly SortSpec[], ps: readonly Param[]): string {
    return keys
      .map((k, i) => {
        const [dir, nulls] = specs[i];
        const opts = nulls ? `, { nulls: "${nulls}" }` : "";
        return `.orderBy((${this.params(ps)}) => ${k}${dir === "desc" || opts ? `, "${dir}"` : ""}${opts})`;
      })
      .join("");
  }

  /** An orderBy key over rows: columns (nullable, NaN, numeric as text), computed values. */
  private rowKey(ps: readonly Param[]): string {
    const p = this.pick(ps);
    return this.pick<() => string>([
      () => this.col(p, this.pick(COLUMNS[p.table].filter((c) => c.kind !== "bool" || this.chance(0.5)))).text,
      () => this.num(1, ps),
      () => this.str(1, ps),
    ])();
  }

  private paging(): { limit?: number; offset?: number; text: string } {
    const limit = this.chance(0.3) ? this.pick([0, 1, 2, 5]) : undefined;
    const offset = this.chance(0.15) ? this.pick([1, 3]) : undefined;
    if (limit !== undefined || offset !== undefined) this.tag("limit/offset");
    return {
      limit,
      offset,
      text: `${limit !== undefined ? `.limit(${limit})` : ""}${offset !== undefined ? `.offset(${offset})` : ""}`,
    };
  }

  // ---------- cases ----------

  next(): MultiCase {
    this.captures = [];
    this.tags = new Set();
    const roll = this.rand();
    const c =
      roll < 0.3
        ? this.joinCase()
        : roll < 0.6
          ? this.groupCase()
          : roll < 0.72
            ? this.distinctCase()
            : roll < 0.88
              ? this.relationCase()
              : this.keysetCase();
    return { ...c, captures: this.captures, tags: [c.kind, ...this.tags] };
  }

  private joinCase(): Omit<MultiCase, "captures" | "tags"> {
    const { run, ref, ps } = this.source(2);
    const w = this.chance(0.8) ? this.cond(2, ps) : undefined;
    const ordered = this.chance(0.5) ? this.orderKeys(() => this.rowKey(ps), 2) : { keys: [], specs: [] };
    const page = ordered.keys.length ? this.paging() : { text: "" };
    const fields = ps.map((p) => `i${p.name}: ${p.optional ? `${p.name}?.id ?? null` : `${p.name}.id`}`);
    const n = 1 + Math.floor(this.rand() * 2);
    for (let i = 0; i < n; i++) fields.push(`v${i}: ${this.field(ps)}`);
    const select = `(${this.params(ps)}) => ({ ${fields.join(", ")} })`;
    const refSelect = `(${this.sig(ps)}) => ({ ${fields.join(", ")} })`;
    const count = this.chance(0.15) && ordered.keys.length === 0;
    const tail = count
      ? ".count()"
      : `${this.orderCalls(ordered.keys, ordered.specs, ps)}${page.text}.select(${select}).all()`;
    if (count) this.tag("count()");
    return {
      kind: "join",
      run: `${run}${w ? `.where((${this.params(ps)}) => ${w})` : ""}${tail}`,
      ref: `A.output(${w ? `A.where(${ref}, (${this.sig(ps)}) => ${w})` : ref}, ${refSelect}, [${ordered.keys.map((k) => `(${this.sig(ps)}) => ${k}`).join(", ")}])`,
      specs: ordered.specs,
      limit: "limit" in page ? page.limit : undefined,
      offset: "offset" in page ? page.offset : undefined,
      terminal: count ? "count" : "all",
    };
  }

  /** An aggregate-context value: `q` compiles, `r` is its reference over group `g`; `approx` for double sums and means. */
  private aggNum(d: number, ps: readonly Param[], keys: readonly Key[]): Agg {
    const sig = `(${this.sig(ps)}) =>`;
    const numKeys = keys.filter((k) => k.kind === "num");
    const leaves: (() => Agg)[] = [
      () => ({ q: "count()", r: "A.count(g)", approx: false }),
      () => {
        const x = this.countArg(ps);
        return { q: `count(${x})`, r: `A.count(g, ${sig} ${x})`, approx: false };
      },
      () => {
        const [x, kind] = this.numArg(ps, ["int", "double", "real", "bn"]);
        const f = this.pick(["sum", "avg", "min", "max"]);
        const approx = f === "avg" || (f === "sum" && (kind === "double" || kind === "real"));
        const kindArg = f === "min" || f === "max" ? "" : `, "${kind}"`;
        return { q: `(${f}(${x}) ?? 0)`, r: `(A.${f}(g, ${sig} ${x}${kindArg}) ?? 0)`, approx };
      },
      () => ({ q: this.pick(NUMS), r: "", approx: false }),
    ];
    if (numKeys.length)
      leaves.push(() => {
        const k = this.pick(numKeys);
        return { q: k.text, r: `A.key(g, ${sig} ${k.text})`, approx: false };
      });
    const leaf = () => {
      const a = this.pick(leaves)();
      return a.r === "" ? { ...a, r: a.q } : a;
    };
    if (d <= 0) return leaf();
    return this.pick<() => Agg>([
      leaf,
      leaf,
      () => {
        const x = this.aggNum(d - 1, ps, keys);
        const y = this.aggNum(d - 1, ps, keys);
        const op = this.pick(["+", "-", "*", "/"]);
        return { q: `(${x.q} ${op} ${y.q})`, r: `(${x.r} ${op} ${y.r})`, approx: x.approx || y.approx };
      },
      () => {
        const x = this.aggNum(d - 1, ps, keys);
        return { q: `(-${x.q})`, r: `(-${x.r})`, approx: x.approx };
      },
    ])();
  }

  private aggStr(ps: readonly Param[], keys: readonly Key[]): Agg {
    const sig = `(${this.sig(ps)}) =>`;
    const strKeys = keys.filter((k) => k.kind === "str");
    const options: (() => Agg)[] = [
      () => {
        const x = this.strArg(ps);
        const f = this.pick(["min", "max"]);
        const dflt = JSON.stringify(this.pick(["", "none", "~"]));
        return { q: `(${f}(${x}) ?? ${dflt})`, r: `(A.${f}(g, ${sig} ${x}) ?? ${dflt})`, approx: false };
      },
      () => {
        const s = JSON.stringify(this.pick(STRS));
        return { q: s, r: s, approx: false };
      },
    ];
    if (strKeys.length)
      options.push(() => {
        const k = this.pick(strKeys);
        return { q: k.text, r: `A.key(g, ${sig} ${k.text})`, approx: false };
      });
    return this.pick(options)();
  }

  private aggCond(d: number, ps: readonly Param[], keys: readonly Key[]): Agg {
    const sig = `(${this.sig(ps)}) =>`;
    const options: (() => Agg)[] = [
      () => {
        const x = this.aggNum(1, ps, keys);
        const y = this.aggNum(0, ps, keys);
        const op = this.pick(["===", "!==", "<", "<=", ">", ">="]);
        return { q: `${x.q} ${op} ${y.q}`, r: `${x.r} ${op} ${y.r}`, approx: false };
      },
      () => {
        const x = this.aggStr(ps, keys);
        const y = this.aggStr(ps, keys);
        const op = this.pick(["===", "!==", "<", ">="]);
        return { q: `${x.q} ${op} ${y.q}`, r: `${x.r} ${op} ${y.r}`, approx: false };
      },
      () => {
        const [x, kind] = this.numArg(ps, ["int", "double", "real", "bigint", "numeric", "bn"]);
        const f = this.pick(["sum", "min", "max"]);
        const kindArg = f === "sum" ? `, "${kind}"` : kind === "numeric" ? `, "numeric"` : "";
        const op = this.pick(["===", "!=="]);
        return { q: `${f}(${x}) ${op} null`, r: `A.${f}(g, ${sig} ${x}${kindArg}) ${op} null`, approx: false };
      },
    ];
    if (d > 0)
      options.push(
        () => {
          const x = this.aggCond(d - 1, ps, keys);
          const y = this.aggCond(d - 1, ps, keys);
          const op = this.pick(["&&", "||"]);
          return { q: `(${x.q} ${op} ${y.q})`, r: `(${x.r} ${op} ${y.r})`, approx: false };
        },
        () => {
          const x = this.aggCond(d - 1, ps, keys);
          return { q: `!(${x.q})`, r: `!(${x.r})`, approx: false };
        },
      );
    return this.pick(options)();
  }

  private countArg(ps: readonly Param[]): string {
    const p = this.pick(ps);
    return this.pick<() => string>([
      () => this.col(p, this.pick(COLUMNS[p.table])).text,
      () => p.name,
      () => this.num(0, ps),
    ])();
  }

  /** An aggregate's number argument and its kind (for the reference). */
  private numArg(ps: readonly Param[], kinds: readonly ColKind[]): [string, ColKind] {
    const p = this.pick(ps);
    const cols = this.colsOf(p, kinds);
    if (this.chance(0.75) || !kinds.includes("int")) {
      const c = this.pick(cols);
      return [this.col(p, c).text, c.kind];
    }
    return this.pick<() => [string, ColKind]>([
      () => [p.optional ? `(${p.name}?.n ?? 0) + 1` : `${p.name}.n + ${p.name}.n`, "int"],
      () => [p.optional ? `${p.name}?.s.length` : `${p.name}.s.length`, "int"],
      () => [p.optional ? `(${p.name}?.n ?? 0) * 0.5` : `${p.name}.n / 2`, "double"],
      () => [p.optional ? `${p.name}?.nn` : `(${p.name}.nn ?? ${p.name}.n)`, "int"],
    ])();
  }

  private strArg(ps: readonly Param[]): string {
    const p = this.pick(ps);
    return this.pick([
      this.col(p, this.pick(this.colsOf(p, ["string"]))).text,
      this.col(p, this.pick(this.colsOf(p, ["uuid", "day", "enum"]))).text,
      `${p.name}${p.optional ? "?." : "."}j?.k`,
      p.optional ? `${p.name}?.s.toLowerCase()` : `${p.name}.s.toLowerCase()`,
      p.optional ? `(${p.name}?.ns ?? "")` : `${p.name}.s`,
    ]);
  }

  /** A group key: a column (nullable, optional, NaN, -0, numeric) or a computed value. */
  private groupKey(ps: readonly Param[]): Key {
    const p = this.pick(ps);
    if (this.chance(0.7)) {
      const c = this.pick(COLUMNS[p.table]);
      const kind =
        c.kind === "string" ? "str" : c.kind === "int" || c.kind === "double" || c.kind === "bn" ? "num" : "other";
      const t = this.col(p, c);
      if (c.kind === "numeric") this.tag("group-by-numeric");
      if (t.nullable && p.optional) this.tag("group-by-optional");
      return { text: t.text, kind: t.nullable ? "other" : kind };
    }
    return this.pick<() => Key>([
      () => ({ text: p.optional ? `(${p.name}?.n ?? 0)` : `${p.name}.n`, kind: "num" }),
      () => ({ text: p.optional ? `(${p.name}?.s ?? "")` : `${p.name}.s.toLowerCase()`, kind: "str" }),
      () => ({ text: p.optional ? `(${p.name}?.f ?? 0)` : `(${p.name}.f ?? -1)`, kind: "num" }),
    ])();
  }

  private groupCase(): Omit<MultiCase, "captures" | "tags"> {
    const { run, ref, ps } = this.source(1);
    const sig = `(${this.sig(ps)}) =>`;
    const w = this.chance(0.4) ? this.cond(1, ps) : undefined;
    const grouped = this.chance(0.8);
    const keys: Key[] = [];
    if (grouped) for (let i = 0, n = this.chance(0.7) ? 1 : 2; i < n; i++) keys.push(this.groupKey(ps));
    this.tag(grouped ? `groupBy-${keys.length}` : "whole-result");
    const having = this.chance(0.4) ? this.aggCond(1, ps, keys) : undefined;
    if (having) this.tag("having");
    // Fields: each key, then aggregates (top level: the aggregate itself, ties allowed).
    const fields: { q: string; r: string }[] = keys.map((k) => ({ q: k.text, r: `A.keyField(g, ${sig} ${k.text})` }));
    const n = 1 + Math.floor(this.rand() * 3);
    for (let i = 0; i < n; i++) fields.push(this.aggField(ps, keys));
    // Without groupBy, only an aggregate makes the whole result one group (constants alone are per row).
    if (!grouped && !fields.some((f) => READS_AGGREGATE.test(f.q))) fields.push({ q: "count()", r: "A.count(g)" });
    let ordered: { q: string[]; r: string[]; specs: SortSpec[] } = { q: [], r: [], specs: [] };
    if (this.chance(0.5)) {
      const made: Agg[] = [];
      const o = this.orderKeys(() => {
        const m = this.chance(0.5) || keys.length === 0 ? this.aggNum(0, ps, keys) : this.aggStr(ps, keys);
        made.push(m);
        return m.q;
      }, 2);
      const chosen = o.keys.map((k) => made.filter((m) => m.q === k).pop()!);
      ordered = { q: chosen.map((m) => m.q), r: chosen.map((m) => m.r), specs: o.specs };
      this.tag("order-by-aggregate");
    }
    const page = ordered.q.length ? this.paging() : { text: "" };
    const count = this.chance(0.1) && ordered.q.length === 0;
    if (count) this.tag("count()");
    const names = fields.map((_, i) => `x${i}`);
    const q = [
      run,
      w ? `.where((${this.params(ps)}) => ${w})` : "",
      grouped
        ? `.groupBy((${this.params(ps)}) => ${keys.length === 1 ? keys[0].text : `[${keys.map((k) => k.text).join(", ")}]`})`
        : "",
      having ? `.having((${this.params(ps)}) => ${having.q})` : "",
      this.orderCalls(ordered.q, ordered.specs, ps),
      page.text,
      `.select((${this.params(ps)}) => ({ ${fields.map((f, i) => `${names[i]}: ${f.q}`).join(", ")} }))`,
      count ? ".count()" : ".all()",
    ].join("");
    const tuples = w ? `A.where(${ref}, ${sig} ${w})` : ref;
    const keyFn = grouped
      ? `${sig} ${keys.length === 1 ? keys[0].text : `[${keys.map((k) => k.text).join(", ")}]`}`
      : "null";
    const r = `A.groups(${tuples}, ${keyFn})${having ? `.filter((g) => ${having.r})` : ""}.map((g) => ({ v: { ${fields.map((f, i) => `${names[i]}: ${f.r}`).join(", ")} }, k: [${ordered.r.join(", ")}] }))`;
    return {
      kind: "group",
      run: q,
      ref: r,
      specs: ordered.specs,
      limit: "limit" in page ? page.limit : undefined,
      offset: "offset" in page ? page.offset : undefined,
      terminal: count ? "count" : "all",
    };
  }

  /** A select field over a group: an aggregate as is (null over no values, ties), or computed. */
  private aggField(ps: readonly Param[], keys: readonly Key[]): { q: string; r: string } {
    const sig = `(${this.sig(ps)}) =>`;
    return this.pick<() => { q: string; r: string }>([
      () => ({ q: "count()", r: "A.count(g)" }),
      () => {
        const x = this.countArg(ps);
        return { q: `count(${x})`, r: `A.count(g, ${sig} ${x})` };
      },
      () => {
        const [x, kind] = this.numArg(ps, ["int", "double", "real", "bigint", "numeric", "bn"]);
        this.tag(`sum-${kind}`);
        const r = `A.sum(g, ${sig} ${x}, "${kind}")`;
        return { q: `sum(${x})`, r: kind === "double" || kind === "real" ? `A.approx(${r})` : r };
      },
      () => {
        const [x, kind] = this.numArg(ps, ["int", "double", "real", "bigint", "numeric", "bn"]);
        this.tag(`avg-${kind}`);
        return { q: `avg(${x})`, r: `A.approx(A.avg(g, ${sig} ${x}, "${kind}"))` };
      },
      () => {
        const f = this.pick(["min", "max"] as const);
        if (this.chance(0.5)) {
          const x = this.strArg(ps);
          this.tag(`${f}-string`);
          return { q: `${f}(${x})`, r: `A.extremeField(g, ${sig} ${x}, "${f}")` };
        }
        const [x, kind] = this.numArg(ps, ["int", "double", "real", "bigint", "numeric", "bn"]);
        this.tag(`${f}-${kind}`);
        return {
          q: `${f}(${x})`,
          r: `A.extremeField(g, ${sig} ${x}, "${f}"${kind === "numeric" ? ', "numeric"' : ""})`,
        };
      },
      () => {
        // Timestamps by value; JSON, JSON paths and booleans: whatever closql accepts must run.
        const f = this.pick(["min", "max"] as const);
        const p = this.pick(ps);
        const dot = p.optional ? "?." : ".";
        const x = this.pick([
          ...this.colsOf(p, ["time"]).map((c) => this.col(p, c).text),
          `${p.name}${dot}j?.v`,
          `${p.name}${dot}j`,
          `${p.name}${dot}b`,
          `${p.name}${dot}j?.o`,
        ]);
        this.tag(`${f}-typed`);
        return { q: `${f}(${x})`, r: `A.extremeField(g, ${sig} ${x}, "${f}")` };
      },
      () => {
        const p = this.pick(ps);
        const x = `${p.name}${p.optional ? "?." : "."}j?.v`;
        const f = this.pick(["sum", "avg"] as const);
        this.tag(`${f}-json`);
        return { q: `${f}(${x})`, r: `A.approx(A.${f}(g, ${sig} ${x}, "double"))` };
      },
      () => {
        const x = this.aggNum(1, ps, keys);
        this.tag("aggregate-arithmetic");
        // A bare group key: any member's value (0 or -0 of one group), as keyField says.
        const r = x.r === `A.key(g, ${sig} ${x.q})` ? `A.keyField(g, ${sig} ${x.q})` : x.r;
        return { q: x.q, r: x.approx ? `A.approx(${r})` : r };
      },
      () => {
        const x = this.aggCond(0, ps, keys);
        return { q: x.q, r: x.r };
      },
    ])();
  }

  private distinctCase(): Omit<MultiCase, "captures" | "tags"> {
    const { run, ref, ps } = this.source(1);
    const w = this.chance(0.4) ? this.cond(1, ps) : undefined;
    const values = Array.from({ length: 1 + Math.floor(this.rand() * 2) }, () => this.distinctValue(ps));
    const fields = values.map((v, i) => `d${i}: ${v}`);
    let ordered: { keys: string[]; specs: SortSpec[] } = { keys: [], specs: [] };
    if (this.chance(0.6)) {
      // Mostly a selected value; sometimes another one (SQL needs ORDER BY in the select list).
      const selected = this.chance(0.7);
      this.tag(selected ? "distinct-order-selected" : "distinct-order-other");
      ordered = this.orderKeys(() => (selected ? this.pick(values) : this.distinctValue(ps)), 1);
    }
    const page = ordered.keys.length ? this.paging() : { text: "" };
    const distinctFirst = this.chance(0.5);
    const q = [
      run,
      w ? `.where((${this.params(ps)}) => ${w})` : "",
      distinctFirst ? ".distinct()" : "",
      this.orderCalls(ordered.keys, ordered.specs, ps),
      distinctFirst ? "" : ".distinct()",
      page.text,
      `.select((${this.params(ps)}) => ({ ${fields.join(", ")} })).all()`,
    ].join("");
    const tuples = w ? `A.where(${ref}, (${this.sig(ps)}) => ${w})` : ref;
    return {
      kind: "distinct",
      run: q,
      ref: `A.output(${tuples}, (${this.sig(ps)}) => ({ ${fields.join(", ")} }), [${ordered.keys.map((k) => `(${this.sig(ps)}) => ${k}`).join(", ")}], true)`,
      specs: ordered.specs,
      limit: "limit" in page ? page.limit : undefined,
      offset: "offset" in page ? page.offset : undefined,
      terminal: "all",
    };
  }

  private distinctValue(ps: readonly Param[]): string {
    const p = this.pick(ps);
    return this.pick<() => string>([
      () => this.col(p, this.pick(COLUMNS[p.table].filter((c) => c.name !== "id"))).text,
      () => this.col(p, this.pick(COLUMNS[p.table].filter((c) => c.name !== "id"))).text,
      () => this.num(0, ps),
      () => this.str(1, ps),
      () => this.cond(0, ps),
    ])();
  }

  /** `u.kids.some(…)`/`every(…)`, `u.reports…`, nested, negated, beside other conditions. */
  private relationCase(): Omit<MultiCase, "captures" | "tags"> {
    const u: Param = { name: "u", table: "mp", optional: false };
    const predicate = this.relationCond(u, 2);
    return {
      kind: "relation",
      run: `db.mp.where((u) => ${predicate}).orderBy((u) => u.id).select((u) => ({ id: u.id })).all()`,
      ref: `A.output(A.where(A.start(R), (u: MpR) => ${predicate}), (u: MpR) => ({ id: u.id }), [(u: MpR) => u.id])`,
      specs: [["asc", null]],
      terminal: "all",
    };
  }

  private relationCond(u: Param, d: number): string {
    const rel = () => {
      const kids = this.chance(0.65);
      const which = this.pick(["some", "every"]);
      const inner: Param = {
        name: u.name === "u" ? (kids ? "k" : "r") : `${kids ? "k" : "r"}${u.name}`,
        table: kids ? "mc" : "mp",
        optional: false,
      };
      this.tag(`${kids ? "kids" : "reports"}.${which}`);
      const body =
        !kids && d > 1 && this.chance(0.3)
          ? (this.tag("nested-relation"), this.relationCond(inner, d - 1))
          : this.chance(0.15)
            ? "true"
            : this.cond(1, [inner, u]);
      return `${u.name}.${kids ? "kids" : "reports"}.${which}((${inner.name}) => ${body})`;
    };
    return this.pick<() => string>([
      rel,
      rel,
      () => `!${rel()}`,
      () => `(${rel()} ${this.pick(["&&", "||"])} ${this.cond(1, [u])})`,
      () => `(${this.cond(0, [u])} ? ${rel()} : ${rel()})`,
    ])();
  }

  // ---------- preload ----------

  /** A preload case (generatePreloadCases): its own stream, so the other kinds' cases stay as they were. */
  nextPreload(): MultiCase {
    this.captures = [];
    this.tags = new Set();
    const c = this.preloadCase();
    return { ...c, captures: this.captures, tags: [c.kind, ...this.tags] };
  }

  /**
   * `.preload()` calls (paths up to three deep, filters, orderBy/direction/per-parent limit) on reads
   * of each strategy: `all()` and `limit(7)` batched; `first()`, `limit(3)` and a where on the id
   * "json" (batched still when a table repeats along a path). The root rows come in id order (or as
   * a multiset); each relation compares as a page of its own sort.
   */
  private preloadCase(): Omit<MultiCase, "captures" | "tags"> {
    const table: TableName = this.chance(0.7) ? "mp" : "mc";
    const a: Param = { name: "a", table, optional: false };
    const tree: PreloadTree[] = [];
    // A chain built across `if`s: each call a precompiled plan that the runtime merges (or leaves out).
    const dynamic = this.chance(0.2);
    if (dynamic) this.tag("chain-across-ifs");
    const calls: { text: string; flag?: string }[] = [];
    for (let i = 0, n = this.chance(0.6) ? 1 : 2; i < n; i++) {
      const on = !dynamic || this.chance(0.7);
      const text = this.preloadCall(table, on ? tree : []);
      calls.push({ text, flag: dynamic ? this.capture("boolean", String(on)) : undefined });
    }
    const shape = this.pick(["all", "all", "first", "limit3", "limit7", "id", "id"] as const);
    this.tag(`read-${shape}`);
    let w = this.chance(shape === "id" ? 0.3 : 0.5) ? this.cond(1, [a]) : undefined;
    // The read's own where may hold relation predicates (EXISTS beside the JSON subqueries).
    const related = table === "mp" && w === undefined && this.chance(0.25);
    if (related) {
      w = this.relationCond(a, 1);
      this.tag("where-relation-predicate");
    }
    if (shape === "id") {
      const id = this.chance(0.5)
        ? String(1 + Math.floor(this.rand() * 14))
        : this.capture("number", this.pick(["1", "6", "9", "3", "99"]));
      const pin = `a.id === ${id}`;
      w = w ? `(${pin} && ${w})` : pin;
    }
    const ordered = shape !== "all" || this.chance(0.6);
    const direction = this.pick(["asc", "desc"] as const);
    const limit = shape === "first" ? 1 : shape === "limit3" ? 3 : shape === "limit7" ? 7 : undefined;
    const where = w ? `.where((a) => ${w})` : "";
    const preloads = calls.map((c) => c.text).join("");
    const early = !dynamic && this.chance(0.5);
    const order = ordered ? `.orderBy((a) => a.id${direction === "desc" ? ', "desc"' : ""})` : "";
    const page = shape === "limit3" ? ".limit(3)" : shape === "limit7" ? ".limit(7)" : "";
    const terminal = shape === "first" ? ".first()" : ".all()";
    const run = dynamic
      ? `(() => { let q: Query<typeof ${table}, any, RelationsOf<typeof multiSchema, "${table}">> = db.${table}${where}${order}${page}; ${calls.map((c) => `if (${c.flag}) q = q${c.text};`).join(" ")} return q${terminal}; })()`
      : [`db.${table}`, early ? preloads : "", where, early ? "" : preloads, order, page, terminal].join("");
    const sig = `(a: ${ROW_TYPE[table]})`;
    // A relation predicate reads the parent with its kids and reports (R).
    const test = related ? `(p: Mp) => ((a: MpR) => ${w})(R.find((r) => r.id === p.id)!)` : `${sig} => ${w}`;
    const rows = w ? `A.where(A.start(${ARRAY[table]}), ${test})` : `A.start(${ARRAY[table]})`;
    const ref = `A.output(${rows}, ${sig} => A.loaded("${table}", a, ${this.specText(tree)}, { P, C, R }), [${ordered ? `${sig} => a.id` : ""}])`;
    return {
      kind: "preload",
      run,
      ref,
      specs: ordered ? [[direction, null]] : [],
      limit,
      terminal: shape === "first" ? "first" : "all",
    };
  }

  /** One `.preload(path, filter?, options?)` call, merged into `tree` as closql merges calls. */
  private preloadCall(root: TableName, tree: PreloadTree[]): string {
    const depth = this.pick([1, 1, 1, 2, 2, 3]);
    const path: PreloadTree[] = [];
    let table: TableName | "mj" = root;
    let level = tree;
    for (let i = 0; i < depth; i++) {
      const rel: PreloadRelation = this.pick(PRELOADS[table]);
      let node: PreloadTree | undefined = level.find((n) => n.rel === rel.name);
      if (!node) {
        node = { ...rel, children: [] };
        level.push(node);
      }
      path.push(node);
      this.tag(`${rel.kind}`);
      table = rel.target;
      level = node.children;
    }
    if (depth > 1) this.tag("nested-path");
    const last = path[path.length - 1];
    // The junction's rows: integers with NULLs (the row grammar covers mp and mc).
    const x: Param | undefined =
      table === "mj" ? undefined : { name: table === "mp" ? "u" : "k", table, optional: false };
    const linkCond = () =>
      this.pick([
        "j.pid === j.cid",
        "j.cid === null",
        "j.pid !== null",
        `(j.cid ?? 0) ${this.pick(["<", ">=", "==="])} ${this.pick(["0", "2", "9"])}`,
        "!j.pid",
        `j.id % 2 === ${this.pick(["0", "1"])}`,
      ]);
    const filter = this.chance(0.5)
      ? !x
        ? linkCond()
        : table === "mp" && this.chance(0.3)
          ? (this.tag("filter-relation-predicate"), this.relationCond(x, 1))
          : this.cond(1, [x])
      : undefined;
    const name = x?.name ?? "j";
    // Options on a to-one relation are refused (TS91071): generated now and then, counted as refusals.
    const options = this.chance(last.kind === "belongsTo" || last.kind === "hasOne" ? 0.05 : 0.5);
    const config: Partial<PreloadTree> = {};
    if (filter) {
      config.filter = filter;
      this.tag("preload-filter");
    }
    const opts: string[] = [];
    if (options) {
      if (this.chance(0.8)) {
        config.order = x ? this.rowKey([x]) : this.pick(["j.id", "j.cid", "(j.pid ?? -1)", "j.cid === null"]);
        opts.push(`orderBy: (${name}) => ${config.order}`);
        this.tag("preload-orderBy");
        if (this.chance(0.5)) {
          config.direction = this.pick(["asc", "desc"] as const);
          opts.push(`direction: "${config.direction}"`);
        }
      }
      if (this.chance(0.6)) {
        const literal = this.chance(0.7);
        const n = this.pick([0, 1, 2, 3]);
        config.limit = n;
        opts.push(`limit: ${literal ? n : this.capture("number", String(n))}`);
        this.tag("per-parent-limit");
      }
    }
    const configured = filter !== undefined || options;
    // A second configuration of one relation is refused (TS91071): the first one stays in the reference.
    if (configured && !last.configured) Object.assign(last, config, { configured: true });
    return `.preload("${path.map((n) => n.rel).join(".")}"${filter ? `, (${name}) => ${filter}` : ""}${options ? `, { ${opts.join(", ")} }` : ""})`;
  }

  private specText(tree: readonly PreloadTree[]): string {
    return `[${tree
      .map((n) => {
        const t = n.target === "mp" ? "MpR" : n.target === "mc" ? "Mc" : "Mj";
        const x = n.target === "mp" ? "u" : n.target === "mc" ? "k" : "j";
        const parts = [`rel: "${n.rel}"`];
        if (n.filter) parts.push(`filter: (${x}: ${t}) => ${n.filter}`);
        if (n.order) parts.push(`order: (${x}: ${t}) => ${n.order}`);
        if (n.direction) parts.push(`direction: "${n.direction}"`);
        if (n.limit !== undefined) parts.push(`limit: ${n.limit}`);
        parts.push(`children: ${this.specText(n.children)}`);
        return `{ ${parts.join(", ")} }`;
      })
      .join(", ")}] as A.PreloadSpec[]`;
  }

  private keysetCase(): Omit<MultiCase, "captures" | "tags"> {
    const r: Param = { name: "r", table: "mp", optional: false };
    const n = 1 + Math.floor(this.rand() * 2);
    const keys: string[] = [];
    const specs: SortSpec[] = [];
    for (let i = 0; i < n; i++) {
      keys.push(
        this.pick(
          [
            "r.s",
            "r.ns",
            "r.n",
            "r.nn",
            "r.f",
            "r.big",
            "r.dec",
            "r.b",
            "r.bn",
            "(r.nn ?? 0)",
            '(r.ns ?? "")',
            "r.s.toLowerCase()",
            "(r.f ?? 0) * 2",
            "r.s.length",
            () => this.num(1, [r]),
          ].map((k) => (typeof k === "string" ? () => k : k)),
        )(),
      );
      specs.push([this.pick(["asc", "desc"] as const), this.pick([null, null, "first", "last"] as const)]);
    }
    keys.push("r.id");
    specs.push([this.pick(["asc", "desc"] as const), null]);
    const i = Math.floor(this.rand() * 13);
    const cursor = this.pick([
      `P[${i}]`,
      `{ ...P[${i}], s: ${JSON.stringify(this.pick(STRS))} }`,
      `{ ...P[${i}], ns: null, nn: null, f: null }`,
      `{ ...P[${i}], f: NaN, id: ${this.pick([0, 6, 100])} }`,
    ]);
    this.tag(cursor.startsWith("P") ? "cursor-row" : "cursor-made");
    this.captures.push(`const cur: Mp = ${cursor};`);
    const page = this.chance(0.5) ? this.pick([1, 3]) : undefined;
    const sig = "(r: Mp) =>";
    return {
      kind: "keyset",
      run: `db.mp${this.orderCalls(keys, specs, [r])}.after(cur)${page !== undefined ? `.limit(${page})` : ""}.select((r) => ({ id: r.id })).all()`,
      ref: `A.output(A.where(A.start(P), ${sig} A.compareKeys([${keys.join(", ")}], [${keys.map((k) => k.replace(/\br\./g, "cur.")).join(", ")}], ${JSON.stringify(specs)}) > 0), ${sig} ({ id: r.id }), [${keys.map((k) => `${sig} ${k}`).join(", ")}])`,
      specs,
      limit: page,
      terminal: "all",
    };
  }
}

interface PreloadRelation {
  readonly name: string;
  readonly rel: string;
  readonly target: TableName | "mj";
  readonly kind: "hasMany" | "belongsTo" | "hasOne" | "manyToMany";
}
/** The fuzz schema's relations (fuzz-multi-schema.ts). */
const PRELOADS: Record<TableName | "mj", PreloadRelation[]> = {
  mp: [
    { name: "kids", rel: "kids", target: "mc", kind: "hasMany" },
    { name: "reports", rel: "reports", target: "mp", kind: "hasMany" },
    { name: "boss", rel: "boss", target: "mp", kind: "belongsTo" },
    { name: "kid", rel: "kid", target: "mc", kind: "hasOne" },
    { name: "likes", rel: "likes", target: "mc", kind: "manyToMany" },
    { name: "links", rel: "links", target: "mj", kind: "hasMany" },
  ],
  mc: [
    { name: "parent", rel: "parent", target: "mp", kind: "belongsTo" },
    { name: "likers", rel: "likers", target: "mp", kind: "manyToMany" },
    { name: "links", rel: "links", target: "mj", kind: "hasMany" },
  ],
  mj: [
    { name: "liker", rel: "liker", target: "mp", kind: "belongsTo" },
    { name: "liked", rel: "liked", target: "mc", kind: "belongsTo" },
  ],
};
interface PreloadTree extends PreloadRelation {
  filter?: string;
  order?: string;
  direction?: "asc" | "desc";
  limit?: number;
  configured?: boolean;
  children: PreloadTree[];
}

interface Key {
  readonly text: string;
  readonly kind: "num" | "str" | "other";
}
interface Agg {
  readonly q: string;
  readonly r: string;
  readonly approx: boolean;
}

export function generatePreloadCases(seed: number, count: number): MultiCase[] {
  const g = new Generator(prng(seed));
  return Array.from({ length: count }, () => g.nextPreload());
}

export function generateMultiCases(seed: number, count: number): MultiCase[] {
  const g = new Generator(prng(seed));
  return Array.from({ length: count }, () => g.next());
}
