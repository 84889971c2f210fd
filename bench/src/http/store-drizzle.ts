// drizzle-orm on node-postgres: prepared statements (.prepare()), the user with its posts through
// drizzle's relational queries.
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { asc, eq, relations, sql } from "drizzle-orm";
import { pgEnum, pgTable, serial, integer, text, boolean, timestamp } from "drizzle-orm/pg-core";
import { DuplicateEmail, MissingUser, NewPost, NewUser, Post, Role, sqlState, Store, User } from "./peer";

const userRole = pgEnum("user_role", ["user", "admin"]);
const users = pgTable("users", {
  id: serial("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  role: userRole("role").notNull().default("user"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
const posts = pgTable("posts", {
  id: serial("id").primaryKey(),
  userId: integer("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  title: text("title").notNull(),
  body: text("body").notNull().default(""),
  published: boolean("published").notNull().default(false),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
const schema = {
  users,
  posts,
  usersRelations: relations(users, ({ many }) => ({ posts: many(posts) })),
  postsRelations: relations(posts, ({ one }) => ({
    user: one(users, { fields: [posts.userId], references: [users.id] }),
  })),
};

export function createStore(url: string, poolSize: number): Store {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  const db = drizzle({ client: pool, schema });
  const p = sql.placeholder;
  const list = db.select().from(users).orderBy(asc(users.id)).limit(p("limit")).prepare("list_users");
  const listRole = db
    .select()
    .from(users)
    .where(eq(users.role, p("role") as unknown as Role))
    .orderBy(asc(users.id))
    .limit(p("limit"))
    .prepare("list_users_role");
  const withPosts = db.query.users
    .findFirst({ where: eq(users.id, p("id") as unknown as number), with: { posts: { orderBy: [asc(posts.id)] } } })
    .prepare("user_with_posts");
  return {
    async createUser(row: NewUser) {
      try {
        return (await db.insert(users).values(row).returning())[0] as User;
      } catch (error) {
        if (sqlState(error) === "23505") throw new DuplicateEmail();
        throw error;
      }
    },
    async listUsers(role: Role | undefined, limit: number) {
      return (role === undefined ? await list.execute({ limit }) : await listRole.execute({ role, limit })) as User[];
    },
    userWithPosts: (id: number) => withPosts.execute({ id }) as Promise<(User & { posts: Post[] }) | undefined>,
    async createPost(row: NewPost) {
      try {
        return (await db.insert(posts).values(row).returning())[0] as Post;
      } catch (error) {
        if (sqlState(error) === "23503") throw new MissingUser();
        throw error;
      }
    },
    close: () => pool.end(),
  };
}
