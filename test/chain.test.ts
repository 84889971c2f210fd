import { describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import pg from "pg";
import { connect, DatabaseError, Query, sqlFunction, UncompiledQueryError, UnrepresentableValueError } from "closql";
import { databaseUrl, useSeededDatabase } from "./support/database";
import { compileWithClosql } from "./support/compile";
import fs from "node:fs";
import { Item, items, nastyRows, nastySchema } from "./support/nasty";

const noSuchFunction = sqlFunction<(s: string) => number>("no_such_function");

/** `test/chain.test.ts:N` for the line of this file that contains `marker`. */
function sourceLine(marker: string): string {
  const lines = fs.readFileSync(path.resolve(__dirname, "../chain.test.ts"), "utf8").split("\n");
  return `test/chain.test.ts:${lines.findIndex((l) => l.includes(marker)) + 1}`;
}

describe("chains built across ifs", () => {
  const rows = nastyRows();
  const t = useSeededDatabase(nastySchema, items, rows);

  test("give the same SQL, parameters and rows as the static chain", async () => {
    for (const [min, onlyNamed] of [
      [0, true],
      [1.5, true],
      [-5, false],
    ] as const) {
      const fromStatic = await t.db.items
        .where((r) => r.n > min)
        .where((r) => r.ns !== null)
        .orderBy((r) => r.id, "desc")
        .limit(5)
        .all();
      const staticEvent = t.last();

      let q: Query<typeof items> = t.db.items.where((r) => r.n > min);
      if (onlyNamed) q = q.where((r) => r.ns !== null);
      const dynamic = await q
        .orderBy((r) => r.id, "desc")
        .limit(5)
        .all();
      const dynamicEvent = t.last();

      if (onlyNamed) {
        assert.equal(dynamicEvent.sql, staticEvent.sql);
        assert.deepEqual(dynamicEvent.params, staticEvent.params);
        assert.deepEqual(dynamic, fromStatic);
      } else {
        assert.equal(
          dynamicEvent.sql,
          `SELECT "id", "s", "ns", "n", "nn", "f", "big", "b", "tags", "at" FROM "items" WHERE "n" > $1::int8 ORDER BY "id" DESC LIMIT 5`,
        );
      }
      const expected = rows
        .filter((r) => r.n > min && (!onlyNamed || r.ns !== null))
        .sort((a, b) => b.id - a.id)
        .slice(0, 5);
      assert.deepEqual(
        dynamic.map((r) => r.id),
        expected.map((r) => r.id),
      );
    }
  });

  test("a where or orderBy after limit/offset applies to the rows the limit kept, as written", async () => {
    const byId = [...rows].sort((a, b) => a.id - b.id);
    const staticRows = await t.db.items
      .orderBy((r) => r.id)
      .limit(6)
      .offset(1)
      .where((r) => r.n > 0)
      .orderBy((r) => r.id, "desc")
      .all();
    assert.equal(
      t.last().sql,
      `SELECT "id", "s", "ns", "n", "nn", "f", "big", "b", "tags", "at" FROM (SELECT "id", "s", "ns", "n", "nn", "f", "big", "b", "tags", "at" FROM "items" ORDER BY "id" LIMIT 6 OFFSET 1) AS "items" WHERE "n" > 0 ORDER BY "id" DESC`,
    );
    const expected = byId
      .slice(1, 7)
      .filter((r) => r.n > 0)
      .map((r) => r.id)
      .reverse();
    assert.deepEqual(
      staticRows.map((r) => r.id),
      expected,
    );
    // The same chain built across ifs folds at run time into the same statement.
    let q: Query<typeof items> = t.db.items.orderBy((r) => r.id).limit(6);
    if (expected.length >= 0) q = q.offset(1);
    const dynamic = await q
      .where((r) => r.n > 0)
      .orderBy((r) => r.id, "desc")
      .all();
    assert.equal(t.last().sql, t.events[t.events.length - 2].sql);
    assert.deepEqual(
      dynamic.map((r) => r.id),
      expected,
    );
    const counted = await t.db.items
      .orderBy((r) => r.id)
      .limit(6)
      .where((r) => r.n > 0)
      .count();
    assert.equal(counted, byId.slice(0, 6).filter((r) => r.n > 0).length);
  });

  test("fragments from separate steps are renumbered when joined", async () => {
    const a = "a";
    const lim = 3;
    let q: Query<typeof items, { id: number; s: string }> = t.db.items
      .where((r) => r.ns === a || r.s === a)
      .select((r) => ({ id: r.id, s: r.s }));
    q = q.where((r) => r.s.startsWith(a));
    q = q.orderBy((r) => r.id).limit(lim);
    const got = await q.all();
    assert.equal(
      t.last().sql,
      `SELECT "id", "s" FROM "items" WHERE ("ns" = $1 OR "s" = $2) AND "s" LIKE $3 ORDER BY "id" LIMIT $4`,
    );
    assert.deepEqual(t.last().params, ["a", "a", "a%", 3]);
    const expected = rows.filter((r) => (r.ns === a || r.s === a) && r.s.startsWith(a)).slice(0, lim);
    assert.deepEqual(
      got,
      expected.map((r) => ({ id: r.id, s: r.s })),
    );
    assert.equal(await q.count(), expected.length);
    assert.equal(await q.exists(), expected.length > 0);
  });

  test("the emitted code holds one constant SQL string for a static chain, precompiled fragments for the other", () => {
    const { output, diagnostics } = compileWithClosql([path.resolve(__dirname, "../fixtures/chains.ts")]);
    assert.deepEqual(diagnostics, []);
    const js = output.get("test/fixtures/chains.js")!;
    assert.ok(
      js.includes(
        `text: "SELECT \\"id\\", \\"s\\", \\"ns\\", \\"n\\", \\"nn\\", \\"f\\", \\"big\\", \\"b\\", \\"tags\\", \\"at\\" FROM \\"items\\" WHERE \\"n\\" > $1::int8 AND \\"ns\\" IS NOT NULL ORDER BY \\"id\\" DESC LIMIT 5"`,
      ),
      js,
    );
    assert.ok(js.includes(`sql: ["\\"n\\" > ", "::int8"], refs: [0]`), js);
    assert.ok(js.includes(`sql: ["\\"ns\\" IS NOT NULL"], refs: []`), js);
    assert.ok(!/\.(where|orderBy|limit)\(/.test(js), "no typed builder call survives compilation");
  });
});

describe("runtime behaviour", () => {
  const rows = nastyRows().slice(0, 5);
  const t = useSeededDatabase(nastySchema, items, rows);

  test("a query that reaches the runtime uncompiled throws an error naming the build step", () => {
    const raw: any = t.db.items;
    assert.throws(
      () => raw.where((r: Item) => r.id === 1),
      (e: unknown) =>
        e instanceof UncompiledQueryError && /tspc/.test(e.message) && /@closql\/transformer/.test(e.message),
    );
    assert.throws(() => raw.all(), UncompiledQueryError);
  });

  test("a bound value may await (another query): it is computed in place, not in a thunk", async () => {
    const firstTwo = await t.db.items
      .orderBy((r) => r.id)
      .limit((await t.db.items.where((r) => r.id <= 2).count()) + 0)
      .all();
    assert.equal(
      t.last().sql,
      `SELECT "id", "s", "ns", "n", "nn", "f", "big", "b", "tags", "at" FROM "items" ORDER BY "id" LIMIT $1`,
    );
    assert.deepEqual(
      firstTwo.map((r) => r.id),
      rows
        .map((r) => r.id)
        .sort((a, b) => a - b)
        .slice(0, 2),
    );
  });

  test("server errors are DatabaseErrors carrying the SQL and the TypeScript source line", async () => {
    // prepare-all: fails on purpose
    const err = await t.db.items
      .where((r) => noSuchFunction(r.s) > 0)
      .all()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof DatabaseError, String(err));
    assert.equal(err.code, "42883");
    assert.equal(
      err.sql,
      `SELECT "id", "s", "ns", "n", "nn", "f", "big", "b", "tags", "at" FROM "items" WHERE no_such_function("s") > 0`,
    );
    // The source is the line where the query expression starts.
    assert.equal(err.source, sourceLine("const err = await t.db.items"));
    assert.ok(err.message.endsWith(`(query at ${err.source})`), err.message);
  });

  test("a string PostgreSQL cannot hold (NUL, a lone surrogate) is refused before it is sent, with a typed error", async () => {
    for (const bad of ["a\u0000b", "\ud83d", "x\udc00"]) {
      const sent = t.events.length;
      await assert.rejects(
        t.db.items.where((r) => r.s === bad).all(),
        (e: unknown) =>
          e instanceof UnrepresentableValueError && /NUL character or a lone UTF-16 surrogate/.test(e.message),
      );
      assert.equal(t.events.length, sent, "nothing reached the server");
    }
  });

  test("onQuery reports sql, params, rowCount, durationMs and source", async () => {
    await t.db.items.where((r) => r.id < 3).all();
    const e = t.last();
    assert.equal(e.sql, `SELECT "id", "s", "ns", "n", "nn", "f", "big", "b", "tags", "at" FROM "items" WHERE "id" < 3`);
    assert.deepEqual(e.params, []);
    assert.equal(e.rowCount, 2);
    assert.ok(e.durationMs >= 0 && e.durationMs < 10000);
    assert.equal(e.source, sourceLine("where((r) => r.id < 3)"));
  });

  test("named prepared statements by default, unnamed with prepare: false", async () => {
    for (const prepare of [true, false]) {
      const pool = new pg.Pool({ connectionString: databaseUrl(), max: 1, options: `-c search_path=${t.namespace}` });
      try {
        await pool.query("DEALLOCATE ALL");
        await pool.query(`SET search_path TO ${t.namespace}`);
        const db = connect({ schema: nastySchema, pool, prepare: prepare ? undefined : false });
        const got = await db.items
          .where((r) => r.id === 2)
          .select((r) => ({ id: r.id }))
          .one();
        assert.deepEqual(got, { id: 2 });
        const { rows } = await pool.query(
          "SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'closql_%'",
        );
        if (prepare)
          assert.deepEqual(rows, [
            { name: rows[0]?.name, statement: `SELECT "id" FROM "items" WHERE "id" = 2 LIMIT 2` },
          ]);
        else assert.deepEqual(rows, []);
      } finally {
        await pool.end();
      }
    }
  });
});
