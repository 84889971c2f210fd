#!/usr/bin/env node
// Build cost of the closql transformer.
//
// Generates a project of 500 realistic closql queries (bench/.generated/build-cost/) and times, in
// alternating rounds:
//   tsc            plain TypeScript 6                        (tsconfig.plain.json)
//   tspc           ts-patch's tspc, no transformer           (tsconfig.plain.json)
//   tspc+closql    tspc with @closql/transformer             (tsconfig.closql.json)
//   tsc 7          plain TypeScript 7 (tools/typescript7)    (tsconfig.plain.json)
//   build 7        `closql build` with TypeScript 7: tsc 7 checks, the pre-pass compiles the
//                  queries on TypeScript 6's API, tsc 7 emits the rewritten copy (tsconfig.closql.json)
//   build 6        `closql build` with TypeScript 6, in-process        (tsconfig.closql.json)
// The two tsconfigs are identical except for the `plugins` entry (valid for TypeScript 6 and 7).
// Goals (issues): tspc+closql ≤ 1.3× tsc; the TypeScript 7 path (build 7) no slower than tspc+closql.
// Then, in this process, the bundler plugin's watch mode: the transform hook of @closql/transformer's
// plugin re-transforming one edited file of the project, and one file after a schema change.
// Every build is a fresh process; both wall time and CPU time (user + system of the process and the
// processes it waited for — tsc 7 is a native child — from a `node -r` preload) are recorded, since
// other load on the machine disturbs wall time much more. Separate
// `--extendedDiagnostics` rounds add compiler phase times and, measured from the preload (nothing in
// packages/ is instrumented), the transformer's load time, per-file transform time and the
// type-checker calls it makes. The script fails loudly if any build reports a diagnostic or if the
// transformer leaves a query uncompiled.
//
// Usage: npm run bench:build        (builds the packages first)
//        node bench/build-cost.js [--rounds N] [--profile]
//   --rounds N   timed rounds per variant (default 7, at least 5), after one untimed warm-up round
//   --profile    also run tspc+closql under `node --cpu-prof` and print where its time goes
//                (done automatically when the ratio is above the goal)
//   --queries N  the project's size (default 500, a multiple of 10); `npm run bench` also runs 2,000
//   --quick      3 timed rounds, no --extendedDiagnostics rounds and no profile
//                (for a loaded machine where a 2,000-query build takes a minute)
//   --watch-only only the plugin's watch-mode measurement, printed (no builds, nothing written)
//   --mixed      a project closer to an application's: the same queries beside 6,300 lines of
//                ordinary TypeScript that holds no query (a copy of packages/closql/src)
//
// Writes bench/results/build-cost.json and bench/results/build-cost.md (build-cost-N.* for N ≠ 500,
// build-cost-mixed.* with --mixed).
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
const MIXED = process.argv.includes("--mixed");
const GEN = path.join(__dirname, ".generated", MIXED ? "build-cost-mixed" : "build-cost");
const RESULTS = path.join(__dirname, "results");
const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
const TSPC = path.join(ROOT, "node_modules", "ts-patch", "bin", "tspc.js");
const TYPESCRIPT7 = path.join(ROOT, "tools", "typescript7", "node_modules", "typescript");
const TSC7 = path.join(TYPESCRIPT7, "bin", "tsc");
const CLOSQL = path.join(ROOT, "packages", "cli", "dist", "main.js");
const WATCH_EDITS = 12;
const args = process.argv.slice(2);
const queriesArg = args.indexOf("--queries");
const QUERY_COUNT = queriesArg >= 0 ? Number(args[queriesArg + 1]) : 500;
const FILE_COUNT = 10;
if (!Number.isSafeInteger(QUERY_COUNT) || QUERY_COUNT < FILE_COUNT || QUERY_COUNT % FILE_COUNT !== 0)
  throw new Error(`--queries must be a positive multiple of ${FILE_COUNT}, got ${args[queriesArg + 1]}`);
const OUTPUT = QUERY_COUNT === 500 ? "build-cost" : `build-cost-${QUERY_COUNT}`;
const GOAL = 1.3;

const roundsArg = args.indexOf("--rounds");
const QUICK = args.includes("--quick");
const ROUNDS = QUICK
  ? 3
  : Math.max(5, (roundsArg >= 0 ? Number(args[roundsArg + 1]) : Number(process.env.BENCH_ROUNDS ?? 7)) || 7);
const FORCE_PROFILE = args.includes("--profile");

// ------------------------------------------------------------------------------------ generation

/** Deterministic PRNG (mulberry32) so every run builds the same project. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(20261121);
const pick = (xs) => xs[Math.floor(random() * xs.length)];
const chance = (p) => random() < p;
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

const SCHEMA = `import { table, relations, serial, integer, bigint, text, boolean, doublePrecision, timestamptz, jsonb, pgEnum, index } from "closql";

export const role = pgEnum("role", ["user", "admin", "moderator"]);

export const users = table(
  "users",
  {
    id: serial().primaryKey(),
    email: text().unique(),
    name: text(),
    nickname: text().nullable(),
    bio: text().nullable(),
    role: role().default("user"),
    age: integer().nullable(),
    score: doublePrecision().nullable(),
    karma: bigint().default(0n),
    active: boolean().default(true),
    tags: text().array().default([]),
    meta: jsonb<{ plan: string; seats?: number }>().nullable(),
    createdAt: timestamptz().defaultNow(),
    lastLoginAt: timestamptz().nullable(),
  },
  (t) => [index("users_role_idx").on(t.role), index("users_created_at_idx").on(t.createdAt)],
);

export const posts = table(
  "posts",
  {
    id: serial().primaryKey(),
    userId: integer().references(() => users.id, { onDelete: "cascade" }),
    title: text(),
    slug: text().unique(),
    body: text(),
    summary: text().nullable(),
    published: boolean().default(false),
    views: integer().default(0),
    rating: doublePrecision().nullable(),
    tags: text().array().default([]),
    createdAt: timestamptz().defaultNow(),
    publishedAt: timestamptz().nullable(),
  },
  (t) => [index("posts_user_id_idx").on(t.userId)],
);

export const comments = table(
  "comments",
  {
    id: serial().primaryKey(),
    postId: integer().references(() => posts.id, { onDelete: "cascade" }),
    userId: integer().references(() => users.id, { onDelete: "cascade" }),
    parentId: integer().nullable(),
    body: text(),
    score: integer().default(0),
    flagged: boolean().default(false),
    createdAt: timestamptz().defaultNow(),
    editedAt: timestamptz().nullable(),
  },
  (t) => [index("comments_post_id_idx").on(t.postId)],
);

export const schema = relations({ users, posts, comments }, (r) => ({
  users: { posts: r.hasMany(posts, (p) => p.userId), comments: r.hasMany(comments, (c) => c.userId) },
  posts: { author: r.belongsTo(users, (p) => p.userId), comments: r.hasMany(comments, (c) => c.postId) },
  comments: { post: r.belongsTo(posts, (c) => c.postId), author: r.belongsTo(users, (c) => c.userId) },
}));

export type User = typeof users.$row;
export type Post = typeof posts.$row;
export type Comment = typeof comments.$row;
`;

const DB = `import { connect } from "closql";
import { schema } from "./schema";

export const db = connect({ schema, url: process.env.DATABASE_URL ?? "postgres://localhost/app" });
`;

// Predicates per table. `v` is the row variable; `P(type, hint)` declares a captured variable (a
// parameter of the enclosing function) and returns its name.
const TABLES = {
  users: {
    v: "u",
    preds: [
      (v) => `${v}.role === "admin"`,
      (v) => `${v}.role !== "user"`,
      (v, P) => `${v}.role === ${P(`"user" | "admin" | "moderator"`, "role")}`,
      (v) => `["admin", "moderator"].includes(${v}.role)`,
      (v, P) => `${v}.age !== null && ${v}.age > ${P("number", "minAge")}`,
      (v, P) => `${v}.age !== null && ${v}.age >= ${P("number", "lo")} && ${v}.age < ${P("number", "hi")}`,
      (v) => `${v}.age === null`,
      (v) => `!(${v}.age !== null && ${v}.age < 18)`,
      (v, P) => `${v}.age === ${P("number", "age")}`,
      (v, P) => `${v}.nickname !== ${P("string", "nick")}`,
      (v, P) => `${v}.nickname === ${P("string | null", "nick")}`,
      (v) => `!${v}.nickname`,
      (v) => `${v}.bio !== null`,
      (v, P) => `${v}.email.endsWith(${P("string", "domain")})`,
      (v, P) => `${v}.email === ${P("string", "email")}`,
      (v) => `${v}.name.startsWith("A")`,
      (v, P) => `${v}.name.includes(${P("string", "search")})`,
      (v, P) => `${v}.nickname !== null && ${v}.nickname.startsWith(${P("string", "prefix")})`,
      (v, P) => `${P("number[]", "ids")}.includes(${v}.id)`,
      (v, P) => `!${P("number[]", "blocked")}.includes(${v}.id)`,
      (v, P) => `${v}.id === ${P("number", "id")}`,
      (v) => `${v}.id > 1000`,
      (v) => `${v}.tags.includes("pg")`,
      (v, P) => `${v}.tags.includes(${P("string", "tag")})`,
      (v, P) => `${v}.createdAt > ${P("Date", "since")}`,
      (v, P) => `${v}.createdAt >= new Date(Date.now() - ${P("number", "days")} * 86_400_000)`,
      (v, P) => `${v}.lastLoginAt !== null && ${v}.lastLoginAt < ${P("Date", "before")}`,
      (v) => `${v}.lastLoginAt === null`,
      (v) => `${v}.active`,
      (v) => `!${v}.active`,
      (v) => `${v}.karma > 100n`,
      (v, P) => `${v}.karma >= ${P("bigint", "minKarma")}`,
      (v) => `${v}.score !== null && ${v}.score > 0.5`,
      (v, P) => `${v}.score !== null && ${v}.score <= ${P("number", "maxScore")}`,
      (v) => `${v}.meta !== null`,
      (v) => `${v}.role === "admin" || ${v}.karma > 1000n`,
      (v, P) => `${v}.active && (${v}.nickname === null || ${v}.nickname !== ${P("string", "nick")})`,
    ],
    keys: ["id", "email"],
    orders: ["id", "createdAt", "name", "email", "karma"],
    selects: [
      (v) => `({ id: ${v}.id, email: ${v}.email })`,
      (v) => `({ id: ${v}.id, name: ${v}.name, nickname: ${v}.nickname })`,
      (v) => `({ id: ${v}.id, email: ${v}.email, role: ${v}.role, createdAt: ${v}.createdAt })`,
      (v) => `({ id: ${v}.id, isAdmin: ${v}.role === "admin", hasNickname: ${v}.nickname !== null })`,
      (v) => `({ id: ${v}.id, age: ${v}.age, tags: ${v}.tags, meta: ${v}.meta })`,
      (v) => `({ id: ${v}.id, karma: ${v}.karma, isPg: ${v}.tags.includes("pg") })`,
    ],
  },
  posts: {
    v: "p",
    preds: [
      (v) => `${v}.published`,
      (v) => `!${v}.published`,
      (v, P) => `${v}.userId === ${P("number", "userId")}`,
      (v, P) => `${P("number[]", "authorIds")}.includes(${v}.userId)`,
      (v, P) => `${v}.id === ${P("number", "id")}`,
      (v, P) => `${v}.slug === ${P("string", "slug")}`,
      (v, P) => `${v}.title.includes(${P("string", "q")})`,
      (v, P) => `${v}.title.startsWith(${P("string", "prefix")}) || ${v}.body.includes(${P("string", "q")})`,
      (v) => `${v}.title.endsWith("?")`,
      (v) => `${v}.summary !== null`,
      (v) => `!${v}.summary`,
      (v, P) => `${v}.views > ${P("number", "minViews")}`,
      (v) => `${v}.views >= 100 && ${v}.views < 10_000`,
      (v) => `${v}.rating !== null && ${v}.rating >= 4.5`,
      (v, P) => `${v}.rating === ${P("number | null", "rating")}`,
      (v) => `${v}.tags.includes("typescript")`,
      (v, P) => `${v}.tags.includes(${P("string", "tag")})`,
      (v, P) => `${v}.publishedAt !== null && ${v}.publishedAt > ${P("Date", "since")}`,
      (v) => `${v}.publishedAt === null`,
      (v, P) => `${v}.createdAt < ${P("Date", "before")}`,
      (v, P) => `${v}.published && ${v}.userId !== ${P("number", "excludedUser")}`,
      (v) => `!(${v}.published || ${v}.views === 0)`,
    ],
    keys: ["id", "slug"],
    orders: ["id", "createdAt", "views", "title"],
    selects: [
      (v) => `({ id: ${v}.id, title: ${v}.title })`,
      (v) => `({ id: ${v}.id, slug: ${v}.slug, publishedAt: ${v}.publishedAt })`,
      (v) => `({ id: ${v}.id, title: ${v}.title, summary: ${v}.summary, views: ${v}.views })`,
      (v) => `({ id: ${v}.id, isDraft: !${v}.published, rating: ${v}.rating })`,
    ],
  },
  comments: {
    v: "c",
    preds: [
      (v, P) => `${v}.postId === ${P("number", "postId")}`,
      (v, P) => `${v}.userId === ${P("number", "userId")}`,
      (v, P) => `${P("number[]", "postIds")}.includes(${v}.postId)`,
      (v) => `${v}.parentId === null`,
      (v, P) => `${v}.parentId === ${P("number", "parentId")}`,
      (v, P) => `${v}.parentId !== ${P("number | null", "parentId")}`,
      (v) => `!${v}.flagged`,
      (v) => `${v}.flagged || ${v}.score < -5`,
      (v, P) => `${v}.score >= ${P("number", "minScore")}`,
      (v) => `${v}.editedAt !== null`,
      (v, P) => `${v}.editedAt !== null && ${v}.editedAt > ${P("Date", "since")}`,
      (v, P) => `${v}.createdAt > ${P("Date", "since")}`,
      (v, P) => `${v}.body.includes(${P("string", "q")})`,
      (v) => `!${v}.body.startsWith("[deleted]")`,
      (v, P) => `${v}.id > ${P("number", "afterId")}`,
    ],
    keys: ["id"],
    orders: ["id", "createdAt", "score"],
    selects: [
      (v) => `({ id: ${v}.id, body: ${v}.body })`,
      (v) => `({ id: ${v}.id, postId: ${v}.postId, score: ${v}.score, editedAt: ${v}.editedAt })`,
      (v) => `({ id: ${v}.id, isReply: ${v}.parentId !== null, flagged: ${v}.flagged })`,
    ],
  },
};
const TABLE_NAMES = Object.keys(TABLES);
const TERMINALS = ["all", "all", "all", "all", "first", "first", "one", "count", "count", "exists"];

function paramScope() {
  const params = [];
  const used = new Map();
  const P = (type, hint) => {
    const n = used.get(hint) ?? 0;
    used.set(hint, n + 1);
    const name = n === 0 ? hint : `${hint}${n + 1}`;
    params.push(`${name}: ${type}`);
    return name;
  };
  return { params, P };
}

const columnsOf = (pred) => [...new Set([...pred("ROW", () => "x").matchAll(/ROW\.(\w+)/g)].map((m) => m[1]))];

/** One `where` closure body: 1–3 predicates joined with && / ||, sometimes negated as a whole. */
function condition(t, P) {
  const n = pick([1, 1, 2, 2, 2, 3]);
  // Predicates joined in one closure read distinct columns, so TypeScript's narrowing never turns a
  // contradictory pair (`x === null && x !== null && x < 1`) into a `never` error.
  const chosen = new Set();
  const columns = new Set();
  while (chosen.size < n) {
    const pred = pick(t.preds);
    const cols = columnsOf(pred);
    if (cols.some((c) => columns.has(c))) continue;
    cols.forEach((c) => columns.add(c));
    chosen.add(pred);
  }
  const parts = [...chosen].map((pred) => {
    const s = pred(t.v, P);
    return n > 1 && /&&|\|\|/.test(s) ? `(${s})` : s;
  });
  const s = parts.join(chance(0.7) ? " && " : " || ");
  return n > 1 && chance(0.1) ? `!(${s})` : s;
}

function staticQuery(name) {
  const tableName = pick(TABLE_NAMES);
  const t = TABLES[tableName];
  const { params, P } = paramScope();
  const terminal = pick(TERMINALS);
  const lines = [`db.${tableName}`];
  if (terminal === "one") {
    // one(): a lookup by a key, sometimes with an extra condition.
    const key = pick(t.keys);
    lines.push(
      `.where((${t.v}) => ${t.v}.${key} === ${P(key === "id" ? "number" : "string", key)}${chance(0.3) ? ` && ${pick(t.preds)(t.v, P)}` : ""})`,
    );
  } else {
    const wheres = pick([1, 1, 1, 2, 2]);
    for (let i = 0; i < wheres; i++) lines.push(`.where((${t.v}) => ${condition(t, P)})`);
  }
  if (terminal === "all" || terminal === "first") {
    const orders = pick([0, 1, 1, 1, 2]);
    const seen = new Set();
    for (let i = 0; i < orders; i++) {
      const col = pick(t.orders);
      if (seen.has(col)) continue;
      seen.add(col);
      lines.push(chance(0.5) ? `.orderBy((${t.v}) => ${t.v}.${col}, "desc")` : `.orderBy((${t.v}) => ${t.v}.${col})`);
    }
  }
  if (terminal === "all") {
    if (chance(0.6))
      lines.push(chance(0.5) ? `.limit(${pick([10, 20, 50, 100])})` : `.limit(${P("number", "pageSize")})`);
    if (chance(0.3)) lines.push(`.offset(${P("number", "offset")})`);
  }
  if ((terminal === "all" || terminal === "first" || terminal === "one") && chance(0.45))
    lines.push(`.select((${t.v}) => ${pick(t.selects)(t.v)})`);
  lines.push(`.${terminal}()`);
  return `export async function ${name}(${params.join(", ")}) {\n  return ${lines[0]}\n    ${lines.slice(1).join("\n    ")};\n}\n`;
}

/** A chain built across `if`s: each step is compiled at build time, joined at run time. */
function dynamicQuery(name) {
  const tableName = pick(TABLE_NAMES);
  const t = TABLES[tableName];
  const { params, P } = paramScope();
  const body = [`let query: Query<typeof ${tableName}> = db.${tableName}.where((${t.v}) => ${condition(t, P)});`];
  const ifs = int(1, 3);
  for (let i = 0; i < ifs; i++) {
    if (chance(0.5)) {
      // An optional filter value: narrowed by the `if`, still narrowed inside the closure.
      const captured = [];
      const pred = pick(t.preds);
      pred(t.v, (type, hint) => (captured.push({ type, hint }), ""));
      if (captured.length === 1 && !/[|[]/.test(captured[0].type)) {
        const local = P(`${captured[0].type} | undefined`, captured[0].hint);
        body.push(`if (${local} !== undefined) query = query.where((${t.v}) => ${pred(t.v, () => local)});`);
        continue;
      }
    }
    const flag = P("boolean", pick(["strict", "onlyActive", "filter", "narrow"]));
    body.push(`if (${flag}) query = query.where((${t.v}) => ${condition(t, P)});`);
  }
  const terminal = pick(["all", "all", "all", "first", "count"]);
  if (terminal === "count") {
    // nothing to sort
  } else if (chance(0.5))
    body.push(`if (${P("boolean", "newestFirst")}) query = query.orderBy((${t.v}) => ${t.v}.createdAt, "desc");`);
  else body.push(`query = query.orderBy((${t.v}) => ${t.v}.${pick(t.orders)});`);
  const tail =
    terminal === "all" ? `.limit(${P("number", "pageSize")}).offset(${P("number", "offset")}).all()` : `.${terminal}()`;
  body.push(`return query${tail};`);
  return `export async function ${name}(${params.join(", ")}) {\n  ${body.join("\n  ")}\n}\n`;
}

function generate() {
  fs.rmSync(GEN, { recursive: true, force: true });
  fs.mkdirSync(path.join(GEN, "src"), { recursive: true });
  fs.writeFileSync(path.join(GEN, "src", "schema.ts"), SCHEMA);
  if (MIXED) fs.cpSync(path.join(ROOT, "packages", "closql", "src"), path.join(GEN, "src", "app"), { recursive: true });
  fs.writeFileSync(path.join(GEN, "src", "db.ts"), DB);
  const perFile = QUERY_COUNT / FILE_COUNT;
  let dynamic = 0;
  for (let f = 0; f < FILE_COUNT; f++) {
    const chunks = [
      `// Generated by bench/build-cost.js: ${perFile} closql queries.\nimport { Query } from "closql";\nimport { db } from "./db";\nimport { users, posts, comments } from "./schema";\n`,
    ];
    for (let i = 0; i < perFile; i++) {
      const name = `q${String(f).padStart(2, "0")}_${String(i).padStart(2, "0")}`;
      if (i % 10 === 9) {
        chunks.push(dynamicQuery(name));
        dynamic++;
      } else chunks.push(staticQuery(name));
    }
    fs.writeFileSync(path.join(GEN, "src", `queries${String(f).padStart(2, "0")}.ts`), chunks.join("\n"));
  }
  // Options TypeScript 6 and 7 both accept (7 has no `node10` resolution): `nodenext` in the
  // repository's CommonJS package scope.
  const compilerOptions = {
    target: "es2022",
    module: "nodenext",
    strict: true,
    skipLibCheck: true,
    esModuleInterop: true,
    types: ["node"],
    rootDir: "src",
    outDir: "dist",
  };
  const config = (plugins) => ({
    compilerOptions: plugins ? { ...compilerOptions, plugins } : compilerOptions,
    include: ["src"],
  });
  fs.writeFileSync(path.join(GEN, "tsconfig.plain.json"), JSON.stringify(config(undefined), null, 2) + "\n");
  fs.writeFileSync(
    path.join(GEN, "tsconfig.closql.json"),
    JSON.stringify(config([{ transform: "@closql/transformer" }]), null, 2) + "\n",
  );
  return { static: QUERY_COUNT - dynamic, dynamic };
}

// ------------------------------------------------------------------------------------ running

const VARIANTS = [
  { id: "tsc", label: "tsc 6 (plain)", bin: TSC, config: "tsconfig.plain.json" },
  { id: "tspc", label: "tspc, no plugin", bin: TSPC, config: "tsconfig.plain.json" },
  { id: "closql", label: "tspc + closql", bin: TSPC, config: "tsconfig.closql.json" },
  { id: "tsc7", label: "tsc 7 (plain)", bin: TSC7, config: "tsconfig.plain.json" },
  {
    id: "build7",
    label: "closql build, TypeScript 7",
    bin: CLOSQL,
    config: "tsconfig.closql.json",
    args: (config) => ["build", "-p", config, "--tsc", TYPESCRIPT7],
    compiles: true,
  },
  {
    id: "build7ts6",
    label: "closql build, TypeScript 7, TS 6 emits",
    bin: CLOSQL,
    config: "tsconfig.closql.json",
    args: (config) => ["build", "-p", config, "--tsc", TYPESCRIPT7, "--emitWith", "typescript6"],
    compiles: true,
  },
  {
    id: "build6",
    label: "closql build, TypeScript 6",
    bin: CLOSQL,
    config: "tsconfig.closql.json",
    args: (config) => ["build", "-p", config],
    compiles: true,
  },
];
VARIANTS[2].compiles = true;
/** The TypeScript 6 builds, whose phases `--extendedDiagnostics` reports. */
const TS6_VARIANTS = VARIANTS.slice(0, 3);

/**
 * Preloaded (`node -r`) into every build: on exit it records the process's CPU time (user + system,
 * all threads), which other load on the machine disturbs far less than wall time. With
 * CLOSQL_BENCH_TRACE=1 (the diagnostic rounds only) it also times, from outside the package, how long
 * loading @closql/transformer takes, how long its per-file transforms run, and the type-checker calls
 * they make.
 */
const PRELOAD = `"use strict";
const fs = require("fs");
const Module = require("module");
const { performance } = require("perf_hooks");
const stats = { loadMs: 0, transformMs: 0, files: 0, checker: {} };
let inTransform = false;
if (process.env.CLOSQL_BENCH_TRACE === "1") {
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    if (!/[\\\\/]transformer[\\\\/]dist[\\\\/]index\\.js$|@closql[\\\\/]transformer$/.test(request)) return load.apply(this, arguments);
    const t0 = performance.now();
    const exports = load.apply(this, arguments);
    stats.loadMs += performance.now() - t0;
    const factory = exports && exports.default;
    if (typeof factory !== "function") return exports;
    const wrapped = Object.create(exports);
    wrapped.default = function (...args) {
      // The checker methods the transformer calls while it transforms a file: how often, how long.
      const checker = args[0] && args[0].getTypeChecker ? args[0].getTypeChecker() : undefined;
      if (checker && !checker.__closqlBench) {
        checker.__closqlBench = true;
        for (const name of Object.keys(checker)) {
          const f = checker[name];
          if (typeof f !== "function") continue;
          checker[name] = function () {
            if (!inTransform) return f.apply(this, arguments);
            const s = performance.now();
            try { return f.apply(this, arguments); } finally {
              const c = (stats.checker[name] ??= { calls: 0, ms: 0 });
              c.calls++;
              c.ms += performance.now() - s;
            }
          };
        }
      }
      const transformerFactory = factory.apply(this, args);
      return (context) => {
        const transform = transformerFactory(context);
        return (file) => {
          const s = performance.now();
          inTransform = true;
          try { return transform(file); } finally { inTransform = false; stats.transformMs += performance.now() - s; stats.files++; }
        };
      };
    };
    return wrapped;
  };
}
/** CPU time of the children this process waited for (tsc 7's native compiler), from /proc (Linux). */
function childrenCpuMs() {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[13]) + Number(fields[14])) * 10; // cutime + cstime, in 1/100 s
  } catch {
    return 0;
  }
}
if (process.env.CLOSQL_BENCH_STATS) process.on("exit", () => {
  const r = process.resourceUsage();
  fs.writeFileSync(process.env.CLOSQL_BENCH_STATS, JSON.stringify({ cpuMs: (r.userCPUTime + r.systemCPUTime) / 1000 + childrenCpuMs(), maxRssKb: r.maxRSS, ...stats }));
});
`;

function run(variant, { extra = [], nodeArgs = [], trace = false } = {}) {
  const statsFile = path.join(GEN, `stats-${variant.id}.json`);
  fs.rmSync(statsFile, { force: true });
  const env = { ...process.env, CLOSQL_BENCH_STATS: statsFile, CLOSQL_BENCH_TRACE: trace ? "1" : "0" };
  const argv = [
    ...nodeArgs,
    "-r",
    path.join(GEN, "preload.js"),
    variant.bin,
    ...(variant.args ? variant.args(path.join(GEN, variant.config)) : ["-p", path.join(GEN, variant.config)]),
    ...extra,
  ];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  const stats = fs.existsSync(statsFile) ? JSON.parse(fs.readFileSync(statsFile, "utf8")) : {};
  return { ms, status: r.status, output: (r.stdout ?? "") + (r.stderr ?? ""), ...stats };
}

function fail(message) {
  console.error(`build-cost: ${message}`);
  process.exit(1);
}

/** Builds once each; any diagnostic, or a query the transformer left uncompiled, fails loudly. */
function verify(counts) {
  for (const v of VARIANTS) {
    fs.rmSync(path.join(GEN, "dist"), { recursive: true, force: true });
    const r = run(v);
    // `closql build` prints one summary line.
    const output = r.output.replace(/^closql build: TypeScript .*, \d+ statements compiled\n$/, "");
    if (r.status !== 0 || output.trim() !== "")
      fail(`${v.label} reported diagnostics on the generated project (exit ${r.status}):\n${r.output.slice(0, 8000)}`);
    const js = readDist();
    if (!v.compiles) {
      if (/\.\$run\(/.test(js))
        fail(`${v.label} output holds compiled queries: the plain config must not load the transformer.`);
      continue;
    }
    const runs = (js.match(/\.\$run\(/g) ?? []).length;
    const reads = (js.match(/\.\$read\(/g) ?? []).length;
    const leftovers = js.match(/\.(where|orderBy|select)\(|\.(all|first|one|count|exists)\(\)/g) ?? [];
    if (runs !== counts.static || reads !== counts.dynamic || leftovers.length > 0) {
      fail(
        `the transformer did not compile every query: ${runs}/${counts.static} folded, ${reads}/${counts.dynamic} built across ifs, ${leftovers.length} uncompiled calls left (${leftovers.slice(0, 5).join(", ")})`,
      );
    }
  }
}

function readDist() {
  const dir = path.join(GEN, "dist");
  return fs
    .readdirSync(dir)
    .filter((f) => /^queries\d+\.js$/.test(f))
    .map((f) => fs.readFileSync(path.join(dir, f), "utf8"))
    .join("\n");
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round1 = (x) => Math.round(x * 10) / 10;

/** Parses `--extendedDiagnostics` output: phase times in ms. */
function phases(output) {
  const out = {};
  for (const line of output.split("\n")) {
    const m = /^([A-Za-z ]+) time:\s+([\d.]+)s\s*$/.exec(line.trim());
    if (m) out[m[1]] = Number(m[2]) * 1000;
  }
  return out;
}

/** Runs every variant once per round, rotating the order so none always runs first or last. */
function rounds(n, options, onRound, variants = VARIANTS) {
  const results = Object.fromEntries(variants.map((v) => [v.id, []]));
  for (let round = 0; round < n; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(round + k) % variants.length];
      const r = run(v, options);
      if (r.status !== 0) fail(`${v.label} failed in round ${round + 1}:\n${r.output}`);
      results[v.id].push(r);
    }
    onRound?.(round, results);
  }
  return results;
}

// ------------------------------------------------------------------------------------ profiling

/**
 * Runs tspc + closql under --cpu-prof (PROFILE_RUNS builds, summed then averaged) and attributes the
 * time: self time by code area; inclusive time per transformer function; and, for time below the
 * transformer, the innermost transformer frame with the function it called (which checker API, which
 * node module), which is where a fix would go.
 */
function profile() {
  const PROFILE_RUNS = 2;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "closql-build-prof-"));
  for (let i = 0; i < PROFILE_RUNS; i++) {
    const r = run(VARIANTS[2], { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval=100"] });
    if (r.status !== 0) fail(`profiling run failed:\n${r.output}`);
  }
  const isTransformer = (url) => /packages\/transformer\/|@closql\/transformer\//.test(url);
  const area = (url) =>
    isTransformer(url)
      ? "closql transformer (own code)"
      : /packages\/closql\/|node_modules\/closql\//.test(url)
        ? "closql runtime helpers"
        : /ts-patch/.test(url)
          ? "ts-patch"
          : /typescript\/lib\/typescript\.js/.test(url)
            ? "typescript.js (loaded by ts-patch; also the transformer's ts import)"
            : /typescript\/lib\/_tsc\.js/.test(url)
              ? "_tsc.js (the compiler tspc runs)"
              : url
                ? "node internals and other modules"
                : "(gc, native, idle)";
  const frame = (c) =>
    `${c.functionName || "(anonymous)"} ${c.url ? path.relative(ROOT, c.url.replace(/^file:\/\//, "")) : ""}:${c.lineNumber + 1}`;
  const areas = new Map();
  const fns = new Map();
  const inclusive = new Map();
  const calls = new Map();
  const add = (m, k, ms) => m.set(k, (m.get(k) ?? 0) + ms);
  let total = 0;
  let under = 0;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
    const prof = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    prof.samples.forEach((id, i) => {
      const ms = (prof.timeDeltas[i] ?? 0) / 1000 / PROFILE_RUNS;
      total += ms;
      const stack = [];
      for (let p = id; p !== undefined; p = parent.get(p)) stack.push(byId.get(p).callFrame);
      add(areas, area(stack[0].url), ms);
      add(fns, frame(stack[0]), ms);
      const inner = stack.findIndex((c) => isTransformer(c.url));
      if (inner < 0) return;
      under += ms;
      for (const k of new Set(stack.filter((c) => isTransformer(c.url)).map(frame))) add(inclusive, k, ms);
      const callee = inner > 0 ? stack[inner - 1] : undefined;
      add(
        calls,
        `${frame(stack[inner])} → ${callee ? `${callee.functionName || "(anonymous)"} (${area(callee.url)})` : "(self)"}`,
        ms,
      );
    });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const top = (m, n) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => ({ name: k, ms: Math.round(ms), pct: round1((ms / total) * 100) }));
  return {
    runs: PROFILE_RUNS,
    totalMs: Math.round(total),
    underTransformerMs: Math.round(under),
    areas: top(areas, 10),
    transformerInclusive: top(inclusive, 15),
    transformerCalls: top(calls, 15),
    functions: top(fns, 15),
  };
}

// ------------------------------------------------------------------------------------ watch mode

/**
 * The bundler plugin in watch mode, in this process: its `transform` hook (what Vite, Rollup, esbuild
 * and webpack call) on every query file once, then on one edited file at a time, then on a file whose
 * queries read a schema that just gained a column. Each edit adds a query, and the output must hold
 * it compiled.
 */
function watchMode() {
  const { performance } = require("node:perf_hooks");
  const { closqlPlugin } = require(path.join(ROOT, "packages", "transformer", "dist", "hosts", "unplugin.js"));
  const hooks = closqlPlugin.raw({ tsconfig: path.join(GEN, "tsconfig.closql.json") }, { framework: "rollup" });
  const ctx = {
    warn: (m) => fail(`the plugin warned: ${m}`),
    error: (m) => fail(`the plugin failed: ${typeof m === "string" ? m : m.message}`),
  };
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const cpu = [];
  const transform = (file, code, expect) => {
    const t0 = performance.now();
    const c0 = cpuMs();
    const out = hooks.transform.call(ctx, code, file);
    const ms = performance.now() - t0;
    cpu.push(cpuMs() - c0);
    if (!out || !out.code.includes(expect)) fail(`the plugin did not compile ${path.basename(file)} (${expect})`);
    return ms;
  };
  const src = path.join(GEN, "src");
  const files = fs
    .readdirSync(src)
    .filter((f) => /^queries\d+\.ts$/.test(f))
    .sort()
    .map((f) => path.join(src, f));
  const texts = files.map((f) => fs.readFileSync(f, "utf8"));
  hooks.buildStart.call(ctx);
  const coldMs = transform(files[0], texts[0], ".$run(");
  const first = files.slice(1).map((f, i) => transform(f, texts[i + 1], ".$run("));
  const edits = [];
  const editsCpu = [];
  for (let i = 0; i < WATCH_EDITS; i++) {
    const k = (i * 3) % files.length;
    texts[k] += `\nexport const edit${i} = () => db.users.where((u) => u.id === ${1000 + i} && u.active).first();\n`;
    edits.push(transform(files[k], texts[k], `edit${i} = () => db.users.$run(`));
    editsCpu.push(cpu[cpu.length - 1]);
  }
  const schemaFile = path.join(src, "schema.ts");
  const schema = fs.readFileSync(schemaFile, "utf8");
  const withColumn = schema.replace("lastLoginAt: timestamptz().nullable(),", "$& locale: text().nullable(),");
  if (withColumn === schema) fail("cannot add a column to the generated schema");
  let schemaEditMs;
  try {
    fs.writeFileSync(schemaFile, withColumn);
    hooks.watchChange.call(ctx, schemaFile, { event: "update" });
    const k = 1;
    texts[k] += `\nexport const byLocale = () => db.users.where((u) => u.locale === "fr").count();\n`;
    schemaEditMs = transform(files[k], texts[k], `\\"locale\\" = 'fr'`);
  } finally {
    fs.writeFileSync(schemaFile, schema);
  }
  const r1 = (x) => Math.round(x * 10) / 10;
  return {
    files: files.length,
    queries: QUERY_COUNT,
    coldMs: Math.round(coldMs),
    firstPassMedianMs: r1(median(first)),
    edit: {
      count: edits.length,
      medianMs: r1(median(edits)),
      maxMs: r1(Math.max(...edits)),
      medianCpuMs: r1(median(editsCpu)),
      allMs: edits.map(r1),
      allCpuMs: editsCpu.map(r1),
    },
    schemaEdit: { ms: r1(schemaEditMs), cpuMs: r1(cpu[cpu.length - 1]), dependents: files.length },
    rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
}

// ------------------------------------------------------------------------------------ main

function main() {
  for (const bin of [TSC, TSPC, TSC7])
    if (!fs.existsSync(bin)) fail(`${path.relative(ROOT, bin)} is missing: run npm install`);
  if (!fs.existsSync(path.join(ROOT, "packages", "transformer", "dist", "index.js")) || !fs.existsSync(CLOSQL))
    fail("packages are not built: run npm run build (or npm run bench:build)");

  const counts = generate();
  fs.writeFileSync(path.join(GEN, "preload.js"), PRELOAD);
  console.log(
    `Generated ${QUERY_COUNT} queries (${counts.static} folded chains, ${counts.dynamic} built across ifs) in ${FILE_COUNT} files under ${path.relative(ROOT, GEN)}/`,
  );
  verify(counts);
  console.log(`Verified: every build is clean; tspc + closql and both closql builds compiled every query.`);
  const loadBefore = os.loadavg();
  console.log(
    `Load average before timing: ${loadBefore.map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} cores`,
  );

  rounds(1, {}); // warm-up: file cache, ts-patch's patched-compiler cache
  const timed = rounds(ROUNDS, {}, (round, res) =>
    process.stdout.write(
      `round ${round + 1}/${ROUNDS}: ${VARIANTS.map((v) => `${v.id} ${Math.round(res[v.id][round].ms)} ms wall / ${Math.round(res[v.id][round].cpuMs)} ms cpu`).join(", ")}\n`,
    ),
  );
  // Separate rounds with --extendedDiagnostics and the transformer timed from the preload: where the
  // time goes inside the compiler. Not mixed into the timed rounds above.
  const DIAG_ROUNDS = QUICK ? 0 : 3;
  const diag = rounds(DIAG_ROUNDS, { extra: ["--extendedDiagnostics"], trace: true }, undefined, TS6_VARIANTS);
  const watch = watchMode();
  const loadAverage = os.loadavg();

  const stat = (res, f) => Object.fromEntries(VARIANTS.map((v) => [v.id, median(res[v.id].map(f))]));
  const wall = stat(timed, (r) => r.ms);
  const cpu = stat(timed, (r) => r.cpuMs);
  // "transformTime" is every emit transform: TypeScript's own (TS → JS) and, for tspc + closql, ours.
  const phaseNames = ["Parse", "Bind", "Check", "transformTime", "printTime", "Emit", "Total"];
  const phase = Object.fromEntries(
    TS6_VARIANTS.map((v) => [
      v.id,
      Object.fromEntries(phaseNames.map((p) => [p, Math.round(median(diag[v.id].map((r) => phases(r.output)[p])))])),
    ]),
  );
  const tr = diag.closql;
  const methods = [...new Set(tr.flatMap((r) => Object.keys(r.checker ?? {})))];
  const checkerCalls = methods
    .map((name) => ({
      name,
      calls: tr[0]?.checker?.[name]?.calls ?? 0,
      ms: round1(median(tr.map((r) => r.checker?.[name]?.ms ?? 0))),
    }))
    .sort((a, b) => b.ms - a.ms);
  const inside = {
    loadMs: round1(median(tr.map((r) => r.loadMs))),
    transformMs: round1(median(tr.map((r) => r.transformMs))),
    files: tr[0]?.files ?? 0,
    checkerMs: round1(median(tr.map((r) => Object.values(r.checker ?? {}).reduce((n, c) => n + c.ms, 0)))),
    checkerCalls,
  };
  const ratio = (a, b) => +(a / b).toFixed(3);
  const perQuery = (ms) => +(ms / QUERY_COUNT).toFixed(3);

  const result = {
    date: new Date().toISOString(),
    node: process.version,
    typescript: require(path.join(ROOT, "node_modules", "typescript", "package.json")).version,
    typescript7: require(path.join(TYPESCRIPT7, "package.json")).version,
    tsPatch: require(path.join(ROOT, "node_modules", "ts-patch", "package.json")).version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverageBefore: loadBefore.map((l) => +l.toFixed(2)),
    loadAverageAfter: loadAverage.map((l) => +l.toFixed(2)),
    project: {
      queries: QUERY_COUNT,
      foldedChains: counts.static,
      builtAcrossIfs: counts.dynamic,
      queryFiles: FILE_COUNT,
      lines: sourceLines(path.join(GEN, "src")),
      mixed: MIXED,
    },
    rounds: ROUNDS,
    wallMs: {
      median: mapValues(wall, Math.round),
      all: Object.fromEntries(VARIANTS.map((v) => [v.id, timed[v.id].map((r) => Math.round(r.ms))])),
    },
    cpuMs: {
      median: mapValues(cpu, Math.round),
      all: Object.fromEntries(VARIANTS.map((v) => [v.id, timed[v.id].map((r) => Math.round(r.cpuMs))])),
    },
    ratio: {
      wall: {
        tspcVsTsc: ratio(wall.tspc, wall.tsc),
        closqlVsTsc: ratio(wall.closql, wall.tsc),
        closqlVsTspc: ratio(wall.closql, wall.tspc),
      },
      cpu: {
        tspcVsTsc: ratio(cpu.tspc, cpu.tsc),
        closqlVsTsc: ratio(cpu.closql, cpu.tsc),
        closqlVsTspc: ratio(cpu.closql, cpu.tspc),
      },
      typescript7: {
        build7VsTspcClosqlWall: ratio(wall.build7, wall.closql),
        build7VsTspcClosqlCpu: ratio(cpu.build7, cpu.closql),
        build7VsTsc6Wall: ratio(wall.build7, wall.tsc),
        build7VsTsc7Wall: ratio(wall.build7, wall.tsc7),
        tsc7VsTsc6Wall: ratio(wall.tsc7, wall.tsc),
        build6VsTspcClosqlWall: ratio(wall.build6, wall.closql),
        build7ts6VsTspcClosqlWall: ratio(wall.build7ts6, wall.closql),
        build7ts6VsTspcClosqlCpu: ratio(cpu.build7ts6, cpu.closql),
      },
    },
    watch,
    perQueryMs: {
      wallVsTspc: perQuery(wall.closql - wall.tspc),
      cpuVsTspc: perQuery(cpu.closql - cpu.tspc),
      wallVsTsc: perQuery(wall.closql - wall.tsc),
      insideTransformer: perQuery(inside.transformMs),
    },
    transformer: inside,
    phasesMs: phase,
    diagnosticRounds: DIAG_ROUNDS,
    goal: GOAL,
  };
  result.withinGoal = {
    wall: result.ratio.wall.closqlVsTsc <= GOAL,
    cpu: result.ratio.cpu.closqlVsTsc <= GOAL,
    typescript7: result.ratio.typescript7.build7VsTspcClosqlWall <= 1,
    watch: watch.edit.medianMs < 1000,
  };

  if (FORCE_PROFILE || (!QUICK && (!result.withinGoal.wall || !result.withinGoal.cpu))) {
    console.log(
      !result.withinGoal.wall || !result.withinGoal.cpu
        ? `Above the ${GOAL}× goal: profiling tspc + closql…`
        : "Profiling tspc + closql…",
    );
    result.profile = profile();
  }

  printReport(result);
  fs.mkdirSync(RESULTS, { recursive: true });
  const name = MIXED ? `${OUTPUT}-mixed` : OUTPUT;
  fs.writeFileSync(path.join(RESULTS, `${name}.json`), JSON.stringify(result, null, 2) + "\n");
  fs.writeFileSync(path.join(RESULTS, `${name}.md`), markdown(result));
  console.log(`\nWrote ${path.relative(ROOT, path.join(RESULTS, `${name}.json`))} and ${name}.md`);
}

function sourceLines(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((n, e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return n + sourceLines(p);
    return e.name.endsWith(".ts") ? n + fs.readFileSync(p, "utf8").split("\n").length : n;
  }, 0);
}

function mapValues(o, f) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}

const HEADER = ["build", "wall ms", "wall ×tsc", "cpu ms", "cpu ×tsc", "check ms", "transforms ms"];
function rows(r) {
  return VARIANTS.map((v) => [
    v.label,
    `${r.wallMs.median[v.id]}`,
    `${(r.wallMs.median[v.id] / r.wallMs.median.tsc).toFixed(2)}×`,
    `${r.cpuMs.median[v.id]}`,
    `${(r.cpuMs.median[v.id] / r.cpuMs.median.tsc).toFixed(2)}×`,
    `${r.phasesMs[v.id]?.Check ?? "–"}`,
    `${r.phasesMs[v.id]?.transformTime ?? "–"}`,
  ]);
}

function summary(r) {
  const t = r.transformer;
  const goal = (ok) => (ok ? "met" : "NOT met");
  const t7 = r.ratio.typescript7;
  const w = r.watch;
  return [
    `TypeScript 7 path (closql build: tsc 7 check ∥ pre-pass on TypeScript 6, then tsc 7 emit) vs tspc + closql: ${t7.build7VsTspcClosqlWall}× wall, ${t7.build7VsTspcClosqlCpu}× cpu (goal ≤ 1×, no slower: ${goal(r.withinGoal.typescript7)} on wall); vs plain tsc 6 ${t7.build7VsTsc6Wall}× wall, vs plain tsc 7 ${t7.build7VsTsc7Wall}× wall (tsc 7 alone is ${t7.tsc7VsTsc6Wall}× tsc 6)`,
    `closql build with TypeScript 7 and --emitWith typescript6 (tsc 7 checks, TypeScript 6's program compiles and emits) vs tspc + closql: ${t7.build7ts6VsTspcClosqlWall}× wall, ${t7.build7ts6VsTspcClosqlCpu}× cpu`,
    `closql build with TypeScript 6 (in-process, no ts-patch) vs tspc + closql: ${t7.build6VsTspcClosqlWall}× wall`,
    `plugin watch mode (the transform hook, in-process, ${w.queries} queries in ${w.files} files): first file ${w.coldMs} ms (builds the program), every other file first time ${w.firstPassMedianMs} ms median; an edited file re-transformed: median ${w.edit.medianMs} ms wall (${w.edit.medianCpuMs} ms cpu), max ${w.edit.maxMs} ms over ${w.edit.count} edits (goal well under 1 s: ${goal(r.withinGoal.watch)}); after a schema edit, one dependent file ${w.schemaEdit.ms} ms (${w.schemaEdit.cpuMs} ms cpu; ${w.schemaEdit.dependents} files depend on the schema)`,
    `tspc + closql vs plain tsc: ${r.ratio.wall.closqlVsTsc}× wall, ${r.ratio.cpu.closqlVsTsc}× cpu (goal ≤ ${r.goal}×: ${goal(r.withinGoal.wall)} on wall, ${goal(r.withinGoal.cpu)} on cpu)`,
    `ts-patch alone (tspc, no plugin) vs tsc: ${r.ratio.wall.tspcVsTsc}× wall, ${r.ratio.cpu.tspcVsTsc}× cpu`,
    `transformer cost per query: ${r.perQueryMs.wallVsTspc} ms wall / ${r.perQueryMs.cpuVsTspc} ms cpu (tspc + closql minus tspc, / ${r.project.queries}); ${r.perQueryMs.insideTransformer} ms measured inside its per-file transforms`,
    `inside the closql build: loading @closql/transformer ${t.loadMs} ms; its per-file transforms ${t.transformMs} ms for ${t.files} files, of which ${t.checkerMs} ms in type-checker calls (${t.checkerCalls
      .slice(0, 4)
      .map((c) => `${c.name} ×${c.calls} ${c.ms} ms`)
      .join(", ")})`,
  ];
}

function printReport(r) {
  const all = [HEADER, ...rows(r)];
  const w = HEADER.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  console.log("");
  for (const [i, row] of all.entries()) {
    console.log(row.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join("  "));
    if (i === 0) console.log(w.map((n) => "-".repeat(n)).join("  "));
  }
  console.log(
    `(medians of ${r.rounds} alternating rounds; check/transforms: medians of ${r.diagnosticRounds} --extendedDiagnostics rounds)\n`,
  );
  for (const line of summary(r)) console.log(line);
  if (r.profile) {
    const p = r.profile;
    const list = (title, xs) => {
      console.log(title);
      for (const x of xs) console.log(`  ${String(x.ms).padStart(6)} ms ${String(x.pct).padStart(5)}%  ${x.name}`);
    };
    console.log(
      `\nCPU profile of tspc + closql (average of ${p.runs} builds: ${p.totalMs} ms sampled, ${p.underTransformerMs} ms below transformer frames)`,
    );
    list("self time by area:", p.areas);
    list("transformer functions, inclusive:", p.transformerInclusive);
    list("below the transformer: innermost transformer frame → what it called:", p.transformerCalls);
    list("top functions by self time:", p.functions);
  }
}

function markdown(r) {
  const table = [HEADER, HEADER.map((_, i) => (i === 0 ? "---" : "---:")), ...rows(r)]
    .map((row) => `| ${row.join(" | ")} |`)
    .join("\n");
  let md = `# Build cost of the closql transformer

Generated by \`npm run bench:build\` (\`bench/build-cost.js\`) on ${r.date.slice(0, 10)}. Goal from the issue: \`tspc\` with the transformer ≤ ${r.goal}× plain \`tsc\` on a project of ${r.project.queries} queries.

- Node ${r.node}, TypeScript ${r.typescript} and ${r.typescript7}, ts-patch ${r.tsPatch}
- ${r.cpus} cores (${r.cpuModel}), ${r.platform}; load average (1, 5, 15 min) before the timed rounds ${r.loadAverageBefore.join(", ")}, after ${r.loadAverageAfter.join(", ")}
- Project: ${r.project.queries} closql queries (${r.project.foldedChains} folded chains, ${r.project.builtAcrossIfs} chains built across \`if\`s) in ${r.project.queryFiles} files, plus a schema (users with 14 columns, posts, comments) and a db module${r.project.mixed ? ", plus 6,300 lines of ordinary TypeScript without a query (a copy of packages/closql/src, \`--mixed\`)" : ""}: ${r.project.lines} lines.
- Each build is a fresh \`node <bin> -p <tsconfig>\` process (\`closql build -p <tsconfig>\` for the two closql builds): full type check and emit, no incremental state. The two tsconfigs are identical except for \`plugins\` (\`module: nodenext\`, valid for TypeScript 6 and 7). One warm-up round, then ${r.rounds} rounds alternating the ${VARIANTS.length} builds (rotating their order); medians. CPU time is user + system of the build process (all threads) and of the processes it waited for (tsc 7's native compiler), less disturbed than wall time by other load on the machine.
- \`closql build\` with TypeScript 7: tsc 7 type-checks the sources (a child process) while closql compiles the queries on a TypeScript 6 program of the same project and writes the rewritten sources to a shadow copy (\`.closql/build\`), which a second tsc 7 run emits without checking; the source maps are then pointed at the original sources.
- Watch mode: @closql/transformer's bundler plugin (the \`transform\` hook Vite, Rollup, esbuild and webpack call), in this process: each of the ${r.watch.files} query files transformed once, then ${r.watch.edit.count} edits (each adds a query to one file) each re-transformed; then the schema gains a column and one dependent file is re-transformed.

${table}

Check and transforms (\`transformTime\`: every emit transform, TypeScript's own TS → JS one and, for tspc + closql, the closql transformer): medians of ${r.diagnosticRounds} separate \`--extendedDiagnostics\` rounds.

${summary(r)
  .map((l) => `- ${l}`)
  .join("\n")}
`;
  if (r.profile) {
    const p = r.profile;
    const table = (head, xs) =>
      `| ${head} | ms | % |\n| --- | ---: | ---: |\n` +
      xs.map((x) => `| \`${x.name}\` | ${x.ms} | ${x.pct} |`).join("\n") +
      "\n";
    md += `\n## CPU profile of tspc + closql\n\nAverage of ${p.runs} builds under \`node --cpu-prof\`: ${p.totalMs} ms sampled, ${p.underTransformerMs} ms below transformer frames.\n\n`;
    md += table("self time by area", p.areas) + "\n";
    md += table("transformer function (inclusive)", p.transformerInclusive) + "\n";
    md += table("below the transformer: innermost transformer frame → what it called", p.transformerCalls) + "\n";
    md += table("function (self time)", p.functions);
  }
  return md;
}

if (args.includes("--watch-only")) {
  // Development of this script: the watch-mode measurement alone.
  generate();
  console.log(JSON.stringify(watchMode(), null, 2));
} else main();
