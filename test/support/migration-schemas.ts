import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  primaryKey,
  relations,
  serial,
  table,
  text,
  timestamptz,
  uniqueIndex,
  varchar,
} from "closql";

/**
 * Versions of one small schema for the migration tests (test/migrations.test.ts): each case
 * migrates from one export to another with the closql command, which loads this compiled module by
 * `--schema …/migration-schemas.js#<export>`.
 */

const usersColumns = {
  id: serial().primaryKey(),
  email: text().unique(),
  name: text(),
  age: integer().nullable(),
};
const users = table("users", usersColumns);
const posts = table("posts", {
  id: serial().primaryKey(),
  userId: integer().references(() => users.id, { onDelete: "cascade" }),
  title: text(),
});
export const base = relations({ users, posts });

// Columns.
export const addNullableColumn = relations({
  users: table("users", { ...usersColumns, nickname: text().nullable() }),
  posts,
});
export const addColumnWithDefault = relations({
  users: table("users", { ...usersColumns, score: integer().default(0), joinedAt: timestamptz().defaultNow() }),
  posts,
});
const { age: _age, ...withoutAge } = usersColumns;
export const dropColumn = relations({ users: table("users", withoutAge), posts });
const { name: _name, ...withoutName } = usersColumns;
export const renameColumn = relations({
  users: table("users", { ...withoutName, fullName: text().renamedFrom("name") }),
  posts,
});
export const widenType = relations({ users: table("users", { ...usersColumns, age: bigint().nullable() }), posts });
export const narrowType = relations({ users: table("users", { ...usersColumns, name: varchar(10) }), posts });
export const nullability = relations({
  users: table("users", { ...usersColumns, name: text().nullable(), age: integer() }),
  posts,
});
export const withDefault = relations({
  users: table("users", { ...usersColumns, name: text().default("anonymous"), age: integer().nullable().default(18) }),
  posts,
});
export const changedDefault = relations({
  users: table("users", { ...usersColumns, name: text().default("nobody"), age: integer().nullable() }),
  posts,
});

// Tables.
const people = table("people", usersColumns).renamedFrom("users");
export const renameTable = relations({
  people,
  posts: table("posts", {
    id: serial().primaryKey(),
    userId: integer().references(() => people.id, { onDelete: "cascade" }),
    title: text(),
  }),
});
export const addTable = relations({
  users,
  posts,
  comments: table("comments", {
    id: serial().primaryKey(),
    postId: integer().references(() => posts.id),
    body: text(),
  }),
});
export const dropTable = relations({ users });

// Indexes: btree, unique, GIN, partial, expression.
const tagged = {
  ...usersColumns,
  tags: text().array().default([]),
  meta: jsonb().nullable(),
};
export const taggedUsers = relations({ users: table("users", tagged), posts });
export const indexed = relations({
  users: table("users", tagged, (t) => [
    index("users_age_idx").on(t.age),
    uniqueIndex("users_name_age_key").on(t.name, t.age),
    index("users_tags_gin").using("gin").on(t.tags),
    index("users_meta_gin").using("gin").on(t.meta),
    index("users_adults_idx").on(t.name).where("age >= 18"),
    index("users_lower_email_idx").expression("lower(email)"),
  ]),
  posts,
});
export const reindexed = relations({
  users: table("users", tagged, (t) => [
    index("users_age_idx").on(t.age, t.name),
    index("users_adults_idx").on(t.name).where("age >= 21"),
  ]),
  posts,
});

// Foreign keys.
const plainPosts = table("posts", { id: serial().primaryKey(), userId: integer(), title: text() });
export const withoutForeignKey = relations({ users, posts: plainPosts });
export const restrictForeignKey = relations({
  users,
  posts: table("posts", {
    id: serial().primaryKey(),
    userId: integer().references(() => users.id, { onDelete: "restrict", onUpdate: "cascade" }),
    title: text(),
  }),
});

// Enums.
const role = pgEnum("role", ["user", "admin"]);
const roleWithOwner = pgEnum("role", ["user", "admin", "owner"]);
const roleWithGuest = pgEnum("role", ["guest", "user", "admin"]);
const roleOnly = pgEnum("role", ["user"]);
export const withRole = relations({
  users: table("users", { ...usersColumns, role: role().default("user") }, (t) => [
    index("users_admins_idx").on(t.name).where("role = 'admin'"),
  ]),
  posts,
});
export const addEnumLabel = relations({
  users: table("users", { ...usersColumns, role: roleWithOwner().default("user") }, (t) => [
    index("users_admins_idx").on(t.name).where("role = 'admin'"),
  ]),
  posts,
});
export const addEnumLabelAndUseIt = relations({
  users: table("users", { ...usersColumns, role: roleWithGuest().default("guest") }, (t) => [
    index("users_admins_idx").on(t.name).where("role = 'admin'"),
  ]),
  posts,
});
export const dropEnumLabel = relations({
  users: table("users", { ...usersColumns, role: roleOnly().default("user") }),
  posts,
});

// Composite keys and checks.
const memberships = table(
  "memberships",
  { orgId: integer(), userId: integer().references(() => users.id), role: text() },
  (t) => [primaryKey(t.orgId, t.userId)],
);
export const withMemberships = relations({ users, posts, memberships });
export const widerCompositeKey = relations({
  users,
  posts,
  memberships: table(
    "memberships",
    { orgId: integer(), userId: integer().references(() => users.id), role: text() },
    (t) => [primaryKey(t.orgId, t.userId, t.role), check("memberships_role_check", "role <> ''")],
  ),
});
