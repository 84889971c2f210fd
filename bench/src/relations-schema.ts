// The relations benchmark's tables, declared once per library (closql, drizzle-orm, kysely):
// users → posts → comments in the schema `closql_bench_rel`, and the Northwind tables the join and
// aggregate workloads read, loaded from ../shared/data/northwind.sql into `closql_bench_nw`. Every
// library reaches them through search_path, so all emit the same unqualified names.
import { table, relations, serial, integer, text, boolean, timestamptz, varchar, doublePrecision, date } from "closql";
import {
  pgTable,
  serial as dSerial,
  integer as dInteger,
  text as dText,
  boolean as dBoolean,
  timestamp as dTimestamp,
  varchar as dVarchar,
  doublePrecision as dDouble,
  date as dDate,
} from "drizzle-orm/pg-core";
import { relations as dRelations } from "drizzle-orm";
import type { Generated } from "kysely";

export const REL_SCHEMA = "closql_bench_rel";
export const NW_SCHEMA = "closql_bench_nw";
export const USERS = 1000;
export const POSTS_PER_USER = 10;
export const COMMENTS_PER_POST = 5;

/** DDL and seed of users × posts × comments (generate_series: deterministic, a second or two). */
export const REL_SETUP = [
  `CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now())`,
  `CREATE TABLE posts (id serial PRIMARY KEY, user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     title text NOT NULL, body text NOT NULL, published boolean NOT NULL DEFAULT false,
     created_at timestamptz NOT NULL DEFAULT now())`,
  `CREATE INDEX posts_user_id_idx ON posts (user_id)`,
  `CREATE TABLE comments (id serial PRIMARY KEY, post_id integer NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
     author text NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  `CREATE INDEX comments_post_id_idx ON comments (post_id)`,
  `INSERT INTO users (email, name, created_at)
     SELECT 'user' || g || '@example.com', 'User ' || g, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute'
     FROM generate_series(1, ${USERS}) AS g`,
  // Posts interleaved across users (post 1 is user 1's, post 2 user 2's, …), as rows written over
  // time would be: a user's posts are not contiguous in the table.
  `INSERT INTO posts (user_id, title, body, published, created_at)
     SELECT (g - 1) % ${USERS} + 1, 'Post ' || g, repeat('Lorem ipsum dolor sit amet. ', 4) || g, g % 3 = 0,
       timestamptz '2026-02-01 00:00:00+00' + g * interval '1 second'
     FROM generate_series(1, ${USERS * POSTS_PER_USER}) AS g`,
  `INSERT INTO comments (post_id, author, body, created_at)
     SELECT (g - 1) % ${USERS * POSTS_PER_USER} + 1, 'author' || g % 97, 'Comment ' || g || ': ' || repeat('nice ', 6),
       timestamptz '2026-03-01 00:00:00+00' + g * interval '1 second'
     FROM generate_series(1, ${USERS * POSTS_PER_USER * COMMENTS_PER_POST}) AS g`,
  `VACUUM ANALYZE users`,
  `VACUUM ANALYZE posts`,
  `VACUUM ANALYZE comments`,
];

// closql: the same tables with their relations, for the cells the lead adds once preload, join and
// groupBy land (see `closqlCells` in relations.ts).
export const users = table("users", {
  id: serial().primaryKey(),
  email: text().unique(),
  name: text(),
  createdAt: timestamptz().defaultNow(),
});
export const posts = table("posts", {
  id: serial().primaryKey(),
  userId: integer().references(() => users.id, { onDelete: "cascade" }),
  title: text(),
  body: text(),
  published: boolean().default(false),
  createdAt: timestamptz().defaultNow(),
});
export const comments = table("comments", {
  id: serial().primaryKey(),
  postId: integer().references(() => posts.id, { onDelete: "cascade" }),
  author: text(),
  body: text(),
  createdAt: timestamptz().defaultNow(),
});
export const relSchema = relations({ users, posts, comments }, (r) => ({
  users: { posts: r.hasMany(posts, (p) => p.userId) },
  posts: { author: r.belongsTo(users, (p) => p.userId), comments: r.hasMany(comments, (c) => c.postId) },
  comments: { post: r.belongsTo(posts, (c) => c.postId) },
}));

export const customers = table("customers", {
  id: varchar(5).primaryKey(),
  companyName: varchar(),
  contactName: varchar(),
  city: varchar(),
  country: varchar(),
});
export const employees = table("employees", {
  id: varchar().primaryKey(),
  lastName: varchar(),
  firstName: varchar().nullable(),
  title: varchar(),
  recipientId: varchar().nullable(),
});
export const orders = table("orders", {
  id: varchar().primaryKey(),
  orderDate: date(),
  shippedDate: date().nullable(),
  freight: doublePrecision(),
  shipCity: varchar(),
  customerId: varchar(),
  employeeId: varchar(),
});
export const orderDetails = table("order_details", {
  orderId: varchar(),
  productId: varchar(),
  unitPrice: doublePrecision(),
  quantity: integer(),
  discount: doublePrecision(),
});
export const nwSchema = relations({ customers, employees, orders, orderDetails });

// drizzle-orm
export const dUsers = pgTable("users", {
  id: dSerial("id").primaryKey(),
  email: dText("email").notNull().unique(),
  name: dText("name").notNull(),
  createdAt: dTimestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
export const dPosts = pgTable("posts", {
  id: dSerial("id").primaryKey(),
  userId: dInteger("user_id")
    .notNull()
    .references(() => dUsers.id),
  title: dText("title").notNull(),
  body: dText("body").notNull(),
  published: dBoolean("published").notNull().default(false),
  createdAt: dTimestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
export const dComments = pgTable("comments", {
  id: dSerial("id").primaryKey(),
  postId: dInteger("post_id")
    .notNull()
    .references(() => dPosts.id),
  author: dText("author").notNull(),
  body: dText("body").notNull(),
  createdAt: dTimestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
export const dUsersRelations = dRelations(dUsers, ({ many }) => ({ posts: many(dPosts) }));
export const dPostsRelations = dRelations(dPosts, ({ one, many }) => ({
  author: one(dUsers, { fields: [dPosts.userId], references: [dUsers.id] }),
  comments: many(dComments),
}));
export const dCommentsRelations = dRelations(dComments, ({ one }) => ({
  post: one(dPosts, { fields: [dComments.postId], references: [dPosts.id] }),
}));
export const drizzleRelSchema = {
  users: dUsers,
  posts: dPosts,
  comments: dComments,
  dUsersRelations,
  dPostsRelations,
  dCommentsRelations,
};

export const dCustomers = pgTable("customers", {
  id: dVarchar("id", { length: 5 }).primaryKey(),
  companyName: dVarchar("company_name").notNull(),
  city: dVarchar("city").notNull(),
  country: dVarchar("country").notNull(),
});
export const dEmployees = pgTable("employees", {
  id: dVarchar("id").primaryKey(),
  lastName: dVarchar("last_name").notNull(),
  firstName: dVarchar("first_name"),
});
export const dOrders = pgTable("orders", {
  id: dVarchar("id").primaryKey(),
  orderDate: dDate("order_date", { mode: "string" }).notNull(),
  freight: dDouble("freight").notNull(),
  shipCity: dVarchar("ship_city").notNull(),
  customerId: dVarchar("customer_id").notNull(),
  employeeId: dVarchar("employee_id").notNull(),
});
export const dOrderDetails = pgTable("order_details", {
  orderId: dVarchar("order_id").notNull(),
  unitPrice: dDouble("unit_price").notNull(),
  quantity: dInteger("quantity").notNull(),
  discount: dDouble("discount").notNull(),
});

// kysely
export interface KyselyRelDB {
  users: { id: Generated<number>; email: string; name: string; created_at: Generated<Date> };
  posts: {
    id: Generated<number>;
    user_id: number;
    title: string;
    body: string;
    published: Generated<boolean>;
    created_at: Generated<Date>;
  };
  comments: { id: Generated<number>; post_id: number; author: string; body: string; created_at: Generated<Date> };
}
export interface KyselyNwDB {
  customers: { id: string; company_name: string; city: string; country: string };
  employees: { id: string; last_name: string; first_name: string | null };
  orders: {
    id: string;
    order_date: string;
    freight: number;
    ship_city: string;
    customer_id: string;
    employee_id: string;
  };
  order_details: { order_id: string; unit_price: number; quantity: number; discount: number };
}
