import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { FuzzDatabase, openFuzzDatabase, seedFuzzRows } from "./support/fuzz-database";
import { describeFinding, fuzzBatch, FuzzStats, writeFindings, summarize } from "./support/fuzz-runner";
import { fuzzRows } from "./support/fuzz-schema";

/**
 * Differential fuzzing of every class of issue 7: uuid/date/numeric/real/bigint/JSONB-number/enum
 * columns with nasty values, optional parameters left undefined, `?.` yielding undefined, template
 * literals of undefined, non-null assertions, literals with backslashes/quotes/NUL/lone surrogates,
 * hex bigints, limit/offset edge values in any order with where, orderBy on constants and strings,
 * deep `||`/`??`/`/`/`?:` nesting (SQL size checked), projections compared value by value with the
 * uncompiled closure, and a program compiled without strictNullChecks. Refusals (closql diagnostics)
 * are counted per construct, not findings. FUZZ_CASES / FUZZ_SEED override the defaults.
 */
const CASES = Number(process.env.FUZZ_CASES ?? 1000);
const LOOSE_CASES = Math.max(100, Math.round(CASES / 5));
const SEED = Number(process.env.FUZZ_SEED ?? 20261121);
const BATCH = 500;

const rows = fuzzRows();
let t: FuzzDatabase;
before(async () => {
  t = await openFuzzDatabase();
  await seedFuzzRows(t, rows);
});
after(() => t?.close());

function report(title: string, stats: FuzzStats[]): string[] {
  console.log(`# ${title} (every finding: ${writeFindings(title.replace(/[^a-z0-9]+/gi, "-"), stats, rows)})`);
  for (const line of summarize(stats)) console.log(`#   ${line}`);
  return stats.flatMap((s) => s.findings.map((f) => describeFinding(f, rows)));
}

test(`${CASES} generated issue-7 cases agree with JavaScript, PREPARE, and stay linear in size`, async () => {
  const stats: FuzzStats[] = [];
  for (let done = 0; done < CASES; done += BATCH)
    stats.push(await fuzzBatch(t, rows, SEED + done, Math.min(BATCH, CASES - done), { profile: "issue7" }));
  const findings = report(`fuzz issue7: ${CASES} cases from seed ${SEED}`, stats);
  assert.equal(findings.length, 0, findings.slice(0, 12).join("\n\n"));
});

test(`a program without strictNullChecks: each of ${LOOSE_CASES} closures is refused at build time`, async () => {
  const stats: FuzzStats[] = [];
  for (let done = 0; done < LOOSE_CASES; done += BATCH)
    stats.push(
      await fuzzBatch(t, rows, SEED + 7 + done, Math.min(BATCH, LOOSE_CASES - done), {
        profile: "issue7",
        strict: false,
      }),
    );
  const findings = report(`fuzz without strict: ${LOOSE_CASES} cases from seed ${SEED + 7}`, stats);
  assert.equal(findings.length, 0, findings.slice(0, 6).join("\n\n"));
});
