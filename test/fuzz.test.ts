import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { FuzzDatabase, openFuzzDatabase, seedFuzzRows } from "./support/fuzz-database";
import { describeFinding, fuzzBatch, FuzzStats, SIZE_FACTOR, summarize } from "./support/fuzz-runner";
import { fuzzRows } from "./support/fuzz-schema";

/**
 * Differential fuzzing: closures generated from a typed grammar, compiled by the real transformer,
 * run on PostgreSQL over rows full of NULLs, "", %, _, \, quotes, unicode, NaN and extremes, and
 * compared with the same closure run in JavaScript. Every statement the build folds is also
 * PREPAREd. FUZZ_CASES / FUZZ_SEED override the defaults; `npm run fuzz` runs 100,000.
 * This is the original grammar (every case must compile); fuzz-issue7.test.ts adds issue 7's classes.
 */
const CASES = Number(process.env.FUZZ_CASES ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261121);
const BATCH = 500;

const rows = fuzzRows();
let t: FuzzDatabase;
before(async () => {
  t = await openFuzzDatabase();
  await seedFuzzRows(t, rows);
});
after(() => t?.close());

const stats: FuzzStats[] = [];

test(`${CASES} generated closures select exactly the rows JavaScript selects`, async () => {
  for (let done = 0; done < CASES; done += BATCH)
    stats.push(await fuzzBatch(t, rows, SEED + done, Math.min(BATCH, CASES - done)));
  const all = stats.flatMap((s) => s.findings);
  const findings = all.filter((f) => f.class !== "sql-size").map((f) => describeFinding(f, rows));
  const ms = (k: "compileMs" | "runMs") => Math.round(stats.reduce((n, s) => n + s[k], 0));
  console.log(
    `# fuzz: ${CASES} cases from seed ${SEED}: ${findings.length} findings; ${stats.reduce((n, s) => n + s.rejected, 0)} ill-typed generated cases replaced (compile ${ms("compileMs")} ms, run ${ms("runMs")} ms)`,
  );
  for (const line of summarize(stats).slice(0, 4)) console.log(`# ${line}`);
  assert.equal(findings.length, 0, findings.slice(0, 10).join("\n\n"));
});

// Issue 7, class 9: the emitted SQL grows linearly with the closure (no operand repeated per nesting level).
test(`the SQL of those closures is at most ${SIZE_FACTOR} times their length`, () => {
  const big = stats.flatMap((s) => s.findings).filter((f) => f.class === "sql-size");
  assert.equal(
    big.length,
    0,
    big
      .slice(0, 5)
      .map((f) => describeFinding(f, rows))
      .join("\n\n"),
  );
});
