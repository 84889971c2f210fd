import {
  BIGS,
  DATE_SPELLINGS,
  DECIMAL_SPELLINGS,
  DECIMALS2,
  FLOATS,
  INTS,
  NASTY_STRINGS,
  STRINGS,
  UUID_SPELLINGS,
} from "./fuzz-schema";

/**
 * Generates well-typed closures over the `fz` table from a small typed grammar. Each case is the
 * source of one `where` closure plus the captured variables it reads; the runner compiles them all
 * with the real transformer and compares PostgreSQL's rows with JavaScript's.
 */
export interface FuzzCase {
  readonly closure: string;
  /** `const c0: T = …;` lines the closure captures. */
  readonly captures: string[];
  /**
   * What the case's query is (issue-7 grammar; absent: a `where` over fz selecting ids):
   * - where: `where(closure)`, rows compared with the closure run in JavaScript;
   * - select: `closure` is a projection `(r) => expr`, compared value by value with the same
   *   arrow function left uncompiled;
   * - page: orderBy(id) then `steps` in written order (where closures, limit/offset counts);
   * - order: `where(closure).orderBy(orderKey, direction).orderBy(id)`, compared with a JavaScript sort.
   */
  readonly kind?: "where" | "select" | "page" | "order";
  /** Optional parameters of the case function (`p0?: string`) and the arguments it is called with. */
  readonly params?: { decl: string; arg: string }[];
  /** The constructs this case uses, for per-construct counts. */
  readonly tags?: string[];
  readonly steps?: ({ where: string } | { limit: string } | { offset: string })[];
  readonly orderKey?: string;
  readonly direction?: "asc" | "desc";
}

/** Grammar profiles: `classic` is the original grammar (unchanged stream); `issue7` adds every class of issue 7. */
export type FuzzProfile = "classic" | "issue7" | "order";

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const num = (x: number) =>
  Number.isNaN(x)
    ? "NaN"
    : x === Infinity
      ? "Infinity"
      : x === -Infinity
        ? "-Infinity"
        : Object.is(x, -0)
          ? "-0"
          : String(x);
const str = (s: string) => JSON.stringify(s);

class Generator {
  private captures: string[] = [];
  private params: { decl: string; arg: string }[] = [];
  private tags = new Set<string>();
  /** The issue-7 grammar: new columns and constructs appended to each production's options. */
  private readonly x7: boolean;
  constructor(
    private readonly rand: () => number,
    profile: FuzzProfile = "classic",
  ) {
    this.x7 = profile !== "classic";
    this.onlyOrder = profile === "order";
  }
  /** Profile `order`: only keyset-style where + orderBy cases (for a database with another collation). */
  private readonly onlyOrder: boolean;

  private tag(name: string): void {
    this.tags.add(name);
  }
  /** An optional parameter of the case function (`p0?: T`), called with `arg` (often left out). */
  private param(type: string, arg: string): string {
    const name = `p${this.params.length}`;
    this.params.push({ decl: `${name}?: ${type}`, arg });
    this.tag("optional-param");
    return name;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)];
  }
  private chance(p: number): boolean {
    return this.rand() < p;
  }
  private capture(type: string, value: string): string {
    const name = `c${this.captures.length}`;
    this.captures.push(`const ${name}: ${type} = ${value};`);
    return name;
  }

  next(): FuzzCase {
    this.captures = [];
    if (!this.x7) {
      const closure = `(r) => ${this.cond(3)}`;
      return { closure, captures: this.captures };
    }
    this.params = [];
    this.tags = new Set();
    const roll = this.onlyOrder ? 1 : this.rand();
    const base = () => ({ captures: this.captures, params: this.params });
    if (roll < 0.5) {
      const closure = `(r) => ${this.cond(3)}`;
      return { ...base(), closure, kind: "where", tags: [...this.tags] };
    }
    if (roll < 0.6) {
      const closure = `(r) => ${this.deep()}`;
      return { ...base(), closure, kind: "where", tags: [...this.tags] };
    }
    if (roll < 0.8) {
      this.tag("select");
      const closure = `(r) => (${this.projected()})`;
      return { ...base(), closure, kind: "select", tags: [...this.tags] };
    }
    if (roll < 0.9) {
      this.tag("page");
      const steps: ({ where: string } | { limit: string } | { offset: string })[] = [];
      const n = 1 + Math.floor(this.rand() * 3);
      for (let i = 0; i < n; i++) {
        const k = this.pick(["where", "limit", "offset"] as const);
        if (k === "where") steps.push({ where: `(r) => ${this.cond(2)}` });
        else steps.push({ [k]: this.count() } as { limit: string } | { offset: string });
      }
      if (steps.some((s, i) => "where" in s && steps.slice(0, i).some((p) => !("where" in p))))
        this.tag("where-after-limit");
      return { ...base(), closure: "", kind: "page", steps, tags: [...this.tags] };
    }
    this.tag("order");
    const orderKey = this.pick([
      "(r) => r.s",
      "(r) => r.s",
      "(r) => r.x",
      "(r) => r.n",
      '(r) => "x"',
      "(r) => 1",
      "(r) => r.s.toLowerCase()",
      '(r) => r.u ?? ""',
      '(r) => r.dec ?? ""',
      '(r) => r.d ?? ""',
    ]);
    if (/=> ("x"|1)$/.test(orderKey)) this.tag("order-by-constant");
    if (/dec/.test(orderKey)) this.tag("order-by-numeric");
    const keyset = this.chance(0.7)
      ? `(r) => r.s ${this.pick(["<", "<=", ">", ">="])} ${this.pick([str(this.pick(STRINGS)), this.capture("string", str(this.pick(STRINGS)))])}`
      : `(r) => ${this.cond(1)}`;
    return {
      ...base(),
      closure: keyset,
      kind: "order",
      orderKey,
      direction: this.pick(["asc", "desc"] as const),
      tags: [...this.tags],
    };
  }

  /** A `.limit()`/`.offset()` count: ordinary and edge values, literal or captured. */
  private count(): string {
    const v = this.pick([
      "0",
      "1",
      "2",
      "5",
      "1.5",
      "0.5",
      "-1",
      "1e21",
      "2147483648",
      "9007199254740993",
      "NaN",
      "Infinity",
    ]);
    if (!/^\d$/.test(v)) this.tag("limit-edge");
    return this.chance(0.5) ? v : this.capture("number", v);
  }

  /** Deep nesting of `||`, `??`, `/`, `?:`: the emitted SQL must grow linearly with the closure. */
  private deep(): string {
    // 3 to 9 operands: enough for a repetition per level to show (2^8 = 256×) without building
    // the gigabytes an exponential printer would need for 24.
    const n = 3 + Math.floor(this.rand() * 7);
    const kind = this.pick(["||", "??", "/", "?:", "mix"] as const);
    this.tag(`deep-${kind}`);
    if (kind === "/") {
      let e = this.pick(["r.n", "(r.nn ?? 1)", "(r.f ?? 2)"]);
      for (let i = 1; i < n; i++) e = `(${e} / ${this.pick(["r.n", "(r.nn ?? 0)", "(r.f ?? 2)", "2", "0", "-1"])})`;
      return `(${e} ${this.pick(["<", ">", "===", "!=="])} ${this.pick(["0", "1", "Infinity"])})`;
    }
    if (kind === "?:") {
      let e = this.pick(["r.n", "(r.nn ?? 0)"]);
      for (let i = 1; i < n; i++)
        e = this.chance(0.5)
          ? `(${this.cond(0)} ? ${this.pick(["r.n", "(r.nn ?? 0)", "1"])} : ${e})`
          : `((${e} > 0) ? ${this.pick(["r.n", "1"])} : ${this.pick(["(r.nn ?? 0)", "-1"])})`;
      return `(${e} ${this.pick(["<", ">", "==="])} ${this.pick(["0", "1", "7"])})`;
    }
    const operands = ["r.ns", "r.meta?.k", "r.j?.s", "r.s", '"a"', '""', "r.x"];
    let e = this.pick(operands);
    for (let i = 1; i < n; i++) {
      const op = kind === "mix" ? this.pick(["||", "??"]) : kind;
      const operand = i === n - 1 ? this.pick(['"z"', "r.s"]) : this.pick(operands);
      e = `(${e} ${op} ${operand})`;
    }
    return `(${e} ${this.pick(["===", "!=="])} ${this.pick(['"a"', '"z"', "r.s", "null", "undefined"])})`;
  }

  /** A projected value: numbers, strings, conditions' values, and values that are undefined, -0, bigint, NaN. */
  private projected(): string {
    const options: (() => string)[] = [
      () => this.number(2),
      () => this.string(2),
      () => this.cond(2),
      () =>
        this.pick([
          "r.ns?.length",
          "r.meta?.v",
          "r.meta?.k",
          "r.bn ?? 0",
          "r.bn",
          "r.n % -4",
          "(r.nn ?? 0) % 2",
          "-(r.n % 1)",
          "r.r4",
          "(r.r4 ?? 0) * 2",
          "r.j?.x",
          "r.j?.a?.length",
          "r.j",
          "r.u",
          "r.d",
          "r.dec",
          "r.dec2",
          "r.big !== null ? -r.big : 0n",
          "r.big",
          "r.tags",
          "r.at",
          "r.ts",
          "`${r.meta?.k}`",
          "`${r.j?.x}`",
          "r.f",
          "r.m",
          "r.nn!",
          "r.ns! + 1",
          "r.x",
        ]),
      () => `${this.cond(1)} ? ${this.capture("boolean", this.pick(["true", "false"]))} : null`,
      () => `${this.cond(1)} ? ${this.pick(["r.ns", "r.nn", "1"])} : undefined`,
      () => {
        const [type, args] = this.pick([
          ["string", ["", "undefined", '"a"']],
          ["number", ["", "undefined", "1", "-0", "NaN"]],
          ["boolean", ["", "undefined", "true"]],
          ["string | null", ["", "null", '"a"']],
        ] as const);
        return this.param(type, this.pick(args));
      },
    ];
    const which = Math.floor(this.rand() * options.length);
    const picked = options[which]();
    this.tag(
      which === 3
        ? `select:${picked}`
        : `select:${["number", "string", "condition", "", "captured-boolean", "ternary-undefined", "optional-param"][which]}`,
    );
    return picked;
  }

  /** A condition: a boolean, or any value used for its truthiness. */
  cond(d: number): string {
    const options: (() => string)[] = [
      () => this.bool(d),
      () => this.bool(d),
      () =>
        this.pick([
          "r.ns",
          "r.nn",
          "r.f",
          "r.b",
          "r.at",
          "r.tags",
          "r.meta",
          "r.big",
          "r.m",
          "r.s",
          "r.meta?.v",
          "r.meta?.k",
          "r.n",
        ]),
    ];
    if (this.x7)
      options.push(() =>
        this.tagged(
          "truthy-new-type",
          this.pick([
            "r.u",
            "r.d",
            "r.dec",
            "r.dec2",
            "r.r4",
            "r.bn",
            "r.j",
            "r.j?.x",
            "r.j?.s",
            "r.j?.a",
            "r.ts",
            "r.x",
          ]),
        ),
      );
    if (d > 0) {
      options.push(
        () => `(${this.cond(d - 1)} && ${this.cond(d - 1)})`,
        () => `(${this.cond(d - 1)} || ${this.cond(d - 1)})`,
        () => `!${this.cond(d - 1)}`,
        () => `(${this.cond(d - 1)} ? ${this.cond(d - 1)} : ${this.cond(d - 1)})`,
      );
    }
    return this.pick(options)();
  }

  bool(d: number): string {
    const eq = () => this.pick(["===", "!=="]);
    const ord = () => this.pick(["<", "<=", ">", ">="]);
    const options: (() => string)[] = [
      () => `${this.number(d)} ${eq()} ${this.number(d)}`,
      () => `${this.number(d)} ${ord()} ${this.number(d)}`,
      () => `${this.string(d)} ${eq()} ${this.string(d)}`,
      () => `${this.string(d)} ${ord()} ${this.string(d)}`,
      () => `r.ns ${eq()} ${this.nullableString()}`,
      () => `r.nn ${eq()} ${this.nullableNumber()}`,
      () => `r.f ${eq()} ${this.nullableNumber()}`,
      () =>
        `r.b ${eq()} ${this.pick(["true", "false", "null", this.capture("boolean | null", this.pick(["true", "false", "null"]))])}`,
      () =>
        `${this.pick(["r.ns", "r.nn", "r.f", "r.b", "r.at", "r.tags", "r.big", "r.m", "r.meta"])} ${this.pick(["===", "!==", "==", "!="])} null`,
      () =>
        `r.meta?.v ${this.pick(["===", "!=="])} ${this.pick(["null", "undefined", "0", "7", this.capture("number | null | undefined", this.pick(["null", "undefined", "0", "7", "NaN"]))])}`,
      () =>
        `r.meta?.k ${eq()} ${this.pick([str(this.pick(STRINGS)), this.capture("string", str(this.pick(STRINGS)))])}`,
      () =>
        `r.m ${eq()} ${this.pick([`"ok"`, `"sad"`, "null", this.capture("string", str(this.pick(["ok", "happy", "nope", ""])))])}`,
      () => `${this.string(d)}.${this.pick(["startsWith", "endsWith", "includes"])}(${this.string(d)})`,
      () => `!!r.ns?.${this.pick(["startsWith", "endsWith", "includes"])}(${this.string(0)})`,
      () => `${this.capture("number[]", `[${this.list(INTS.concat(FLOATS), 4).map(num).join(", ")}]`)}.includes(r.n)`,
      () =>
        `${this.capture(
          "(string | null)[]",
          `[${this.list([...STRINGS, null], 3)
            .map((s) => (s === null ? "null" : str(s)))
            .join(", ")}]`,
        )}.includes(r.ns)`,
      () => `[${[this.pick(STRINGS), ...this.list(STRINGS, 2)].map(str).join(", ")}].includes(r.s)`,
      () => `(r.tags !== null && r.tags.includes(${this.string(0)}))`,
      () => `(r.big !== null && r.big ${ord()} ${this.bigint()})`,
      () => `(r.big !== null && r.big ${eq()} ${this.bigint()})`,
      () => `(r.at !== null && r.at ${ord()} ${this.date()})`,
      () => `(r.at !== null && r.at.getTime() ${eq()} ${this.date()}.getTime())`,
      () => `(r.nn !== null && r.nn ${ord()} ${this.number(d)})`,
      () => `(r.f !== null && r.f ${ord()} ${this.number(d)})`,
    ];
    if (this.x7) options.push(...this.issue7Bools(d));
    return `(${this.pick(options)()})`;
  }

  number(d: number): string {
    const leaves = [
      () => "r.n",
      () => this.pick(["(r.nn ?? 0)", "(r.f ?? -1)", "(r.meta?.v ?? 3)", "(r.tags?.length ?? 0)"]),
      () => num(this.pick(INTS.concat(FLOATS).filter((x) => Number.isFinite(x) && !Object.is(x, -0)))),
      () => this.capture("number", num(this.pick(INTS.concat(FLOATS)))),
      () => "r.s.length",
    ];
    if (this.x7)
      leaves.push(() =>
        this.pick<() => string>([
          () => this.tagged("real", "(r.r4 ?? 0)"),
          () => this.tagged("bigint-number", "(r.bn ?? 0)"),
          () => this.tagged("jsonb-number", "(r.j?.x ?? 0)"),
          () => this.tagged("jsonb-length", "(r.j?.a?.length ?? -1)"),
          () => this.tagged("numeric-length", '(r.dec ?? "").length'),
          () => this.tagged("non-null-assertion", "r.nn!"),
          () => this.tagged("non-null-assertion", "r.f!"),
          () =>
            this.tagged(
              "optional-param",
              `(${this.param("number", this.pick(["", "undefined", "0", "7", "NaN", "-0"]))} ?? 1)`,
            ),
        ])(),
      );
    if (d <= 0) return this.pick(leaves)();
    const options = [
      ...leaves,
      () => `(${this.number(d - 1)} ${this.pick(["+", "-", "*", "/"])} ${this.number(d - 1)})`,
      // `%` compiles only with integer operands known at build time (a captured divisor is refused).
      () => `(${this.pick(["r.n", "(r.nn ?? 0)"])} % ${this.pick(["2", "3", "-4", "0", "7"])})`,
      () => `(-${this.number(d - 1)})`,
      () => `(${this.cond(d - 1)} ? ${this.number(d - 1)} : ${this.number(d - 1)})`,
    ];
    return this.pick(options)();
  }

  string(d: number): string {
    const leaves = [
      () => "r.s",
      () => this.pick(['(r.ns ?? "z")', '(r.meta?.k ?? "")', '(r.m ?? "none")']),
      () => str(this.pick(STRINGS)),
      () => this.capture("string", str(this.pick(STRINGS))),
    ];
    if (this.x7)
      leaves.push(() =>
        this.pick<() => string>([
          () => this.tagged("uuid", '(r.u ?? "")'),
          () => this.tagged("date", '(r.d ?? "")'),
          () => this.tagged("numeric", '(r.dec ?? "")'),
          () => this.tagged("numeric-scale", '(r.dec2 ?? "")'),
          () => this.tagged("jsonb-string", '(r.j?.s ?? "")'),
          () => this.tagged("nasty-text", "r.x"),
          () => this.tagged("nasty-literal", str(this.pick(NASTY_LITERALS))),
          () => this.tagged("nasty-capture", this.capture("string", str(this.pick(NASTY_LITERALS)))),
          () => this.tagged("non-null-assertion", "r.ns!"),
          () => this.tagged("template-undefined", `\`\${r.meta?.v}\``),
          () => this.tagged("template-undefined", `\`\${${this.param("string", this.pick(["", '"a"']))}}\``),
        ])(),
      );
    if (d <= 0) return this.pick(leaves)();
    const options = [
      ...leaves,
      () => `(${this.string(d - 1)} + ${this.string(d - 1)})`,
      () => `(${this.string(d - 1)} + r.n)`,
      () => `\`${this.pick(["", "<", "%"])}\${${this.string(d - 1)}}-\${r.n}\``,
      () => `${this.string(d - 1)}.${this.pick(["toLowerCase", "toUpperCase", "trim"])}()`,
      () => `(${this.cond(d - 1)} ? ${this.string(d - 1)} : ${this.string(d - 1)})`,
    ];
    return this.pick(options)();
  }

  private tagged(name: string, source: string): string {
    this.tag(name);
    return source;
  }

  /** Issue 7's comparisons: new column types, undefined, non-null assertions, literals. */
  private issue7Bools(d: number): (() => string)[] {
    const eq = () => this.pick(["===", "!=="]);
    const loose = () => this.pick(["===", "!==", "==", "!="]);
    const ord = () => this.pick(["<", "<=", ">", ">="]);
    const lit = (xs: readonly string[], type: string) =>
      this.chance(0.5) ? str(this.pick(xs)) : this.capture(type, str(this.pick(xs)));
    return [
      // 4. types whose SQL equality or arithmetic is not JavaScript's
      () => this.tagged("uuid", `r.u ${eq()} ${lit(UUID_SPELLINGS, "string")}`),
      () => this.tagged("uuid", `(r.u !== null && r.u ${ord()} ${lit(UUID_SPELLINGS, "string")})`),
      () => this.tagged("text-vs-uuid", `r.u ${eq()} ${this.pick(["r.s", "r.ns", "r.x"])}`),
      () => this.tagged("date", `r.d ${eq()} ${lit(DATE_SPELLINGS, "string")}`),
      () => this.tagged("date", `(r.d !== null && r.d ${ord()} ${lit(DATE_SPELLINGS, "string")})`),
      () => this.tagged("text-vs-date", `r.d ${eq()} ${this.pick(["r.s", "r.ns"])}`),
      () => this.tagged("numeric", `r.dec ${eq()} ${lit(DECIMAL_SPELLINGS, "string")}`),
      () => this.tagged("numeric", `(r.dec !== null && r.dec ${ord()} ${lit(DECIMAL_SPELLINGS, "string")})`),
      () => this.tagged("numeric-scale", `r.dec2 ${eq()} ${lit([...DECIMALS2, "1.5", "1", "0.1"], "string")}`),
      () => this.tagged("numeric", `(r.dec ?? "").length ${ord()} ${this.pick(["1", "3", "4"])}`),
      () =>
        this.tagged(
          "real",
          `r.r4 ${eq()} ${this.pick(["0.1", "1.5", "16777216", "16777217", "NaN", "-0", this.capture("number | null", this.pick(["0.1", "null", "3.4028235e38", "1e-45"]))])}`,
        ),
      () => this.tagged("real", `(r.r4 !== null && r.r4 ${ord()} ${this.pick(["0.1", "1e-46", this.number(d)])})`),
      () =>
        this.tagged(
          "bigint-number",
          `r.bn ${eq()} ${this.pick(["0", "7", "9007199254740991", "4294967296", "null", this.capture("number | null", this.pick(["1", "null", "9007199254740992", "0.5"]))])}`,
        ),
      () => this.tagged("bigint-number", `(r.bn !== null && r.bn ${ord()} ${this.number(d)})`),
      () => this.tagged("bigint-negate", `(r.big !== null && -r.big ${this.pick(["===", "<", ">"])} ${this.bigint()})`),
      () =>
        this.tagged(
          "hex-bigint",
          `(r.big !== null && r.big ${this.pick(["===", "<", ">="])} ${this.pick(["0x10n", "0xffn", "0x7fffffffffffffffn", "-0x8000000000000000n", "0b101n", "0o17n"])})`,
        ),
      () =>
        this.tagged(
          "jsonb-number",
          `r.j?.x ${eq()} ${this.pick(["null", "undefined", "1", "0.1", "0", "-0", "1e400", "Infinity", "7", "12345678901234567000", this.capture("number | null | undefined", this.pick(["undefined", "null", "1e-400", "Infinity", "1"]))])}`,
        ),
      () => this.tagged("jsonb-number", `(r.j?.x ?? 0) ${ord()} ${this.pick(["0", "1", "1e300", this.number(d)])}`),
      () =>
        this.tagged(
          "jsonb-string",
          `r.j?.s ${loose()} ${this.pick(['"a"', '"1.0"', '"null"', '"undefined"', "null", "undefined", '""'])}`,
        ),
      () =>
        this.tagged(
          "jsonb-length",
          `r.j?.a?.length ${loose()} ${this.pick(["0", "1", "2", "undefined", "null", "r.n"])}`,
        ),
      () => this.tagged("jsonb-array", `!!r.j?.a?.includes(${this.pick(["1", "0.1", "7", "-0", "Infinity"])})`),
      () => this.tagged("enum", `r.m ${eq()} ${this.pick(["r.s", "r.ns", "r.x"])}`),
      () =>
        this.tagged(
          "enum-order",
          `(r.m !== null && r.m ${ord()} ${this.pick(['"ok"', '"happy"', this.capture("string", '"ok"')])})`,
        ),
      () => this.tagged("timestamp", `(r.ts !== null && r.ts ${ord()} ${this.date()})`),
      () =>
        this.tagged(
          "timestamp",
          `(r.ts !== null && r.ts.getTime() ${eq()} ${this.pick([this.date() + ".getTime()", "1711929600000"])})`,
        ),
      () => this.tagged("getTime-mod", `(r.at !== null && r.at.getTime() % ${this.pick(["7", "1000", "2"])} === 0)`),
      () =>
        this.tagged(
          "getTime-fraction",
          `(r.at !== null && r.at.getTime() ${ord()} ${this.pick(["1704067200000.5", this.capture("number", "1704153600000.25")])})`,
        ),
      // 3. undefined is not null
      () => `r.ns ${loose()} ${this.param("string", this.pick(["", "undefined", '"a"', '""']))}`,
      () => `r.nn ${loose()} ${this.param("number", this.pick(["", "undefined", "0", "7"]))}`,
      () =>
        this.tagged(
          "optional-chain-undefined",
          `r.ns?.length ${loose()} ${this.pick(["r.nn", "null", "undefined", "r.meta?.v"])}`,
        ),
      () => this.tagged("optional-chain-undefined", `r.tags?.length ${loose()} ${this.pick(["r.nn", "r.bn"])}`),
      () => this.tagged("optional-chain-undefined", `r.meta?.v ${loose()} ${this.pick(["r.nn", "r.j?.x", "r.bn"])}`),
      () =>
        this.tagged(
          "ternary-undefined",
          `(${this.cond(Math.max(0, d - 1))} ? ${this.pick(["r.ns", "r.nn", "1", '"a"'])} : undefined) ${loose()} ${this.pick(["null", "undefined", "r.ns", "r.nn"])}`,
        ),
      () =>
        this.tagged(
          "template-undefined",
          `\`\${${this.pick(["r.meta?.k", "r.meta?.v", "r.ns", "r.ns?.length", "r.j?.x", "r.j?.s", "r.nn"])}}\` ${eq()} ${this.pick(['"undefined"', '"null"', '"a"', "r.s"])}`,
        ),
      // 6. non-null assertions
      () => this.tagged("non-null-assertion", `r.nn! + 1 ${eq()} ${this.pick(["1", "2", "NaN"])}`),
      () => this.tagged("non-null-assertion", `r.s.${this.pick(["includes", "startsWith", "endsWith"])}(r.ns!)`),
      () => this.tagged("non-null-assertion", `r.ns! + "x" ${eq()} ${this.pick(['"nullx"', '"ax"'])}`),
      () => this.tagged("non-null-assertion", `r.f! ${ord()} 0`),
      () => this.tagged("non-null-assertion", `r.b! ${eq()} ${this.pick(["false", "true", "null"])}`),
      // 7./8. literals: quotes, backslashes, NUL, lone surrogates
      () => this.tagged("nasty-literal", `r.x ${eq()} ${lit(NASTY_LITERALS, "string")}`),
      () =>
        this.tagged(
          "nasty-literal",
          `r.${this.pick(["s", "x"])}.${this.pick(["includes", "startsWith", "endsWith"])}(${lit(NASTY_LITERALS, "string")})`,
        ),
      () => this.tagged("nasty-literal", `r.meta?.k ${eq()} ${lit(NASTY_LITERALS, "string")}`),
    ];
  }

  nullableString(): string {
    return this.pick([
      str(this.pick(STRINGS)),
      "r.s",
      this.capture("string | null", this.chance(0.3) ? "null" : str(this.pick(STRINGS))),
    ]);
  }

  nullableNumber(): string {
    return this.pick([
      num(this.pick(INTS)),
      "r.n",
      this.capture("number | null", this.chance(0.3) ? "null" : num(this.pick(INTS.concat(FLOATS)))),
    ]);
  }

  bigint(): string {
    const v = this.pick(BIGS);
    return this.chance(0.5) ? `${v}n` : this.capture("bigint", `${v}n`);
  }

  date(): string {
    const ms = Date.UTC(
      2024,
      0,
      1 + Math.floor(this.rand() * 22),
      Math.floor(this.rand() * 24),
      0,
      0,
      Math.floor(this.rand() * 1000),
    );
    return this.capture("Date", `new Date(${ms})`);
  }

  private list<T>(xs: readonly T[], max: number): T[] {
    const n = Math.floor(this.rand() * (max + 1));
    return Array.from({ length: n }, () => this.pick(xs));
  }
}

/** Literals that break quoting or cannot be stored: backslashes, quotes, NUL, lone surrogates. */
const NASTY_LITERALS = [
  ...NASTY_STRINGS,
  "\\' OR TRUE --",
  "\\'; SELECT 1 --",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "a\udc00",
  "\udfff\ud800",
  "\ud83d",
  "$$",
  "\\\\",
];

export function generateCases(seed: number, count: number, profile: FuzzProfile = "classic"): FuzzCase[] {
  const g = new Generator(prng(seed), profile);
  return Array.from({ length: count }, () => g.next());
}
