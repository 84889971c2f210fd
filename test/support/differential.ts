import assert from "node:assert/strict";
import type { QueryEvent } from "closql";
import type { TestDatabase } from "./database";

/**
 * Runs a compiled read and checks both halves of what a user relies on: the exact SQL text, and
 * that the rows are exactly those for which the query's where-closures, run in JavaScript over
 * `allRows`, are truthy (in the same order, when `ordered`).
 */
export async function expectSameAsJs<Row extends { id: unknown }>(
  t: TestDatabase<any>,
  allRows: readonly Row[],
  run: () => Promise<Row[]>,
  expectedSql: string,
): Promise<{ rows: Row[]; event: QueryEvent }> {
  const rows = await run();
  const event = t.last();
  assert.equal(event.sql, expectedSql);
  assert.ok(event.closures && event.closures.length > 0, "the test build keeps closures (keepClosures: true)");
  const expected = allRows.filter((row) => event.closures!.every((c) => c(row)));
  assert.deepEqual(
    rows.map((r) => r.id),
    expected.map((r) => r.id),
    `rows differ from JavaScript for ${event.sql} with ${JSON.stringify(event.params, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))}`,
  );
  return { rows, event };
}
