import { test } from "node:test";
import assert from "node:assert/strict";
import { lowerChains, Lowered, preloadStatements } from "./support/lower";

/**
 * Lowering snippets, table-driven: a `where` closure body → the SQL of the condition and what each
 * `$n` binds. The differential tests against PostgreSQL (test/) check what these mean; these pin how
 * each construct lowers, so a change to the core shows up here first.
 */
const WHERE: [body: string, sql: string, bindings?: string[]][] = [
  ['u.email === "a@example.com"', "\"email\" = 'a@example.com'"],
  ["u.email === x", '"email" = $1', ["x"]],
  ['u.nickname !== "bob"', '("nickname" <> \'bob\' OR "nickname" IS NULL)'],
  ["u.nickname === maybe", '("nickname" = $1 OR ("nickname" IS NULL AND $1 IS NULL))', ["maybe"]],
  ["u.nickname !== maybe", '"nickname" IS DISTINCT FROM $1', ["maybe"]],
  ["u.age === null", '"age" IS NULL'],
  ["u.id > n", '"id" > $1::int8', ["int.floor(n)"]],
  ["u.id <= n", '"id" <= $1::int8', ["int.floor(n)"]],
  ["u.id === n", '"id" = $1::int8', ["int.eq(n)"]],
  ["u.id > 1.5", '"id" > 1'],
  ["u.id === 1.5", '"id" = NULL'],
  ["u.score > n", '("score" > $1 AND "score" <> \'NaN\')', ["number(n)"]],
  ["u.score === 0.5", '("score" = 0.5 AND "score" <> \'NaN\')'],
  ["u.role === x", '"role" = $1', ["oneOf(x, user|admin)"]],
  ['u.role === "admin"', "\"role\" = 'admin'"],
  ["u.createdAt > since", '"created_at" >= $1', ["date.next(since)"]],
  ["u.createdAt <= since", '"created_at" < $1', ["date.next(since)"]],
  [
    "u.createdAt.getTime() === n",
    '("created_at" >= $1 AND "created_at" < $2)',
    ["date.at(fromMs(n))", "date.next(fromMs(n))"],
  ],
  ["u.name.startsWith(x)", '"name" LIKE $1', ["like.startsWith(x)"]],
  ['u.name.includes("50%_off")', "\"name\" LIKE E'%50\\\\%\\\\_off%'"],
  [
    "u.name.endsWith(u.email)",
    "\"name\" LIKE ('%' || replace(replace(replace(\"email\", E'\\\\', E'\\\\\\\\'), '%', E'\\\\%'), '_', E'\\\\_'))",
  ],
  ["ids.includes(u.id)", '"id" = ANY($1::int8[])', ["intList(ids)"]],
  ["list.includes(u.name)", '"name" = ANY($1)', ["list"]],
  ['["user", "admin"].includes(u.role)', "\"role\" IN ('user', 'admin')"],
  ["u.tags.includes(x)", '$1 = ANY("tags")', ["x"]],
  ["u.tags.length > 2", 'cardinality("tags") > 2'],
  ["u.meta?.plan === x", "(\"meta\" -> 'plan') = $1::jsonb", ["json(x)"]],
  ["u.meta?.seats === undefined", "(\"meta\" -> 'seats') IS NULL"],
  ["u.active && n > 3", '("active" AND $1::boolean)', ["truthy(n > 3)"]],
  ["!u.active", 'NOT "active"'],
  ["!u.nickname", '("nickname" = \'\' OR "nickname" IS NULL)'],
  ['!(u.role === "admin" || u.age === 3)', '("role" <> \'admin\' AND ("age" <> 3 OR "age" IS NULL))'],
  ["u.age !== null && u.age % 2 === 1", '("age" IS NOT NULL AND ("age" % 2) = 1)'],
  ["u.karma * 2n > 10n", '("karma"::numeric * 2) > 10'],
  ["`${u.name}!` === x", "(\"name\" || '!') = $1", ["x"]],
  ['u.nickname + "!" === x', "(COALESCE(\"nickname\", 'null') || '!') = $1", ["x"]],
  ["(u.age ?? 0) > 18", 'COALESCE("age", 0) > 18'],
  ["(u.age === null ? 0 : u.age) > n", 'CASE WHEN "age" IS NULL THEN 0 ELSE "age" END > $1::int8', ["int.floor(n)"]],
  ["u.name.toLowerCase() === x", 'lower("name" COLLATE "und-x-icu") = $1', ["x"]],
  ["u.name < x", '("name" COLLATE "C") < $1', ["x"]],
  [
    "u.score / n > 1",
    '(SELECT ("closql_let1"."closql_let1_1" > 1 AND "closql_let1"."closql_let1_1" <> \'NaN\') FROM (SELECT CASE WHEN $1::float8 = 0 THEN CASE WHEN ("score" = \'NaN\' OR "score" = 0) THEN \'NaN\'::float8 WHEN ("score" > 0) = ($1::float8::text NOT LIKE \'-%\') THEN \'Infinity\'::float8 ELSE \'-Infinity\'::float8 END ELSE "score" / $1::float8 END AS "closql_let1_1") AS "closql_let1")',
    ["double(n)"],
  ],
  ["ilike(u.email, x)", '"email" ILIKE $1', ["x"]],
  ["u.age! < 30", "refusal: nullableOrdering"],
  ["u.createdAt === since", "refusal: referenceEquality"],
  ["u.name.localeCompare(x) > 0", "refusal: unsupportedExpression"],
  ["!(u.id > n)", '"id" <= $1::int8', ["int.floor(n, nan: max)"]],
  ["u.active === !u.active", '"active" = (NOT "active")'],
  ["!(u.active && u.id > 3)", '(NOT "active" OR "id" <= 3)'],
  ['(u.nickname ?? maybe ?? "none") === x', "COALESCE(\"nickname\", $1::text, 'none') = $2", ["maybe", "x"]],
  [
    "(u.age === null ? 0 : u.age > 10 ? 1 : 2) === n",
    'CASE WHEN "age" IS NULL THEN 0 WHEN "age" > 10 THEN 1 ELSE 2 END = $1::int8',
    ["int.eq(n)"],
  ],
  ["u.score === u.score", '("score" = "score" AND "score" <> \'NaN\')'],
  ["u.nickname!.length > 3", "refusal: nullReceiver"],
  [
    "u.nickname?.length === 3",
    "(char_length(\"nickname\") + (char_length(\"nickname\") - char_length(regexp_replace(\"nickname\", E'[\\\\U00010000-\\\\U0010FFFF]', '', 'g')))) = 3",
  ],
  ["u.age! + 1 === 1", '((COALESCE("age", 0)::float8 + 1) = 1 AND (COALESCE("age", 0)::float8 + 1) <> \'NaN\')'],
  ["-u.karma > 0n", '(-"karma"::numeric) > 0'],
  // Relation predicates: EXISTS over the related table under an alias, correlated with the outer row.
  [
    "u.posts.some((p) => p.published)",
    'EXISTS (SELECT 1 FROM "posts" AS "posts_1" WHERE ("posts_1"."user_id" = "users"."id" AND "posts_1"."published"))',
  ],
  [
    "u.posts.every((p) => p.score !== null && p.title === x)",
    'NOT EXISTS (SELECT 1 FROM "posts" AS "posts_1" WHERE ("posts_1"."user_id" = "users"."id" AND ("posts_1"."score" IS NULL OR "posts_1"."title" <> $1)))',
    ["x"],
  ],
  [
    "!u.posts.some((p) => p.comments.every((c) => c.body !== u.name))",
    'NOT EXISTS (SELECT 1 FROM "posts" AS "posts_1" WHERE ("posts_1"."user_id" = "users"."id" AND NOT EXISTS (SELECT 1 FROM "comments" AS "comments_1" WHERE ("comments_1"."post_id" = "posts_1"."id" AND "comments_1"."body" = "users"."name"))))',
  ],
  [
    "u.reports.some((r) => r.reports.some((s) => s.id === u.id))",
    'EXISTS (SELECT 1 FROM "users" AS "users_1" WHERE ("users_1"."age" = "users"."id" AND EXISTS (SELECT 1 FROM "users" AS "users_2" WHERE ("users_2"."age" = "users_1"."id" AND "users_2"."id" = "users"."id"))))',
  ],
  ["u.posts.filter((p) => p.published).length > 0", "refusal: relationPredicate"],
  ["u.posts.some((p, i) => i > 0)", "refusal: closureForm"],
];

const expected = ([, sql, bindings = []]: [string, string, string[]?]): Lowered =>
  sql.startsWith("refusal: ") ? { refusal: sql.slice("refusal: ".length) } : { sql, bindings };

test("where closures lower to SQL and bindings", () => {
  const got = lowerChains(WHERE.map(([body]) => `db.users.where((u) => ${body})`));
  WHERE.forEach((row, i) => assert.deepEqual(got[i], [expected(row)], row[0]));
});

/** Whole chains: each step through the method table, one result per step. */
const CHAINS: [chain: string, steps: [sql: string, bindings?: string[]][]][] = [
  [`db.users.orderBy((u) => u.name, "desc", { nulls: "last" })`, [[`"name" COLLATE "C" DESC NULLS LAST`]]],
  [`db.users.orderBy((u) => u.age ?? 0).orderBy((u) => u.id)`, [[`COALESCE("age", 0)`], [`"id"`]]],
  [`db.users.limit(5).offset(n)`, [[`5`], [`$1`, ["count(n)"]]]],
  [
    `db.users.select((u) => ({ id: u.id, lower: u.name.toLowerCase(), big: u.karma > BigInt(n) }))`,
    [[`"id", lower("name" COLLATE "und-x-icu") AS "lower", ("karma" > $1) IS TRUE AS "big"`, ["BigInt(n)"]]],
  ],
  [
    `db.users.where((u) => u.id > n).where((u) => u.email === x)`,
    [
      [`"id" > $1::int8`, ["int.floor(n)"]],
      [`"email" = $1`, ["x"]],
    ],
  ],
  [
    `db.users.orderBy((u) => u.name).orderBy((u) => u.id).after({ name: x, id: n })`,
    [
      [`"name" COLLATE "C"`],
      [`"id"`],
      [
        `ROW("name" COLLATE "C", "id") > ROW($1::text COLLATE "C", $2::integer)`,
        ["({ name: x, id: n }).name", "({ name: x, id: n }).id"],
      ],
    ],
  ],
  [
    `db.users.orderBy((u) => u.age, "desc").orderBy((u) => u.id).after({ age: n, id: n })`,
    [
      [`"age" DESC`],
      [`"id"`],
      [
        `("age" < $1::integer OR ("age" IS NOT NULL AND $1::integer IS NULL) OR (("age" = $1::integer OR ("age" IS NULL AND $1::integer IS NULL)) AND "id" > $2::integer))`,
        ["({ age: n, id: n }).age", "({ age: n, id: n }).id"],
      ],
    ],
  ],
  [
    `db.users.orderBy((u) => u.createdAt.getTime()).orderBy((u) => u.id).after({ createdAt: since, id: n })`,
    [
      [`floor(extract(epoch FROM "created_at") * 1000)::int8`],
      [`"id"`],
      [
        `ROW(floor(extract(epoch FROM "created_at") * 1000)::int8, "id") > ROW(floor(extract(epoch FROM $1::timestamptz) * 1000)::int8, $2::integer)`,
        ["date.at(({ createdAt: since, id: n }).createdAt)", "({ createdAt: since, id: n }).id"],
      ],
    ],
  ],
  [`db.users.orderBy((u) => u.id).limit(3).after({ id: n })`, [[`"id"`], [`3`], ["refusal: keysetOrder"]]],
  [
    `db.users.orderBy((u) => u.id).after({ id: n }).orderBy((u) => u.name)`,
    [[`"id"`], ["refusal: keysetOrder"], [`"name" COLLATE "C"`]],
  ],
  [`db.users.orderBy((u) => u.id).after({ id: ids.pop()! })`, [[`"id"`], ["refusal: keysetCursor"]]],
  [
    `db.users.orderBy((u) => u.tags).orderBy((u) => u.id).after({ tags: list, id: n })`,
    [[`"tags"`], [`"id"`], ["refusal: keysetKey"]],
  ],
  [`db.users.orderBy((u) => u.email).after({ email: x })`, [[`"email" COLLATE "C"`], ["refusal: keysetNotUnique"]]],
  [`db.users.orderBy((u) => u.id, direction)`, [["refusal: literalOption"]]],
  [`db.users.select((u) => ({ ...u }))`, [["refusal: selectShape"]]],
  [`db.users.where(({ age }) => age !== null)`, [["refusal: closureForm"]]],
];

test("every step of a chain lowers through the method table", () => {
  const got = lowerChains(CHAINS.map(([chain]) => chain));
  CHAINS.forEach(([chain, steps], i) =>
    assert.deepEqual(
      got[i],
      steps.map(([sql, b]) => expected(["", sql, b])),
      chain,
    ),
  );
});

const POSTS = `SELECT "id", "user_id", "title", "published", "score" FROM "posts"`;

/** Preload chains: one statement per relation, `$1` the parent keys; a filter's values from `$2`. */
const PRELOADS: [chain: string, statements: string[] | string, bindings?: string[]][] = [
  [`db.users.preload("posts")`, [`posts: ${POSTS} WHERE "user_id" = ANY($1)`]],
  [
    `db.users.preload("posts.comments").preload("posts", (p) => p.title !== x)`,
    [
      `posts: ${POSTS} WHERE "user_id" = ANY($1) AND "title" <> $2`,
      `comments: SELECT "id", "post_id", "body" FROM "comments" WHERE "post_id" = ANY($1)`,
    ],
    ["x"],
  ],
  [
    `db.posts.preload("author")`,
    [
      `author: SELECT "id", "email", "name", "nickname", "role", "age", "karma", "score", "active", "tags", "meta", "created_at" FROM "users" WHERE "id" = ANY($1)`,
    ],
  ],
  [
    `db.posts.preload("tags", { orderBy: (t) => t.id, direction: "desc", limit: n })`,
    [
      `tags: SELECT "closql_rows".* FROM unnest($1::integer[]) AS "closql_keys"("key") CROSS JOIN LATERAL (SELECT "post_tags"."post_id", "tags"."id", "tags"."label" FROM "post_tags" JOIN "tags" ON "tags"."id" = "post_tags"."tag_id" WHERE "post_tags"."post_id" = "closql_keys"."key" ORDER BY "tags"."id" DESC LIMIT $2) AS "closql_rows"`,
    ],
    ["count(n)"],
  ],
  [`db.users.preload("postz")`, "relationPath"],
  [`db.users.preload("posts", (p) => p.published).preload("posts", (p) => !p.published)`, "preloadShape"],
  [`db.posts.preload("author", { limit: 1 })`, "preloadShape"],
  [`db.notes.preload("links")`, "relationDeclaration"],
];

test("preloads print one batched statement per relation", () => {
  for (const [chain, statements, bindings = []] of PRELOADS)
    assert.deepEqual(
      preloadStatements(chain),
      typeof statements === "string" ? { refusal: statements } : { statements, bindings },
      chain,
    );
});
