import { test } from "node:test";
import assert from "node:assert/strict";
import { lowerChains } from "./support/lower";

/**
 * SQL grows linearly with the closure: an operand that lowering repeats (in `/`, `||`, `??`, `?:`,
 * NaN guards, JSON numbers) is computed once in a `let`. Before, 16 operands gave 1.4 MB and 24 ran
 * the compiler out of memory.
 */
const CHAINS: [name: string, operand: (i: number) => string, join: (a: string, b: string) => string][] = [
  ["/", (i) => `(u.age ?? ${i})`, (a, b) => `(${a} / ${b})`],
  ["||", (i) => `u.nickname`, (a, b) => `(${a} || ${b})`],
  ["??", (i) => `u.meta?.seats`, (a, b) => `(${a} ?? ${b})`],
  ["?:", (i) => `(u.age ?? ${i})`, (a, b) => `(u.score > ${b} ? ${a} : ${b})`],
  ["JSON +", (i) => `(u.meta?.seats ?? ${i})`, (a, b) => `(${a} + ${b})`],
];

function closure(operand: (i: number) => string, join: (a: string, b: string) => string, n: number, tail: string) {
  let e = operand(0);
  for (let i = 1; i < n; i++) e = join(e, operand(i));
  return `${e} ${tail}`;
}

for (const [name, operand, join] of CHAINS) {
  test(`${name}: SQL for 8, 16, 32 and 64 operands grows linearly`, () => {
    const tail = name === "||" ? `=== "x"` : name === "??" ? `=== 1` : `> 0`;
    const sizes = [8, 16, 32, 64].map((n) => {
      const [[step]] = lowerChains([`db.users.where((u) => ${closure(operand, join, n, tail)})`]);
      assert.ok("sql" in step, JSON.stringify(step));
      return step.sql.length;
    });
    for (let i = 1; i < sizes.length; i++) {
      const growth = sizes[i] / sizes[i - 1];
      // Twice the operands, about twice the SQL (let names grow a digit now and then).
      assert.ok(growth < 2.5, `${name}: doubling the operands multiplied the SQL by ${growth.toFixed(2)} (${sizes})`);
    }
  });
}
