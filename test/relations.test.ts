import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ClosqlError, Query, RelationsOf, relations, serial, table, integer, text, primaryKey } from "closql";
import { openTestDatabase, TestDatabase } from "./support/database";
import { compileWithClosql } from "./support/compile";
import {
  comments,
  Comment,
  dataset,
  Dataset,
  Post,
  posts,
  postTags,
  Profile,
  profiles,
  schema,
  Tag,
  tags,
  User,
  users,
} from "./support/relations-schema";

/** True when A and B are assignable to each other (an intersection and its flattened form count as one). */
type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typeIs =
  <T>(_: T) =>
  <U>(check: Equals<T, U>) =>
    check;

/** `test/relations.test.ts:N` for the line of this file that contains `marker`. */
function sourceLine(marker: string): string {
  const lines = fs.readFileSync(path.resolve(__dirname, "../relations.test.ts"), "utf8").split("\n");
  return `test/relations.test.ts:${lines.findIndex((l) => l.includes(marker)) + 1}`;
}

const USERS = `SELECT "id", "name", "manager_id" FROM "users"`;
const POSTS = `SELECT "id", "user_id", "title", "subtitle", "published", "score", "created_at" FROM "posts"`;
const COMMENTS = `SELECT "id", "post_id", "body", "stars" FROM "comments"`;
const TAGS = `SELECT "post_tags"."post_id", "tags"."id", "tags"."label" FROM "post_tags" JOIN "tags" ON "tags"."id" = "post_tags"."tag_id"`;

async function seed(t: TestDatabase<typeof schema>, d: Dataset): Promise<void> {
  await t.seed(users, d.users);
  await t.seed(posts, d.posts);
  await t.seed(comments, d.comments);
  await t.seed(tags, d.tags);
  await t.seed(postTags, d.postTags);
  await t.seed(profiles, d.profiles);
}

/** The rows of `d` as objects holding their relations, to run closures on in JavaScript. */
function linked(d: Dataset) {
  type LinkedPost = Post & { comments: Comment[]; tags: Tag[]; author: LinkedUser };
  type LinkedUser = User & { posts: LinkedPost[]; reports: LinkedUser[] };
  const us = new Map<number, LinkedUser>(d.users.map((u) => [u.id, { ...u, posts: [], reports: [] }]));
  const tagById = new Map(d.tags.map((g) => [g.id, g]));
  const ps = d.posts.map((p): LinkedPost => {
    const post: LinkedPost = {
      ...p,
      comments: d.comments.filter((c) => c.postId === p.id),
      tags: d.postTags.filter((j) => j.postId === p.id).map((j) => tagById.get(j.tagId)!),
      author: us.get(p.userId)!,
    };
    us.get(p.userId)!.posts.push(post);
    return post;
  });
  for (const u of us.values()) if (u.managerId !== null) us.get(u.managerId)!.reports.push(u);
  return { users: [...us.values()], posts: ps };
}

describe("relations: preload and some/every on a real server", () => {
  const d = dataset(40);
  const js = linked(d);
  let t: TestDatabase<typeof schema>;
  before(async () => {
    t = await openTestDatabase(schema);
    await seed(t, d);
  });
  after(() => t.close());

  /** The statements run by `run`. */
  const statementsOf = async <R>(run: () => Promise<R>) => {
    const from = t.events.length;
    const result = await run();
    return { result, events: t.events.slice(from) };
  };

  test("preload of a hasMany: one statement with the parent keys as one array, rows grouped per parent", async () => {
    const { result, events } = await statementsOf(() =>
      t.db.users
        .where((u) => u.id <= 10)
        .orderBy((u) => u.id)
        .preload("posts")
        .all(),
    );
    typeIs(result)<(User & { posts: Post[] })[]>(true);
    assert.deepEqual(
      events.map((e) => e.sql),
      [`${USERS} WHERE "id" <= 10 ORDER BY "id"`, `${POSTS} WHERE "user_id" = ANY($1)`],
    );
    assert.deepEqual(events[1].params, [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]);
    assert.equal(events[1].source, sourceLine(`.preload("posts")`));
    // Hand-written SQL: each user's post ids.
    const expected = await t.db.sql<{ id: number; posts: number[] }>`
      SELECT u.id, COALESCE(array_agg(p.id ORDER BY p.id) FILTER (WHERE p.id IS NOT NULL), '{}') AS posts
      FROM users u LEFT JOIN posts p ON p.user_id = u.id WHERE u.id <= 10 GROUP BY u.id ORDER BY u.id`;
    assert.deepEqual(
      result.map((u) => ({ id: u.id, posts: u.posts.map((p) => p.id).sort((a, b) => a - b) })),
      expected.map((e) => ({ id: e.id, posts: e.posts })),
    );
    // Whole rows, decoded as a read of the table decodes them.
    const first = result.find((u) => u.posts.length > 0)!;
    assert.deepEqual(
      first.posts[0],
      d.posts.find((p) => p.id === first.posts[0].id),
    );
  });

  test("preload of a belongsTo and of a self relation: the one row or null; keys sent once", async () => {
    const { result, events } = await statementsOf(() =>
      t.db.posts
        .where((p) => p.id <= 12)
        .orderBy((p) => p.id)
        .preload("author")
        .all(),
    );
    typeIs(result)<(Post & { author: User | null })[]>(true);
    assert.equal(events[1].sql, `${USERS} WHERE "id" = ANY($1)`);
    const keys = events[1].params[0] as number[];
    assert.equal(new Set(keys).size, keys.length);
    for (const p of result)
      assert.deepEqual(
        p.author,
        d.users.find((u) => u.id === p.userId),
      );

    const staff = await t.db.users
      .orderBy((u) => u.id)
      .preload("manager")
      .preload("reports")
      .preload("profile")
      .all();
    typeIs(staff)<(User & { manager: User | null; reports: User[]; profile: Profile | null })[]>(true);
    for (const u of staff) {
      assert.deepEqual(u.manager, u.managerId === null ? null : d.users.find((m) => m.id === u.managerId));
      assert.deepEqual(
        u.reports.map((r) => r.id).sort((a, b) => a - b),
        d.users.filter((r) => r.managerId === u.id).map((r) => r.id),
      );
      assert.deepEqual(u.profile, d.profiles.find((p) => p.userId === u.id) ?? null);
    }
  });

  test("nested and many-to-many preloads: a fixed number of statements for 1, 10 and all parents", async () => {
    for (const n of [1, 10, 40]) {
      const { result, events } = await statementsOf(() =>
        t.db.users
          .where((u) => u.id <= n)
          .orderBy((u) => u.id)
          .preload("posts.comments")
          .preload("posts.tags")
          .all(),
      );
      typeIs(result)<(User & { posts: (Post & { comments: Comment[]; tags: Tag[] })[] })[]>(true);
      assert.deepEqual(
        events.map((e) => e.sql),
        [
          `${USERS} WHERE "id" <= $1::int8 ORDER BY "id"`,
          `${POSTS} WHERE "user_id" = ANY($1)`,
          `${COMMENTS} WHERE "post_id" = ANY($1)`,
          `${TAGS} WHERE "post_tags"."post_id" = ANY($1)`,
        ],
      );
      for (const u of result) {
        const expected = js.users.find((x) => x.id === u.id)!;
        assert.deepEqual(
          u.posts.map((p) => [p.id, p.comments.map((c) => c.id).sort(), p.tags.map((g) => g.id).sort()]).sort(),
          expected.posts.map((p) => [p.id, p.comments.map((c) => c.id).sort(), p.tags.map((g) => g.id).sort()]).sort(),
        );
      }
    }
  });

  test("filtered, ordered and per-parent limited preloads", async () => {
    const since = new Date(Date.UTC(2026, 0, 1));
    const { result, events } = await statementsOf(() =>
      t.db.users
        .orderBy((u) => u.id)
        .preload("posts", (p) => p.published && p.createdAt > since, { orderBy: (p) => p.id, direction: "desc" })
        .all(),
    );
    assert.equal(
      events[1].sql,
      `${POSTS} WHERE "user_id" = ANY($1) AND ("published" AND "created_at" >= $2) ORDER BY "id" DESC`,
    );
    for (const u of result)
      assert.deepEqual(
        u.posts.map((p) => p.id),
        d.posts
          .filter((p) => p.userId === u.id && p.published)
          .map((p) => p.id)
          .reverse(),
      );

    // The latest 2 posts of each user: a LATERAL subquery per key.
    const latest = await statementsOf(() =>
      t.db.users
        .orderBy((u) => u.id)
        .preload("posts", { orderBy: (p) => p.createdAt, direction: "desc", limit: 2 })
        .all(),
    );
    assert.equal(
      latest.events[1].sql,
      `SELECT "closql_rows".* FROM unnest($1::integer[]) AS "closql_keys"("key") CROSS JOIN LATERAL (${POSTS} WHERE "user_id" = "closql_keys"."key" ORDER BY "created_at" DESC LIMIT 2) AS "closql_rows"`,
    );
    const expected = await t.db.sql<{ id: number; posts: number[] }>`
      SELECT u.id, COALESCE((SELECT array_agg(id) FROM (SELECT id FROM posts WHERE user_id = u.id ORDER BY created_at DESC LIMIT 2) x), '{}') AS posts
      FROM users u ORDER BY u.id`;
    assert.deepEqual(
      latest.result.map((u) => ({ id: u.id, posts: u.posts.map((p) => p.id) })),
      expected.map((e) => ({ id: e.id, posts: e.posts })),
    );

    // A bound limit and a filter on a nested many-to-many.
    const perPost = 1;
    const tagged = await statementsOf(() =>
      t.db.posts
        .orderBy((p) => p.id)
        .preload("tags", (g) => g.label !== "", { orderBy: (g) => g.label, limit: perPost })
        .all(),
    );
    assert.equal(
      tagged.events[1].sql,
      `SELECT "closql_rows".* FROM unnest($1::integer[]) AS "closql_keys"("key") CROSS JOIN LATERAL (${TAGS} WHERE "post_tags"."post_id" = "closql_keys"."key" AND "tags"."label" <> '' ORDER BY "tags"."label" COLLATE "C" LIMIT $2) AS "closql_rows"`,
    );
    for (const p of tagged.result) {
      const labels = js.posts
        .find((x) => x.id === p.id)!
        .tags.map((g) => g.label)
        .filter((l) => l !== "")
        .sort();
      assert.deepEqual(
        p.tags.map((g) => g.label),
        labels.slice(0, 1),
      );
    }
  });

  test("first() and one() preload into their row in the read's own statement (strategy json)", async () => {
    const { result, events } = await statementsOf(() =>
      t.db.users
        .where((u) => u.id === 1)
        .preload("posts.comments")
        .one(),
    );
    typeIs(result)<User & { posts: (Post & { comments: Comment[] })[] }>(true);
    assert.deepEqual(
      events.map((e) => e.sql),
      [
        `SELECT "id", "name", "manager_id", array_to_json(ARRAY(SELECT json_build_array("posts"."id", "posts"."user_id", "posts"."title", "posts"."subtitle", "posts"."published", "posts"."score", "posts"."created_at"::text, ` +
          `array_to_json(ARRAY(SELECT json_build_array("comments"."id", "comments"."post_id", "comments"."body", "comments"."stars") FROM "comments" WHERE "comments"."post_id" = "posts"."id"))) ` +
          `FROM "posts" WHERE "posts"."user_id" = "users"."id")) AS "posts" FROM "users" WHERE "id" = 1 LIMIT 2`,
      ],
    );
    const expected = js.users.find((u) => u.id === 1)!;
    const byId = <T extends { id: number }>(xs: T[]) => [...xs].sort((a, b) => a.id - b.id);
    assert.deepEqual(
      byId(result.posts).map((p) => ({ ...p, comments: byId(p.comments) })),
      byId(expected.posts).map(({ tags: _t, author: _a, ...p }) => ({ ...p, comments: byId(p.comments) })),
    );
    const none = await statementsOf(() =>
      t.db.users
        .where((u) => u.id < 0)
        .preload("posts")
        .first(),
    );
    assert.equal(none.result, undefined);
    assert.equal(none.events.length, 1);
  });

  test("a chain built across ifs preloads the same statements, merged by relation", async () => {
    const withComments = true;
    let q: Query<typeof users, any, RelationsOf<typeof schema, "users">> = t.db.users
      .where((u) => u.id <= 5)
      .orderBy((u) => u.id);
    if (withComments) q = q.preload("posts.comments");
    q = q.preload("posts", (p) => p.published);
    const { result, events } = await statementsOf(() => q.all());
    assert.deepEqual(
      events.map((e) => e.sql),
      [
        `${USERS} WHERE "id" <= 5 ORDER BY "id"`,
        `${POSTS} WHERE "user_id" = ANY($1) AND "published"`,
        `${COMMENTS} WHERE "post_id" = ANY($1)`,
      ],
    );
    for (const u of result as (User & { posts: (Post & { comments: Comment[] })[] })[])
      for (const p of u.posts) {
        assert.equal(p.published, true);
        assert.deepEqual(
          p.comments.map((c) => c.id).sort(),
          d.comments
            .filter((c) => c.postId === p.id)
            .map((c) => c.id)
            .sort(),
        );
      }
    // Two filters for one relation conflict, when the second is added here (the build refuses them in a static chain).
    let twice: Query<typeof users, any, RelationsOf<typeof schema, "users">> = t.db.users;
    twice = twice.preload("posts", (p) => p.published);
    assert.throws(
      () => twice.preload("posts", (p) => p.score === null),
      (e: unknown) => e instanceof ClosqlError && /preloaded twice/.test(e.message),
    );
  });

  test("a chain built across ifs refuses at run time what the build refuses statically", async () => {
    let q: Query<typeof users, any, RelationsOf<typeof schema, "users">> = t.db.users.where((u) => u.id > 0);
    q = q.preload("posts");
    await assert.rejects(
      () => q.count(),
      (e: unknown) => e instanceof ClosqlError && /preload\(\) before \.count\(\)/.test(e.message),
    );
    assert.throws(
      () => q.stream(),
      (e: unknown) => e instanceof ClosqlError && /preload\(\) before \.stream\(\)/.test(e.message),
    );
    await assert.rejects(
      () => q.where((u) => u.id < 0).delete(),
      (e: unknown) => e instanceof ClosqlError && /a write of a query with preload\(\)/.test(e.message),
    );
  });

  test("preload runs inside a transaction on its connection", async () => {
    const names = await t.db
      .transaction(async (tx) => {
        await tx.users.where((u) => u.id === 1).update({ name: "renamed" });
        const p = await tx.posts
          .where((p) => p.userId === 1)
          .preload("author")
          .first();
        return p?.author?.name;
      }, {})
      .catch(() => "rolled back");
    if (d.posts.some((p) => p.userId === 1)) assert.equal(names, "renamed");
    await t.db.users.where((u) => u.id === 1).update({ name: d.users[0].name });
  });

  describe("some/every: SQL and rows equal JavaScript's over the related rows", () => {
    /** Runs a where over users and compares with the closure run in JavaScript over `js.users`. */
    const sameUsers = async (run: () => Promise<User[]>, sql: string) => {
      const rows = await run();
      const event = t.last();
      assert.equal(event.sql, sql);
      const expected = js.users.filter((u) => event.closures!.every((c) => c(u))).map((u) => u.id);
      assert.deepEqual(
        rows.map((r) => r.id),
        expected,
      );
      return rows;
    };

    test("some and every, with NULLs, empty strings and users without posts", async () => {
      const rows = await sameUsers(
        () =>
          t.db.users
            .where((u) => u.posts.some((p) => p.published))
            .orderBy((u) => u.id)
            .all(),
        `${USERS} WHERE EXISTS (SELECT 1 FROM "posts" AS "posts_1" WHERE ("posts_1"."user_id" = "users"."id" AND "posts_1"."published")) ORDER BY "id"`,
      );
      assert.ok(rows.length > 0 && rows.length < d.users.length);
      // every: true for users without posts; a NULL subtitle is falsy, as an empty one.
      await sameUsers(
        () =>
          t.db.users
            .where((u) => u.posts.every((p) => p.subtitle))
            .orderBy((u) => u.id)
            .all(),
        `${USERS} WHERE NOT EXISTS (SELECT 1 FROM "posts" AS "posts_1" WHERE ("posts_1"."user_id" = "users"."id" AND ("posts_1"."subtitle" = '' OR "posts_1"."subtitle" IS NULL))) ORDER BY "id"`,
      );
      await sameUsers(
        () =>
          t.db.users
            .where((u) => !u.posts.every((p) => p.score !== 0))
            .orderBy((u) => u.id)
            .all(),
        `${USERS} WHERE EXISTS (SELECT 1 FROM "posts" AS "posts_1" WHERE ("posts_1"."user_id" = "users"."id" AND "posts_1"."score" = 0)) ORDER BY "id"`,
      );
      await sameUsers(
        () =>
          t.db.users
            .where((u) => u.posts.every((p) => p.score === null || p.score > 0) && u.name !== "")
            .orderBy((u) => u.id)
            .all(),
        `${USERS} WHERE (NOT EXISTS (SELECT 1 FROM "posts" AS "posts_1" WHERE ("posts_1"."user_id" = "users"."id" AND "posts_1"."score" IS NOT NULL AND "posts_1"."score" <= 0)) AND "name" <> '') ORDER BY "id"`,
      );
    });

    test("nested, many-to-many, self relations and the outer row inside", async () => {
      const word = "nice";
      await sameUsers(
        () =>
          t.db.users
            .where((u) => u.posts.some((p) => p.comments.some((c) => c.body === word && c.stars !== null)))
            .orderBy((u) => u.id)
            .all(),
        `${USERS} WHERE EXISTS (SELECT 1 FROM "posts" AS "posts_1" WHERE ("posts_1"."user_id" = "users"."id" AND EXISTS (SELECT 1 FROM "comments" AS "comments_1" WHERE ("comments_1"."post_id" = "posts_1"."id" AND "comments_1"."body" = $1 AND "comments_1"."stars" IS NOT NULL)))) ORDER BY "id"`,
      );
      await sameUsers(
        () =>
          t.db.users
            .where((u) => u.posts.some((p) => p.tags.every((g) => g.label !== "")))
            .orderBy((u) => u.id)
            .all(),
        `${USERS} WHERE EXISTS (SELECT 1 FROM "posts" AS "posts_1" WHERE ("posts_1"."user_id" = "users"."id" AND NOT EXISTS (SELECT 1 FROM "post_tags" AS "post_tags_1" JOIN "tags" AS "tags_1" ON "tags_1"."id" = "post_tags_1"."tag_id" WHERE ("post_tags_1"."post_id" = "posts_1"."id" AND "tags_1"."label" = '')))) ORDER BY "id"`,
      );
      // Self relation: the inner users get an alias; the outer row is read inside, qualified.
      await sameUsers(
        () =>
          t.db.users
            .where((u) => u.reports.some((r) => r.name === u.name && r.posts.every((p) => p.published)))
            .orderBy((u) => u.id)
            .all(),
        `${USERS} WHERE EXISTS (SELECT 1 FROM "users" AS "users_1" WHERE ("users_1"."manager_id" = "users"."id" AND "users_1"."name" = "users"."name" AND NOT EXISTS (SELECT 1 FROM "posts" AS "posts_1" WHERE ("posts_1"."user_id" = "users_1"."id" AND NOT "posts_1"."published")))) ORDER BY "id"`,
      );
    });

    test("in a preload filter, in select, and on posts over tags", async () => {
      const users = await t.db.users
        .orderBy((u) => u.id)
        .preload("posts", (p) => p.comments.some((c) => c.stars === 5))
        .all();
      assert.equal(
        t.last().sql,
        `${POSTS} WHERE "user_id" = ANY($1) AND EXISTS (SELECT 1 FROM "comments" AS "comments_1" WHERE ("comments_1"."post_id" = "posts"."id" AND "comments_1"."stars" = 5))`,
      );
      for (const u of users)
        assert.deepEqual(
          u.posts.map((p) => p.id).sort((a, b) => a - b),
          js.users
            .find((x) => x.id === u.id)!
            .posts.filter((p) => p.comments.some((c) => c.stars === 5))
            .map((p) => p.id),
        );
      const flags = await t.db.users
        .orderBy((u) => u.id)
        .select((u) => ({ id: u.id, writes: u.posts.some((p) => p.title !== "") }))
        .all();
      assert.deepEqual(
        flags,
        js.users.map((u) => ({ id: u.id, writes: u.posts.some((p) => p.title !== "") })),
      );
      const tagged = await t.db.posts
        .where((p) => p.tags.some((g) => g.label === "sql"))
        .orderBy((p) => p.id)
        .all();
      assert.deepEqual(
        tagged.map((p) => p.id),
        js.posts.filter((p) => p.tags.some((g) => g.label === "sql")).map((p) => p.id),
      );
    });
  });
});

describe("preload: the same statements for 1, 10 and 1,000 parents", () => {
  const d = dataset(1000, 11);
  let t: TestDatabase<typeof schema>;
  before(async () => {
    t = await openTestDatabase(schema);
    await seed(t, d);
  });
  after(() => t.close());

  test("users → posts → comments, and posts → tags (many-to-many): 4 statements each time", async () => {
    for (const n of [1, 10, 1000]) {
      const from = t.events.length;
      const rows = await t.db.users
        .where((u) => u.id <= n)
        .preload("posts.comments") // per-level source
        .preload("posts.tags") // per-level source
        .all();
      const events = t.events.slice(from);
      assert.equal(rows.length, n);
      assert.equal(events.length, 4, events.map((e) => e.sql).join("\n"));
      const [nested, tagged] = [`.preload("posts.comments") // per-level`, `.preload("posts.tags") // per-level`];
      assert.deepEqual(
        events.slice(1).map((e) => e.source),
        [sourceLine(nested), sourceLine(nested), sourceLine(tagged)],
      );
      const posts = rows.flatMap((u) => u.posts);
      assert.equal(posts.length, d.posts.filter((p) => p.userId <= n).length);
      assert.equal(
        posts.flatMap((p) => p.comments).length,
        d.comments.filter((c) => posts.some((p) => p.id === c.postId)).length,
      );
      assert.equal(
        posts.flatMap((p) => p.tags).length,
        d.postTags.filter((j) => posts.some((p) => p.id === j.postId)).length,
      );
    }
  });
});

test("relations(): a relation must point at a single-column primary key and name real columns", () => {
  const a = table("a", { id: serial().primaryKey(), bId: integer() });
  const b = table("b", { x: integer(), y: integer() }, (t) => [primaryKey(t.x, t.y)]);
  const c = table("c", { code: text() });
  assert.throws(
    () => relations({ a, b }, (r) => ({ a: { b: r.belongsTo(b, (s) => s.bId) } })),
    /relation "b" of "a": table "b" has a composite primary key/,
  );
  assert.throws(
    () => relations({ a, c }, (r) => ({ c: { as: r.hasMany(a, (s) => s.bId) } })),
    /relation "as" of "c": table "c" has no primary key/,
  );
  assert.doesNotThrow(() => relations({ a, c }, (r) => ({ a: { cs: r.hasMany(a, (s) => s.bId) } })));
});

test("build failures: a misspelled relation, a relation of another table, some/every misuse", () => {
  const file = path.resolve(__dirname, "../fixtures/relations-refused.ts");
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const expected = lines.flatMap((text, i) => {
    const m = /\/\/ (TS\d+)$/.exec(text);
    return m ? [{ line: i + 1, code: m[1] }] : [];
  });
  const { diagnostics } = compileWithClosql([file]);
  const got = diagnostics.map((d) => ({ line: d.line, code: `TS${d.code}` }));
  for (const e of expected)
    assert.ok(
      got.some((g) => g.line === e.line && g.code === e.code),
      `line ${e.line}: expected ${e.code}, got ${JSON.stringify(diagnostics.filter((d) => d.line === e.line))}`,
    );
  assert.deepEqual(
    [...new Set(got.map((g) => g.line))].sort((x, y) => x - y),
    expected.map((e) => e.line),
    JSON.stringify(diagnostics, null, 1),
  );
});
