// postgres.js: tagged templates (prepared, pipelined on its connections), columns camelCased by its transform.
import postgres from "postgres";
import { DuplicateEmail, MissingUser, NewPost, NewUser, Post, Role, sqlState, Store, User } from "./peer";

export function createStore(url: string, poolSize: number): Store {
  const u = new URL(url);
  const searchPath = /search_path=(\S+)/.exec(u.searchParams.get("options") ?? "")?.[1];
  const application = u.searchParams.get("application_name") ?? undefined;
  u.search = "";
  const sql = postgres(u.toString(), {
    max: poolSize,
    prepare: true,
    transform: { column: { from: postgres.toCamel } },
    connection: {
      ...(searchPath ? { search_path: searchPath } : {}),
      ...(application ? { application_name: application } : {}),
    },
  });
  return {
    async createUser(row: NewUser) {
      try {
        const [user] = await sql`INSERT INTO users (email, name, role) VALUES (${row.email}, ${row.name},
          coalesce(${row.role ?? null}::user_role, 'user')) RETURNING id, email, name, role, created_at`;
        return user as User;
      } catch (error) {
        if (sqlState(error) === "23505") throw new DuplicateEmail();
        throw error;
      }
    },
    async listUsers(role: Role | undefined, limit: number) {
      return (role === undefined
        ? await sql`SELECT id, email, name, role, created_at FROM users ORDER BY id LIMIT ${limit}`
        : await sql`SELECT id, email, name, role, created_at FROM users WHERE role = ${role} ORDER BY id LIMIT ${limit}`) as unknown as User[];
    },
    async userWithPosts(id: number) {
      const [user] = await sql`SELECT id, email, name, role, created_at FROM users WHERE id = ${id}`;
      if (!user) return undefined;
      user.posts =
        await sql`SELECT id, user_id, title, body, published, created_at FROM posts WHERE user_id = ${id} ORDER BY id`;
      return user as User & { posts: Post[] };
    },
    async createPost(row: NewPost) {
      try {
        const [post] =
          await sql`INSERT INTO posts (user_id, title, body, published) VALUES (${row.userId}, ${row.title},
          coalesce(${row.body ?? null}::text, ''), coalesce(${row.published ?? null}::boolean, false))
          RETURNING id, user_id, title, body, published, created_at`;
        return post as Post;
      } catch (error) {
        if (sqlState(error) === "23503") throw new MissingUser();
        throw error;
      }
    },
    close: () => sql.end(),
  };
}
