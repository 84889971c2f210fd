import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ClosqlError, ColumnValueError, DatabaseError } from "closql";
import { isClosqlDiagnostic } from "@closql/transformer";
import { useSeededDatabase } from "./support/database";
import { prng } from "./support/fuzz-generator";
import { Item, items, nastyRows, nastySchema } from "./support/nasty";
import { compileUpdates, expectedUpdate, FIRST_CASE_LINE, UpdateCase } from "./support/write-cases";

/**
 * Generated update closures (FUZZ_WRITES cases, default 300; FUZZ_SEED) over the nasty rows: each
 * column gets an expression of its type built from the row, captured values and literals, and the
 * rows the compiled UPDATE … RETURNING stored must equal what JavaScript computes — or, where a value
 * cannot be stored as JavaScript holds it, the statement fails as a whole. Every case runs in a
 * transaction that is rolled back, so each sees the seeded rows.
 */

class Rollback extends Error {
  constructor(readonly rows: Item[]) {
    super("rollback");
  }
}

/** A tiny grammar of values by type; `depth` bounds nesting. */
class WriteGenerator {
  constructor(private readonly rand: () => number) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)];
  }

  int(depth: number): string {
    const leaves = ["r.n", "(r.nn ?? 0)", "0", "1", "-1", "2147483647", "(k ?? 3)", "r.s.length"];
    if (depth <= 0) return this.pick(leaves);
    switch (Math.floor(this.rand() * 7)) {
      case 0:
        return `(${this.int(depth - 1)} + ${this.int(depth - 1)})`;
      case 1:
        return `(${this.int(depth - 1)} - ${this.int(depth - 1)})`;
      case 2:
        return `(${this.int(depth - 1)} * ${this.int(depth - 1)})`;
      case 3:
        return `(${this.int(depth - 1)} / ${this.pick(["2", "1", "-4", "r.n"])})`;
      case 4:
        return `(${this.bool(depth - 1)} ? ${this.int(depth - 1)} : ${this.int(depth - 1)})`;
      default:
        return this.pick(leaves);
    }
  }

  float(depth: number): string {
    const leaves = ["(r.f ?? 0)", "0.5", "-0", "half", "r.n"];
    if (depth <= 0) return this.pick(leaves);
    switch (Math.floor(this.rand() * 6)) {
      case 0:
        return `(${this.float(depth - 1)} * ${this.float(depth - 1)})`;
      case 1:
        return `(${this.int(depth - 1)} / ${this.float(depth - 1)})`;
      case 2:
        return `-(${this.int(depth - 1)})`;
      case 3:
        return `(r.f === null ? ${this.float(depth - 1)} : r.f + 1)`;
      default:
        return this.pick(leaves);
    }
  }

  str(depth: number): string {
    const leaves = ["r.s", "(r.ns ?? r.s)", '""', '"%_\\\\"', "x", '(none ?? "n")'];
    if (depth <= 0) return this.pick(leaves);
    switch (Math.floor(this.rand() * 6)) {
      case 0:
        return `(${this.str(depth - 1)} + ${this.str(depth - 1)})`;
      case 1:
        return `\`\${${this.str(depth - 1)}}:\${r.n}\``;
      case 2:
        return `${this.str(depth - 1)}.toLowerCase()`;
      case 3:
        return `(${this.bool(depth - 1)} ? ${this.str(depth - 1)} : ${this.str(depth - 1)})`;
      default:
        return this.pick(leaves);
    }
  }

  bool(depth: number): string {
    const leaves = ["(r.b ?? false)", "(r.n > 1)", '(r.s === "")', "(r.ns !== null)", "(r.f !== null && r.f > 0)"];
    if (depth <= 0) return this.pick(leaves);
    switch (Math.floor(this.rand() * 5)) {
      case 0:
        return `(${this.bool(depth - 1)} && ${this.bool(depth - 1)})`;
      case 1:
        return `(${this.bool(depth - 1)} || ${this.bool(depth - 1)})`;
      case 2:
        return `!${this.bool(depth - 1)}`;
      case 3:
        return `(r.n + 0 === ${this.int(depth - 1)})`;
      default:
        return this.pick(leaves);
    }
  }

  /** A nullable value: the type's value, or null. */
  private nullable(value: string): string {
    return this.rand() < 0.3 ? `(${this.bool(0)} ? ${value} : null)` : value;
  }

  next(): UpdateCase {
    const depth = 1 + Math.floor(this.rand() * 2);
    const setters: Record<string, () => string> = {
      n: () => this.int(depth),
      nn: () => this.nullable(this.int(depth)),
      f: () => (this.rand() < 0.2 ? "r.f" : this.nullable(this.float(depth))),
      s: () => this.str(depth),
      ns: () => this.nullable(this.str(depth)),
      b: () => this.nullable(this.bool(depth)),
      big: () => this.pick(["(r.big === null ? null : r.big * 3n)", "(r.big ?? big)", "(r.big ?? 0n) + 1n"]),
      tags: () => this.pick(["r.tags", "null"]),
      at: () => this.pick(["r.at", "null"]),
    };
    const keys = Object.keys(setters).filter(() => this.rand() < 0.3);
    if (keys.length === 0) keys.push(this.pick(Object.keys(setters)));
    const set = `(r) => ({ ${keys.map((k) => `${k}: ${setters[k]()}`).join(", ")} })`;
    const where = this.rand() < 0.5 ? "(r) => r.id > 0" : `(r) => ${this.bool(1)}`;
    return { where, set };
  }
}

describe("generated update closures agree with JavaScript", () => {
  const rows = nastyRows();
  const t = useSeededDatabase(nastySchema, items, rows);
  const count = Number(process.env.FUZZ_WRITES ?? 300);
  const seed = Number(process.env.FUZZ_SEED ?? 20261122);

  test(`${count} cases from seed ${seed}`, async () => {
    const g = new WriteGenerator(prng(seed));
    const cases = Array.from({ length: count }, () => g.next());
    const compiled = compileUpdates(`fuzz-writes-${seed}`, cases);
    // A refusal is fine (a closure closql cannot store faithfully): that case is not run. Any other
    // diagnostic is a bug of this grammar.
    assert.deepEqual(
      compiled.diagnostics.filter((d) => !isClosqlDiagnostic(d.code)),
      [],
      "the generated closures are valid TypeScript",
    );
    const refused = new Set(compiled.diagnostics.map((d) => d.line - FIRST_CASE_LINE));
    const failures: string[] = [];
    let ran = 0;
    for (const [i, make] of compiled.updates.entries()) {
      if (refused.has(i)) continue;
      const c = make(t.db);
      const expected = expectedUpdate(c, rows);
      let outcome: Item[] | unknown;
      try {
        await t.db.transaction(async (tx) => {
          const rowsBack = await make(tx).run();
          throw new Rollback(rowsBack);
        });
      } catch (e) {
        outcome = e instanceof Rollback ? e.rows.sort((a, b) => a.id - b.id) : e;
      }
      ran++;
      const label = `${cases[i].where} / ${cases[i].set}`;
      if (expected === "fails") {
        if (!(outcome instanceof DatabaseError || outcome instanceof ClosqlError))
          failures.push(`${label}: JavaScript's value does not fit, SQL stored ${JSON.stringify(outcome, big)}`);
      } else if (!Array.isArray(outcome)) {
        // Documented: a row-independent value is computed and checked once per execution, also when
        // no row matches (where JavaScript would never call the closure).
        if (expected.length === 0 && outcome instanceof ColumnValueError) continue;
        // Documented limit: float8 overflow is an SQL error where JavaScript gives ±Infinity.
        const overflow =
          outcome instanceof DatabaseError &&
          outcome.code === "22003" &&
          expected.some((r) => [r.f].some((v) => typeof v === "number" && !Number.isFinite(v) && !Number.isNaN(v)));
        if (!overflow) failures.push(`${label}: SQL failed: ${String(outcome)}`);
      } else {
        try {
          assert.deepEqual(outcome, expected);
        } catch {
          failures.push(`${label}: rows differ from JavaScript (${t.last().sql})`);
        }
      }
    }
    assert.equal(ran + refused.size, count);
    assert.ok(ran >= count * 0.8, `${ran} of ${count} cases ran (${refused.size} refused)`);
    assert.deepEqual(failures.slice(0, 10), []);
  });
});

const big = (_k: string, v: unknown) => (typeof v === "bigint" ? `${v}n` : v);
