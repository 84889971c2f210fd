import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { avg, count, JoinedQuery, max, min, sum } from "closql";
import { customers, employees, orderDetails, orders, openNorthwind, Northwind, products } from "./support/northwind";

const EMPLOYEE_2 = [
  "id",
  "last_name",
  "first_name",
  "title",
  "title_of_courtesy",
  "birth_date",
  "hire_date",
  "address",
  "city",
  "postal_code",
  "country",
  "home_phone",
  "extension",
  "notes",
  "recipient_id",
]
  .map((c) => `"employees_2"."${c}"`)
  .join(", ");

const ORDER_COLUMNS = [
  "id",
  "order_date",
  "required_date",
  "shipped_date",
  "ship_via",
  "freight",
  "ship_name",
  "ship_city",
  "ship_region",
  "ship_postal_code",
  "ship_country",
  "customer_id",
  "employee_id",
]
  .map((c) => `"${c}"`)
  .join(", ");

describe("joins on Northwind", () => {
  let nw: Northwind;
  before(async () => {
    nw = await openNorthwind();
  });
  after(() => nw.close());
  const last = () => nw.events[nw.events.length - 1];

  test("a three-table join by id, select across every side", async () => {
    const rows = await nw.db.orders
      .join(customers, (o, c) => o.customerId === c.id)
      .join(employees, (o, c, e) => o.employeeId === e.id)
      .where((o, c, e) => c.country === "Germany" && e.lastName.startsWith("D"))
      .orderBy((o) => o.id)
      .select((o, c, e) => ({ id: o.id, company: c.companyName, employee: e.lastName }))
      .all();
    assert.equal(
      last().sql,
      `SELECT "orders"."id", "customers"."company_name" AS "company", "employees"."last_name" AS "employee" FROM "orders" JOIN "customers" ON "orders"."customer_id" = "customers"."id" JOIN "employees" ON "orders"."employee_id" = "employees"."id" WHERE ("customers"."country" = 'Germany' AND "employees"."last_name" LIKE 'D%') ORDER BY "orders"."id" COLLATE "C"`,
    );
    const expected = await nw.query(
      `SELECT o.id, c.company_name AS company, e.last_name AS employee FROM orders o JOIN customers c ON o.customer_id = c.id JOIN employees e ON o.employee_id = e.id WHERE c.country = 'Germany' AND e.last_name LIKE 'D%' ORDER BY o.id COLLATE "C"`,
    );
    assert.ok(expected.length > 10);
    assert.deepEqual(rows, expected);
  });

  test("self-join: employee → recipient, left join keeps employees without one", async () => {
    const rows = await nw.db.employees
      .leftJoin(employees, (e, m) => e.recipientId === m.id)
      .orderBy((e) => e.id)
      .select((e, m) => ({ name: e.lastName, boss: m?.lastName ?? null, bossRow: m }))
      .all();
    assert.equal(
      last().sql,
      `SELECT "employees"."last_name" AS "name", "employees_2"."last_name" AS "boss", ${EMPLOYEE_2} FROM "employees" LEFT JOIN "employees" AS "employees_2" ON "employees"."recipient_id" = "employees_2"."id" ORDER BY "employees"."id" COLLATE "C"`,
    );
    const expected = await nw.query<{ name: string; boss: string | null }>(
      `SELECT e.last_name AS name, m.last_name AS boss FROM employees e LEFT JOIN employees m ON e.recipient_id = m.id ORDER BY e.id COLLATE "C"`,
    );
    assert.deepEqual(
      rows.map((r) => ({ name: r.name, boss: r.boss })),
      expected,
    );
    assert.ok(rows.some((r) => r.bossRow === null));
  });

  test("group-by aggregate over orders × order_details", async () => {
    const rows = await nw.db.orders
      .join(orderDetails, (o, d) => o.id === d.orderId)
      .groupBy((o) => o.customerId)
      .having(() => count() > 20)
      .orderBy((o, d) => sum(d.quantity), "desc")
      .select((o, d) => ({
        customer: o.customerId,
        lines: count(),
        quantity: sum(d.quantity),
        mean: avg(d.unitPrice),
        cheapest: min(d.unitPrice),
        latest: max(o.orderDate),
      }))
      .all();
    console.log(last().sql);
    const expected = await nw.query(
      `SELECT o.customer_id AS customer, count(*)::int AS lines, sum(d.quantity)::int AS quantity, avg(d.unit_price) AS mean, min(d.unit_price) AS cheapest, max(o.order_date)::text AS latest FROM orders o JOIN order_details d ON o.id = d.order_id GROUP BY o.customer_id HAVING count(*) > 20 ORDER BY sum(d.quantity) DESC`,
    );
    assert.deepEqual(rows, expected);
  });

  test("a join chain built across ifs folds at run time into the static chain's SQL", async () => {
    const germany = Math.random() < 2; // always true, unknown to the build
    let q: JoinedQuery<[typeof orders, typeof customers], [typeof orders.$row, typeof customers.$row]> =
      nw.db.orders.join(customers, (o, c) => o.customerId === c.id);
    if (germany) q = q.where((o, c) => c.country === "Germany");
    const dynamic = await q
      .orderBy((o) => o.id)
      .select((o, c) => ({ id: o.id, city: c.city }))
      .all();
    const dynamicSql = last().sql;
    const fixed = await nw.db.orders
      .join(customers, (o, c) => o.customerId === c.id)
      .where((o, c) => c.country === "Germany")
      .orderBy((o) => o.id)
      .select((o, c) => ({ id: o.id, city: c.city }))
      .all();
    assert.equal(dynamicSql, last().sql);
    assert.deepEqual(dynamic, fixed);
    assert.ok(fixed.length > 0);
  });

  test("steps before a join: the first table's rows so far become a subquery under its name", async () => {
    const rows = await nw.db.orders
      .where((o) => o.freight > 500)
      .join(customers, (o, c) => o.customerId === c.id)
      .orderBy((o) => o.id)
      .select((o, c) => ({ id: o.id, company: c.companyName }))
      .all();
    assert.equal(
      last().sql,
      `SELECT "orders"."id", "customers"."company_name" AS "company" FROM (SELECT ${ORDER_COLUMNS} FROM "orders" WHERE ("freight" > 500 AND "freight" <> 'NaN')) AS "orders" JOIN "customers" ON "orders"."customer_id" = "customers"."id" ORDER BY "orders"."id" COLLATE "C"`,
    );
    const expected = await nw.query(
      `SELECT o.id, c.company_name AS company FROM orders o JOIN customers c ON o.customer_id = c.id WHERE o.freight > 500 ORDER BY o.id COLLATE "C"`,
    );
    assert.deepEqual(rows, expected);
  });

  test("aggregates without groupBy: one row over the whole result; count() of a grouped query counts groups", async () => {
    const [totals] = await nw.db.orders
      .where((o) => o.shipCountry === "France")
      .select((o) => ({ n: count(), shipped: count(o.shippedDate), freight: sum(o.freight), first: min(o.orderDate) }))
      .all();
    assert.equal(
      last().sql,
      `SELECT count(*) AS "n", count("shipped_date") AS "shipped", sum("freight") AS "freight", min("order_date") AS "first" FROM "orders" WHERE "ship_country" = 'France'`,
    );
    const [expected] = await nw.query<{ n: string; shipped: string; freight: number; first: string }>(
      `SELECT count(*) AS n, count(shipped_date) AS shipped, sum(freight) AS freight, min(order_date)::text AS first FROM orders WHERE ship_country = 'France'`,
    );
    assert.deepEqual(totals, { ...expected, n: Number(expected.n), shipped: Number(expected.shipped) });

    const countries = await nw.db.orders.groupBy((o) => o.shipCountry).count();
    assert.equal(last().sql, `SELECT count(*) FROM (SELECT 1 FROM "orders" GROUP BY "ship_country") AS q`);
    const [{ n }] = await nw.query<{ n: string }>(`SELECT count(DISTINCT ship_country) AS n FROM orders`);
    assert.equal(countries, Number(n));
  });

  test("distinct, and min/max of strings by code units", async () => {
    const cities = await nw.db.customers
      .where((c) => c.country === "Germany")
      .select((c) => ({ city: c.city }))
      .distinct()
      .all();
    assert.equal(last().sql, `SELECT DISTINCT "city" FROM "customers" WHERE "country" = 'Germany'`);
    const expected = await nw.query<{ city: string }>(`SELECT DISTINCT city FROM customers WHERE country = 'Germany'`);
    assert.deepEqual(cities.map((c) => c.city).sort(), expected.map((c) => c.city).sort());
    // Sorted distinct strings: group by them (closql sorts strings by code units, COLLATE "C", which
    // PostgreSQL accepts over a group key but not beside DISTINCT).
    const grouped = await nw.db.customers
      .where((c) => c.country === "Germany")
      .groupBy((c) => c.city)
      .orderBy((c) => c.city)
      .select((c) => ({ city: c.city }))
      .all();
    assert.equal(
      last().sql,
      `SELECT "city" FROM "customers" WHERE "country" = 'Germany' GROUP BY "city" ORDER BY "city" COLLATE "C"`,
    );
    assert.deepEqual(
      grouped.map((c) => c.city),
      expected.map((c) => c.city).sort(),
    );
    const [range] = await nw.db.customers
      .select((c) => ({ first: min(c.companyName), last: max(c.companyName) }))
      .all();
    const sorted = (await nw.query<{ company_name: string }>(`SELECT company_name FROM customers`))
      .map((r) => r.company_name)
      .sort();
    assert.deepEqual(range, { first: sorted[0], last: sorted[sorted.length - 1] });
  });
});
