import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ColumnValueError, DatabaseError } from "closql";
import { useSeededDatabase } from "./support/database";
import { items, nastyRows, nastySchema } from "./support/nasty";
import { compileUpdates, expectedUpdate, merged } from "./support/write-cases";

/**
 * Update and upsert closures run in JavaScript over the nasty rows, compared with what the compiled
 * statement stored: every row equal, or — where JavaScript's value does not fit the column (a
 * non-integer into an integer column, a value past its range) — the statement fails as a whole
 * (it never stores a rounded or clamped value). Each case is written once: the same source text is
 * compiled with the transformer (`run`) and kept as plain JavaScript (`js`).
 */

/** `[where, set]`: the rows to update, and the closure computing the new values. */
const UPDATES: [string, string][] = [
  ["(r) => r.id > 0", "(r) => ({ f: r.n / 3 })"],
  ["(r) => r.id > 0", "(r) => ({ f: r.f !== null ? -r.f : null })"],
  ["(r) => r.n < 1000", "(r) => ({ n: r.n * 2 + 1 })"],
  ["(r) => r.id > 0", "(r) => ({ n: r.n + 1 })"],
  ["(r) => r.id > 0", "(r) => ({ nn: r.nn === null ? 0 : r.nn / 2 })"],
  ["(r) => r.nn === null || r.nn % 2 === 0", "(r) => ({ nn: r.nn === null ? 0 : r.nn / 2 })"],
  ["(r) => r.id > 0", "(r) => ({ nn: r.n % 7 })"],
  ["(r) => r.id > 0", "(r) => ({ s: r.s + '!' + r.n })"],
  ["(r) => r.id > 0", "(r) => ({ s: `${r.n}:${r.s}` })"],
  ["(r) => r.id > 0", "(r) => ({ ns: r.ns ?? r.s })"],
  ["(r) => r.id > 0", "(r) => ({ b: r.n > 5 && r.s !== '' })"],
  ["(r) => r.id > 0", "(r) => ({ b: !r.b })"],
  ["(r) => r.id > 0", "(r) => ({ big: r.big === null ? null : r.big * 3n })"],
  ["(r) => r.id > 0", "(r) => ({ tags: r.tags, at: r.at })"],
  ["(r) => r.id > 0", "(r) => ({ s: x, nn: k })"],
  ["(r) => r.id > 0", "(r) => ({ nn: half })"],
  ["(r) => r.id > 0", "(r) => ({ f: r.f === null ? r.n : r.f * 2, ns: r.ns === null ? x : null })"],
];

/** `(existing, proposed) => …` of an upsert on `id`: existing rows meet proposed ones. */
const UPSERTS: string[] = [
  "(e, p) => ({ s: e.s + p.s, nn: e.nn ?? p.n })",
  "(e, p) => ({ f: e.f === null || p.f === null ? null : e.f - p.f })",
  "(e, p) => ({ b: e.b === p.b })",
];

describe("write closures agree with JavaScript", () => {
  const rows = nastyRows();
  const t = useSeededDatabase(nastySchema, items, rows);
  const reset = async () => {
    await t.db.execute("DELETE FROM items");
    await t.seed(items, rows);
  };
  const cases = compileUpdates(
    "write-cases",
    UPDATES.map(([where, set]) => ({ where, set })),
    UPSERTS,
  );
  assert.deepEqual(cases.diagnostics, [], "every case compiles");

  test("update closures over the nasty rows", async () => {
    for (const [i, make] of cases.updates.entries()) {
      await reset();
      const c = make(t.db);
      const expected = expectedUpdate(c, rows);
      const label = `${UPDATES[i][0]} / ${UPDATES[i][1]}`;
      if (expected === "fails") {
        await assert.rejects(c.run(), (e) => e instanceof DatabaseError || e instanceof ColumnValueError, label);
        // Nothing changed.
        assert.deepEqual(await t.db.items.orderBy((r) => r.id).all(), rows, label);
        continue;
      }
      const got = (await c.run()).sort((a, b) => a.id - b.id);
      assert.deepEqual(got, expected, `${label}: ${t.last().sql}`);
    }
  });

  test("upsert update closures: existing rows meet proposed ones", async () => {
    for (const [i, make] of cases.upserts.entries()) {
      await reset();
      const c = make(t.db);
      for (const [j, existing] of rows.entries()) {
        const proposed = { ...rows[(j * 7 + 3) % rows.length], id: existing.id };
        const got = await c.run(proposed);
        assert.deepEqual(got, merged(existing, c.js(existing, proposed)), `${UPSERTS[i]} on row ${existing.id}`);
      }
    }
  });
});
