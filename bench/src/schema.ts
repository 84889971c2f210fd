// The benchmark table, declared once per library. All three describe the same table
// `closql_bench.users` (the schema is reached through search_path, so every library emits
// unqualified names and nothing is created in `public`).
import { table, relations, serial, integer, text, boolean, timestamptz, index } from "closql";
import {
  pgTable,
  serial as dSerial,
  integer as dInteger,
  text as dText,
  boolean as dBoolean,
  timestamp as dTimestamp,
} from "drizzle-orm/pg-core";
import type { Generated } from "kysely";

export const BENCH_SCHEMA = "closql_bench";
export const USER_COUNT = 1000;

// closql
export const users = table(
  "users",
  {
    id: serial().primaryKey(),
    email: text().unique(),
    name: text(),
    age: integer(),
    active: boolean().default(true),
    createdAt: timestamptz().defaultNow(),
  },
  (t) => [index("users_age_idx").on(t.age)],
);
export const schema = relations({ users }, () => ({}));

// drizzle-orm
export const dUsers = pgTable("users", {
  id: dSerial("id").primaryKey(),
  email: dText("email").notNull().unique(),
  name: dText("name").notNull(),
  age: dInteger("age").notNull(),
  active: dBoolean("active").notNull().default(true),
  createdAt: dTimestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

// kysely
export interface KyselyDB {
  users: {
    id: Generated<number>;
    email: string;
    name: string;
    age: number;
    active: Generated<boolean>;
    created_at: Generated<Date>;
  };
}
