import { table, relations, serial, integer, bigint, text, boolean, timestamptz, jsonb, pgEnum, index } from "closql";

export const role = pgEnum("role", ["user", "admin"]);

export const users = table("users", {
  id: serial().primaryKey(),
  email: text().unique(),
  name: text(),
  nickname: text().nullable(),
  role: role().default("user"),
  age: integer().nullable(),
  tags: text().array().default([]),
  meta: jsonb<{ plan: string; seats?: number }>().nullable(),
  karma: bigint().default(0n),
  createdAt: timestamptz().defaultNow(),
});

export const posts = table(
  "posts",
  {
    id: serial().primaryKey(),
    userId: integer().references(() => users.id, { onDelete: "cascade" }),
    title: text(),
    published: boolean().default(false),
  },
  (t) => [index("posts_user_id_idx").on(t.userId), index("posts_published_idx").on(t.userId).where("published")],
);

export const schema = relations({ users, posts }, (r) => ({
  users: { posts: r.hasMany(posts, (p) => p.userId) },
  posts: { author: r.belongsTo(users, (p) => p.userId) },
}));

export type User = typeof users.$row;
export type NewUser = typeof users.$insert;
export type Post = typeof posts.$row;
