// closql relations benchmark (`npm run bench:relations`), for issue 9:
//
// 1. Preload strategies for users → posts → comments (1,000 users × 10 posts × 5 comments), hand-written
//    SQL on prepared raw pg, for all 1,000 users, 10 users and one user by id:
//    - "batched": one statement per level, children by `= ANY($1)` of the parent keys (3 statements;
//      the client groups children under their parents) — the floor, and what closql's design says;
//    - "json_agg": one statement, nested `LEFT JOIN LATERAL (SELECT json_agg(…))` per level (what
//      drizzle's relational queries build), the JSON parsed into the same nested objects.
//    Each is measured on time, client CPU and bytes on the wire (the socket's read + written bytes).
// 2. The peers on the same data, results cross-checked equal before timing: drizzle's relational
//    queries (`db.query.users.findMany({ with: … })`, prepared), kysely with `jsonArrayFrom`, against
//    the floor, for the three preloads, a three-table join by id (Northwind orders × customers ×
//    employees) and a group-by aggregate over orders × order_details.
//
// closql's own cells come in through `closqlCells` below once preload, join and groupBy land.
// Method as in bench/src/writes.ts: one pg connection per contender, warm-up, interleaved rounds in
// an order rotated every round. Knobs: BENCH_QUICK=1 (under a minute), BENCH_ROUNDS, BENCH_SECONDS,
// BENCH_ONLY (a comma-separated list of workload keys).
import pg from "pg";
import assert from "assert/strict";
import fs from "fs";
import os from "os";
import path from "path";
import v8 from "v8";
import vm from "vm";
import { Socket } from "net";
import { drizzle } from "drizzle-orm/node-postgres";
import { asc, eq, gt, sql } from "drizzle-orm";
import { Kysely, PostgresDialect, sql as ksql } from "kysely";
import { jsonArrayFrom } from "kysely/helpers/postgres";
import { connect, count, sum } from "closql";
import {
  customers,
  employees,
  orders,
  orderDetails,
  nwSchema,
  relSchema,
  REL_SCHEMA,
  NW_SCHEMA,
  REL_SETUP,
  USERS,
  POSTS_PER_USER,
  COMMENTS_PER_POST,
  drizzleRelSchema,
  dOrders,
  dCustomers,
  dEmployees,
  dOrderDetails,
  KyselyRelDB,
  KyselyNwDB,
} from "./relations-schema";
import {
  backendCpu,
  gitRevision,
  mdTable,
  median,
  packageVersion,
  positiveInt,
  positiveNumber,
  printTable,
  round2,
  round3,
} from "./measure";

const DATABASE_URL = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const QUICK = process.env.BENCH_QUICK === "1";
const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, QUICK ? 3 : 7);
const SECONDS_PER_WORKLOAD = positiveNumber(process.env.BENCH_SECONDS, QUICK ? 2.5 : 15);
const SLICES = QUICK ? 2 : 10;
const NORTHWIND = process.env.NORTHWIND_SQL ?? path.resolve(__dirname, "../../test/fixtures/northwind.sql");
const RESULTS_DIR = path.resolve(__dirname, "..", "results");

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

// ---------------------------------------------------------------------------------------------
// The result shapes every contender delivers (cross-checked before timing).

interface Comment {
  id: number;
  postId: number;
  author: string;
  body: string;
  createdAt: Date;
}
interface Post {
  id: number;
  userId: number;
  title: string;
  body: string;
  published: boolean;
  createdAt: Date;
  comments: Comment[];
}
interface User {
  id: number;
  email: string;
  name: string;
  createdAt: Date;
  posts: Post[];
}
interface OrderLine {
  id: string;
  freight: number;
  shipCity: string;
  companyName: string;
  country: string;
  firstName: string | null;
  lastName: string;
}
interface CustomerTotals {
  customerId: string;
  lines: number;
  units: number;
  revenue: number;
}

// ---------------------------------------------------------------------------------------------
// Workloads: which rows iteration i reads.

type PreloadCase = "all" | "ten" | "five" | "one";
type WorkloadKey = `preload-${PreloadCase}` | "join" | "aggregate";

const tenIds = (i: number) => Array.from({ length: 10 }, (_, k) => ((i * 10 + k) % USERS) + 1);
const oneId = (i: number) => (i % USERS) + 1;
const fiveAfter = (i: number) => (i * 5) % (USERS - 5);
const employeeId = (i: number) => String((i % 9) + 1);
let orderIds: string[] = [];
const orderId = (i: number) => orderIds[(i * 7) % orderIds.length];

const USER_COLUMNS = `"id", "email", "name", "created_at"`;
// As closql prints `ids.includes(u.id)` and `u.id === id` (a JavaScript number binds as int8, so 1.5 matches nothing).
const ROOT_WHERE: Record<PreloadCase, string> = {
  all: "",
  ten: ` WHERE "id" = ANY($1::int8[])`,
  five: ` WHERE "id" > $1::int8`,
  one: ` WHERE "id" = $1::int8`,
};
const ROOT_LIMIT: Record<PreloadCase, string> = { all: "", ten: "", five: " LIMIT 5", one: "" };
const rootValues = (c: PreloadCase, i: number): unknown[] =>
  c === "all" ? [] : c === "ten" ? [tenIds(i)] : c === "five" ? [fiveAfter(i)] : [oneId(i)];
/** The strategy closql's rule picks for each case's call (print/preload-strategy.ts): few rows → json. */
const CLOSQL_STRATEGY: Record<PreloadCase, "batched" | "json"> = {
  all: "batched",
  ten: "batched",
  five: "json",
  one: "json",
};

/** Strategy 1 (the floor): one statement per level, the children of every parent at once. */
const BATCHED = {
  users: (c: PreloadCase) => `SELECT ${USER_COLUMNS} FROM "users"${ROOT_WHERE[c]} ORDER BY "id"${ROOT_LIMIT[c]}`,
  posts: `SELECT "id", "user_id", "title", "body", "published", "created_at" FROM "posts" WHERE "user_id" = ANY($1) ORDER BY "id"`,
  comments: `SELECT "id", "post_id", "author", "body", "created_at" FROM "comments" WHERE "post_id" = ANY($1) ORDER BY "id"`,
};

/**
 * Strategy 2 (closql's "json"): one statement, each level a correlated subquery building a JSON array
 * of arrays (no key names on the wire); timestamps as their text output, parsed as pg parses them.
 */
const JSON_POSTS =
  `array_to_json(ARRAY(SELECT json_build_array("posts"."id", "posts"."user_id", "posts"."title", "posts"."body", "posts"."published", "posts"."created_at"::text, ` +
  `array_to_json(ARRAY(SELECT json_build_array("comments"."id", "comments"."post_id", "comments"."author", "comments"."body", "comments"."created_at"::text) ` +
  `FROM "comments" WHERE "comments"."post_id" = "posts"."id" ORDER BY "id"))) FROM "posts" WHERE "posts"."user_id" = "users"."id" ORDER BY "id")) AS "posts"`;
const JSON_PRELOAD = (c: PreloadCase) =>
  `SELECT ${USER_COLUMNS}, ${JSON_POSTS} FROM "users"${ROOT_WHERE[c]} ORDER BY "id"${ROOT_LIMIT[c]}`;
const parseTimestamptz = pg.types.getTypeParser(1184) as (text: string) => Date;

// The floor runs the statements closql prints for the same calls (closqlCells below).
const JOIN_SQL =
  `SELECT "orders"."id", "orders"."freight", "orders"."ship_city" AS "shipCity", "customers"."company_name" AS "companyName", "customers"."country", "employees"."first_name" AS "firstName", "employees"."last_name" AS "lastName" ` +
  `FROM "orders" JOIN "customers" ON "orders"."customer_id" = "customers"."id" JOIN "employees" ON "orders"."employee_id" = "employees"."id" WHERE "orders"."id" = $1`;

const AGGREGATE_SQL =
  `SELECT "orders"."customer_id" AS "customerId", count(*) AS "lines", sum("order_details"."quantity") AS "units", ` +
  `sum(("order_details"."unit_price" * "order_details"."quantity"::float8) * (1 - "order_details"."discount")) AS "revenue" ` +
  `FROM "orders" JOIN "order_details" ON "orders"."id" = "order_details"."order_id" WHERE "orders"."employee_id" = $1 ` +
  `GROUP BY "orders"."customer_id" ORDER BY "orders"."customer_id" COLLATE "C"`;

// ---------------------------------------------------------------------------------------------
// Contenders.

/** One pg connection, never closed for idleness, so prepared statements live for the whole run. */
function newPool(schema: string): pg.Pool {
  return new pg.Pool({
    connectionString: DATABASE_URL,
    max: 1,
    idleTimeoutMillis: 0,
    options: `-c search_path=${schema}`,
  });
}

type Run = (i: number) => Promise<unknown>;

interface Contender {
  readonly key: string;
  readonly label: string;
  readonly run: Run;
  readonly pool: pg.Pool;
  /** closql only: the statements one call runs (checked against the floor's before timing). */
  readonly statementsOf?: (i: number) => Promise<string[]>;
  /** Filled in once connected: the socket (bytes on the wire) and the backend's pid (its CPU). */
  socket?: Socket;
  backendPid?: number;
}

interface Workload {
  readonly key: WorkloadKey;
  readonly title: string;
  /** The floor's statements, printed in the results. */
  readonly sql: readonly string[];
  /** The statements closql must run for the workload (the floor's); default: sql. */
  readonly floorSql?: readonly string[];
  readonly contenders: Contender[];
}

const query = async (pool: pg.Pool, name: string, text: string, values: unknown[]) =>
  (await pool.query({ name, text, values, rowMode: "array" })).rows as unknown[][];

/** Strategy 1: users, then their posts, then those posts' comments; grouped by key in the client. */
async function preloadBatched(pool: pg.Pool, c: PreloadCase, i: number): Promise<User[]> {
  const users: User[] = (await query(pool, `rel_users_${c}`, BATCHED.users(c), rootValues(c, i))).map((r) => ({
    id: r[0] as number,
    email: r[1] as string,
    name: r[2] as string,
    createdAt: r[3] as Date,
    posts: [],
  }));
  if (users.length === 0) return users;
  const byUser = new Map(users.map((u) => [u.id, u]));
  const posts = (await query(pool, "rel_posts", BATCHED.posts, [users.map((u) => u.id)])).map((r): Post => ({
    id: r[0] as number,
    userId: r[1] as number,
    title: r[2] as string,
    body: r[3] as string,
    published: r[4] as boolean,
    createdAt: r[5] as Date,
    comments: [],
  }));
  for (const p of posts) byUser.get(p.userId)!.posts.push(p);
  if (posts.length === 0) return users;
  const byPost = new Map(posts.map((p) => [p.id, p]));
  for (const r of await query(pool, "rel_comments", BATCHED.comments, [posts.map((p) => p.id)]))
    byPost.get(r[1] as number)!.comments.push({
      id: r[0] as number,
      postId: r[1] as number,
      author: r[2] as string,
      body: r[3] as string,
      createdAt: r[4] as Date,
    });
  return users;
}

/** Strategy 2: one statement; pg parses the json column, the arrays become the same objects. */
async function preloadJson(pool: pg.Pool, c: PreloadCase, i: number): Promise<User[]> {
  const rows = await query(pool, `rel_json_${c}`, JSON_PRELOAD(c), rootValues(c, i));
  return rows.map((r) => ({
    id: r[0] as number,
    email: r[1] as string,
    name: r[2] as string,
    createdAt: r[3] as Date,
    posts: (r[4] as unknown[][]).map((p) => ({
      id: p[0] as number,
      userId: p[1] as number,
      title: p[2] as string,
      body: p[3] as string,
      published: p[4] as boolean,
      createdAt: parseTimestamptz(p[5] as string),
      comments: (p[6] as unknown[][]).map((k) => ({
        id: k[0] as number,
        postId: k[1] as number,
        author: k[2] as string,
        body: k[3] as string,
        createdAt: parseTimestamptz(k[4] as string),
      })),
    })),
  }));
}

function drizzlePreload(pool: pg.Pool, c: PreloadCase): Run {
  const db = drizzle({ client: pool, schema: drizzleRelSchema });
  const posts = {
    orderBy: [asc(drizzleRelSchema.posts.id)],
    with: { comments: { orderBy: [asc(drizzleRelSchema.comments.id)] } },
  };
  const users = drizzleRelSchema.users;
  const prepared =
    c === "all"
      ? db.query.users.findMany({ orderBy: [asc(users.id)], with: { posts } }).prepare("drizzle_rel_all")
      : c === "ten"
        ? db.query.users
            .findMany({
              where: sql`${users.id} = ANY(${sql.placeholder("ids")})`,
              orderBy: [asc(users.id)],
              with: { posts },
            })
            .prepare("drizzle_rel_ten")
        : c === "five"
          ? db.query.users
              .findMany({
                where: gt(users.id, sql.placeholder("after")),
                orderBy: [asc(users.id)],
                limit: 5,
                with: { posts },
              })
              .prepare("drizzle_rel_five")
          : db.query.users
              .findMany({ where: eq(users.id, sql.placeholder("id")), orderBy: [asc(users.id)], with: { posts } })
              .prepare("drizzle_rel_one");
  return (i) =>
    prepared.execute(
      c === "all" ? {} : c === "ten" ? { ids: tenIds(i) } : c === "five" ? { after: fiveAfter(i) } : { id: oneId(i) },
    );
}

function kyselyPreload(pool: pg.Pool, c: PreloadCase): { run: Run; close: () => Promise<void> } {
  const k = new Kysely<KyselyRelDB>({ dialect: new PostgresDialect({ pool }) });
  const build = (i: number) => {
    let q = k
      .selectFrom("users")
      .select(["users.id", "users.email", "users.name", "users.created_at"])
      .select((eb) =>
        jsonArrayFrom(
          eb
            .selectFrom("posts")
            .select(["posts.id", "posts.user_id", "posts.title", "posts.body", "posts.published", "posts.created_at"])
            .select((eb2) =>
              jsonArrayFrom(
                eb2
                  .selectFrom("comments")
                  .select([
                    "comments.id",
                    "comments.post_id",
                    "comments.author",
                    "comments.body",
                    "comments.created_at",
                  ])
                  .whereRef("comments.post_id", "=", "posts.id")
                  .orderBy("comments.id"),
              ).as("comments"),
            )
            .whereRef("posts.user_id", "=", "users.id")
            .orderBy("posts.id"),
        ).as("posts"),
      )
      .orderBy("users.id");
    if (c === "ten") q = q.where("users.id", "in", tenIds(i));
    if (c === "one") q = q.where("users.id", "=", oneId(i));
    if (c === "five") q = q.where("users.id", ">", fiveAfter(i)).limit(5);
    return q;
  };
  // jsonArrayFrom's rows are plain JSON (snake_case keys, timestamps as text): map them as a user would.
  const run: Run = async (i) =>
    (await build(i).execute()).map((u): User => ({
      id: u.id,
      email: u.email,
      name: u.name,
      createdAt: u.created_at,
      posts: u.posts.map((p) => ({
        id: p.id,
        userId: p.user_id,
        title: p.title,
        body: p.body,
        published: p.published,
        createdAt: new Date(p.created_at),
        comments: p.comments.map((k) => ({
          id: k.id,
          postId: k.post_id,
          author: k.author,
          body: k.body,
          createdAt: new Date(k.created_at),
        })),
      })),
    }));
  return { run, close: () => k.destroy() };
}

async function joinFloor(pool: pg.Pool, i: number): Promise<OrderLine[]> {
  return (await query(pool, "nw_join", JOIN_SQL, [orderId(i)])).map((r) => ({
    id: r[0] as string,
    freight: r[1] as number,
    shipCity: r[2] as string,
    companyName: r[3] as string,
    country: r[4] as string,
    firstName: r[5] as string | null,
    lastName: r[6] as string,
  }));
}

async function aggregateFloor(pool: pg.Pool, i: number): Promise<CustomerTotals[]> {
  // count and sum of integers are int8, which pg gives as text: numbers here (they are small).
  return (await query(pool, "nw_aggregate", AGGREGATE_SQL, [employeeId(i)])).map((r) => ({
    customerId: r[0] as string,
    lines: Number(r[1]),
    units: Number(r[2]),
    revenue: r[3] as number,
  }));
}

function drizzleNorthwind(pool: pg.Pool) {
  const db = drizzle({ client: pool });
  const join = db
    .select({
      id: dOrders.id,
      freight: dOrders.freight,
      shipCity: dOrders.shipCity,
      companyName: dCustomers.companyName,
      country: dCustomers.country,
      firstName: dEmployees.firstName,
      lastName: dEmployees.lastName,
    })
    .from(dOrders)
    .innerJoin(dCustomers, eq(dCustomers.id, dOrders.customerId))
    .innerJoin(dEmployees, eq(dEmployees.id, dOrders.employeeId))
    .where(eq(dOrders.id, sql.placeholder("id")))
    .prepare("drizzle_nw_join");
  const aggregate = db
    .select({
      customerId: dOrders.customerId,
      lines: sql<number>`count(*)`.mapWith(Number),
      units: sql<number>`sum(${dOrderDetails.quantity})`.mapWith(Number),
      revenue: sql<number>`sum(${dOrderDetails.unitPrice} * ${dOrderDetails.quantity} * (1 - ${dOrderDetails.discount}))`,
    })
    .from(dOrders)
    .innerJoin(dOrderDetails, eq(dOrderDetails.orderId, dOrders.id))
    .where(eq(dOrders.employeeId, sql.placeholder("employee")))
    .groupBy(dOrders.customerId)
    .orderBy(asc(dOrders.customerId))
    .prepare("drizzle_nw_aggregate");
  return {
    join: (i: number) => join.execute({ id: orderId(i) }),
    aggregate: (i: number) => aggregate.execute({ employee: employeeId(i) }),
  };
}

function kyselyNorthwind(pool: pg.Pool) {
  const k = new Kysely<KyselyNwDB>({ dialect: new PostgresDialect({ pool }) });
  return {
    join: async (i: number): Promise<OrderLine[]> =>
      (
        await k
          .selectFrom("orders as o")
          .innerJoin("customers as c", "c.id", "o.customer_id")
          .innerJoin("employees as e", "e.id", "o.employee_id")
          .select(["o.id", "o.freight", "o.ship_city", "c.company_name", "c.country", "e.first_name", "e.last_name"])
          .where("o.id", "=", orderId(i))
          .execute()
      ).map((r) => ({
        id: r.id,
        freight: r.freight,
        shipCity: r.ship_city,
        companyName: r.company_name,
        country: r.country,
        firstName: r.first_name,
        lastName: r.last_name,
      })),
    aggregate: async (i: number): Promise<CustomerTotals[]> =>
      (
        await k
          .selectFrom("orders as o")
          .innerJoin("order_details as d", "d.order_id", "o.id")
          .select((eb) => [
            "o.customer_id",
            eb.fn.countAll().as("lines"),
            eb.fn.sum("d.quantity").as("units"),
            ksql<number>`sum(${eb.ref("d.unit_price")} * ${eb.ref("d.quantity")} * (1 - ${eb.ref("d.discount")}))`.as(
              "revenue",
            ),
          ])
          .where("o.employee_id", "=", employeeId(i))
          .groupBy("o.customer_id")
          .orderBy("o.customer_id")
          .execute()
      ).map((r) => ({
        customerId: r.customer_id,
        lines: Number(r.lines),
        units: Number(r.units),
        revenue: Number(r.revenue),
      })),
    close: () => k.destroy(),
  };
}

/**
 * closql's cells — the extension point. Once preload, join and groupBy are on main, return here one
 * function per workload, written as a user would (compiled by tspc like the rest of bench/src), e.g.
 *
 *   const db = connect({ schema: relSchema, pool: pools.rel() });
 *   return {
 *     "preload-one": (i) => db.users.where((u) => u.id === oneId(i)).preload("posts.comments").all(),
 *     …
 *   };
 *
 * Each result must equal the floor's (checked before timing). For a fair floor, set the floor's SQL
 * texts above (BATCHED, JOIN_SQL, AGGREGATE_SQL) to the statements closql prints for the same calls.
 */
function closqlCells(
  pools: { rel: () => pg.Pool; northwind: () => pg.Pool },
  onQuery?: (e: { sql: string }) => void,
): Partial<Record<WorkloadKey, Run>> {
  const nw = connect({ schema: nwSchema, pool: pools.northwind(), onQuery });
  const rel = connect({ schema: relSchema, pool: pools.rel(), onQuery });
  return {
    "preload-all": () =>
      rel.users
        .orderBy((u) => u.id)
        .preload("posts", { orderBy: (p) => p.id })
        .preload("posts.comments", { orderBy: (c) => c.id })
        .all(),
    "preload-ten": (i) => {
      const ids = tenIds(i);
      return rel.users
        .where((u) => ids.includes(u.id))
        .orderBy((u) => u.id)
        .preload("posts", { orderBy: (p) => p.id })
        .preload("posts.comments", { orderBy: (c) => c.id })
        .all();
    },
    "preload-five": (i) => {
      const after = fiveAfter(i);
      return rel.users
        .where((u) => u.id > after)
        .orderBy((u) => u.id)
        .limit(5)
        .preload("posts", { orderBy: (p) => p.id })
        .preload("posts.comments", { orderBy: (c) => c.id })
        .all();
    },
    "preload-one": (i) => {
      const id = oneId(i);
      return rel.users
        .where((u) => u.id === id)
        .orderBy((u) => u.id)
        .preload("posts", { orderBy: (p) => p.id })
        .preload("posts.comments", { orderBy: (c) => c.id })
        .all();
    },
    join: (i) =>
      nw.orders
        .join(customers, (o, c) => o.customerId === c.id)
        .join(employees, (o, c, e) => o.employeeId === e.id)
        .where((o) => o.id === orderId(i))
        .select((o, c, e) => ({
          id: o.id,
          freight: o.freight,
          shipCity: o.shipCity,
          companyName: c.companyName,
          country: c.country,
          firstName: e.firstName,
          lastName: e.lastName,
        }))
        .all(),
    aggregate: (i) =>
      nw.orders
        .join(orderDetails, (o, d) => o.id === d.orderId)
        .where((o) => o.employeeId === employeeId(i))
        .groupBy((o) => o.customerId)
        .orderBy((o) => o.customerId)
        .select((o, d) => ({
          customerId: o.customerId,
          lines: count(),
          units: sum(d.quantity),
          revenue: sum(d.unitPrice * d.quantity * (1 - d.discount)),
        }))
        .all(),
  };
}

function workloads(closeAll: (() => Promise<void>)[]): Workload[] {
  const rel = () => {
    const pool = newPool(REL_SCHEMA);
    closeAll.push(() => pool.end());
    return pool;
  };
  const northwind = () => {
    const pool = newPool(NW_SCHEMA);
    closeAll.push(() => pool.end());
    return pool;
  };
  // closql runs on its own pools (one connection each), the ones its contender measures.
  const closqlPools = { rel: rel(), northwind: northwind() };
  const closql = closqlCells({ rel: () => closqlPools.rel, northwind: () => closqlPools.northwind });
  // The same cells on other pools with onQuery (not timed): the statements closql runs, which the
  // cross-check compares with the floor's.
  const seen: string[] = [];
  const observed = closqlCells({ rel, northwind }, (e) => seen.push(e.sql));
  const closqlContender = (key: WorkloadKey, pool: () => pg.Pool): Contender[] => {
    const run = closql[key];
    const own = pool === rel ? closqlPools.rel : closqlPools.northwind;
    const statementsOf = async (i: number) => {
      seen.length = 0;
      await observed[key]!(i);
      return [...seen];
    };
    return run ? [{ key: "closql", label: "closql", run, pool: own, statementsOf }] : [];
  };
  const list: Workload[] = [];
  const caseTitle: Record<PreloadCase, string> = {
    all: `preload users → posts → comments, all ${USERS.toLocaleString("en-US")} users`,
    ten: "preload users → posts → comments, 10 users by id list",
    five: "preload users → posts → comments, 5 users by a literal limit",
    one: "preload users → posts → comments, one user by id",
  };
  for (const c of ["all", "ten", "five", "one"] as const) {
    const batchedPool = rel();
    const jsonPool = rel();
    const drizzlePool = rel();
    const kyselyPool = rel();
    const kysely = kyselyPreload(kyselyPool, c);
    closeAll.push(kysely.close);
    const key: WorkloadKey = `preload-${c}`;
    const batched: Contender = {
      key: "batched",
      label: "raw pg, batched `= ANY($1)`, 3 statements",
      run: (i) => preloadBatched(batchedPool, c, i),
      pool: batchedPool,
    };
    const json: Contender = {
      key: "json",
      label: "raw pg, json (closql's statement), 1 statement",
      run: (i) => preloadJson(jsonPool, c, i),
      pool: jsonPool,
    };
    list.push({
      key,
      title: caseTitle[c],
      sql: [BATCHED.users(c), BATCHED.posts, BATCHED.comments, JSON_PRELOAD(c)],
      floorSql: CLOSQL_STRATEGY[c] === "json" ? [JSON_PRELOAD(c)] : [BATCHED.users(c), BATCHED.posts, BATCHED.comments],
      // The floor is raw pg running the strategy closql picks for the case; the other strategy next.
      contenders: [batched, json]
        .sort((a, b) => (a.key === CLOSQL_STRATEGY[c] ? -1 : b.key === CLOSQL_STRATEGY[c] ? 1 : 0))
        .map((x, j) => ({ ...x, label: j === 0 ? `${x.label} (floor)` : x.label }))
        .concat([
          ...closqlContender(key, rel),
          {
            key: "drizzle",
            label: "drizzle-orm query.users.findMany({ with }), prepared",
            run: drizzlePreload(drizzlePool, c),
            pool: drizzlePool,
          },
          { key: "kysely", label: "kysely jsonArrayFrom", run: kysely.run, pool: kyselyPool },
        ]),
    });
  }
  const floorJoin = northwind();
  const floorAggregate = northwind();
  const drizzlePool = northwind();
  const kyselyPool = northwind();
  const d = drizzleNorthwind(drizzlePool);
  const k = kyselyNorthwind(kyselyPool);
  closeAll.push(k.close);
  list.push({
    key: "join",
    title: "three-table join by id (Northwind orders × customers × employees)",
    sql: [JOIN_SQL],
    contenders: [
      { key: "floor", label: "raw pg, named prepared (floor)", run: (i) => joinFloor(floorJoin, i), pool: floorJoin },
      ...closqlContender("join", northwind),
      { key: "drizzle", label: "drizzle-orm select().innerJoin(), prepared", run: d.join, pool: drizzlePool },
      { key: "kysely", label: "kysely innerJoin", run: k.join, pool: kyselyPool },
    ],
  });
  list.push({
    key: "aggregate",
    title: "group-by aggregate (Northwind orders × order_details, one employee's customers)",
    sql: [AGGREGATE_SQL],
    contenders: [
      {
        key: "floor",
        label: "raw pg, named prepared (floor)",
        run: (i) => aggregateFloor(floorAggregate, i),
        pool: floorAggregate,
      },
      ...closqlContender("aggregate", northwind),
      { key: "drizzle", label: "drizzle-orm select().groupBy(), prepared", run: d.aggregate, pool: drizzlePool },
      { key: "kysely", label: "kysely groupBy", run: k.aggregate, pool: kyselyPool },
    ],
  });
  return list;
}

// ---------------------------------------------------------------------------------------------
// Setup.

async function setUp(admin: pg.Client): Promise<{ relSeconds: number; northwindSeconds: number }> {
  let started = performance.now();
  await admin.query(`DROP SCHEMA IF EXISTS ${REL_SCHEMA} CASCADE`);
  await admin.query(`CREATE SCHEMA ${REL_SCHEMA}`);
  await admin.query(`SET search_path = ${REL_SCHEMA}`);
  for (const statement of REL_SETUP) await admin.query(statement);
  const relSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  await admin.query(`DROP SCHEMA IF EXISTS ${NW_SCHEMA} CASCADE`);
  await admin.query(`CREATE SCHEMA ${NW_SCHEMA}`);
  await admin.query(`SET search_path = ${NW_SCHEMA}`);
  // The file's dates are written month/day/year in places.
  await admin.query(`SET DateStyle = 'ISO, MDY'`);
  await admin.query(fs.readFileSync(NORTHWIND, "utf8")); // one simple-protocol round trip: all statements
  for (const t of ["customers", "employees", "orders", "order_details"]) await admin.query(`VACUUM ANALYZE ${t}`);
  orderIds = (await admin.query(`SELECT id FROM orders ORDER BY id`)).rows.map((r) => r.id);
  const northwindSeconds = (performance.now() - started) / 1000;
  await admin.query(`RESET search_path`);
  return { relSeconds, northwindSeconds };
}

async function tearDown(admin: pg.Client): Promise<void> {
  await admin.query(`DROP SCHEMA IF EXISTS ${REL_SCHEMA} CASCADE`);
  await admin.query(`DROP SCHEMA IF EXISTS ${NW_SCHEMA} CASCADE`);
}

async function connectContender(c: Contender): Promise<void> {
  const client = await c.pool.connect();
  try {
    c.socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
    const pid = Number((await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid);
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      c.backendPid = cmdline.startsWith("postgres") && Number.isFinite(backendCpu(pid)) ? pid : undefined;
    } catch {
      c.backendPid = undefined;
    }
  } finally {
    client.release();
  }
}

/** JSON with Dates as ISO text and doubles to 9 significant digits (sums may add in another order). */
function canonical(value: unknown): string {
  return JSON.stringify(value, function (key, v) {
    const raw = (this as Record<string, unknown>)[key];
    if (raw instanceof Date) return `Date(${raw.toISOString()})`;
    if (typeof v === "number" && !Number.isInteger(v)) return Number(v.toPrecision(9));
    return v;
  });
}

async function crossCheck(w: Workload): Promise<string> {
  // The all-users preload reads the same rows whatever the iteration: one sample is enough.
  const samples = w.key === "preload-all" ? [0] : [0, 1, 37, 999];
  let summary = "";
  for (const i of samples) {
    const expected = canonical(await w.contenders[0].run(i));
    for (const c of w.contenders.slice(1)) {
      if (c.statementsOf) {
        const statements = await c.statementsOf(i);
        assert.deepEqual(statements, w.floorSql ?? w.sql, `${w.key}: closql's statements are not the floor's`);
      }
      const got = canonical(await c.run(i));
      if (got !== expected)
        throw new Error(
          `cross-check ${w.key}, iteration ${i}: ${c.label} differs from ${w.contenders[0].label}:\n${got.slice(0, 400)}\n${expected.slice(0, 400)}`,
        );
    }
    if (i === 0) summary = `${(JSON.parse(expected) as unknown[]).length} top-level rows at iteration 0`;
  }
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Measuring.

interface Sample {
  wall: number;
  client: number;
  server: number;
  bytes: number;
}

async function measure(c: Contender, first: number, n: number): Promise<Sample> {
  gc();
  const socket = c.socket!;
  const bytes0 = socket.bytesRead + socket.bytesWritten;
  const server0 = backendCpu(c.backendPid);
  const client0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = first; i < first + n; i++) await c.run(i);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const client = process.cpuUsage(client0);
  return {
    wall,
    client: (client.user + client.system) / 1e6,
    server: backendCpu(c.backendPid) - server0,
    bytes: socket.bytesRead + socket.bytesWritten - bytes0,
  };
}

interface ContenderResult {
  key: string;
  label: string;
  roundsOps: number[];
  medianMs: number;
  timeToFloor: number;
  clientCpuMicros: number;
  serverCpuMicros: number | null;
  cpuToFloor: number | null;
  kibPerOp: number;
  bytesToFloor: number;
}

async function runWorkload(w: Workload) {
  const started = performance.now();
  const checked = await crossCheck(w);
  // Warm-up: JIT, statement preparation, plan caches; the second pass estimates each one's speed.
  // Each pass runs a contender 10 times or for about 0.3 s (1.5 s in a full run), whichever comes first.
  let estimate = 0;
  for (let pass = 0; pass < 2; pass++) {
    estimate = 0;
    for (const c of w.contenders) {
      const t0 = performance.now();
      let n = 0;
      while (n < 10 && (n === 0 || performance.now() - t0 < (QUICK ? 300 : 1500))) await c.run(n++);
      estimate += (performance.now() - t0) / 1000 / n;
    }
  }
  const n = Math.max(SLICES, Math.round(SECONDS_PER_WORKLOAD / ROUNDS / estimate / SLICES) * SLICES);
  process.stdout.write(`${w.key}: ${checked}; ${ROUNDS} rounds × ${n} iterations per contender `);
  const slice = n / SLICES;
  const samples = new Map<string, Sample[]>(w.contenders.map((c) => [c.key, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = w.contenders.map((_, j) => w.contenders[(j + round) % w.contenders.length]);
    const sums = new Map<string, Sample>(w.contenders.map((c) => [c.key, { wall: 0, client: 0, server: 0, bytes: 0 }]));
    for (let s = 0; s < SLICES; s++) {
      const first = round * n + s * slice; // every contender reads the same rows in a slice
      for (const c of order) {
        const m = await measure(c, first, slice);
        const sum = sums.get(c.key)!;
        sum.wall += m.wall;
        sum.client += m.client;
        sum.server += m.server;
        sum.bytes += m.bytes;
      }
    }
    for (const c of w.contenders) samples.get(c.key)!.push(sums.get(c.key)!);
    process.stdout.write(".");
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(` ${seconds.toFixed(1)} s\n`);
  const floor = samples.get(w.contenders[0].key)!;
  const perOp = (xs: Sample[], f: (s: Sample) => number) => median(xs.map((s) => f(s) / n));
  const floorCpu = perOp(floor, (s) => s.client + s.server);
  const floorBytes = perOp(floor, (s) => s.bytes);
  const results = w.contenders.map((c): ContenderResult => {
    const xs = samples.get(c.key)!;
    const server = perOp(xs, (s) => s.server);
    const cpu = perOp(xs, (s) => s.client + s.server);
    const bytes = perOp(xs, (s) => s.bytes);
    return {
      key: c.key,
      label: c.label,
      roundsOps: xs.map((s) => Math.round(n / s.wall)),
      medianMs: round3(perOp(xs, (s) => s.wall) * 1000),
      timeToFloor: round3(median(xs.map((s, r) => s.wall / floor[r].wall))),
      clientCpuMicros: round2(perOp(xs, (s) => s.client) * 1e6),
      serverCpuMicros: Number.isNaN(server) ? null : round2(server * 1e6),
      cpuToFloor: Number.isNaN(cpu) ? null : round3(cpu / floorCpu),
      kibPerOp: round2(bytes / 1024),
      bytesToFloor: round3(bytes / floorBytes),
    };
  });
  return {
    key: w.key,
    title: w.title,
    sql: w.sql,
    iterationsPerRound: n,
    rounds: ROUNDS,
    seconds: round2(seconds),
    results,
  };
}
type WorkloadResult = Awaited<ReturnType<typeof runWorkload>>;

// ---------------------------------------------------------------------------------------------
// Reporting.

async function environment(admin: pg.Client) {
  return {
    date: new Date().toISOString(),
    mode: QUICK ? "quick (BENCH_QUICK=1)" : "full",
    closqlCommit: gitRevision(),
    node: process.version,
    pg: packageVersion("pg"),
    drizzleOrm: packageVersion("drizzle-orm"),
    kysely: packageVersion("kysely"),
    postgres: (await admin.query("SHOW server_version")).rows[0].server_version as string,
    database: DATABASE_URL.replace(/\/\/[^@]*@/, "//"),
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGiB: round2(os.totalmem() / 2 ** 30),
    loadAverageAtStart: os.loadavg().map(round2),
    loadAverageAtEnd: [] as number[],
  };
}
type Environment = Awaited<ReturnType<typeof environment>>;

const fmt = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

function table(w: WorkloadResult): string[][] {
  return [
    [
      "contender",
      "ms/op",
      "time × floor",
      "node CPU µs/op",
      "PG CPU µs/op",
      "CPU × floor",
      "KiB/op",
      "bytes × floor",
      "ops/s min–max",
    ],
    ...w.results.map((r) => [
      r.label,
      fmt(r.medianMs, r.medianMs < 10 ? 3 : 1),
      `${r.timeToFloor.toFixed(2)}×`,
      fmt(r.clientCpuMicros, 0),
      r.serverCpuMicros === null ? "n/a" : fmt(r.serverCpuMicros, 0),
      r.cpuToFloor === null ? "n/a" : `${r.cpuToFloor.toFixed(2)}×`,
      fmt(r.kibPerOp, r.kibPerOp < 10 ? 2 : 0),
      `${r.bytesToFloor.toFixed(2)}×`,
      `${fmt(Math.min(...r.roundsOps))}–${fmt(Math.max(...r.roundsOps))}`,
    ]),
  ];
}

/** Which preload strategy is cheaper in each case, by the figures. */
function strategyVerdict(results: WorkloadResult[]): string[] {
  return results
    .filter((w) => w.key.startsWith("preload-"))
    .map((w) => {
      const b = w.results.find((r) => r.key === "batched")!;
      const j = w.results.find((r) => r.key === "json")!;
      const ratio = j.medianMs / b.medianMs;
      const faster =
        Math.abs(ratio - 1) < 0.05
          ? "neither is clearly faster (within 5%)"
          : `**${ratio < 1 ? "json" : "batched"}** is faster`;
      const cpu = (r: ContenderResult) => r.clientCpuMicros + (r.serverCpuMicros ?? 0);
      return (
        `- **${w.title}** (closql: ${CLOSQL_STRATEGY[w.key.slice("preload-".length) as PreloadCase]}): json takes ${ratio.toFixed(2)}× batched's time ` +
        `(${fmt(j.medianMs, 3)} vs ${fmt(b.medianMs, 3)} ms), ${(j.clientCpuMicros / b.clientCpuMicros).toFixed(2)}× its node CPU, ` +
        (j.serverCpuMicros !== null && b.serverCpuMicros !== null
          ? `${(j.serverCpuMicros / b.serverCpuMicros).toFixed(2)}× its PostgreSQL CPU (${(cpu(j) / cpu(b)).toFixed(2)}× the sum), `
          : "") +
        `${(j.kibPerOp / b.kibPerOp).toFixed(2)}× its bytes (${fmt(j.kibPerOp, 1)} vs ${fmt(b.kibPerOp, 1)} KiB): ${faster} here.`
      );
    });
}

function peerVerdict(w: WorkloadResult): string {
  const others = w.results.slice(1);
  return (
    `${w.results[0].label}: ${fmt(w.results[0].medianMs, 3)} ms/op. ` +
    others
      .map(
        (r) =>
          `${r.label}: ${r.timeToFloor.toFixed(2)}× its time, ${r.cpuToFloor === null ? "n/a" : r.cpuToFloor.toFixed(2) + "×"} its CPU`,
      )
      .join("; ") +
    "."
  );
}

function markdown(
  env: Environment,
  setup: { relSeconds: number; northwindSeconds: number },
  results: WorkloadResult[],
): string {
  return [
    "# closql benchmark: relations (preload strategies, joins, aggregates)",
    "",
    `Data: ${fmt(USERS)} users × ${POSTS_PER_USER} posts × ${COMMENTS_PER_POST} comments in \`${REL_SCHEMA}\` (seeded in ${setup.relSeconds.toFixed(1)} s; a post ~130 bytes of text, a comment ~45), and Northwind (\`test/fixtures/northwind.sql\`, ~3,300 rows) in \`${NW_SCHEMA}\` (loaded in ${setup.northwindSeconds.toFixed(1)} s). Every contender's result is checked equal to the floor's (the same nested objects, Dates included) before timing.`,
    "",
    'closql picks a preload strategy per query at build time (`packages/transformer/src/print/preload-strategy.ts`): a read known to return at most 5 rows (first/one, a where on the primary key or a unique column, a literal limit ≤ 5) loads its relations in its own statement ("json": correlated `array_to_json(ARRAY(SELECT json_build_array(…)))` subqueries), any other read one statement per relation after it ("batched", `= ANY($1)`). Its cells are the calls in `closqlCells` (`bench/src/relations.ts`); each preload case\'s floor is raw pg running the statements of the strategy closql picks for it (checked against closql\'s `onQuery` before timing), the other strategy\'s raw statements next to it.',
    "",
    "## Preload strategies",
    "",
    ...strategyVerdict(results),
    "",
    "Why, by mechanism: batched costs one round trip per level (3 here, sequential: each level needs the keys of the one above), and pg parses every child row as its own DataRow, so the client does the most work; json costs one round trip, but the server builds the JSON (its CPU grows with the result: 2–5× batched's) and the client parses one JSON text per parent. On this 2-core machine the client and the server share the cores, so the server's extra work shows in the time as soon as the result is more than a few parents' worth: json wins clearly for one parent, breaks even around 5, and loses from about 10 parents on (less clearly at 10, where the figures swing with the load). Hence closql's bound of 5 rows, known at build time. On the wire they are close once the JSON holds arrays (no key names) — kysely's `jsonArrayFrom` builds objects, whose repeated keys cost about a third more bytes.",
    "",
    ...results.flatMap((w) => [
      `## ${w.title}`,
      "",
      ...mdTable(table(w)),
      "",
      peerVerdict(w),
      "",
      `${w.rounds} rounds × ${fmt(w.iterationsPerRound)} sequential iterations per contender, each round cut into ${SLICES} slices interleaved across contenders, order rotated every round. Timed part and warm-up: ${w.seconds} s.`,
      "",
      "<details><summary>The floor's SQL</summary>",
      "",
      "```sql",
      ...w.sql,
      "```",
      "",
      "</details>",
      "",
    ]),
    "## Method",
    "",
    "- One pg connection per contender (a pool of one, never closed for idleness), reached through `search_path`; named prepared statements for raw pg and drizzle (`.prepare()`); kysely has none.",
    '- "ms/op" is the median over rounds of the mean time per call; "time × floor" the median over rounds of the ratio to the floor\'s time in the same round. "node CPU" is this process\'s CPU time per call (building the statement, pg\'s parsing, mapping and grouping), "PG CPU" the contender\'s PostgreSQL backend\'s (`/proc/<pid>/schedstat`; n/a when the server is not local); "CPU × floor" is their sum relative to the floor\'s. "KiB/op" is what crossed the contender\'s socket per call, both directions (the protocol\'s bytes: statements, parameters, row descriptions and data).',
    "- Batched: `users`, then `posts WHERE user_id = ANY($1)` with the users' ids, then `comments WHERE post_id = ANY($1)` with the posts' ids; rows in `rowMode: \"array\"`, children grouped under their parents with a Map. json: closql's one statement, each level `array_to_json(ARRAY(SELECT json_build_array(…) FROM … WHERE <parent key> ORDER BY id))` (arrays, not objects: no key names on the wire); timestamps inside the JSON are their text output, parsed by pg's timestamptz parser.",
    "",
    "Environment:",
    "",
    ...Object.entries(env).map(([k, v]) => `- ${k}: ${Array.isArray(v) ? v.join(", ") : v}`),
    "",
    "Reproduce: `npm run bench:relations` (`BENCH_QUICK=1` for a run under a minute; `BENCH_ROUNDS`, `BENCH_SECONDS` per workload).",
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const env = await environment(admin);
  console.log(
    `closql relations bench on ${env.database}: PostgreSQL ${env.postgres}, Node ${env.node}, pg ${env.pg}, drizzle-orm ${env.drizzleOrm}, kysely ${env.kysely}; ${env.mode}`,
  );
  console.log(`${env.cpu}, ${env.cores} cores, load average ${env.loadAverageAtStart.join(" ")}`);
  const closeAll: (() => Promise<void>)[] = [];
  try {
    const setup = await setUp(admin);
    console.log(
      `seeded in ${setup.relSeconds.toFixed(1)} s, Northwind loaded in ${setup.northwindSeconds.toFixed(1)} s`,
    );
    // BENCH_ONLY=preload-ten,join: run only those workloads.
    const only = process.env.BENCH_ONLY?.split(",");
    const list = workloads(closeAll).filter((w) => !only || only.includes(w.key));
    for (const w of list) for (const c of w.contenders) await connectContender(c);
    const results: WorkloadResult[] = [];
    for (const w of list) {
      const r = await runWorkload(w);
      results.push(r);
      printTable(r.title, table(r));
      console.log(peerVerdict(r));
    }
    console.log("\nPreload strategies:");
    for (const line of strategyVerdict(results)) console.log(line);
    env.loadAverageAtEnd = os.loadavg().map(round2);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, "relations.md"), markdown(env, setup, results));
    fs.writeFileSync(
      path.join(RESULTS_DIR, "relations.json"),
      JSON.stringify({ environment: env, setup, results }, null, 2) + "\n",
    );
    console.log(
      `\nload average at end ${env.loadAverageAtEnd.join(" ")}; results in bench/results/relations.{md,json}`,
    );
  } finally {
    for (const close of closeAll) await close().catch(() => {});
    await tearDown(admin);
    await admin.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
