import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { relations, serial, table, timestamp, timestamptz } from "closql";
import { openTestDatabase, TestDatabase } from "./support/database";
import { expectSameAsJs } from "./support/differential";

/**
 * `getTime()` and Date comparisons against values JavaScript compares in its own way: fractional,
 * NaN, infinite and out-of-range milliseconds, Dates before PostgreSQL's first timestamp, and rows
 * with microseconds (JavaScript sees them cut to the millisecond), before 1970 and BC.
 */
const clocks = table("clocks", {
  id: serial().primaryKey(),
  ts: timestamp(),
  tz: timestamptz(),
});
const schema = relations({ clocks });
type Clock = typeof clocks.$row;

const STAMPS = [
  "2020-01-01 00:00:00",
  "2020-01-01 00:00:00.000999",
  "2020-01-01 00:00:00.001",
  "2020-01-01 00:00:00.0015",
  "1969-12-31 23:59:59.9995",
  "1969-12-31 23:59:59.999",
  "1970-01-01 00:00:00",
  "1970-01-01 00:00:00.0005",
  "0044-03-15 12:00:00.123456 BC",
  "4714-11-24 00:00:00 BC",
  "275760-09-13 00:00:00",
];
const SELECT = `SELECT "id", "ts", "tz" FROM "clocks"`;

describe("dates: getTime() and Date edges", () => {
  let t: TestDatabase<typeof schema>;
  let rows: Clock[];
  before(async () => {
    t = await openTestDatabase(schema);
    for (const [i, s] of STAMPS.entries())
      await t.db.execute(`INSERT INTO clocks VALUES (${i + 1}, '${s}', '${s}+00')`);
    rows = await t.db.clocks.orderBy((c) => c.id).all();
  });
  after(() => t.close());

  test("rows decode to the millisecond, cut toward the past, timestamp as UTC", () => {
    const utc = (s: string) => new Date(`${s}Z`).getTime();
    assert.equal(rows[1].ts.getTime(), utc("2020-01-01T00:00:00.000"));
    assert.equal(rows[3].ts.getTime(), utc("2020-01-01T00:00:00.001"));
    assert.equal(rows[4].ts.getTime(), -1, "1969-12-31 23:59:59.9995 is -0.5 ms: cut to -1");
    assert.equal(rows[7].ts.getTime(), 0);
    assert.equal(rows[8].ts.toISOString(), "-000043-03-15T12:00:00.123Z");
    for (const r of rows) assert.equal(r.ts.getTime(), r.tz.getTime(), `row ${r.id}`);
  });

  const numbers = () => {
    const ms = rows.map((r) => r.ts.getTime());
    return [
      ...ms.flatMap((m) => [m, m - 0.5, m + 0.5, m - 1, m + 1, m + 1e-3]),
      1.5,
      -0.5,
      NaN,
      Infinity,
      -Infinity,
      1e16,
      -1e16,
      8.64e15 + 0.5,
      Number.MAX_VALUE,
    ];
  };

  test("getTime() against any number: the integer edge per operator", async () => {
    const same = (q: () => Promise<Clock[]>, sql: string) => expectSameAsJs(t, rows, q, sql);
    for (const n of numbers()) {
      await same(
        () =>
          t.db.clocks
            .where((c) => c.ts.getTime() < n)
            .orderBy((c) => c.id)
            .all(),
        `${SELECT} WHERE "ts" < $1 ORDER BY "id"`,
      );
      assert.deepEqual(t.last().params, [bindAt(Math.ceil(n))], `< ${n}`);
      await same(
        () =>
          t.db.clocks
            .where((c) => c.ts.getTime() <= n)
            .orderBy((c) => c.id)
            .all(),
        `${SELECT} WHERE "ts" < $1 ORDER BY "id"`,
      );
      await same(
        () =>
          t.db.clocks
            .where((c) => c.tz.getTime() > n)
            .orderBy((c) => c.id)
            .all(),
        `${SELECT} WHERE "tz" >= $1 ORDER BY "id"`,
      );
      await same(
        () =>
          t.db.clocks
            .where((c) => n <= c.tz.getTime())
            .orderBy((c) => c.id)
            .all(),
        `${SELECT} WHERE "tz" >= $1 ORDER BY "id"`,
      );
      await same(
        () =>
          t.db.clocks
            .where((c) => c.ts.getTime() === n)
            .orderBy((c) => c.id)
            .all(),
        `${SELECT} WHERE ("ts" >= $1 AND "ts" < $2) ORDER BY "id"`,
      );
      await same(
        () =>
          t.db.clocks
            .where((c) => c.ts.getTime() !== n)
            .orderBy((c) => c.id)
            .all(),
        `${SELECT} WHERE ("ts" >= $1 AND "ts" < $2) IS NOT TRUE ORDER BY "id"`,
      );
    }
  });

  test("Dates beyond PostgreSQL's range compare as in JavaScript instead of failing", async () => {
    const same = (q: () => Promise<Clock[]>, sql: string) => expectSameAsJs(t, rows, q, sql);
    for (const d of [new Date(-8.64e15), new Date(8.64e15), new Date(Date.UTC(-4713, 10, 23)), new Date(NaN)]) {
      await same(
        () =>
          t.db.clocks
            .where((c) => c.ts > d)
            .orderBy((c) => c.id)
            .all(),
        `${SELECT} WHERE "ts" >= $1 ORDER BY "id"`,
      );
      await same(
        () =>
          t.db.clocks
            .where((c) => c.tz <= d)
            .orderBy((c) => c.id)
            .all(),
        `${SELECT} WHERE "tz" < $1 ORDER BY "id"`,
      );
    }
  });

  test("getTime() is an integer in SQL too: %, / and projections", async () => {
    const same = (q: () => Promise<Clock[]>, sql: string) => expectSameAsJs(t, rows, q, sql);
    const ms = `floor(extract(epoch FROM "ts") * 1000)::int8`;
    await same(
      () =>
        t.db.clocks
          .where((c) => c.ts.getTime() % 1000 === 0)
          .orderBy((c) => c.id)
          .all(),
      `${SELECT} WHERE (${ms} % 1000) = 0 ORDER BY "id"`,
    );
    // `/` goes through float8 (the rest of its SQL is arithmetic.ts's, tested there): rows only.
    const k = 7;
    const divided = await t.db.clocks
      .where((c) => c.ts.getTime() / k > 0)
      .orderBy((c) => c.id)
      .all();
    const event = t.last();
    assert.deepEqual(
      divided.map((r) => r.id),
      rows.filter((r) => r.ts.getTime() / k > 0).map((r) => r.id),
    );
    assert.ok(event.sql.includes(`${ms}::float8`) && event.sql.includes(" / $1::float8"), event.sql);
    const projected = await t.db.clocks
      .orderBy((c) => c.id)
      .select((c) => ({ id: c.id, ms: c.ts.getTime() }))
      .all();
    assert.deepEqual(
      projected,
      rows.map((r) => ({ id: r.id, ms: r.ts.getTime() })),
    );
  });
});

/** What `$bind.date.at` sends for a number of ms cut to an integer (UTC text), or null for NaN. */
function bindAt(ms: number): string | null {
  if (Number.isNaN(ms)) return null;
  if (ms < Date.UTC(-4713, 10, 24)) return "4714-11-24 00:00:00.000+00 BC";
  if (!(ms <= 8.64e15)) return "294276-12-31 23:59:59.999999+00";
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const date = `${p(y > 0 ? y : 1 - y, 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
  const time = `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
  return `${date} ${time}+00${y > 0 ? "" : " BC"}`;
}
