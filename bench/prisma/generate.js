#!/usr/bin/env node
// Generates the Prisma clients the benchmarks use (bench/src/generated/, gitignored) from
// bench/prisma/*.prisma, offline. Every bench script runs this before compiling bench/.
//
// Prisma 7's client needs no engine binary at run time (its query compiler is WebAssembly shipped in
// @prisma/client), but the CLI still looks for a schema engine binary before it generates, and
// downloads one when it is missing — which fails here (only the npm registry is reachable), and npm
// 11 does not run @prisma/engines' postinstall download anyway. `prisma generate` never runs the
// schema engine, so PRISMA_SCHEMA_ENGINE_BINARY pointing at any existing executable is enough: we
// give it node itself. Skipped when the generated client is newer than its schema.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "../..");
const PRISMA = path.join(ROOT, "node_modules", "prisma", "build", "index.js");

for (const [schema, out] of [
  ["schema.prisma", "prisma"],
  ["service.prisma", "prisma-service"],
]) {
  const schemaFile = path.join(__dirname, schema);
  const client = path.join(__dirname, "..", "src", "generated", out, "client.ts");
  if (fs.existsSync(client) && fs.statSync(client).mtimeMs > fs.statSync(schemaFile).mtimeMs) continue;
  const r = spawnSync(process.execPath, [PRISMA, "generate", "--schema", schemaFile], {
    cwd: ROOT,
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
      CHECKPOINT_DISABLE: "1",
    },
    encoding: "utf8",
  });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    console.error(`bench/prisma/generate.js: prisma generate failed for ${schema}`);
    process.exit(1);
  }
  console.log(`prisma generate: ${path.relative(ROOT, schemaFile)} → ${path.relative(ROOT, path.dirname(client))}`);
}
