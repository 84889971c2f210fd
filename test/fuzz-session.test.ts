import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { databaseUrl } from "./support/database";
import { FuzzDatabase, openFuzzDatabase, seedFuzzRows } from "./support/fuzz-database";
import { describeFinding, fuzzBatch, FuzzStats, writeFindings, same, show, summarize } from "./support/fuzz-runner";
import { Fz, fuzzRows } from "./support/fuzz-schema";

/**
 * Issue 7, class 10: nothing may depend on session settings closql does not pin. The issue-7
 * grammar runs on a session with another TimeZone and DateStyle, and the keyset/orderBy grammar on
 * a database whose default collation is not C (ICU en-US; real server only: PGlite has one locale).
 * Rows read back whole must also equal the rows written (decoding under those settings).
 */
const CASES = Math.max(100, Math.round(Number(process.env.FUZZ_CASES ?? 1000) / 5));
const SEED = Number(process.env.FUZZ_SEED ?? 20261121) + 1000003;
const embedded = process.env.CLOSQL_EMBEDDED === "1";

function report(title: string, stats: FuzzStats[], rows: readonly Fz[]): string[] {
  console.log(`# ${title} (every finding: ${writeFindings(title.replace(/[^a-z0-9]+/gi, "-"), stats, rows)})`);
  for (const line of summarize(stats)) console.log(`#   ${line}`);
  return stats.flatMap((s) => s.findings.map((f) => describeFinding(f, rows)));
}

async function decodingDifferences(t: FuzzDatabase, rows: readonly Fz[]): Promise<string[]> {
  const back = await t.db.fz.orderBy((r) => r.id).all();
  const problems: string[] = [];
  for (const [i, row] of rows.entries())
    for (const [key, value] of Object.entries(row))
      if (!same(value, (back[i] as Record<string, unknown>)?.[key]))
        problems.push(`row ${row.id}.${key}: wrote ${show(value)}, read ${show((back[i] as any)?.[key])}`);
  return problems;
}

describe("session with TimeZone 'America/Sao_Paulo' and DateStyle 'SQL, DMY'", () => {
  const rows = fuzzRows();
  let t: FuzzDatabase;
  before(async () => {
    t = await openFuzzDatabase({
      settings: [
        "SET TimeZone = 'America/Sao_Paulo'",
        "SET DateStyle = 'SQL, DMY'",
        "SET IntervalStyle = 'sql_standard'",
      ],
    });
    await seedFuzzRows(t, rows);
  });
  after(() => t?.close());

  test("rows read back equal the rows written", async () => {
    const problems = await decodingDifferences(t, rows);
    assert.equal(problems.length, 0, problems.slice(0, 12).join("\n"));
  });

  test(`${CASES} issue-7 cases agree with JavaScript`, async () => {
    const stats = [await fuzzBatch(t, rows, SEED, CASES, { profile: "issue7" })];
    const findings = report(`fuzz session (TimeZone, DateStyle): ${CASES} cases from seed ${SEED}`, stats, rows);
    assert.equal(findings.length, 0, findings.slice(0, 10).join("\n\n"));
  });
});

describe("database with ICU en-US collation", { skip: embedded && "PGlite has no other collation" }, () => {
  const rows = fuzzRows();
  const name = `closql_fuzz_icu_${process.pid}`;
  let admin: pg.Client;
  let t: FuzzDatabase;
  before(async () => {
    admin = new pg.Client({ connectionString: databaseUrl() });
    await admin.connect();
    await admin.query(
      `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`,
    );
    const url = new URL(databaseUrl());
    url.pathname = `/${name}`;
    t = await openFuzzDatabase({ url: url.toString() });
    await seedFuzzRows(t, rows);
  });
  after(async () => {
    await t?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  });

  test(`${CASES} keyset-style where + orderBy cases order as JavaScript does`, async () => {
    const stats = [await fuzzBatch(t, rows, SEED + 1, CASES, { profile: "order" })];
    const findings = report(`fuzz ICU collation: ${CASES} order cases from seed ${SEED + 1}`, stats, rows);
    assert.equal(findings.length, 0, findings.slice(0, 10).join("\n\n"));
  });
});
