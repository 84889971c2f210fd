// The write benchmark's table, declared once per library: `closql_bench_writes.events`, eight columns
// (integer, text, nullable integer, timestamptz, jsonb, nullable text), a serial key and one
// secondary index, as an append-mostly table of a service would have.
import { table, relations, serial, integer, text, timestamptz, jsonb, index } from "closql";
import {
  pgTable,
  serial as dSerial,
  integer as dInteger,
  text as dText,
  timestamp as dTimestamp,
  jsonb as dJsonb,
  index as dIndex,
} from "drizzle-orm/pg-core";
import type { Generated } from "kysely";

export const WRITES_SCHEMA = "closql_bench_writes";

export interface EventPayload {
  source: string;
  n: number;
  tags: string[];
  nested: { ok: boolean; ratio: number };
}

// closql
export const events = table(
  "events",
  {
    id: serial().primaryKey(),
    accountId: integer(),
    kind: text(),
    title: text(),
    amount: integer().nullable(),
    createdAt: timestamptz(),
    payload: jsonb<EventPayload>(),
    note: text().nullable(),
  },
  (t) => [index("events_account_idx").on(t.accountId, t.createdAt)],
);
export const writesSchema = relations({ events }, () => ({}));
export type NewEvent = typeof events.$insert;

// drizzle-orm
export const dEvents = pgTable(
  "events",
  {
    id: dSerial("id").primaryKey(),
    accountId: dInteger("account_id").notNull(),
    kind: dText("kind").notNull(),
    title: dText("title").notNull(),
    amount: dInteger("amount"),
    createdAt: dTimestamp("created_at", { withTimezone: true }).notNull(),
    payload: dJsonb("payload").$type<EventPayload>().notNull(),
    note: dText("note"),
  },
  (t) => [dIndex("events_account_idx").on(t.accountId, t.createdAt)],
);

// kysely
export interface KyselyWritesDB {
  events: {
    id: Generated<number>;
    account_id: number;
    kind: string;
    title: string;
    amount: number | null;
    created_at: Date;
    payload: string; // kysely passes values to pg as they are: JSON text for jsonb
    note: string | null;
  };
}

/** Row i of the data set: the same for every library. Some rows hold tabs, newlines, backslashes, quotes, non-ASCII. */
export function eventRow(i: number): {
  accountId: number;
  kind: string;
  title: string;
  amount: number | null;
  createdAt: Date;
  payload: EventPayload;
  note: string | null;
} {
  return {
    accountId: (i % 1000) + 1,
    kind: KINDS[i % KINDS.length],
    title: i % 50 === 0 ? `Event ${i}: "quoted"\t\\tab\nnewline é 😀` : `Event number ${i} for the weekly report`,
    amount: i % 5 === 0 ? null : (i * 37) % 100_000,
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000 + (i % 1000)),
    payload: {
      source: i % 2 ? "web" : "api",
      n: i,
      tags: ["a", `t${i % 7}`],
      nested: { ok: i % 3 === 0, ratio: i / 7 },
    },
    note: i % 3 === 0 ? null : `note ${i}`,
  };
}
const KINDS = ["click", "view", "purchase", "signup"];
