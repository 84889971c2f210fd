// The HTTP service of examples/service on a real server: each endpoint's status codes and JSON
// bodies, bad input included, and the SQL each request runs (onQuery).
//
// The example is outside this project's rootDir, so its compiled JavaScript (examples/service/dist,
// built before the tests by `npm run build`) is loaded with require and typed here by its shape.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { connect, QueryEvent, Schema } from "closql";
import { databaseUrl } from "./support/database";

const embedded = process.env.CLOSQL_EMBEDDED === "1";

type ServiceDb = { close(): Promise<void> };
interface ServiceModule {
  createService(
    db: ServiceDb,
    options?: { onError?: (error: unknown) => void },
  ): http.Server & { settled(): Promise<void> };
  ensureTables(db: ServiceDb): Promise<"created" | "existing">;
}
const service: ServiceModule = require("../../examples/service/dist/service");
const { schema }: { schema: Schema } = require("../../examples/service/dist/schema");

const USER_COLUMNS = `"id", "email", "name", "role", "created_at"`;
const POST_COLUMNS = `"id", "user_id", "title", "body", "published", "created_at"`;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe("HTTP service (examples/service)", () => {
  const namespace = `svc_${randomBytes(5).toString("hex")}`;
  let pool: pg.Pool;
  let db: ServiceDb;
  let server: http.Server & { settled(): Promise<void> };
  let base: string;
  const events: QueryEvent[] = [];
  const errors: unknown[] = [];

  before(async () => {
    pool = new pg.Pool({
      connectionString: databaseUrl(),
      max: embedded ? 1 : 4,
      options: `-c search_path=${namespace}`,
    });
    if (embedded) await pool.query("DEALLOCATE ALL");
    await pool.query(`CREATE SCHEMA ${namespace}`);
    await pool.query(`SET search_path TO ${namespace}`);
    db = connect({ schema, pool, onQuery: (e) => events.push(e) }) as unknown as ServiceDb;
    assert.equal(await service.ensureTables(db), "created");
    assert.equal(await service.ensureTables(db), "existing");
    server = service.createService(db, { onError: (e) => errors.push(e) });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await db?.close();
    await pool.query(`DROP SCHEMA ${namespace} CASCADE`);
    await pool.end();
  });
  beforeEach(async () => {
    await pool.query("TRUNCATE users, posts RESTART IDENTITY CASCADE");
    events.length = 0;
  });

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(base + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  }
  /** The SQL texts of the statements run since the last call, oldest first. */
  function statements(): string[] {
    const texts = events.map((e) => e.sql);
    events.length = 0;
    return texts;
  }
  async function addUser(email: string, name: string, role = "user") {
    const { rows } = await pool.query(`INSERT INTO users (email, name, role) VALUES ($1, $2, $3) RETURNING id`, [
      email,
      name,
      role,
    ]);
    return rows[0].id as number;
  }

  test("POST /users: 201 with the stored row, as the table holds it", async () => {
    const created = await call("POST", "/users", { email: "ada@example.com", name: "Ada", role: "admin" });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get("location"), `/users/${created.body.id}`);
    assert.match(created.body.createdAt, ISO);
    const { rows } = await pool.query(`SELECT id, email, name, role, created_at FROM users`);
    assert.deepEqual(rows.length, 1);
    assert.deepEqual(created.body, {
      id: rows[0].id,
      email: "ada@example.com",
      name: "Ada",
      role: "admin",
      createdAt: rows[0].created_at.toISOString(),
    });
    assert.deepEqual(statements(), [
      `INSERT INTO "users" ("email", "name", "role") VALUES ($1, $2, $3) RETURNING ${USER_COLUMNS}`,
    ]);
    // The role's default applies when it is left out.
    const plain = await call("POST", "/users", { email: "bob@example.com", name: "Bob" });
    assert.equal(plain.status, 201);
    assert.equal(plain.body.role, "user");
  });

  test("POST /users: 409 on a duplicate email (UniqueViolation), nothing stored", async () => {
    await addUser("ada@example.com", "Ada");
    const again = await call("POST", "/users", { email: "ada@example.com", name: "Other Ada" });
    assert.equal(again.status, 409);
    assert.deepEqual(again.body, { error: "conflict", message: "a user with this email already exists" });
    assert.equal((await pool.query(`SELECT count(*)::int AS n FROM users`)).rows[0].n, 1);
  });

  test("POST /users: 400 lists every bad field (users.parse), server-set keys included", async () => {
    const bad = await call("POST", "/users", {
      email: 42,
      role: "boss",
      id: 7,
      createdAt: "2020-01-01T00:00:00Z",
      x: 1,
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, {
      error: "invalid",
      message: "the body does not fit",
      issues: [
        { path: "email", code: "type", message: "expected a string, got number" },
        { path: "name", code: "required", message: "required" },
        { path: "role", code: "enum", message: 'expected one of "user", "admin"' },
        { path: "x", code: "unknown_key", message: "not a column of users" },
        { path: "id", code: "unknown_key", message: "set by the server" },
        { path: "createdAt", code: "unknown_key", message: "set by the server" },
      ],
    });
    // A body that is valid except for a key the server sets is refused too, not silently trimmed.
    const withId = await call("POST", "/users", { id: 5, email: "eve@example.com", name: "Eve" });
    assert.equal(withId.status, 400);
    assert.deepEqual(withId.body.issues, [{ path: "id", code: "unknown_key", message: "set by the server" }]);
    const notObject = await call("POST", "/users", [1, 2]);
    assert.equal(notObject.status, 400);
    assert.deepEqual(notObject.body.issues, [{ path: "", code: "type", message: "expected an object, got array" }]);
    const notJson = await call("POST", "/users", "{ email: ");
    assert.equal(notJson.status, 400);
    assert.deepEqual(notJson.body, { error: "invalid_json", message: "the body is not JSON" });
    assert.deepEqual(statements(), [], "nothing reaches the database");
    assert.equal((await pool.query(`SELECT count(*)::int AS n FROM users`)).rows[0].n, 0);
  });

  test("GET /users/:id: the user with its posts in id order (one statement), 404 when missing", async () => {
    const ada = await addUser("ada@example.com", "Ada");
    const bob = await addUser("bob@example.com", "Bob");
    await pool.query(
      `INSERT INTO posts (user_id, title, published) VALUES ($1, 'second', true), ($2, 'other', false), ($1, 'third', false)`,
      [ada, bob],
    );
    await pool.query(`UPDATE posts SET id = 10 WHERE title = 'second'`); // id order is not insertion order
    const found = await call("GET", `/users/${ada}`);
    assert.equal(found.status, 200);
    const user = (await pool.query(`SELECT * FROM users WHERE id = $1`, [ada])).rows[0];
    const posts = (await pool.query(`SELECT * FROM posts WHERE user_id = $1 ORDER BY id`, [ada])).rows;
    assert.deepEqual(found.body, {
      id: ada,
      email: "ada@example.com",
      name: "Ada",
      role: "user",
      createdAt: user.created_at.toISOString(),
      posts: posts.map((p) => ({
        id: p.id,
        userId: ada,
        title: p.title,
        body: "",
        published: p.published,
        createdAt: p.created_at.toISOString(),
      })),
    });
    assert.deepEqual(
      found.body.posts.map((p: { title: string }) => p.title),
      ["third", "second"],
    );
    // One user by id: its posts come in the same statement (preload strategy "json").
    const postValues = POST_COLUMNS.split(", ")
      .map((c) => `"posts".${c}${c === '"created_at"' ? "::text" : ""}`)
      .join(", ");
    assert.deepEqual(statements(), [
      `SELECT ${USER_COLUMNS}, array_to_json(ARRAY(SELECT json_build_array(${postValues}) FROM "posts" WHERE "posts"."user_id" = "users"."id" ORDER BY "id")) AS "posts" FROM "users" WHERE "id" = $1::int8 LIMIT 1`,
    ]);

    const noPosts = await call("GET", `/users/${bob + 100}`);
    assert.equal(noPosts.status, 404);
    assert.deepEqual(noPosts.body, { error: "not_found", message: `no user ${bob + 100}` });
    assert.equal(statements().length, 1, "a missing user costs the same one statement");
    const empty = await call("GET", `/users/${bob}`);
    assert.equal(empty.status, 200);
    assert.equal(empty.body.posts.length, 1);
  });

  test("GET /users/:id: 400 on an id that is not a positive int4", async () => {
    for (const id of ["abc", "0", "-1", "1.5", "01", "2147483648", "1e3", "%20"]) {
      const bad = await call("GET", `/users/${id}`);
      assert.equal(bad.status, 400, id);
      assert.deepEqual(bad.body.issues, [{ path: "id", code: "type", message: "expected a positive integer" }], id);
    }
    assert.equal((await call("GET", `/users/2147483647`)).status, 404);
  });

  test("GET /users?role=&limit=: users in id order, filtered and limited", async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await addUser(`u${i}@example.com`, `U${i}`, i % 2 ? "admin" : "user"));
    const all = await call("GET", "/users");
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.body.map((u: { id: number }) => u.id),
      ids,
    );
    const admins = await call("GET", "/users?role=admin&limit=1");
    assert.equal(admins.status, 200);
    assert.deepEqual(
      admins.body.map((u: { email: string }) => u.email),
      ["u1@example.com"],
    );
    const users = await call("GET", "/users?limit=2&role=user");
    assert.deepEqual(
      users.body.map((u: { id: number }) => u.id),
      [ids[0], ids[2]],
    );
    assert.deepEqual(statements(), [
      `SELECT ${USER_COLUMNS} FROM "users" ORDER BY "id" LIMIT $1`,
      `SELECT ${USER_COLUMNS} FROM "users" WHERE "role" = $1 ORDER BY "id" LIMIT $2`,
      `SELECT ${USER_COLUMNS} FROM "users" WHERE "role" = $1 ORDER BY "id" LIMIT $2`,
    ]);
  });

  test("GET /users: 400 on bad query parameters, every problem listed", async () => {
    const bad = await call("GET", "/users?role=root&limit=0&page=2");
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, {
      error: "invalid",
      message: "bad query parameters",
      issues: [
        { path: "page", code: "unknown_key", message: "not a parameter" },
        { path: "role", code: "enum", message: "expected one of user, admin" },
        { path: "limit", code: "type", message: "expected a positive integer" },
      ],
    });
    for (const limit of ["-1", "1.5", "ten", "", "007"])
      assert.equal((await call("GET", `/users?limit=${limit}`)).status, 400, limit);
    assert.deepEqual((await call("GET", "/users?limit=101")).body.issues, [
      { path: "limit", code: "range", message: "at most 100" },
    ]);
    assert.deepEqual((await call("GET", "/users?role=user&role=admin")).body.issues, [
      { path: "role", code: "type", message: "given more than once" },
    ]);
    assert.equal((await call("GET", "/users?limit=100")).status, 200);
    assert.equal(statements().length, 1, "only the valid request ran a statement");
  });

  test("POST /users/:id/posts: 201 with the post, 404 for a missing user, 400 on a bad body", async () => {
    const ada = await addUser("ada@example.com", "Ada");
    const created = await call("POST", `/users/${ada}/posts`, { title: "Hello", published: true });
    assert.equal(created.status, 201);
    const stored = (await pool.query(`SELECT * FROM posts`)).rows;
    assert.deepEqual(created.body, {
      id: stored[0].id,
      userId: ada,
      title: "Hello",
      body: "",
      published: true,
      createdAt: stored[0].created_at.toISOString(),
    });
    assert.equal(created.headers.get("location"), `/users/${ada}/posts/${stored[0].id}`);
    assert.deepEqual(statements(), [
      `INSERT INTO "posts" ("user_id", "title", "published") VALUES ($1, $2, $3) RETURNING ${POST_COLUMNS}`,
    ]);

    const missing = await call("POST", `/users/${ada + 1}/posts`, { title: "Nobody's" });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { error: "not_found", message: `no user ${ada + 1}` });

    const bad = await call("POST", `/users/${ada}/posts`, { userId: ada + 1, published: "yes" });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.issues, [
      { path: "title", code: "required", message: "required" },
      { path: "published", code: "type", message: "expected a boolean, got string" },
      { path: "userId", code: "unknown_key", message: "set by the server" },
    ]);
    assert.equal((await pool.query(`SELECT count(*)::int AS n FROM posts`)).rows[0].n, 1);
  });

  test(
    "settled() waits for a handler whose client hung up; server.close() alone does not",
    { skip: embedded && "embedded PGlite is one session: the lock that holds the handler would hold the test too" },
    async () => {
      const ada = await addUser("ada@example.com", "Ada");
      const locker = await pool.connect();
      const other = service.createService(db, { onError: (e) => errors.push(e) });
      try {
        await locker.query("BEGIN");
        await locker.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
        await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
        const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}/users/${ada}`;
        const aborting = new AbortController();
        const request = fetch(url, { signal: aborting.signal }).catch((e: unknown) => e);
        // The handler is waiting for the lock once its SELECT is in pg_stat_activity as waiting.
        for (let i = 0; ; i++) {
          const { rows } = await pool.query(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM \"users\"%'",
          );
          if (rows.length > 0) break;
          assert.ok(i < 500, "the handler's statement never waited for the lock");
          await new Promise((r) => setTimeout(r, 10));
        }
        aborting.abort();
        assert.ok((await request) instanceof Error);
        await new Promise<void>((resolve) => other.close(() => resolve())); // no connection is left
        let settled = false;
        const settling = other.settled().then(() => (settled = true));
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(settled, false, "settled() resolved while the handler still waited on the database");
        await locker.query("COMMIT");
        await settling;
        assert.deepEqual(errors, []);
      } finally {
        await locker.query("ROLLBACK").catch(() => {});
        locker.release();
        other.close();
      }
    },
  );

  test("unknown routes are 404, other methods 405 with Allow; no request became a 500", async () => {
    const nowhere = await call("GET", "/nowhere");
    assert.equal(nowhere.status, 404);
    assert.deepEqual(nowhere.body, { error: "not_found", message: "no route for /nowhere" });
    const put = await call("PUT", "/users/1");
    assert.equal(put.status, 405);
    assert.equal(put.headers.get("allow"), "GET");
    assert.equal((await call("DELETE", "/users")).headers.get("allow"), "POST, GET");
    assert.deepEqual(errors, []);
  });
});
