// TypeORM (EntitySchema, repositories; the user with its posts through `relations`).
import { DataSource, EntitySchema } from "typeorm";
import { DuplicateEmail, MissingUser, NewPost, NewUser, Post, Role, sqlState, Store, User } from "./peer";

const UserEntity = new EntitySchema<User & { posts?: Post[] }>({
  name: "User",
  tableName: "users",
  columns: {
    id: { type: "integer", primary: true, generated: "increment" },
    email: { type: "text", unique: true },
    name: { type: "text" },
    role: { type: "enum", enum: ["user", "admin"], enumName: "user_role", default: "user" },
    createdAt: { name: "created_at", type: "timestamptz", createDate: true },
  },
  relations: { posts: { type: "one-to-many", target: "Post", inverseSide: "user" } },
});
const PostEntity = new EntitySchema<Post & { user?: User }>({
  name: "Post",
  tableName: "posts",
  columns: {
    id: { type: "integer", primary: true, generated: "increment" },
    userId: { name: "user_id", type: "integer" },
    title: { type: "text" },
    body: { type: "text", default: "" },
    published: { type: "boolean", default: false },
    createdAt: { name: "created_at", type: "timestamptz", createDate: true },
  },
  relations: { user: { type: "many-to-one", target: "User", joinColumn: { name: "user_id" }, onDelete: "CASCADE" } },
});

export function createStore(url: string, poolSize: number): Store {
  const u = new URL(url);
  const schema = /search_path=(\S+)/.exec(u.searchParams.get("options") ?? "")?.[1];
  const ds = new DataSource({
    type: "postgres",
    url,
    schema,
    entities: [UserEntity, PostEntity],
    poolSize,
    synchronize: false,
    logging: false,
  });
  const ready = ds.initialize();
  const users = ds.getRepository(UserEntity);
  const posts = ds.getRepository(PostEntity);
  return {
    async createUser(row: NewUser) {
      await ready;
      try {
        return await users.save(users.create(row));
      } catch (error) {
        if (sqlState(error) === "23505") throw new DuplicateEmail();
        throw error;
      }
    },
    async listUsers(role: Role | undefined, limit: number) {
      await ready;
      return users.find({ where: role === undefined ? {} : { role }, order: { id: "ASC" }, take: limit });
    },
    async userWithPosts(id: number) {
      await ready;
      const user = await users.findOne({ where: { id }, relations: { posts: true }, order: { posts: { id: "ASC" } } });
      return (user ?? undefined) as (User & { posts: Post[] }) | undefined;
    },
    async createPost(row: NewPost) {
      await ready;
      try {
        return await posts.save(posts.create(row));
      } catch (error) {
        if (sqlState(error) === "23503") throw new MissingUser();
        throw error;
      }
    },
    close: async () => {
      await ready;
      await ds.destroy();
    },
  };
}
