import { BIGS, FLOATS, INTS, STRINGS } from "./fuzz-schema";

/**
 * Generates well-typed closures over the `fz` table from a small typed grammar. Each case is the
 * source of one `where` closure plus the captured variables it reads; the runner compiles them all
 * with the real transformer and compares PostgreSQL's rows with JavaScript's.
 */
export interface FuzzCase {
  readonly closure: string;
  /** `const c0: T = …;` lines the closure captures. */
  readonly captures: string[];
}

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
  constructor(private readonly rand: () => number) {}

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
    const closure = `(r) => ${this.cond(3)}`;
    return { closure, captures: this.captures };
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

export function generateCases(seed: number, count: number): FuzzCase[] {
  const g = new Generator(prng(seed));
  return Array.from({ length: count }, () => g.next());
}
