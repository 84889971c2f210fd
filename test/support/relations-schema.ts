import { boolean, integer, primaryKey, relations, serial, table, text, timestamptz } from "closql";

/** Users, their posts, the posts' comments and tags (many-to-many), and a self relation (manager → reports). */
export const users = table("users", {
  id: serial().primaryKey(),
  name: text(),
  managerId: integer().nullable(),
});
export const posts = table("posts", {
  id: serial().primaryKey(),
  userId: integer(),
  title: text(),
  subtitle: text().nullable(),
  published: boolean(),
  score: integer().nullable(),
  createdAt: timestamptz(),
});
export const comments = table("comments", {
  id: serial().primaryKey(),
  postId: integer(),
  body: text(),
  stars: integer().nullable(),
});
export const tags = table("tags", { id: serial().primaryKey(), label: text() });
export const postTags = table("post_tags", { postId: integer(), tagId: integer() }, (t) => [
  primaryKey(t.postId, t.tagId),
]);

/** At most one per user (hasOne). */
export const profiles = table("profiles", {
  id: serial().primaryKey(),
  userId: integer().unique(),
  bio: text().nullable(),
});

export const schema = relations({ users, posts, comments, tags, postTags, profiles }, (r) => ({
  users: {
    posts: r.hasMany(posts, (p) => p.userId),
    profile: r.hasOne(profiles, (p) => p.userId),
    reports: r.hasMany(users, (u) => u.managerId),
    manager: r.belongsTo(users, (u) => u.managerId),
  },
  posts: {
    author: r.belongsTo(users, (p) => p.userId),
    comments: r.hasMany(comments, (c) => c.postId),
    tags: r.manyToMany(tags, { through: postTags, from: (j) => j.postId, to: (j) => j.tagId }),
  },
  tags: { posts: r.manyToMany(posts, { through: postTags, from: (j) => j.tagId, to: (j) => j.postId }) },
}));

export type User = typeof users.$row;
export type Post = typeof posts.$row;
export type Comment = typeof comments.$row;
export type Tag = typeof tags.$row;
export type Profile = typeof profiles.$row;

export interface Dataset {
  users: User[];
  posts: Post[];
  comments: Comment[];
  tags: Tag[];
  postTags: { postId: number; tagId: number }[];
  profiles: Profile[];
}

/**
 * A deterministic dataset: `userCount` users (some managing others, some without posts), posts
 * with NULL and empty-string fields, comments with NULL stars, and tags linked to some posts.
 */
export function dataset(userCount: number, seed = 7): Dataset {
  // mulberry32: a small PRNG whose low bits are as random as its high ones.
  let state = seed >>> 0;
  const next = (n: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), state | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((((x ^ (x >>> 14)) >>> 0) / 2 ** 32) * n) | 0;
  };
  const d: Dataset = { users: [], posts: [], comments: [], tags: [], postTags: [], profiles: [] };
  const labels = ["a", "", "b", "sql", "js"];
  labels.forEach((label, i) => d.tags.push({ id: i + 1, label }));
  for (let u = 1; u <= userCount; u++) {
    d.users.push({
      id: u,
      name: ["ann", "", "bo", "cy"][next(4)],
      managerId: u > 3 && next(3) > 0 ? 1 + next(u - 1) : null,
    });
    if (next(2) === 1) d.profiles.push({ id: d.profiles.length + 1, userId: u, bio: [null, "", "hi"][next(3)] });
    const postCount = next(4); // 0–3 posts: some users have none
    for (let k = 0; k < postCount; k++) {
      const id = d.posts.length + 1;
      d.posts.push({
        id,
        userId: u,
        title: ["", "hello", "sql tips", "a"][next(4)],
        subtitle: [null, "", "sub"][next(3)],
        published: next(2) === 1,
        score: [null, 0, 1, 5, -2][next(5)],
        createdAt: new Date(Date.UTC(2026, 0, 1) + id * 60_000),
      });
      const commentCount = next(3);
      for (let c = 0; c < commentCount; c++)
        d.comments.push({
          id: d.comments.length + 1,
          postId: id,
          body: ["", "nice", "no"][next(3)],
          stars: [null, 0, 3, 5][next(4)],
        });
      const tagged = new Set<number>();
      for (let g = next(3); g > 0; g--) tagged.add(1 + next(labels.length));
      for (const tagId of tagged) d.postTags.push({ postId: id, tagId });
    }
  }
  return d;
}
