import { connect, renderDdl, renderDrop, Query, QueryEvent } from "closql";
import { schema, users, posts } from "./schema";
import { openDatabase } from "../../tools/database";

async function main() {
  const database = await openDatabase();
  console.log(
    database.embedded
      ? "DATABASE_URL is not set: running on embedded PGlite."
      : `Running on ${database.url.replace(/\/\/[^@]*@/, "//")}`,
  );
  let last: QueryEvent | undefined;
  const db = connect({ schema, url: database.url, poolSize: database.poolSize, onQuery: (e) => (last = e) });
  try {
    for (const statement of [...renderDrop(schema), ...renderDdl(schema)]) await db.execute(statement);
    await seed(db);

    const show = async (title: string, run: () => Promise<unknown>) => {
      const result = await run();
      console.log(
        `\n-- ${title}  (${last?.source})\n${last?.sql}\n   params: ${JSON.stringify(last?.params, jsonSafe)}`,
      );
      console.log(
        JSON.stringify(result, jsonSafe, 2)
          .split("\n")
          .map((l) => "   " + l)
          .join("\n"),
      );
    };

    const since = new Date(Date.now() - 24 * 3600 * 1000);
    await show("admins created in the last day, newest first", () =>
      db.users
        .where((u) => u.role === "admin" && u.createdAt > since)
        .orderBy((u) => u.createdAt, "desc")
        .limit(10)
        .select((u) => ({ id: u.id, email: u.email }))
        .all(),
    );

    const search = "50%_off";
    await show("LIKE with %, _ escaped", () =>
      db.users
        .where((u) => u.name.includes(search))
        .select((u) => ({ id: u.id, name: u.name }))
        .all(),
    );

    await show("NULL-safe negation: nickname is not 'bob' (NULLs included, as in JS)", () =>
      db.users
        .where((u) => u.nickname !== "bob")
        .select((u) => ({ id: u.id, nickname: u.nickname }))
        .all(),
    );

    await show("truthiness: users without a nickname (NULL or empty)", () =>
      db.users.where((u) => !u.nickname).count(),
    );

    const ids = [1, 3];
    await show("list.includes(column)", () =>
      db.users
        .where((u) => ids.includes(u.id))
        .select((u) => ({ id: u.id, tags: u.tags }))
        .all(),
    );

    await show("array column includes", () => db.users.where((u) => u.tags.includes("pg")).exists());

    await show("one() by primary key", () => db.users.where((u) => u.id === 2).one());

    // A chain built across ifs: each fragment is compiled at build time and joined at run time.
    const onlyPublished = true;
    let q: Query<typeof posts> = db.posts.where((p) => p.userId === 1);
    if (onlyPublished) q = q.where((p) => p.published);
    await show("chain built across an if", () => q.orderBy((p) => p.id).all());
  } finally {
    await db.close();
    await database.close();
  }
}

function jsonSafe(_key: string, value: unknown) {
  return typeof value === "bigint" ? `${value}n` : value;
}

async function seed(db: ReturnType<typeof connect<typeof schema>>) {
  await db.sql`INSERT INTO users (email, name, nickname, role, age, tags, meta) VALUES
    ('ada@example.com', 'Ada', 'ada', 'admin', 36, '{pg,ts}', '{"plan":"pro","seats":5}'),
    ('bob@example.com', 'Bob 50%_off', 'bob', 'user', NULL, '{}', NULL),
    ('cy@example.com', 'Cy', NULL, 'admin', 29, '{pg}', '{"plan":"free"}'),
    ('di@example.com', 'Di', '', 'user', 41, '{}', NULL)`;
  await db.sql`INSERT INTO posts (user_id, title, published) VALUES (1, 'Hello', true), (1, 'Draft', false), (3, 'Notes', true)`;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
