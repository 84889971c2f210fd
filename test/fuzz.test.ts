import { test } from "node:test";
import assert from "node:assert/strict";
import { useSeededDatabase } from "./support/database";
import { describeFinding, fuzzBatch } from "./support/fuzz-runner";
import { fuzzRows, fuzzSchema, fz } from "./support/fuzz-schema";

/**
 * Differential fuzzing: closures generated from a typed grammar, compiled by the real transformer,
 * run on PostgreSQL over rows full of NULLs, "", %, _, \, quotes, unicode, NaN and extremes, and
 * compared with the same closure run in JavaScript. FUZZ_CASES / FUZZ_SEED override the defaults;
 * `npm run fuzz` runs 100,000.
 */
const CASES = Number(process.env.FUZZ_CASES ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261121);
const BATCH = 500;

const rows = fuzzRows();
const t = useSeededDatabase(fuzzSchema, fz, rows);

test(`${CASES} generated closures select exactly the rows JavaScript selects`, async () => {
  const findings: string[] = [];
  let compileMs = 0;
  let rejected = 0;
  let runMs = 0;
  for (let done = 0; done < CASES; done += BATCH) {
    const stats = await fuzzBatch(t, rows, SEED + done, Math.min(BATCH, CASES - done));
    compileMs += stats.compileMs;
    rejected += stats.rejected;
    runMs += stats.runMs;
    findings.push(...stats.findings.map((f) => describeFinding(f, rows)));
  }
  console.log(
    `# fuzz: ${CASES} cases from seed ${SEED}: ${findings.length} findings; ${rejected} ill-typed generated cases replaced (compile ${Math.round(compileMs)} ms, run ${Math.round(runMs)} ms)`,
  );
  assert.equal(findings.length, 0, findings.slice(0, 10).join("\n\n"));
});
