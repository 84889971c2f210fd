import { test } from "node:test";
import assert from "node:assert/strict";
import { lowerChains } from "./support/lower";

/**
 * Sort keys: strings in code-unit order (as `where` compares them, never the database collation),
 * and no key that could print as a bare literal (`ORDER BY 1` is a column position).
 */
const ORDER_BY: [chain: string, result: string][] = [
  [`db.users.orderBy((u) => u.name)`, `"name" COLLATE "C"`],
  [`db.users.orderBy((u) => u.name, "desc", { nulls: "last" })`, `"name" COLLATE "C" DESC NULLS LAST`],
  [`db.users.orderBy((u) => u.nickname ?? "")`, `COALESCE("nickname", '') COLLATE "C"`],
  [`db.users.orderBy((u) => u.role)`, `"role"::text COLLATE "C"`],
  [`db.users.orderBy((u) => u.meta?.plan)`, `(("meta" -> 'plan') #>> '{}') COLLATE "C"`],
  [`db.users.orderBy((u) => u.email.toLowerCase())`, `lower("email" COLLATE "und-x-icu") COLLATE "C"`],
  [`db.users.orderBy((u) => u.id)`, `"id"`],
  [`db.users.orderBy((u) => u.createdAt, "desc").all()`, `"created_at" DESC`],
  [`db.users.orderBy((u) => 1)`, "refusal: constantSortKey"],
  [`db.users.orderBy((u) => "x")`, "refusal: constantSortKey"],
  [`db.users.orderBy((u) => n)`, "refusal: constantSortKey"],
  [`db.users.orderBy((u) => x + "")`, "refusal: constantSortKey"],
  [`db.users.orderBy(() => 0)`, "refusal: constantSortKey"],
];

test("orderBy keys: code-unit order for strings, constant keys refused", () => {
  const got = lowerChains(ORDER_BY.map(([chain]) => chain));
  ORDER_BY.forEach(([chain, result], i) =>
    assert.deepEqual(
      got[i],
      [result.startsWith("refusal: ") ? { refusal: result.slice("refusal: ".length) } : { sql: result, bindings: [] }],
      chain,
    ),
  );
});

test("a timestamp key another key may follow sorts by the millisecond a Date holds; the last key by the column", () => {
  const cut = `date_trunc('milliseconds', "created_at" AT TIME ZONE 'UTC')`;
  const [followed, open, last] = lowerChains([
    `db.users.orderBy((u) => u.createdAt, "desc").orderBy((u) => u.id).all()`,
    `db.users.orderBy((u) => u.createdAt)`,
    `db.users.orderBy((u) => u.id).orderBy((u) => u.createdAt).all()`,
  ]);
  assert.deepEqual(followed, [
    { sql: `${cut} DESC`, bindings: [] },
    { sql: `"id"`, bindings: [] },
  ]);
  // Without a terminal, steps written elsewhere may add keys.
  assert.deepEqual(open, [{ sql: cut, bindings: [] }]);
  assert.deepEqual(last, [
    { sql: `"id"`, bindings: [] },
    { sql: `"created_at"`, bindings: [] },
  ]);
});
