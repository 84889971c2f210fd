import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { compileWithClosql } from "./support/compile";

const fixtures = path.resolve(__dirname, "../fixtures");

for (const fixture of ["unsupported.ts", "unsupported-language.ts"])
  test(`${fixture}: unsupported closures fail the build at file:line:col with what to write instead`, () => {
    const file = path.join(fixtures, fixture);
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const expected = lines.flatMap((text, i) => {
      const m = /\/\/ error@(.+?): (.*)$/.exec(text);
      if (!m) return [];
      const col = text.indexOf(m[1]) + 1;
      assert.ok(col > 0, `marker ${m[1]} must occur on line ${i + 1}`);
      return [{ line: i + 1, col, message: m[2] }];
    });
    assert.ok(expected.length >= 10, `${expected.length} marked lines`);
    const { diagnostics } = compileWithClosql([file]);
    const got = diagnostics.map((d) => ({ line: d.line, col: d.col, message: d.message }));
    assert.equal(got.length, expected.length, `diagnostics: ${JSON.stringify(got, null, 1)}`);
    for (const e of expected) {
      const d = got.find((g) => g.line === e.line);
      assert.ok(d, `expected an error on line ${e.line}: ${e.message}`);
      assert.equal(d.col, e.col, `column of the error on line ${e.line}: ${d.message}`);
      assert.ok(d.message.startsWith(e.message), `line ${e.line}: ${d.message}`);
    }
  });

test("messages carry a suggestion of what to write instead", () => {
  const { diagnostics } = compileWithClosql([path.join(fixtures, "unsupported.ts")]);
  const nullable = diagnostics.find((d) => d.message.includes("nullable operand"));
  assert.match(nullable!.message, /Check for null first: `x !== null && x < 1`\./);
  const date = diagnostics.find((d) => d.message.includes("Date objects"));
  assert.match(date!.message, /Compare `a\.getTime\(\) === b\.getTime\(\)`/);
});

test("tspc exits non-zero and prints file(line,col) for an unsupported closure", () => {
  const tspc = path.resolve(__dirname, "../../node_modules/ts-patch/bin/tspc.js");
  const project = path.join(fixtures, "tspc-project");
  const run = spawnSync(process.execPath, [tspc, "-p", project, "--pretty", "false"], { encoding: "utf8" });
  assert.notEqual(run.status, 0);
  assert.match(run.stdout, /index\.ts\(7,45\): error TS91003: closql: an ordering comparison with a nullable operand/);
  // The supported query in the same file compiled.
  const emitted = fs.readFileSync(path.resolve(__dirname, "fixtures/tspc-project/index.js"), "utf8");
  assert.match(emitted, /SELECT \\"id\\", \\"n\\" FROM \\"counters\\" WHERE \\"id\\" = 1 LIMIT 1/);
});
