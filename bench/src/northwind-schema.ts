// Northwind (test/fixtures/northwind.sql) declared once per library, for bench/src/northwind.ts:
// closql, drizzle-orm (tables and relations, for its relational queries), kysely (types), TypeORM
// (EntitySchema: no decorators, no reflect-metadata). Prisma's is bench/prisma/schema.prisma.
// Every library reaches the tables through search_path (Prisma through its adapter's `schema`).
import { table, relations, varchar, integer, doublePrecision, date, text } from "closql";
import {
  pgTable,
  varchar as dVarchar,
  integer as dInteger,
  doublePrecision as dDouble,
  date as dDate,
  text as dText,
  primaryKey as dPrimaryKey,
} from "drizzle-orm/pg-core";
import { relations as dRelations } from "drizzle-orm";
import { EntitySchema, EntitySchemaColumnOptions, ColumnType } from "typeorm";

export const NW_SCHEMA = "closql_bench_northwind";

// ---------------------------------------------------------------------------------------------
// closql

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
export const nwSchema = relations({ customers, employees, orders, orderDetails, products, suppliers }, (r) => ({
  customers: { orders: r.hasMany(orders, (o) => o.customerId) },
  employees: { recipient: r.belongsTo(employees, (e) => e.recipientId) },
  orders: {
    customer: r.belongsTo(customers, (o) => o.customerId),
    details: r.hasMany(orderDetails, (d) => d.orderId),
  },
  orderDetails: { product: r.belongsTo(products, (d) => d.productId) },
  products: { supplier: r.belongsTo(suppliers, (p) => p.supplierId) },
  suppliers: { products: r.hasMany(products, (p) => p.supplierId) },
}));

// ---------------------------------------------------------------------------------------------
// drizzle-orm

export const dCustomers = pgTable("customers", {
  id: dVarchar("id", { length: 5 }).primaryKey(),
  companyName: dVarchar("company_name").notNull(),
  contactName: dVarchar("contact_name").notNull(),
  contactTitle: dVarchar("contact_title").notNull(),
  address: dVarchar("address").notNull(),
  city: dVarchar("city").notNull(),
  postalCode: dVarchar("postal_code"),
  region: dVarchar("region"),
  country: dVarchar("country").notNull(),
  phone: dVarchar("phone").notNull(),
  fax: dVarchar("fax"),
});
export const dEmployees = pgTable("employees", {
  id: dVarchar("id").primaryKey(),
  lastName: dVarchar("last_name").notNull(),
  firstName: dVarchar("first_name"),
  title: dVarchar("title").notNull(),
  titleOfCourtesy: dVarchar("title_of_courtesy").notNull(),
  birthDate: dDate("birth_date", { mode: "string" }).notNull(),
  hireDate: dDate("hire_date", { mode: "string" }).notNull(),
  address: dVarchar("address").notNull(),
  city: dVarchar("city").notNull(),
  postalCode: dVarchar("postal_code").notNull(),
  country: dVarchar("country").notNull(),
  homePhone: dVarchar("home_phone").notNull(),
  extension: dInteger("extension").notNull(),
  notes: dText("notes").notNull(),
  recipientId: dVarchar("recipient_id"),
});
export const dOrders = pgTable("orders", {
  id: dVarchar("id").primaryKey(),
  orderDate: dDate("order_date", { mode: "string" }).notNull(),
  requiredDate: dDate("required_date", { mode: "string" }).notNull(),
  shippedDate: dDate("shipped_date", { mode: "string" }),
  shipVia: dInteger("ship_via").notNull(),
  freight: dDouble("freight").notNull(),
  shipName: dVarchar("ship_name").notNull(),
  shipCity: dVarchar("ship_city").notNull(),
  shipRegion: dVarchar("ship_region"),
  shipPostalCode: dVarchar("ship_postal_code"),
  shipCountry: dVarchar("ship_country").notNull(),
  customerId: dVarchar("customer_id").notNull(),
  employeeId: dVarchar("employee_id").notNull(),
});
export const dOrderDetails = pgTable(
  "order_details",
  {
    unitPrice: dDouble("unit_price").notNull(),
    quantity: dInteger("quantity").notNull(),
    discount: dDouble("discount").notNull(),
    orderId: dVarchar("order_id").notNull(),
    productId: dVarchar("product_id").notNull(),
  },
  (t) => [dPrimaryKey({ columns: [t.orderId, t.productId] })],
);
export const dProducts = pgTable("products", {
  id: dVarchar("id").primaryKey(),
  name: dVarchar("name").notNull(),
  qtPerUnit: dVarchar("qt_per_unit").notNull(),
  unitPrice: dDouble("unit_price").notNull(),
  unitsInStock: dInteger("units_in_stock").notNull(),
  unitsOnOrder: dInteger("units_on_order").notNull(),
  reorderLevel: dInteger("reorder_level").notNull(),
  discontinued: dInteger("discontinued").notNull(),
  supplierId: dVarchar("supplier_id").notNull(),
});
export const dSuppliers = pgTable("suppliers", {
  id: dVarchar("id").primaryKey(),
  companyName: dVarchar("company_name").notNull(),
  contactName: dVarchar("contact_name").notNull(),
  contactTitle: dVarchar("contact_title").notNull(),
  address: dVarchar("address").notNull(),
  city: dVarchar("city").notNull(),
  region: dVarchar("region"),
  postalCode: dVarchar("postal_code").notNull(),
  country: dVarchar("country").notNull(),
  phone: dVarchar("phone").notNull(),
});
export const drizzleNwSchema = {
  customers: dCustomers,
  employees: dEmployees,
  orders: dOrders,
  orderDetails: dOrderDetails,
  products: dProducts,
  suppliers: dSuppliers,
  customersRelations: dRelations(dCustomers, ({ many }) => ({ orders: many(dOrders) })),
  employeesRelations: dRelations(dEmployees, ({ one }) => ({
    recipient: one(dEmployees, { fields: [dEmployees.recipientId], references: [dEmployees.id] }),
  })),
  ordersRelations: dRelations(dOrders, ({ one, many }) => ({
    customer: one(dCustomers, { fields: [dOrders.customerId], references: [dCustomers.id] }),
    details: many(dOrderDetails),
  })),
  orderDetailsRelations: dRelations(dOrderDetails, ({ one }) => ({
    order: one(dOrders, { fields: [dOrderDetails.orderId], references: [dOrders.id] }),
    product: one(dProducts, { fields: [dOrderDetails.productId], references: [dProducts.id] }),
  })),
  productsRelations: dRelations(dProducts, ({ one }) => ({
    supplier: one(dSuppliers, { fields: [dProducts.supplierId], references: [dSuppliers.id] }),
  })),
  suppliersRelations: dRelations(dSuppliers, ({ many }) => ({ products: many(dProducts) })),
};

// ---------------------------------------------------------------------------------------------
// kysely

export interface KyselyNorthwind {
  customers: {
    id: string;
    company_name: string;
    contact_name: string;
    contact_title: string;
    address: string;
    city: string;
    postal_code: string | null;
    region: string | null;
    country: string;
    phone: string;
    fax: string | null;
  };
  employees: {
    id: string;
    last_name: string;
    first_name: string | null;
    title: string;
    title_of_courtesy: string;
    birth_date: Date;
    hire_date: Date;
    address: string;
    city: string;
    postal_code: string;
    country: string;
    home_phone: string;
    extension: number;
    notes: string;
    recipient_id: string | null;
  };
  orders: {
    id: string;
    order_date: Date;
    required_date: Date;
    shipped_date: Date | null;
    ship_via: number;
    freight: number;
    ship_name: string;
    ship_city: string;
    ship_region: string | null;
    ship_postal_code: string | null;
    ship_country: string;
    customer_id: string;
    employee_id: string;
  };
  order_details: { unit_price: number; quantity: number; discount: number; order_id: string; product_id: string };
  products: {
    id: string;
    name: string;
    qt_per_unit: string;
    unit_price: number;
    units_in_stock: number;
    units_on_order: number;
    reorder_level: number;
    discontinued: number;
    supplier_id: string;
  };
  suppliers: {
    id: string;
    company_name: string;
    contact_name: string;
    contact_title: string;
    address: string;
    city: string;
    region: string | null;
    postal_code: string;
    country: string;
    phone: string;
  };
}

// ---------------------------------------------------------------------------------------------
// TypeORM (EntitySchema: the same mapping decorators would declare)

const col = (name: string, type: ColumnType, nullable = false, primary = false): EntitySchemaColumnOptions => ({
  name,
  type,
  nullable,
  primary,
});
const varcharColumns = (names: Record<string, string>, nullable: readonly string[] = []) =>
  Object.fromEntries(
    Object.entries(names).map(([key, name]) => [key, col(name, "varchar", nullable.includes(key))]),
  ) as Record<string, EntitySchemaColumnOptions>;

export interface TCustomer {
  id: string;
  companyName: string;
  orders?: TOrder[];
  [column: string]: unknown;
}
export interface TEmployee {
  id: string;
  recipient?: TEmployee | null;
  [column: string]: unknown;
}
export interface TOrder {
  id: string;
  details?: TOrderDetail[];
  [column: string]: unknown;
}
export interface TOrderDetail {
  orderId: string;
  productId: string;
  product?: TProduct;
  [column: string]: unknown;
}
export interface TProduct {
  id: string;
  supplier?: TSupplier;
  [column: string]: unknown;
}
export interface TSupplier {
  id: string;
  products?: TProduct[];
  [column: string]: unknown;
}

export const tCustomers = new EntitySchema<TCustomer>({
  name: "Customer",
  tableName: "customers",
  columns: {
    id: col("id", "varchar", false, true),
    ...varcharColumns(
      {
        companyName: "company_name",
        contactName: "contact_name",
        contactTitle: "contact_title",
        address: "address",
        city: "city",
        postalCode: "postal_code",
        region: "region",
        country: "country",
        phone: "phone",
        fax: "fax",
      },
      ["postalCode", "region", "fax"],
    ),
  },
  relations: { orders: { type: "one-to-many", target: "Order", inverseSide: "customer" } },
});
export const tEmployees = new EntitySchema<TEmployee>({
  name: "Employee",
  tableName: "employees",
  columns: {
    id: col("id", "varchar", false, true),
    ...varcharColumns(
      {
        lastName: "last_name",
        firstName: "first_name",
        title: "title",
        titleOfCourtesy: "title_of_courtesy",
        address: "address",
        city: "city",
        postalCode: "postal_code",
        country: "country",
        homePhone: "home_phone",
        recipientId: "recipient_id",
      },
      ["firstName", "recipientId"],
    ),
    birthDate: col("birth_date", "date"),
    hireDate: col("hire_date", "date"),
    extension: col("extension", "integer"),
    notes: col("notes", "text"),
  },
  relations: {
    recipient: { type: "many-to-one", target: "Employee", joinColumn: { name: "recipient_id" }, nullable: true },
  },
});
export const tOrders = new EntitySchema<TOrder>({
  name: "Order",
  tableName: "orders",
  columns: {
    id: col("id", "varchar", false, true),
    ...varcharColumns(
      {
        shipName: "ship_name",
        shipCity: "ship_city",
        shipRegion: "ship_region",
        shipPostalCode: "ship_postal_code",
        shipCountry: "ship_country",
        customerId: "customer_id",
        employeeId: "employee_id",
      },
      ["shipRegion", "shipPostalCode"],
    ),
    orderDate: col("order_date", "date"),
    requiredDate: col("required_date", "date"),
    shippedDate: col("shipped_date", "date", true),
    shipVia: col("ship_via", "integer"),
    freight: col("freight", "double precision"),
  },
  relations: {
    customer: { type: "many-to-one", target: "Customer", joinColumn: { name: "customer_id" } },
    details: { type: "one-to-many", target: "OrderDetail", inverseSide: "order" },
  },
});
export const tOrderDetails = new EntitySchema<TOrderDetail>({
  name: "OrderDetail",
  tableName: "order_details",
  columns: {
    orderId: col("order_id", "varchar", false, true),
    productId: col("product_id", "varchar", false, true),
    unitPrice: col("unit_price", "double precision"),
    quantity: col("quantity", "integer"),
    discount: col("discount", "double precision"),
  },
  relations: {
    order: { type: "many-to-one", target: "Order", joinColumn: { name: "order_id" } },
    product: { type: "many-to-one", target: "Product", joinColumn: { name: "product_id" } },
  },
});
export const tProducts = new EntitySchema<TProduct>({
  name: "Product",
  tableName: "products",
  columns: {
    id: col("id", "varchar", false, true),
    name: col("name", "varchar"),
    qtPerUnit: col("qt_per_unit", "varchar"),
    unitPrice: col("unit_price", "double precision"),
    unitsInStock: col("units_in_stock", "integer"),
    unitsOnOrder: col("units_on_order", "integer"),
    reorderLevel: col("reorder_level", "integer"),
    discontinued: col("discontinued", "integer"),
    supplierId: col("supplier_id", "varchar"),
  },
  relations: {
    supplier: { type: "many-to-one", target: "Supplier", joinColumn: { name: "supplier_id" } },
  },
});
export const tSuppliers = new EntitySchema<TSupplier>({
  name: "Supplier",
  tableName: "suppliers",
  columns: {
    id: col("id", "varchar", false, true),
    ...varcharColumns(
      {
        companyName: "company_name",
        contactName: "contact_name",
        contactTitle: "contact_title",
        address: "address",
        city: "city",
        region: "region",
        postalCode: "postal_code",
        country: "country",
        phone: "phone",
      },
      ["region"],
    ),
  },
  relations: { products: { type: "one-to-many", target: "Product", inverseSide: "supplier" } },
});
export const typeormEntities = [tCustomers, tEmployees, tOrders, tOrderDetails, tProducts, tSuppliers];
