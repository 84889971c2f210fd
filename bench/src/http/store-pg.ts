// Raw pg, hand-written SQL as named prepared statements: the floor of the HTTP benchmark.
import pg from "pg";
import { DuplicateEmail, MissingUser, NewPost, NewUser, Post, Role, sqlState, Store, User } from "./peer";

const USER = `"id", "email", "name", "role", "created_at" AS "createdAt"`;
const POST = `"id", "user_id" AS "userId", "title", "body", "published", "created_at" AS "createdAt"`;

export function createStore(url: string, poolSize: number): Store {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  const query = async (name: string, text: string, values: unknown[]) =>
    (await pool.query({ name, text, values })).rows;
  return {
    async createUser(row: NewUser) {
      try {
        const [user] = await query(
          "create_user",
          `INSERT INTO users (email, name, role) VALUES ($1, $2, coalesce($3, 'user'::user_role)) RETURNING ${USER}`,
          [row.email, row.name, row.role ?? null],
        );
        return user as User;
      } catch (error) {
        if (sqlState(error) === "23505") throw new DuplicateEmail();
        throw error;
      }
    },
    async listUsers(role: Role | undefined, limit: number) {
      return (
        role === undefined
          ? await query("list_users", `SELECT ${USER} FROM users ORDER BY id LIMIT $1`, [limit])
          : await query("list_users_role", `SELECT ${USER} FROM users WHERE role = $1 ORDER BY id LIMIT $2`, [
              role,
              limit,
            ])
      ) as User[];
    },
    async userWithPosts(id: number) {
      const [user] = await query("user_by_id", `SELECT ${USER} FROM users WHERE id = $1`, [id]);
      if (!user) return undefined;
      user.posts = await query("posts_of_user", `SELECT ${POST} FROM posts WHERE user_id = $1 ORDER BY id`, [id]);
      return user as User & { posts: Post[] };
    },
    async createPost(row: NewPost) {
      try {
        const [post] = await query(
          "create_post",
          `INSERT INTO posts (user_id, title, body, published) VALUES ($1, $2, coalesce($3, ''), coalesce($4, false)) RETURNING ${POST}`,
          [row.userId, row.title, row.body ?? null, row.published ?? null],
        );
        return post as Post;
      } catch (error) {
        if (sqlState(error) === "23503") throw new MissingUser();
        throw error;
      }
    },
    close: () => pool.end(),
  };
}
