// Prisma 7 through @prisma/adapter-pg (the client generated from bench/prisma/service.prisma).
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma-service/client";
import { DuplicateEmail, MissingUser, NewPost, NewUser, Post, Role, Store, User } from "./peer";

export function createStore(url: string, poolSize: number): Store {
  const schema = /search_path=(\S+)/.exec(new URL(url).searchParams.get("options") ?? "")?.[1];
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, schema ? { schema } : undefined) });
  const code = (error: unknown) => (error as { code?: string }).code;
  return {
    async createUser(row: NewUser) {
      try {
        return (await prisma.user.create({ data: row })) as User;
      } catch (error) {
        if (code(error) === "P2002") throw new DuplicateEmail();
        throw error;
      }
    },
    listUsers: (role: Role | undefined, limit: number) =>
      prisma.user.findMany({
        where: role === undefined ? {} : { role },
        orderBy: { id: "asc" },
        take: limit,
      }) as Promise<User[]>,
    userWithPosts: async (id: number) =>
      ((await prisma.user.findUnique({ where: { id }, include: { posts: { orderBy: { id: "asc" } } } })) ??
        undefined) as (User & { posts: Post[] }) | undefined,
    async createPost(row: NewPost) {
      try {
        return (await prisma.post.create({ data: row })) as Post;
      } catch (error) {
        if (code(error) === "P2003") throw new MissingUser();
        throw error;
      }
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end(); // $disconnect leaves a pool it was given open
    },
  };
}
