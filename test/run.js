"use strict";
/**
 * `npm test`: runs every compiled test file with node's test runner: the suites of test/ (compiled
 * by tspc with the transformer, on a real server) and the unit tests beside each package
 * (packages/<name>/test: no database). Uses DATABASE_URL when set;
 * otherwise starts embedded PGlite once for the whole run and runs files one at a time (PGlite is a
 * single session).
 */
const fs = require("node:fs");
const path = require("node:path");
const { openDatabase } = require("../tools/database");

function testFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith(".test.js") ? [p] : [];
  });
}

async function main() {
  const packages = path.join(__dirname, "../packages");
  const unitDirs = fs
    .readdirSync(packages)
    .map((p) => path.join(packages, p, "test/dist"))
    .filter((d) => fs.existsSync(d));
  const files = [path.join(__dirname, "dist"), ...unitDirs].flatMap(testFiles).sort();
  const only = process.argv.slice(2);
  const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
  const database = await openDatabase();
  if (database.embedded) console.log(`# DATABASE_URL is not set: tests run on embedded PGlite (${database.url})`);
  const env = { ...process.env, DATABASE_URL: database.url, CLOSQL_EMBEDDED: database.embedded ? "1" : "0" };
  const args = database.embedded
    ? ["--import", path.join(__dirname, "fresh-embedded-session.mjs"), "--test", "--test-concurrency=1", ...selected]
    : ["--test", "--test-concurrency=2", ...selected];
  // Run the child asynchronously: the embedded server lives in this process and must keep serving.
  const { spawn } = require("node:child_process");
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio: "inherit" });
    child.on("exit", (c) => resolve(c ?? 1));
  });
  await database.close();
  process.exit(code);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
