// The service's own tables: users and their posts. Kept apart from examples/src/schema.ts so the
// HTTP API (and the benchmark that loads it, one process per library) depends on nothing else.
import { table, relations, serial, integer, text, boolean, timestamptz, pgEnum, index } from "closql";

export const userRole = pgEnum("user_role", ["user", "admin"]);

export const users = table("users", {
  id: serial().primaryKey(),
  email: text().unique(),
  name: text(),
  role: userRole().default("user"),
  createdAt: timestamptz().defaultNow(),
});

export const posts = table(
  "posts",
  {
    id: serial().primaryKey(),
    userId: integer().references(() => users.id, { onDelete: "cascade" }),
    title: text(),
    body: text().default(""),
    published: boolean().default(false),
    createdAt: timestamptz().defaultNow(),
  },
  (t) => [index("posts_user_id_idx").on(t.userId)],
);

export const schema = relations({ users, posts }, (r) => ({
  users: { posts: r.hasMany(posts, (p) => p.userId) },
  posts: { author: r.belongsTo(users, (p) => p.userId) },
}));

export type User = typeof users.$row;
export type Post = typeof posts.$row;
export type Role = User["role"];
