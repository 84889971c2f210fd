import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { connect, Database, date, doublePrecision, integer, QueryEvent, relations, table, text, varchar } from "closql";
import { databaseUrl } from "./database";

/**
 * Microsoft's Northwind sample data (test/fixtures/northwind.sql: customers, employees, orders,
 * order_details, products, suppliers; about 3,300 rows), declared for closql. Ids are varchar; an
 * employee's `recipientId` points at another employee (the self-join).
 */
export const customers = table("customers", {
  id: varchar(5).primaryKey(),
  companyName: varchar(),
  contactName: varchar(),
  contactTitle: varchar(),
  address: varchar(),
  city: varchar(),
  postalCode: varchar().nullable(),
  region: varchar().nullable(),
  country: varchar(),
  phone: varchar(),
  fax: varchar().nullable(),
});
export const employees = table("employees", {
  id: varchar().primaryKey(),
  lastName: varchar(),
  firstName: varchar().nullable(),
  title: varchar(),
  titleOfCourtesy: varchar(),
  birthDate: date(),
  hireDate: date(),
  address: varchar(),
  city: varchar(),
  postalCode: varchar(),
  country: varchar(),
  homePhone: varchar(),
  extension: integer(),
  notes: text(),
  recipientId: varchar().nullable(),
});
export const orders = table("orders", {
  id: varchar().primaryKey(),
  orderDate: date(),
  requiredDate: date(),
  shippedDate: date().nullable(),
  shipVia: integer(),
  freight: doublePrecision(),
  shipName: varchar(),
  shipCity: varchar(),
  shipRegion: varchar().nullable(),
  shipPostalCode: varchar().nullable(),
  shipCountry: varchar(),
  customerId: varchar(),
  employeeId: varchar(),
});
export const orderDetails = table("order_details", {
  unitPrice: doublePrecision(),
  quantity: integer(),
  discount: doublePrecision(),
  orderId: varchar(),
  productId: varchar(),
});
export const products = table("products", {
  id: varchar().primaryKey(),
  name: varchar(),
  qtPerUnit: varchar(),
  unitPrice: doublePrecision(),
  unitsInStock: integer(),
  unitsOnOrder: integer(),
  reorderLevel: integer(),
  discontinued: integer(),
  supplierId: varchar(),
});
export const suppliers = table("suppliers", {
  id: varchar().primaryKey(),
  companyName: varchar(),
  contactName: varchar(),
  contactTitle: varchar(),
  address: varchar(),
  city: varchar(),
  region: varchar().nullable(),
  postalCode: varchar(),
  country: varchar(),
  phone: varchar(),
});
export const northwindSchema = relations({ customers, employees, orders, orderDetails, products, suppliers });

export interface Northwind {
  readonly db: Database<typeof northwindSchema>;
  /** Runs hand-written SQL in the same schema: the reference each compiled query is checked against. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  readonly events: QueryEvent[];
  close(): Promise<void>;
}

/** Loads Northwind into a fresh PostgreSQL schema of its own and connects to it. */
export async function openNorthwind(): Promise<Northwind> {
  const namespace = `nw_${randomBytes(5).toString("hex")}`;
  const pool = new pg.Pool({ connectionString: databaseUrl(), max: 4, options: `-c search_path=${namespace}` });
  const sql = fs.readFileSync(path.join(__dirname, "../../fixtures/northwind.sql"), "utf8");
  await pool.query(`CREATE SCHEMA ${namespace}`);
  const client = await pool.connect();
  try {
    await client.query(`SET search_path TO ${namespace}`);
    await client.query(sql);
  } finally {
    client.release();
  }
  const events: QueryEvent[] = [];
  const db = connect({ schema: northwindSchema, pool, onQuery: (e) => events.push(e) });
  return {
    db,
    events,
    query: async (text, params) => (await pool.query(text, params)).rows,
    async close() {
      await pool.query(`DROP SCHEMA ${namespace} CASCADE`);
      await pool.end();
    },
  };
}
