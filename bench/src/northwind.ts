// Northwind read groups (`npm run bench` runs this as one workload; alone: `node bench/dist/northwind.js`).
//
// Every group of single-table reads, joins, aggregates and preloads closql supports, run by closql and
// its peers on Northwind (test/fixtures/northwind.sql, ~3,300 rows, plus indexes on its foreign keys):
// raw pg with closql's exact SQL as named prepared statements (the floor) and unnamed, closql,
// postgres.js, drizzle-orm (.prepare() and built per call; relational queries for preloads), kysely,
// Prisma 7 through @prisma/adapter-pg, TypeORM. Results are cross-checked equal before timing.
//
// Sequential groups: one connection per contender, one query at a time. Concurrent groups: 200
// lookups at once over a pool of 10 connections per contender; the contenders run in batches that
// each include the floor (10 connections each: the server allows 100 in all), ratios paired with the
// floor of the same batch and round.
//
// Writes bench/results/northwind.{md,json}. Knobs: BENCH_QUICK=1, BENCH_ROUNDS, BENCH_SECONDS (per group),
// BENCH_GROUPS (comma-separated group keys), NORTHWIND_SQL.
process.env.TZ = "UTC"; // pg reads a `date` as local midnight: UTC makes it the same instant Prisma gives.

import fs from "fs";
import os from "os";
import path from "path";
import pg from "pg";
import postgres from "postgres";
import { connect, ilike, count, sum, Database, QueryEvent } from "closql";
import { drizzle } from "drizzle-orm/node-postgres";
import { and, asc, eq, ilike as dIlike, sql as dsql } from "drizzle-orm";
import { Kysely, PostgresDialect, sql as ksql } from "kysely";
import { jsonArrayFrom, jsonObjectFrom } from "kysely/helpers/postgres";
import { DataSource, ILike } from "typeorm";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import {
  NW_SCHEMA,
  nwSchema,
  employees,
  orderDetails,
  products,
  suppliers,
  dCustomers,
  dEmployees,
  dOrders,
  dOrderDetails,
  dProducts,
  dSuppliers,
  drizzleNwSchema,
  KyselyNorthwind,
  typeormEntities,
  tCustomers,
  tEmployees,
  tOrders,
  tProducts,
  tSuppliers,
} from "./northwind-schema";
import {
  QUICK,
  canonical,
  databaseUrl,
  backendsOf,
  environment,
  Environment,
  Contender,
  interleavedRounds,
  RoundsResult,
  ContenderStats,
  geoMean,
  fmt,
  printTable,
  mdTable,
  packageVersion,
  positiveInt,
  positiveNumber,
  round2,
  round3,
} from "./measure";
import { alias } from "drizzle-orm/pg-core";

const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, QUICK ? 3 : 7);
const SECONDS = positiveNumber(process.env.BENCH_SECONDS, QUICK ? 0.4 : 15);
const SLICES = QUICK ? 2 : 10;
const WARMUP = { iterations: QUICK ? 5 : 50, seconds: QUICK ? 0.02 : 0.4 };
const CONCURRENCY = 200;
const POOL = 10;
const NORTHWIND = process.env.NORTHWIND_SQL ?? path.resolve(__dirname, "../../test/fixtures/northwind.sql");
const RESULTS_DIR = path.resolve(__dirname, "..", "results");

type Db = Database<typeof nwSchema>;
/** One call of a group for iteration i, as one library writes it. */
type Call = (i: number) => Promise<unknown>;

// ---------------------------------------------------------------------------------------------
// Parameters: iteration i reads these rows (every contender the same), spread over the table.

const ids = {
  customers: [] as string[],
  employees: [] as string[],
  suppliers: [] as string[],
  products: [] as string[],
  orders: [] as string[],
};
const at = (xs: string[], i: number) => xs[(i * 7919) % xs.length];
const customerId = (i: number) => at(ids.customers, i);
const employeeId = (i: number) => at(ids.employees, i);
const supplierId = (i: number) => at(ids.suppliers, i);
const productId = (i: number) => at(ids.products, i);
const orderId = (i: number) => at(ids.orders, i);
/** Substrings of company and product names: 2–20 rows each. */
const CUSTOMER_TERMS = ["an", "ma", "co", "de", "la", "he", "er", "ri", "bo", "ta"];
const PRODUCT_TERMS = ["ch", "sa", "an", "ge", "er", "la", "co", "ra", "ma", "te"];
const customerPattern = (i: number) => `%${CUSTOMER_TERMS[i % CUSTOMER_TERMS.length]}%`;
const productPattern = (i: number) => `%${PRODUCT_TERMS[i % PRODUCT_TERMS.length]}%`;

// ---------------------------------------------------------------------------------------------
// The groups.

type GroupKey =
  | "customers-all"
  | "customer-by-id"
  | "customers-search"
  | "employees-all"
  | "employee-with-manager"
  | "suppliers-all"
  | "supplier-by-id"
  | "products-all"
  | "product-with-supplier"
  | "products-search"
  | "orders-with-totals"
  | "order-with-totals"
  | "order-lines"
  | "customer-with-orders"
  | "order-with-details"
  | "supplier-with-products";

interface Group {
  readonly key: GroupKey;
  readonly kind: "read" | "join" | "aggregate" | "preload";
  readonly title: string;
  /** The parameters closql binds for iteration i, per statement (preload children: the parents' keys). */
  readonly params: (i: number) => unknown[];
}

const GROUPS: readonly Group[] = [
  { key: "customers-all", kind: "read", title: "all customers (91 rows × 11 columns)", params: () => [] },
  { key: "customer-by-id", kind: "read", title: "customer by primary key", params: (i) => [customerId(i)] },
  {
    key: "customers-search",
    kind: "read",
    title: "customers: company name ILIKE %term%",
    params: (i) => [customerPattern(i)],
  },
  { key: "employees-all", kind: "read", title: "all employees (9 rows, long text)", params: () => [] },
  {
    key: "employee-with-manager",
    kind: "join",
    title: "employee by id, left self-join for the manager's name",
    params: (i) => [employeeId(i)],
  },
  { key: "suppliers-all", kind: "read", title: "all suppliers (29 rows)", params: () => [] },
  { key: "supplier-by-id", kind: "read", title: "supplier by primary key", params: (i) => [supplierId(i)] },
  { key: "products-all", kind: "read", title: "all products (77 rows)", params: () => [] },
  {
    key: "product-with-supplier",
    kind: "join",
    title: "product by id joined with its supplier (whole rows)",
    params: (i) => [productId(i)],
  },
  { key: "products-search", kind: "read", title: "products: name ILIKE %term%", params: (i) => [productPattern(i)] },
  {
    key: "orders-with-totals",
    kind: "aggregate",
    title: "all 830 orders with line count, quantity and total (join + group by)",
    params: () => [],
  },
  {
    key: "order-with-totals",
    kind: "aggregate",
    title: "one order with its totals (join + group by, by id)",
    params: (i) => [orderId(i)],
  },
  {
    key: "order-lines",
    kind: "join",
    title: "one order's lines: orders × order_details × products",
    params: (i) => [orderId(i)],
  },
  {
    key: "customer-with-orders",
    kind: "preload",
    title: "customer by id with its orders (preload)",
    params: (i) => [customerId(i)],
  },
  {
    key: "order-with-details",
    kind: "preload",
    title: "order by id with its lines and each line's product (nested preload)",
    params: (i) => [orderId(i)],
  },
  {
    key: "supplier-with-products",
    kind: "preload",
    title: "supplier by id with its products (preload)",
    params: (i) => [supplierId(i)],
  },
];

/** Concurrent groups: CONCURRENCY calls of a sequential group at once, on a pool of POOL connections. */
const CONCURRENT: readonly GroupKey[] = [
  "customer-by-id",
  "product-with-supplier",
  "order-with-totals",
  "customer-with-orders",
];

// ---------------------------------------------------------------------------------------------
// closql: compiled at build time into constant SQL (see bench/dist/northwind.js).

function closqlCalls(db: Db): Record<GroupKey, Call> {
  return {
    "customers-all": () => db.customers.orderBy((c) => c.id).all(),
    "customer-by-id": (i) => {
      const id = customerId(i);
      return db.customers.where((c) => c.id === id).first();
    },
    "customers-search": (i) => {
      const pattern = customerPattern(i);
      return db.customers
        .where((c) => ilike(c.companyName, pattern))
        .orderBy((c) => c.id)
        .all();
    },
    "employees-all": () => db.employees.orderBy((e) => e.id).all(),
    "employee-with-manager": (i) => {
      const id = employeeId(i);
      return db.employees
        .leftJoin(employees, (e, m) => e.recipientId === m.id)
        .where((e) => e.id === id)
        .select((e, m) => ({
          employee: e,
          managerFirstName: m?.firstName ?? null,
          managerLastName: m?.lastName ?? null,
        }))
        .first();
    },
    "suppliers-all": () => db.suppliers.orderBy((s) => s.id).all(),
    "supplier-by-id": (i) => {
      const id = supplierId(i);
      return db.suppliers.where((s) => s.id === id).first();
    },
    "products-all": () => db.products.orderBy((p) => p.id).all(),
    "product-with-supplier": (i) => {
      const id = productId(i);
      return db.products
        .join(suppliers, (p, s) => p.supplierId === s.id)
        .where((p) => p.id === id)
        .select((p, s) => ({ product: p, supplier: s }))
        .first();
    },
    "products-search": (i) => {
      const pattern = productPattern(i);
      return db.products
        .where((p) => ilike(p.name, pattern))
        .orderBy((p) => p.id)
        .all();
    },
    "orders-with-totals": () =>
      db.orders
        .join(orderDetails, (o, d) => o.id === d.orderId)
        .groupBy((o) => o.id)
        .orderBy((o) => o.id)
        .select((o, d) => ({
          id: o.id,
          shippedDate: o.shippedDate,
          shipName: o.shipName,
          shipCity: o.shipCity,
          shipCountry: o.shipCountry,
          products: count(),
          quantity: sum(d.quantity),
          totalPrice: sum(d.quantity * d.unitPrice),
        }))
        .all(),
    "order-with-totals": (i) => {
      const id = orderId(i);
      return db.orders
        .join(orderDetails, (o, d) => o.id === d.orderId)
        .where((o) => o.id === id)
        .groupBy((o) => o.id)
        .select((o, d) => ({
          id: o.id,
          shippedDate: o.shippedDate,
          shipName: o.shipName,
          shipCity: o.shipCity,
          shipCountry: o.shipCountry,
          products: count(),
          quantity: sum(d.quantity),
          totalPrice: sum(d.quantity * d.unitPrice),
        }))
        .first();
    },
    "order-lines": (i) => {
      const id = orderId(i);
      return db.orders
        .join(orderDetails, (o, d) => o.id === d.orderId)
        .join(products, (o, d, p) => d.productId === p.id)
        .where((o) => o.id === id)
        .orderBy((o, d) => d.productId)
        .select((o, d, p) => ({
          id: o.id,
          orderDate: o.orderDate,
          shipName: o.shipName,
          productId: d.productId,
          unitPrice: d.unitPrice,
          quantity: d.quantity,
          discount: d.discount,
          productName: p.name,
          qtPerUnit: p.qtPerUnit,
        }))
        .all();
    },
    "customer-with-orders": (i) => {
      const id = customerId(i);
      return db.customers
        .where((c) => c.id === id)
        .preload("orders", { orderBy: (o) => o.id })
        .first();
    },
    "order-with-details": (i) => {
      const id = orderId(i);
      return db.orders
        .where((o) => o.id === id)
        .preload("details", { orderBy: (d) => d.productId })
        .preload("details.product")
        .first();
    },
    "supplier-with-products": (i) => {
      const id = supplierId(i);
      return db.suppliers
        .where((s) => s.id === id)
        .preload("products", { orderBy: (p) => p.id })
        .first();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Raw pg with closql's statements (recorded from onQuery): named prepared (the floor) or unnamed.
// Rows as arrays (rowMode "array"): pg's leanest way, and the only one that keeps a join's repeated
// column names (closql reads them the same way, then maps them with a row mapper built at build time).

type Statements = Record<GroupKey, string[]>;

function pgCalls(pool: pg.Pool, named: boolean, sql: Statements): Record<GroupKey, Call> {
  let n = 0;
  const names = new Map<string, string>();
  const run = (text: string, values: unknown[]) => {
    if (!named) return pool.query({ text, values, rowMode: "array" });
    let name = names.get(text);
    if (name === undefined) names.set(text, (name = `bench_nw_${n++}`));
    return pool.query({ name, text, values, rowMode: "array" });
  };
  const rows = async (g: GroupKey, i: number) => (await run(sql[g][0], byKey.get(g)!.params(i))).rows as unknown[][];
  const one = (g: GroupKey) => async (i: number) => (await rows(g, i))[0];
  const all = (g: GroupKey) => (i: number) => rows(g, i);
  /**
   * A parent read by its key with its relations in the same statement (closql's preload strategy
   * "json", one statement): the JSON column's doubles arrive as their text output, parsed as pg parses
   * a float8 (this schema's other text-sent values are dates, strings either way).
   */
  const fromJson = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(fromJson)
      : typeof value === "string" && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/.test(value) && /[.e]/.test(value)
        ? parseFloat(value)
        : value;
  const inOneStatement = (g: GroupKey) => async (i: number) => {
    const [parent] = await rows(g, i);
    return parent === undefined ? undefined : parent.map(fromJson);
  };
  /** A parent by its key (column 0), then its children by `= ANY($1)` of that key, as closql's preload runs them. */
  const withChildren = (g: GroupKey) => async (i: number) => {
    if (sql[g].length === 1) return inOneStatement(g)(i);
    const [parent] = await rows(g, i);
    if (parent === undefined) return undefined;
    parent.push((await run(sql[g][1], [[parent[0]]])).rows);
    return parent;
  };
  return {
    "customers-all": all("customers-all"),
    "customer-by-id": one("customer-by-id"),
    "customers-search": all("customers-search"),
    "employees-all": all("employees-all"),
    "employee-with-manager": one("employee-with-manager"),
    "suppliers-all": all("suppliers-all"),
    "supplier-by-id": one("supplier-by-id"),
    "products-all": all("products-all"),
    "product-with-supplier": one("product-with-supplier"),
    "products-search": all("products-search"),
    "orders-with-totals": all("orders-with-totals"),
    "order-with-totals": one("order-with-totals"),
    "order-lines": all("order-lines"),
    "customer-with-orders": withChildren("customer-with-orders"),
    "order-with-details": async (i) => {
      const g = "order-with-details";
      if (sql[g].length === 1) return inOneStatement(g)(i);
      const [order] = await rows(g, i);
      if (order === undefined) return undefined;
      const details = await run(sql[g][1], [[order[0]]]);
      order.push(details.rows);
      if (details.rows.length === 0) return order;
      const productColumn = details.fields.findIndex((f) => f.name === "product_id");
      const productIds = [...new Set(details.rows.map((d) => d[productColumn]))];
      const byId = new Map((await run(sql[g][2], [productIds])).rows.map((p) => [p[0], p]));
      for (const d of details.rows) d.push(byId.get(d[productColumn]) ?? null);
      return order;
    },
    "supplier-with-products": withChildren("supplier-with-products"),
  };
}

// ---------------------------------------------------------------------------------------------
// postgres.js: tagged templates (prepared: its default for static queries).

function postgresCalls(sql: postgres.Sql): Record<GroupKey, Call> {
  const first = async (q: PromiseLike<readonly unknown[]>) => (await q)[0];
  const orderTotals = (id: string | null) => sql`
    select o.id, o.shipped_date, o.ship_name, o.ship_city, o.ship_country, count(*) as products,
      sum(d.quantity) as quantity, sum(d.quantity * d.unit_price) as total_price
    from orders o join order_details d on d.order_id = o.id
    ${id === null ? sql`` : sql`where o.id = ${id}`}
    group by o.id order by o.id`;
  return {
    "customers-all": () => sql`select * from customers order by id`,
    "customer-by-id": (i) => first(sql`select * from customers where id = ${customerId(i)}`),
    "customers-search": (i) => sql`select * from customers where company_name ilike ${customerPattern(i)} order by id`,
    "employees-all": () => sql`select * from employees order by id`,
    "employee-with-manager": (i) =>
      first(sql`select e.*, m.first_name as manager_first_name, m.last_name as manager_last_name
        from employees e left join employees m on m.id = e.recipient_id where e.id = ${employeeId(i)}`),
    "suppliers-all": () => sql`select * from suppliers order by id`,
    "supplier-by-id": (i) => first(sql`select * from suppliers where id = ${supplierId(i)}`),
    "products-all": () => sql`select * from products order by id`,
    "product-with-supplier": (i) =>
      first(sql`select p.*, s.id as s_id, s.company_name, s.contact_name, s.contact_title, s.address, s.city,
        s.region, s.postal_code, s.country, s.phone
        from products p join suppliers s on s.id = p.supplier_id where p.id = ${productId(i)}`),
    "products-search": (i) => sql`select * from products where name ilike ${productPattern(i)} order by id`,
    "orders-with-totals": () => orderTotals(null),
    "order-with-totals": (i) => first(orderTotals(orderId(i))),
    "order-lines": (i) => sql`
      select o.id, o.order_date, o.ship_name, d.product_id, d.unit_price, d.quantity, d.discount, p.name, p.qt_per_unit
      from orders o join order_details d on d.order_id = o.id join products p on p.id = d.product_id
      where o.id = ${orderId(i)} order by d.product_id`,
    "customer-with-orders": async (i) => {
      const [customer] = await sql`select * from customers where id = ${customerId(i)}`;
      if (customer) customer.orders = await sql`select * from orders where customer_id = ${customer.id} order by id`;
      return customer;
    },
    "order-with-details": async (i) => {
      const [order] = await sql`select * from orders where id = ${orderId(i)}`;
      if (!order) return order;
      order.details = await sql`select * from order_details where order_id = ${order.id} order by product_id`;
      const productIds: string[] = [...new Set<string>(order.details.map((d: any) => d.product_id))];
      const list = productIds.length ? await sql`select * from products where id = any(${productIds})` : [];
      const byId = new Map(list.map((p: any) => [p.id, p]));
      for (const d of order.details) d.product = byId.get(d.product_id);
      return order;
    },
    "supplier-with-products": async (i) => {
      const [supplier] = await sql`select * from suppliers where id = ${supplierId(i)}`;
      if (supplier)
        supplier.products = await sql`select * from products where supplier_id = ${supplier.id} order by id`;
      return supplier;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// drizzle-orm: the query builder (prepared once with placeholders, or built per call) and its
// relational queries (db.query) for preloads.

function drizzleCalls(pool: pg.Pool, prepared: boolean): Record<GroupKey, Call> {
  const db = drizzle({ client: pool, schema: drizzleNwSchema });
  const manager = alias(dEmployees, "manager");
  const ph = dsql.placeholder;
  const totals = () =>
    db
      .select({
        id: dOrders.id,
        shippedDate: dOrders.shippedDate,
        shipName: dOrders.shipName,
        shipCity: dOrders.shipCity,
        shipCountry: dOrders.shipCountry,
        products: dsql<number>`count(*)`.mapWith(Number),
        quantity: dsql<number>`sum(${dOrderDetails.quantity})`.mapWith(Number),
        totalPrice: dsql<number>`sum(${dOrderDetails.quantity} * ${dOrderDetails.unitPrice})`.mapWith(Number),
      })
      .from(dOrders)
      .innerJoin(dOrderDetails, eq(dOrderDetails.orderId, dOrders.id));
  // Each query written once, as a function of its parameter (a placeholder when prepared, the value when not).
  const q = {
    "customers-all": () => db.select().from(dCustomers).orderBy(asc(dCustomers.id)),
    "customer-by-id": (id: unknown) =>
      db
        .select()
        .from(dCustomers)
        .where(eq(dCustomers.id, id as string))
        .limit(1),
    "customers-search": (pattern: unknown) =>
      db
        .select()
        .from(dCustomers)
        .where(dIlike(dCustomers.companyName, pattern as string))
        .orderBy(asc(dCustomers.id)),
    "employees-all": () => db.select().from(dEmployees).orderBy(asc(dEmployees.id)),
    "employee-with-manager": (id: unknown) =>
      db
        .select({ employee: dEmployees, managerFirstName: manager.firstName, managerLastName: manager.lastName })
        .from(dEmployees)
        .leftJoin(manager, eq(manager.id, dEmployees.recipientId))
        .where(eq(dEmployees.id, id as string)),
    "suppliers-all": () => db.select().from(dSuppliers).orderBy(asc(dSuppliers.id)),
    "supplier-by-id": (id: unknown) =>
      db
        .select()
        .from(dSuppliers)
        .where(eq(dSuppliers.id, id as string))
        .limit(1),
    "products-all": () => db.select().from(dProducts).orderBy(asc(dProducts.id)),
    "product-with-supplier": (id: unknown) =>
      db
        .select()
        .from(dProducts)
        .innerJoin(dSuppliers, eq(dSuppliers.id, dProducts.supplierId))
        .where(eq(dProducts.id, id as string)),
    "products-search": (pattern: unknown) =>
      db
        .select()
        .from(dProducts)
        .where(dIlike(dProducts.name, pattern as string))
        .orderBy(asc(dProducts.id)),
    "orders-with-totals": () => totals().groupBy(dOrders.id).orderBy(asc(dOrders.id)),
    "order-with-totals": (id: unknown) =>
      totals()
        .where(eq(dOrders.id, id as string))
        .groupBy(dOrders.id),
    "order-lines": (id: unknown) =>
      db
        .select({
          id: dOrders.id,
          orderDate: dOrders.orderDate,
          shipName: dOrders.shipName,
          productId: dOrderDetails.productId,
          unitPrice: dOrderDetails.unitPrice,
          quantity: dOrderDetails.quantity,
          discount: dOrderDetails.discount,
          productName: dProducts.name,
          qtPerUnit: dProducts.qtPerUnit,
        })
        .from(dOrders)
        .innerJoin(dOrderDetails, eq(dOrderDetails.orderId, dOrders.id))
        .innerJoin(dProducts, eq(dProducts.id, dOrderDetails.productId))
        .where(eq(dOrders.id, id as string))
        .orderBy(asc(dOrderDetails.productId)),
    "customer-with-orders": (id: unknown) =>
      db.query.customers.findFirst({
        where: eq(dCustomers.id, id as string),
        with: { orders: { orderBy: [asc(dOrders.id)] } },
      }),
    "order-with-details": (id: unknown) =>
      db.query.orders.findFirst({
        where: eq(dOrders.id, id as string),
        with: { details: { orderBy: [asc(dOrderDetails.productId)], with: { product: true } } },
      }),
    "supplier-with-products": (id: unknown) =>
      db.query.suppliers.findFirst({
        where: eq(dSuppliers.id, id as string),
        with: { products: { orderBy: [asc(dProducts.id)] } },
      }),
  };
  const calls = {} as Record<GroupKey, Call>;
  for (const g of GROUPS) {
    const build = q[g.key] as (p?: unknown) => {
      execute: (p?: any) => Promise<unknown>;
      prepare: (name: string) => any;
    };
    const firstOnly =
      g.key.endsWith("-by-id") ||
      g.key === "employee-with-manager" ||
      g.key === "product-with-supplier" ||
      g.key === "order-with-totals";
    const takeFirst = async (p: Promise<unknown>) => (firstOnly ? ((await p) as unknown[])[0] : p);
    const param = g.params(0).length > 0;
    if (prepared) {
      const statement = build(param ? ph("p") : undefined).prepare(`drizzle_nw_${g.key.replace(/-/g, "_")}`);
      calls[g.key] = (i) => takeFirst(statement.execute(param ? { p: g.params(i)[0] } : undefined));
    } else {
      calls[g.key] = (i) => takeFirst(build(param ? g.params(i)[0] : undefined).execute());
    }
  }
  return calls;
}

// ---------------------------------------------------------------------------------------------
// kysely (PostgresDialect: no prepared statements); preloads with jsonArrayFrom/jsonObjectFrom.

function kyselyCalls(k: Kysely<KyselyNorthwind>): Record<GroupKey, Call> {
  const totals = () =>
    k
      .selectFrom("orders as o")
      .innerJoin("order_details as d", "d.order_id", "o.id")
      .select(["o.id", "o.shipped_date", "o.ship_name", "o.ship_city", "o.ship_country"])
      .select((eb) => [
        eb.fn.countAll().as("products"),
        eb.fn.sum("d.quantity").as("quantity"),
        ksql<number>`sum(d.quantity * d.unit_price)`.as("total_price"),
      ])
      .groupBy("o.id");
  return {
    "customers-all": () => k.selectFrom("customers").selectAll().orderBy("id").execute(),
    "customer-by-id": (i) => k.selectFrom("customers").selectAll().where("id", "=", customerId(i)).executeTakeFirst(),
    "customers-search": (i) =>
      k.selectFrom("customers").selectAll().where("company_name", "ilike", customerPattern(i)).orderBy("id").execute(),
    "employees-all": () => k.selectFrom("employees").selectAll().orderBy("id").execute(),
    "employee-with-manager": (i) =>
      k
        .selectFrom("employees as e")
        .leftJoin("employees as m", "m.id", "e.recipient_id")
        .selectAll("e")
        .select(["m.first_name as manager_first_name", "m.last_name as manager_last_name"])
        .where("e.id", "=", employeeId(i))
        .executeTakeFirst(),
    "suppliers-all": () => k.selectFrom("suppliers").selectAll().orderBy("id").execute(),
    "supplier-by-id": (i) => k.selectFrom("suppliers").selectAll().where("id", "=", supplierId(i)).executeTakeFirst(),
    "products-all": () => k.selectFrom("products").selectAll().orderBy("id").execute(),
    "product-with-supplier": (i) =>
      k
        .selectFrom("products as p")
        .innerJoin("suppliers as s", "s.id", "p.supplier_id")
        .selectAll("p")
        .select([
          "s.id as s_id",
          "s.company_name",
          "s.contact_name",
          "s.contact_title",
          "s.address",
          "s.city",
          "s.region",
          "s.postal_code",
          "s.country",
          "s.phone",
        ])
        .where("p.id", "=", productId(i))
        .executeTakeFirst(),
    "products-search": (i) =>
      k.selectFrom("products").selectAll().where("name", "ilike", productPattern(i)).orderBy("id").execute(),
    "orders-with-totals": () => totals().orderBy("o.id").execute(),
    "order-with-totals": (i) => totals().where("o.id", "=", orderId(i)).executeTakeFirst(),
    "order-lines": (i) =>
      k
        .selectFrom("orders as o")
        .innerJoin("order_details as d", "d.order_id", "o.id")
        .innerJoin("products as p", "p.id", "d.product_id")
        .select([
          "o.id",
          "o.order_date",
          "o.ship_name",
          "d.product_id",
          "d.unit_price",
          "d.quantity",
          "d.discount",
          "p.name",
          "p.qt_per_unit",
        ])
        .where("o.id", "=", orderId(i))
        .orderBy("d.product_id")
        .execute(),
    "customer-with-orders": (i) =>
      k
        .selectFrom("customers as c")
        .selectAll("c")
        .select((eb) =>
          jsonArrayFrom(
            eb.selectFrom("orders as o").selectAll("o").whereRef("o.customer_id", "=", "c.id").orderBy("o.id"),
          ).as("orders"),
        )
        .where("c.id", "=", customerId(i))
        .executeTakeFirst(),
    "order-with-details": (i) =>
      k
        .selectFrom("orders as o")
        .selectAll("o")
        .select((eb) =>
          jsonArrayFrom(
            eb
              .selectFrom("order_details as d")
              .selectAll("d")
              .select((eb2) =>
                jsonObjectFrom(eb2.selectFrom("products as p").selectAll("p").whereRef("p.id", "=", "d.product_id")).as(
                  "product",
                ),
              )
              .whereRef("d.order_id", "=", "o.id")
              .orderBy("d.product_id"),
          ).as("details"),
        )
        .where("o.id", "=", orderId(i))
        .executeTakeFirst(),
    "supplier-with-products": (i) =>
      k
        .selectFrom("suppliers as s")
        .selectAll("s")
        .select((eb) =>
          jsonArrayFrom(
            eb.selectFrom("products as p").selectAll("p").whereRef("p.supplier_id", "=", "s.id").orderBy("p.id"),
          ).as("products"),
        )
        .where("s.id", "=", supplierId(i))
        .executeTakeFirst(),
  };
}

// ---------------------------------------------------------------------------------------------
// Prisma 7 (the generated client in bench/src/generated/prisma, through @prisma/adapter-pg).

function prismaCalls(prisma: PrismaClient): Record<GroupKey, Call> {
  const totals = (o: { details: { quantity: number; unitPrice: number }[] } & Record<string, unknown>) => {
    const { details, ...order } = o;
    let quantity = 0;
    let totalPrice = 0;
    for (const d of details) {
      quantity += d.quantity;
      totalPrice += d.quantity * d.unitPrice;
    }
    return { ...order, products: details.length, quantity, totalPrice };
  };
  const totalsSelect = {
    id: true,
    shippedDate: true,
    shipName: true,
    shipCity: true,
    shipCountry: true,
    details: { select: { quantity: true, unitPrice: true } },
  } as const;
  return {
    "customers-all": () => prisma.customer.findMany({ orderBy: { id: "asc" } }),
    "customer-by-id": (i) => prisma.customer.findUnique({ where: { id: customerId(i) } }),
    "customers-search": (i) =>
      prisma.customer.findMany({
        where: { companyName: { contains: CUSTOMER_TERMS[i % CUSTOMER_TERMS.length], mode: "insensitive" } },
        orderBy: { id: "asc" },
      }),
    "employees-all": () => prisma.employee.findMany({ orderBy: { id: "asc" } }),
    "employee-with-manager": (i) =>
      prisma.employee.findUnique({
        where: { id: employeeId(i) },
        include: { recipient: { select: { firstName: true, lastName: true } } },
      }),
    "suppliers-all": () => prisma.supplier.findMany({ orderBy: { id: "asc" } }),
    "supplier-by-id": (i) => prisma.supplier.findUnique({ where: { id: supplierId(i) } }),
    "products-all": () => prisma.product.findMany({ orderBy: { id: "asc" } }),
    "product-with-supplier": (i) =>
      prisma.product.findUnique({ where: { id: productId(i) }, include: { supplier: true } }),
    "products-search": (i) =>
      prisma.product.findMany({
        where: { name: { contains: PRODUCT_TERMS[i % PRODUCT_TERMS.length], mode: "insensitive" } },
        orderBy: { id: "asc" },
      }),
    // Prisma has no aggregate over a join: the lines are loaded and summed in JavaScript.
    "orders-with-totals": async () =>
      (await prisma.order.findMany({ select: totalsSelect, orderBy: { id: "asc" } })).map(totals),
    "order-with-totals": async (i) => {
      const o = await prisma.order.findUnique({ where: { id: orderId(i) }, select: totalsSelect });
      return o ? totals(o) : undefined;
    },
    "order-lines": async (i) => {
      const o = await prisma.order.findUnique({
        where: { id: orderId(i) },
        select: {
          id: true,
          orderDate: true,
          shipName: true,
          details: {
            orderBy: { productId: "asc" },
            select: {
              productId: true,
              unitPrice: true,
              quantity: true,
              discount: true,
              product: { select: { name: true, qtPerUnit: true } },
            },
          },
        },
      });
      return (o?.details ?? []).map((d) => ({
        id: o!.id,
        orderDate: o!.orderDate,
        shipName: o!.shipName,
        productId: d.productId,
        unitPrice: d.unitPrice,
        quantity: d.quantity,
        discount: d.discount,
        productName: d.product.name,
        qtPerUnit: d.product.qtPerUnit,
      }));
    },
    "customer-with-orders": (i) =>
      prisma.customer.findUnique({ where: { id: customerId(i) }, include: { orders: { orderBy: { id: "asc" } } } }),
    "order-with-details": (i) =>
      prisma.order.findUnique({
        where: { id: orderId(i) },
        include: { details: { orderBy: { productId: "asc" }, include: { product: true } } },
      }),
    "supplier-with-products": (i) =>
      prisma.supplier.findUnique({ where: { id: supplierId(i) }, include: { products: { orderBy: { id: "asc" } } } }),
  };
}

// ---------------------------------------------------------------------------------------------
// TypeORM: repositories (find, relations) and the query builder for joins and aggregates.

function typeormCalls(ds: DataSource): Record<GroupKey, Call> {
  const customersRepo = ds.getRepository(tCustomers);
  const employeesRepo = ds.getRepository(tEmployees);
  const suppliersRepo = ds.getRepository(tSuppliers);
  const productsRepo = ds.getRepository(tProducts);
  const ordersRepo = ds.getRepository(tOrders);
  const totals = () =>
    ordersRepo
      .createQueryBuilder("o")
      .innerJoin("o.details", "d")
      .select([
        "o.id AS id",
        "o.shipped_date AS shipped_date",
        "o.ship_name AS ship_name",
        "o.ship_city AS ship_city",
        "o.ship_country AS ship_country",
      ])
      .addSelect("count(*)", "products")
      .addSelect("sum(d.quantity)", "quantity")
      .addSelect("sum(d.quantity * d.unit_price)", "total_price")
      .groupBy("o.id");
  return {
    "customers-all": () => customersRepo.find({ order: { id: "ASC" } }),
    "customer-by-id": (i) => customersRepo.findOne({ where: { id: customerId(i) } }),
    "customers-search": (i) =>
      customersRepo.find({ where: { companyName: ILike(customerPattern(i)) }, order: { id: "ASC" } }),
    "employees-all": () => employeesRepo.find({ order: { id: "ASC" } }),
    "employee-with-manager": (i) =>
      employeesRepo
        .createQueryBuilder("e")
        .leftJoin("e.recipient", "m")
        .select("e")
        .addSelect(["m.first_name AS manager_first_name", "m.last_name AS manager_last_name"])
        .where("e.id = :id", { id: employeeId(i) })
        .getRawOne(),
    "suppliers-all": () => suppliersRepo.find({ order: { id: "ASC" } }),
    "supplier-by-id": (i) => suppliersRepo.findOne({ where: { id: supplierId(i) } }),
    "products-all": () => productsRepo.find({ order: { id: "ASC" } }),
    "product-with-supplier": (i) =>
      productsRepo.findOne({ where: { id: productId(i) }, relations: { supplier: true } }),
    "products-search": (i) => productsRepo.find({ where: { name: ILike(productPattern(i)) }, order: { id: "ASC" } }),
    "orders-with-totals": () => totals().orderBy("o.id").getRawMany(),
    "order-with-totals": (i) =>
      totals()
        .where("o.id = :id", { id: orderId(i) })
        .getRawOne(),
    "order-lines": (i) =>
      ordersRepo
        .createQueryBuilder("o")
        .innerJoin("o.details", "d")
        .innerJoin("d.product", "p")
        .select([
          "o.id AS id",
          "o.order_date AS order_date",
          "o.ship_name AS ship_name",
          "d.product_id AS product_id",
          "d.unit_price AS unit_price",
          "d.quantity AS quantity",
          "d.discount AS discount",
          "p.name AS name",
          "p.qt_per_unit AS qt_per_unit",
        ])
        .where("o.id = :id", { id: orderId(i) })
        .orderBy("d.product_id")
        .getRawMany(),
    "customer-with-orders": (i) =>
      customersRepo.findOne({
        where: { id: customerId(i) },
        relations: { orders: true },
        order: { orders: { id: "ASC" } },
      }),
    "order-with-details": (i) =>
      ordersRepo.findOne({
        where: { id: orderId(i) },
        relations: { details: { product: true } },
        order: { details: { productId: "ASC" } },
      }),
    "supplier-with-products": (i) =>
      suppliersRepo.findOne({
        where: { id: supplierId(i) },
        relations: { products: true },
        order: { products: { id: "ASC" } },
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Libraries: each makes its calls on connections of its own (a pool of `size`), tagged with an
// application_name so its backends can be found.

interface Library {
  readonly key: string;
  readonly label: string;
  readonly calls: Record<GroupKey, Call>;
  readonly application: string;
  readonly close: () => Promise<void>;
}

type LibraryKey =
  | "pg-prepared"
  | "pg-unnamed"
  | "closql"
  | "closql-unprepared"
  | "postgres"
  | "drizzle-prepared"
  | "drizzle"
  | "kysely"
  | "prisma"
  | "typeorm";

const LIBRARIES: readonly { key: LibraryKey; label: string }[] = [
  { key: "pg-prepared", label: "raw pg, named prepared (floor)" },
  { key: "pg-unnamed", label: "raw pg, unnamed" },
  { key: "closql", label: "closql" },
  { key: "closql-unprepared", label: "closql, prepare: false" },
  { key: "postgres", label: "postgres.js" },
  { key: "drizzle-prepared", label: "drizzle-orm, .prepare()" },
  { key: "drizzle", label: "drizzle-orm, no prepare" },
  { key: "kysely", label: "kysely" },
  { key: "prisma", label: "Prisma 7 (adapter-pg)" },
  { key: "typeorm", label: "TypeORM" },
];

function newPool(application: string, size: number): pg.Pool {
  return new pg.Pool({
    connectionString: databaseUrl({ schema: NW_SCHEMA, application }),
    max: size,
    idleTimeoutMillis: 0, // a reconnect would drop prepared statements
  });
}

async function openLibrary(key: LibraryKey, size: number, statements: Statements): Promise<Library> {
  const label = LIBRARIES.find((l) => l.key === key)!.label;
  const application = `bench-nw-${key}-${size}`;
  const make = (calls: Record<GroupKey, Call>, close: () => Promise<void>): Library => ({
    key,
    label,
    calls,
    application,
    close,
  });
  switch (key) {
    case "pg-prepared":
    case "pg-unnamed": {
      const pool = newPool(application, size);
      return make(pgCalls(pool, key === "pg-prepared", statements), () => pool.end());
    }
    case "closql":
    case "closql-unprepared": {
      const db = connect({
        schema: nwSchema,
        url: databaseUrl({ schema: NW_SCHEMA, application }),
        poolSize: size,
        prepare: key === "closql",
      });
      return make(closqlCalls(db), () => db.close());
    }
    case "postgres": {
      const url = new URL(databaseUrl());
      url.search = "";
      const sql = postgres(url.toString(), {
        max: size,
        prepare: true,
        idle_timeout: 0,
        max_lifetime: 0,
        connection: { search_path: NW_SCHEMA, application_name: application },
        onnotice: () => {},
      });
      return make(postgresCalls(sql), () => sql.end());
    }
    case "drizzle-prepared":
    case "drizzle": {
      const pool = newPool(application, size);
      return make(drizzleCalls(pool, key === "drizzle-prepared"), () => pool.end());
    }
    case "kysely": {
      const k = new Kysely<KyselyNorthwind>({ dialect: new PostgresDialect({ pool: newPool(application, size) }) });
      return make(kyselyCalls(k), () => k.destroy());
    }
    case "prisma": {
      const pool = newPool(application, size);
      const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema: NW_SCHEMA }) });
      await prisma.$connect();
      // $disconnect leaves a pool it was given open.
      return make(prismaCalls(prisma), async () => {
        await prisma.$disconnect();
        await pool.end();
      });
    }
    case "typeorm": {
      const ds = new DataSource({
        type: "postgres",
        url: databaseUrl({ application }),
        schema: NW_SCHEMA,
        entities: typeormEntities,
        poolSize: size,
        extra: { idleTimeoutMillis: 0 },
        synchronize: false,
        logging: false,
      });
      await ds.initialize();
      return make(typeormCalls(ds), () => ds.destroy());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Setup and the statements closql runs.

const byKey = new Map(GROUPS.map((g) => [g.key, g]));

async function setUp(admin: pg.Client): Promise<number> {
  const t0 = performance.now();
  await admin.query(`DROP SCHEMA IF EXISTS ${NW_SCHEMA} CASCADE`);
  await admin.query(`CREATE SCHEMA ${NW_SCHEMA}`);
  await admin.query(`SET search_path = ${NW_SCHEMA}`);
  await admin.query(fs.readFileSync(NORTHWIND, "utf8"));
  // Northwind declares only primary keys; an application indexes the keys it joins and preloads on.
  for (const [t, c] of [
    ["orders", "customer_id"],
    ["orders", "employee_id"],
    ["order_details", "order_id"],
    ["order_details", "product_id"],
    ["products", "supplier_id"],
    ["employees", "recipient_id"],
  ])
    await admin.query(`CREATE INDEX ON ${t} (${c})`);
  await admin.query("ANALYZE");
  for (const t of Object.keys(ids) as (keyof typeof ids)[])
    ids[t] = (await admin.query(`SELECT id FROM ${t} ORDER BY id`)).rows.map((r) => r.id);
  await admin.query("RESET search_path");
  return (performance.now() - t0) / 1000;
}

/** closql's statements for every group (text, and a check that it binds what the floor will bind). */
async function recordStatements(): Promise<Statements> {
  const events: QueryEvent[] = [];
  const db = connect({
    schema: nwSchema,
    url: databaseUrl({ schema: NW_SCHEMA, application: "bench-nw-record" }),
    poolSize: 1,
    onQuery: (e) => events.push(e),
  });
  try {
    const calls = closqlCalls(db);
    const statements = {} as Statements;
    for (const g of GROUPS) {
      events.length = 0;
      await calls[g.key](3);
      statements[g.key] = events.map((e) => e.sql);
      const bound = JSON.stringify(events[0].params);
      if (bound !== JSON.stringify(g.params(3)))
        throw new Error(`${g.key}: closql bound ${bound}, the floor would bind ${JSON.stringify(g.params(3))}`);
      // A read by key loads its relations in its own statement (preload strategy "json"), others after it.
      if (g.kind === "preload" && events.length < 1) throw new Error(`${g.key}: expected preload statements`);
    }
    return statements;
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Running.

interface GroupResult extends RoundsResult {
  key: string;
  kind: string;
  title: string;
  mode: "sequential" | "concurrent";
  batch?: string;
  sql: string[];
  crossChecked: string;
}

async function crossCheck(key: string, contenders: readonly Contender[], samples: readonly number[]): Promise<string> {
  let summary = "";
  for (const i of samples) {
    const floor = await contenders[0].run(i);
    const expected = canonical(floor);
    for (const c of contenders.slice(1)) {
      const got = canonical(await c.run(i));
      if (got !== expected)
        throw new Error(
          `cross-check ${key}, iteration ${i}: ${c.label} differs from ${contenders[0].label}:\n  got      ${got.slice(0, 600)}\n  expected ${expected.slice(0, 600)}`,
        );
    }
    // The floor's rows are arrays: a list of rows is an array of arrays.
    const rows = Array.isArray(floor) && floor.every((r) => typeof r === "object" && r !== null);
    if (i === samples[0]) summary = rows ? `${(floor as unknown[]).length} rows` : floor == null ? "no row" : "1 row";
  }
  return summary;
}

async function runGroup(
  admin: pg.Client,
  g: Group,
  libraries: readonly Library[],
  mode: "sequential" | "concurrent",
  statements: Statements,
  batch?: string,
): Promise<GroupResult> {
  const contenders: Contender[] = libraries.map((l) => ({
    key: l.key,
    label: l.label,
    run:
      mode === "sequential"
        ? l.calls[g.key]
        : (i) => Promise.all(Array.from({ length: CONCURRENCY }, (_, k) => l.calls[g.key](i * CONCURRENCY + k))),
  }));
  const label = `${mode === "concurrent" ? `${CONCURRENCY}× ` : ""}${g.key}${batch ? ` [${batch}]` : ""}`;
  process.stdout.write(`${label}: `);
  const crossChecked = await crossCheck(label, contenders, mode === "sequential" ? [0, 1, 2, 5, 13] : [0]);
  process.stdout.write(`${crossChecked}; `);
  const r = await interleavedRounds(contenders, {
    rounds: ROUNDS,
    slices: SLICES,
    seconds: mode === "sequential" ? SECONDS : SECONDS * 1.5,
    opsPerIteration: mode === "sequential" ? 1 : CONCURRENCY,
    warmupIterations: mode === "sequential" ? WARMUP.iterations : 2,
    warmupSeconds: WARMUP.seconds,
    afterWarmup: async () => {
      for (let j = 0; j < contenders.length; j++)
        contenders[j].backendPids = await backendsOf(admin, libraries[j].application);
    },
  });
  return { key: g.key, kind: g.kind, title: g.title, mode, batch, sql: statements[g.key], crossChecked, ...r };
}

// ---------------------------------------------------------------------------------------------
// Reporting.

function table(r: GroupResult): string[][] {
  return [
    [
      "contender",
      "µs/query",
      "time × floor",
      "spread (rounds)",
      "node CPU µs/q",
      "PG CPU µs/q",
      "CPU × floor",
      "queries/s",
    ],
    ...r.results.map((c) => [
      c.label,
      fmt(c.medianMicros, c.medianMicros < 100 ? 1 : 0),
      `${c.timeToFloor.toFixed(2)}×`,
      `${c.timeToFloorMin.toFixed(2)}–${c.timeToFloorMax.toFixed(2)}`,
      fmt(c.clientCpuMicros, 1),
      c.serverCpuMicros === null ? "n/a" : fmt(c.serverCpuMicros, 1),
      c.cpuToFloor === null ? "n/a" : `${c.cpuToFloor.toFixed(2)}×`,
      fmt(c.medianOps),
    ]),
  ];
}

/** time × floor of each library in each group (sequential / concurrent), and the geometric means. */
function summaryTable(results: readonly GroupResult[], mode: "sequential" | "concurrent"): string[][] {
  const rows = results.filter((r) => r.mode === mode);
  const groups = [...new Set(rows.map((r) => r.key))];
  const cell = (group: string, lib: string): ContenderStats | undefined =>
    rows
      .filter((r) => r.key === group)
      .flatMap((r) => r.results)
      .find((c) => c.key === lib);
  const libs = LIBRARIES.filter((l) => groups.some((g) => cell(g, l.key)));
  const geo = (lib: string) => {
    const xs = groups.map((g) => cell(g, lib)?.timeToFloor).filter((x): x is number => x !== undefined);
    return xs.length ? `${geoMean(xs).toFixed(2)}×` : "–";
  };
  const geoCpu = (lib: string) => {
    const xs = groups.map((g) => cell(g, lib)?.cpuToFloor).filter((x): x is number => typeof x === "number");
    return xs.length ? `${geoMean(xs).toFixed(2)}×` : "–";
  };
  return [
    ["group", ...libs.map((l) => l.key)],
    ...groups.map((g) => [g, ...libs.map((l) => (cell(g, l.key) ? `${cell(g, l.key)!.timeToFloor.toFixed(2)}` : "–"))]),
    ["**geo-mean, time**", ...libs.map((l) => geo(l.key))],
    ["**geo-mean, CPU**", ...libs.map((l) => geoCpu(l.key))],
  ];
}

function markdown(
  env: Environment & Record<string, unknown>,
  setupSeconds: number,
  results: readonly GroupResult[],
): string {
  const detail = results.flatMap((r) => [
    `### ${r.mode === "concurrent" ? `${CONCURRENCY} concurrent: ` : ""}${r.key}${r.batch ? ` (${r.batch})` : ""}`,
    "",
    `${r.title}. ${r.crossChecked} at iteration 0, every contender's result checked equal to the floor's. ${r.rounds} rounds × ${fmt(r.iterationsPerRound)} iterations${r.opsPerIteration > 1 ? ` of ${r.opsPerIteration} queries` : ""} per contender, ${r.slices} interleaved slices per round; ${r.seconds} s.`,
    "",
    ...mdTable(table(r)),
    "",
    "<details><summary>closql's SQL (the floor runs the same)</summary>",
    "",
    "```sql",
    ...r.sql,
    "```",
    "",
    "</details>",
    "",
  ]);
  return [
    "# Northwind read groups",
    "",
    `Northwind (\`test/fixtures/northwind.sql\`, loaded with indexes on its foreign keys in ${setupSeconds.toFixed(1)} s) in the schema \`${NW_SCHEMA}\`. "time × floor" is the median over rounds of a contender's time divided by the floor's (raw pg running closql's SQL as named prepared statements) in the same round; spread is the lowest and highest per-round ratio. CPU per query: this Node process (node) and the contender's PostgreSQL backends (PG, from /proc/<pid>/schedstat); "CPU × floor" is their sum against the floor's.`,
    "",
    "## Sequential (one connection per contender)",
    "",
    ...mdTable(summaryTable(results, "sequential")),
    "",
    `## Concurrent (${CONCURRENCY} lookups at once, pool of ${POOL} per contender)`,
    "",
    ...mdTable(summaryTable(results, "concurrent")),
    "",
    "## Every group",
    "",
    ...detail,
    "## Environment",
    "",
    ...Object.entries(env).map(([k, v]) => `- ${k}: ${Array.isArray(v) ? v.join(", ") : v}`),
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  const env = {
    ...(await environment(admin)),
    pg: packageVersion("pg"),
    postgresJs: packageVersion("postgres"),
    drizzleOrm: packageVersion("drizzle-orm"),
    kysely: packageVersion("kysely"),
    prisma: packageVersion("@prisma/client"),
    prismaAdapterPg: packageVersion("@prisma/adapter-pg"),
    typeorm: packageVersion("typeorm"),
  };
  console.log(
    `Northwind on ${env.database}: PostgreSQL ${env.postgres}, Node ${env.node}; ${env.mode}; load ${env.loadAverageAtStart.join(" ")}`,
  );
  const only = process.env.BENCH_GROUPS?.split(",").filter(Boolean);
  const groups = GROUPS.filter((g) => !only || only.includes(g.key));
  const open: Library[] = [];
  const results: GroupResult[] = [];
  try {
    const setupSeconds = await setUp(admin);
    const statements = await recordStatements();

    // Sequential: every library on one connection of its own.
    for (const l of QUICK ? LIBRARIES.filter((l) => l.key !== "closql-unprepared") : LIBRARIES)
      open.push(await openLibrary(l.key, 1, statements));
    for (const g of groups) {
      const r = await runGroup(admin, g, open, "sequential", statements);
      results.push(r);
      printTable(`${r.key} — ${r.title}`, table(r));
    }
    for (const l of open.splice(0)) await l.close();

    // Concurrent: pools of POOL, in batches that each hold the floor (the server's connection limit).
    // The quick mode runs the first batch on two groups.
    const batches: LibraryKey[][] = [
      ["pg-prepared", "closql", "postgres", "pg-unnamed"],
      ["pg-prepared", "drizzle-prepared", "drizzle", "kysely"],
      ["pg-prepared", "prisma", "typeorm"],
    ].slice(0, QUICK ? 1 : 3) as LibraryKey[][];
    const concurrent = groups.filter((g) =>
      (QUICK ? ["customer-by-id", "customer-with-orders"] : CONCURRENT).includes(g.key),
    );
    for (const batch of concurrent.length ? batches : []) {
      for (const key of batch) open.push(await openLibrary(key, POOL, statements));
      const name = batch.slice(1).join(", ");
      for (const g of concurrent) {
        const r = await runGroup(admin, g, open, "concurrent", statements, `with ${name}`);
        results.push(r);
        printTable(`${CONCURRENCY}× ${r.key} [${name}]`, table(r));
      }
      for (const l of open.splice(0)) await l.close();
    }
    env.loadAverageAtEnd = os.loadavg().map(round2);
    console.log("\nSequential, time × floor:");
    printTable("", summaryTable(results, "sequential"));
    if (concurrent.length)
      printTable(
        `Concurrent (${CONCURRENCY} at once, pool of ${POOL}), time × floor:`,
        summaryTable(results, "concurrent"),
      );
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, "northwind.md"), markdown(env, setupSeconds, results));
    fs.writeFileSync(
      path.join(RESULTS_DIR, "northwind.json"),
      JSON.stringify(
        { environment: env, setupSeconds: round3(setupSeconds), concurrency: CONCURRENCY, pool: POOL, results },
        null,
        2,
      ) + "\n",
    );
    console.log(
      `\nload average at end ${env.loadAverageAtEnd.join(" ")}; results in bench/results/northwind.{md,json}`,
    );
  } finally {
    for (const l of open) await l.close().catch(() => {});
    await admin.query(`DROP SCHEMA IF EXISTS ${NW_SCHEMA} CASCADE`).catch(() => {});
    await admin.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
