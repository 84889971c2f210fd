import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { databaseUrl } from "./support/database";
import { expectSameAsJs } from "./support/differential";
import { openSessionDatabase, SessionDatabase } from "./support/session-database";
import { Moment, sessionRows } from "./support/session-schema";

/**
 * closql's results must not depend on session settings it does not pin: DateStyle (pinned to ISO),
 * extra_float_digits (pinned), TimeZone (not pinned: `timestamp` is read and compared as UTC), the
 * Node process's time zone, and the database's collation (strings sort with COLLATE "C").
 */
const embedded = process.env.CLOSQL_EMBEDDED === "1";
const rows = sessionRows();
const COLUMNS = `"id", "name", "mood", "tag", "ts", "tz", "day", "f", "stamps"`;
const SELECT = `SELECT ${COLUMNS} FROM "moments"`;

describe("session settings", () => {
  let s: SessionDatabase;
  before(async () => {
    s = await openSessionDatabase(rows);
  });
  after(() => s.close());
  const t = { last: () => s.events[s.events.length - 1] } as never;

  test("every DateStyle decodes the same rows, also when set behind closql's back", async () => {
    for (const style of ["SQL, DMY", "German", "Postgres, MDY", "ISO, DMY", "SQL, MDY"]) {
      await s.pool.query(`SET DateStyle = '${style}'`);
      const got = await s.db.moments.orderBy((m) => m.id).all();
      assert.equal(s.events[s.events.length - 1].sql, `${SELECT} ORDER BY "id"`);
      assert.deepEqual(got, rows, `DateStyle ${style}`);
      const [raw] = await s.db.sql<{
        d: string;
        t: Date;
      }>`SELECT DATE '2020-01-02' AS d, ts AS t FROM moments WHERE id = 1`;
      assert.deepEqual(raw, { d: "2020-01-02", t: rows[0].ts }, `db.sql under ${style}`);
    }
    // A SET through closql itself is seen too.
    await s.db.execute("SET DateStyle = 'German'");
    assert.deepEqual(await s.db.moments.orderBy((m) => m.id).all(), rows);
  });

  test("timestamp comparisons and decoding do not depend on the session TimeZone", async () => {
    for (const zone of ["America/New_York", "Asia/Kolkata", "UTC"]) {
      await s.pool.query(`SET TimeZone = '${zone}'`);
      assert.deepEqual(await s.db.moments.orderBy((m) => m.id).all(), rows, `rows under ${zone}`);
      for (const r of rows.slice(0, 8)) {
        for (const since of [r.ts, new Date(r.ts.getTime() - 1), new Date(r.ts.getTime() + 1)]) {
          const run = (q: () => Promise<Moment[]>, sql: string) => expectSameAsJs(t, rows, q, sql);
          await run(
            () =>
              s.db.moments
                .where((m) => m.ts > since)
                .orderBy((m) => m.id)
                .all(),
            `${SELECT} WHERE "ts" >= $1 ORDER BY "id"`,
          );
          await run(
            () =>
              s.db.moments
                .where((m) => m.ts <= since)
                .orderBy((m) => m.id)
                .all(),
            `${SELECT} WHERE "ts" < $1 ORDER BY "id"`,
          );
          const ms = since.getTime();
          await run(
            () =>
              s.db.moments
                .where((m) => m.ts.getTime() === ms)
                .orderBy((m) => m.id)
                .all(),
            `${SELECT} WHERE ("ts" >= $1 AND "ts" < $2) ORDER BY "id"`,
          );
          await run(
            () =>
              s.db.moments
                .where((m) => m.tz >= since)
                .orderBy((m) => m.id)
                .all(),
            `${SELECT} WHERE "tz" >= $1 ORDER BY "id"`,
          );
        }
      }
      await expectSameAsJs(
        t,
        rows,
        () =>
          s.db.moments
            .where((m) => m.ts < m.tz)
            .orderBy((m) => m.id)
            .all(),
        `${SELECT} WHERE date_trunc('milliseconds', "ts" AT TIME ZONE 'UTC') < date_trunc('milliseconds', "tz") ORDER BY "id"`,
      );
      await expectSameAsJs(
        t,
        rows,
        () =>
          s.db.moments
            .where((m) => m.ts.getTime() >= m.tz.getTime())
            .orderBy((m) => m.id)
            .all(),
        `${SELECT} WHERE date_trunc('milliseconds', "ts" AT TIME ZONE 'UTC') >= date_trunc('milliseconds', "tz") ORDER BY "id"`,
      );
    }
  });

  test("a connection configured otherwise at startup (user pool): DateStyle, floats, TimeZone", async (c) => {
    if (embedded) return c.skip("PGlite takes no startup options: its one session is tested above");
    const other = await openSessionDatabase(rows, {
      startup: "-c DateStyle=German -c extra_float_digits=0 -c TimeZone=Asia/Kolkata",
      namespace: s.namespace,
    });
    try {
      const got = await other.db.moments.orderBy((m) => m.id).all();
      assert.deepEqual(got, rows);
      assert.equal(got[0].f, 0.1 + 0.2, "float8 arrives with all its digits");
    } finally {
      await other.close();
    }
  });
});

describe("the Node process's time zone", () => {
  for (const zone of ["America/New_York", "Asia/Kolkata"]) {
    test(`TZ=${zone}: timestamps decode, bind and compare as in UTC`, async () => {
      const s = await openSessionDatabase(rows);
      try {
        const child = path.join(__dirname, "support/session-child.js");
        const run = spawnSync(process.execPath, [child], {
          env: { ...process.env, TZ: zone, CLOSQL_NAMESPACE: s.namespace, DATABASE_URL: databaseUrl() },
          encoding: "utf8",
        });
        assert.equal(run.status, 0, run.stderr);
        const report = JSON.parse(run.stdout) as {
          offset: number;
          results: { name: string; ids: number[] }[];
          text: unknown;
        };
        const iso = rows.map((m) => [m.ts.toISOString(), m.tz.toISOString(), m.stamps.map((d) => d.toISOString())]);
        assert.deepEqual(report.text, iso, "decoded instants");
        assert.notEqual(report.offset, 0, "the child really runs in another zone");
        const expected = childQueries(rows);
        assert.deepEqual(
          report.results,
          expected.map(({ name, ids }) => ({ name, ids })),
        );
      } finally {
        await s.close();
      }
    });
  }
});

/** What session-child.ts must report: the same queries run over the JS rows in this (parent) process. */
function childQueries(all: readonly Moment[]): { name: string; ids: number[] }[] {
  const since = all[2].ts;
  const ids = (f: (m: Moment) => boolean) => all.filter(f).map((m) => m.id);
  return [
    { name: "decoded", ids: all.map((m) => m.id) },
    { name: "ts > since", ids: ids((m) => m.ts > since) },
    { name: "ts <= since", ids: ids((m) => m.ts <= since) },
    { name: "getTime", ids: ids((m) => m.ts.getTime() === since.getTime()) },
    { name: "ts < tz", ids: ids((m) => m.ts < m.tz) },
  ];
}

describe("ordering under a database collation other than C", () => {
  const name = `closql_icu_${randomBytes(4).toString("hex")}`;
  let admin: pg.Client | undefined;
  let s: SessionDatabase | undefined;
  before(async () => {
    if (embedded) return;
    admin = new pg.Client({ connectionString: databaseUrl() });
    await admin.connect();
    await admin.query(
      `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`,
    );
    const url = new URL(databaseUrl());
    url.pathname = `/${name}`;
    s = await openSessionDatabase(rows, { url: url.toString() });
  });
  after(async () => {
    await s?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin?.end();
  });

  const codeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

  test("the database really collates otherwise (en-US ICU)", async (c) => {
    if (embedded) return c.skip("PGlite has one database, created with the C collation");
    const { rows: r } = await s!.pool.query<{ n: string }>(`SELECT n FROM unnest($1::text[]) n ORDER BY n`, [
      ["a", "B", "_"],
    ]);
    assert.notDeepEqual(
      r.map((x) => x.n),
      ["B", "_", "a"],
    );
  });

  test("keyset pagination over names: every row once, in JavaScript's order, both directions", async (c) => {
    if (embedded) return c.skip("PGlite has one database, created with the C collation");
    const db = s!.db;
    const expected = rows.map((r) => r.name).sort(codeUnits);
    const pages: string[][] = [];
    let page = await db.moments
      .orderBy((m) => m.name)
      .limit(4)
      .all();
    assert.equal(s!.events[s!.events.length - 1].sql, `${SELECT} ORDER BY "name" COLLATE "C" LIMIT 4`);
    while (page.length > 0) {
      pages.push(page.map((m) => m.name));
      const last = page[page.length - 1].name;
      page = await db.moments
        .where((m) => m.name > last)
        .orderBy((m) => m.name)
        .limit(4)
        .all();
      assert.equal(
        s!.events[s!.events.length - 1].sql,
        `${SELECT} WHERE ("name" COLLATE "C") > $1 ORDER BY "name" COLLATE "C" LIMIT 4`,
      );
      const jsPage = rows
        .filter((r) => r.name > last)
        .map((r) => r.name)
        .sort(codeUnits)
        .slice(0, 4);
      assert.deepEqual(
        page.map((m) => m.name),
        jsPage,
        `page after ${JSON.stringify(last)}`,
      );
    }
    assert.deepEqual(pages.flat(), expected);

    const down = await db.moments.orderBy((m) => m.name, "desc").all();
    assert.deepEqual(
      down.map((m) => m.name),
      [...expected].reverse(),
    );
  });

  test("enum, uuid and date keys sort as their text, as `where` compares them", async (c) => {
    if (embedded) return c.skip("PGlite has one database, created with the C collation");
    const db = s!.db;
    const byMood = await db.moments
      .orderBy((m) => m.mood)
      .orderBy((m) => m.id)
      .all();
    assert.equal(s!.events[s!.events.length - 1].sql, `${SELECT} ORDER BY "mood"::text COLLATE "C", "id"`);
    const sorted = [...rows].sort((a, b) => codeUnits(a.mood, b.mood) || a.id - b.id);
    assert.deepEqual(
      byMood.map((m) => m.id),
      sorted.map((m) => m.id),
    );
    const mid = "Happy" as Moment["mood"];
    const after = await db.moments
      .where((m) => m.mood > mid)
      .orderBy((m) => m.mood)
      .orderBy((m) => m.id)
      .all();
    assert.deepEqual(
      after.map((m) => m.id),
      sorted.filter((m) => m.mood > mid).map((m) => m.id),
    );
    const byTag = await db.moments.orderBy((m) => m.tag, "desc").all();
    assert.deepEqual(
      byTag.map((m) => m.tag),
      rows
        .map((r) => r.tag)
        .sort(codeUnits)
        .reverse(),
    );
    const byDay = await db.moments
      .orderBy((m) => m.day)
      .orderBy((m) => m.id)
      .all();
    assert.deepEqual(
      byDay.map((m) => m.id),
      [...rows].sort((a, b) => codeUnits(a.day, b.day) || a.id - b.id).map((m) => m.id),
    );
  });
});
