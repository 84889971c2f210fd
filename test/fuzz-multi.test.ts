import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { databaseUrl, openTestDatabase, TestDatabase } from "./support/database";
import { generatePreloadCases } from "./support/fuzz-multi-generator";
import { describeMultiFinding, multiBatch, writeMultiFindings } from "./support/fuzz-multi-runner";
import { CHILDREN, LINKS, mc, MICROSECONDS, mj, mp, multiSchema, PARENTS } from "./support/fuzz-multi-schema";
import { summarize, type FuzzStats } from "./support/fuzz-runner";

/**
 * Differential fuzzing of multi-table reads (issue 9): joins and left joins (the optional side is
 * `T | null`, with JavaScript's semantics in every closure), self-joins and three tables, groupBy /
 * having / every aggregate in select, having and orderBy, whole-result aggregates, distinct with and
 * without orderBy, relation predicates (some/every, nested, negated), and keyset pagination — over
 * rows with NULLs, "", %, _, \, unicode, NaN, ±Infinity, -0, int extremes, numeric "1.0" beside
 * "1.00", parents without children and children without parents. Each generated query is compiled by
 * the real transformer, every statement PREPAREd, and its rows compared with the same closures run
 * in JavaScript (test/support/fuzz-multi-reference.ts states the semantics); rows compare as
 * multisets where the order is not fully determined. Refusals are counted. FUZZ_MULTI_CASES (else FUZZ_CASES) /
 * FUZZ_SEED override the defaults.
 */
const CASES = Number(process.env.FUZZ_MULTI_CASES ?? process.env.FUZZ_CASES ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261121);
/** Preload (its own stream): `.preload()` trees on reads of both strategies, FUZZ_PRELOAD_CASES. */
const PRELOAD_CASES = Number(process.env.FUZZ_PRELOAD_CASES ?? 80);
const BATCH = 400;

let t: TestDatabase<typeof multiSchema>;
let client: pg.Client;
before(async () => {
  t = await openTestDatabase(multiSchema);
  await t.seed(mp, PARENTS);
  await t.seed(mc, CHILDREN);
  await t.seed(mj, LINKS);
  for (const statement of MICROSECONDS) await t.db.execute(statement);
  // The reference runs over the JavaScript rows: closql must read back exactly those values.
  assert.deepEqual(await t.db.mp.orderBy((p) => p.id).all(), PARENTS);
  assert.deepEqual(await t.db.mc.orderBy((c) => c.id).all(), CHILDREN);
  client = new pg.Client({ connectionString: databaseUrl(), options: `-c search_path=${t.namespace}` });
  await client.connect();
  if (process.env.CLOSQL_EMBEDDED === "1") await client.query(`SET search_path TO ${t.namespace}`);
});
after(async () => {
  await client?.end();
  await t?.close();
});

test(`${CASES} generated multi-table reads agree with JavaScript and PREPARE`, async () => {
  const stats: FuzzStats[] = [];
  for (let done = 0; done < CASES; done += BATCH)
    stats.push(await multiBatch(t, client, SEED + done, Math.min(BATCH, CASES - done)));
  const title = `fuzz multi: ${CASES} cases from seed ${SEED}`;
  console.log(`# ${title} (every finding: ${writeMultiFindings(title.replace(/[^a-z0-9]+/gi, "-"), stats)})`);
  for (const line of summarize(stats)) console.log(`#   ${line}`);
  const findings = stats.flatMap((s) => s.findings.map(describeMultiFinding));
  assert.equal(findings.length, 0, findings.slice(0, 10).join("\n\n"));
});

test(`${PRELOAD_CASES} generated preloads agree with JavaScript (both strategies) and PREPARE`, async () => {
  const stats: FuzzStats[] = [];
  for (let done = 0; done < PRELOAD_CASES; done += BATCH)
    stats.push(
      await multiBatch(
        t,
        client,
        SEED + done,
        Math.min(BATCH, PRELOAD_CASES - done),
        generatePreloadCases,
        "fuzz-preload",
      ),
    );
  const title = `fuzz preload: ${PRELOAD_CASES} cases from seed ${SEED}`;
  console.log(`# ${title} (every finding: ${writeMultiFindings(title.replace(/[^a-z0-9]+/gi, "-"), stats)})`);
  for (const line of summarize(stats)) console.log(`#   ${line}`);
  const findings = stats.flatMap((s) => s.findings.map(describeMultiFinding));
  assert.equal(findings.length, 0, findings.slice(0, 10).join("\n\n"));
});
