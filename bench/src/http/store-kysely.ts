// kysely (PostgresDialect): the user with its posts in one statement through jsonArrayFrom.
import pg from "pg";
import { Generated, Kysely, PostgresDialect } from "kysely";
import { jsonArrayFrom } from "kysely/helpers/postgres";
import { DuplicateEmail, MissingUser, NewPost, NewUser, Post, Role, sqlState, Store, User } from "./peer";

interface DB {
  users: { id: Generated<number>; email: string; name: string; role: Generated<Role>; created_at: Generated<Date> };
  posts: {
    id: Generated<number>;
    user_id: number;
    title: string;
    body: Generated<string>;
    published: Generated<boolean>;
    created_at: Generated<Date>;
  };
}

export function createStore(url: string, poolSize: number): Store {
  const k = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: poolSize }) }),
  });
  const userColumns = ["id", "email", "name", "role", "created_at as createdAt"] as const;
  const postColumns = ["id", "user_id as userId", "title", "body", "published", "created_at as createdAt"] as const;
  return {
    async createUser(row: NewUser) {
      try {
        return (await k.insertInto("users").values(row).returning(userColumns).executeTakeFirstOrThrow()) as User;
      } catch (error) {
        if (sqlState(error) === "23505") throw new DuplicateEmail();
        throw error;
      }
    },
    async listUsers(role: Role | undefined, limit: number) {
      let q = k.selectFrom("users").select(userColumns).orderBy("id").limit(limit);
      if (role !== undefined) q = q.where("role", "=", role);
      return (await q.execute()) as User[];
    },
    async userWithPosts(id: number) {
      const user = await k
        .selectFrom("users")
        .select(userColumns)
        .select((eb) =>
          jsonArrayFrom(
            eb.selectFrom("posts").select(postColumns).whereRef("posts.user_id", "=", "users.id").orderBy("posts.id"),
          ).as("posts"),
        )
        .where("id", "=", id)
        .executeTakeFirst();
      if (!user) return undefined;
      // JSON has no Date: the posts' timestamps come back as text.
      return { ...user, posts: user.posts.map((p) => ({ ...p, createdAt: new Date(p.createdAt) })) } as User & {
        posts: Post[];
      };
    },
    async createPost(row: NewPost) {
      try {
        const { userId, ...rest } = row;
        return (await k
          .insertInto("posts")
          .values({ ...rest, user_id: userId })
          .returning(postColumns)
          .executeTakeFirstOrThrow()) as Post;
      } catch (error) {
        if (sqlState(error) === "23503") throw new MissingUser();
        throw error;
      }
    },
    close: () => k.destroy(),
  };
}
