import type { AnyResolvedRelation } from "../schema/relations";
import type { AnyTable } from "../schema/table";
import type { SortDirection } from "./query";

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type TargetOf<R> = R extends { readonly target: infer T extends AnyTable } ? T : never;
type TargetRelationsOf<R> = R extends { readonly $targetRelations: infer TR } ? TR : {};
type IsMany<R> = R extends { readonly kind: "hasMany" | "manyToMany" } ? true : false;

/**
 * The row a condition closure receives: the columns, and each to-many relation as something with
 * `some` and `every` (compiled to EXISTS / NOT EXISTS). An array of related rows has the same shape,
 * so the closure means the same run in JavaScript over rows with their relations loaded.
 */
export type RowWith<T extends AnyTable, Rels> = T["$row"] & RelationAccessors<Rels>;

export type RelationAccessors<Rels> = {
  readonly [K in keyof Rels as IsMany<Rels[K]> extends true ? K : never]: RelationAccessor<
    RowWith<TargetOf<Rels[K]>, TargetRelationsOf<Rels[K]>>
  >;
};

/** A to-many relation inside a condition: only `some` and `every`, with JavaScript's meaning. */
export interface RelationAccessor<Row> {
  /** Some related row makes `predicate` truthy (false when there is none): `EXISTS (…)`. */
  some(predicate: (row: Row) => unknown): boolean;
  /** Every related row makes `predicate` truthy (true when there is none): `NOT EXISTS (… falsy …)`. */
  every(predicate: (row: Row) => unknown): boolean;
}

/** Dotted relation paths, `"posts"`, `"posts.comments"`, up to four levels deep (cyclic schemas stay finite). */
export type RelationPath<Rels, Depth extends unknown[] = []> = {
  [K in keyof Rels & string]:
    K | (Depth["length"] extends 3 ? never : `${K}.${RelationPath<TargetRelationsOf<Rels[K]>, [...Depth, unknown]>}`);
}[keyof Rels & string];

/** The relation a path ends at. */
export type RelationAt<Rels, P extends string> = P extends `${infer H}.${infer Rest}`
  ? H extends keyof Rels
    ? RelationAt<TargetRelationsOf<Rels[H]>, Rest>
    : never
  : P extends keyof Rels
    ? Rels[P]
    : never;

/** The row of the table a path ends at, with its relations (what a preload filter receives). */
export type PathRow<Rels, P extends string> = RowWith<
  TargetOf<RelationAt<Rels, P>>,
  TargetRelationsOf<RelationAt<Rels, P>>
>;

/** How a preloaded relation's rows are ordered and limited, per parent row. Written as a literal. */
export interface PreloadOptions<Row> {
  /** The sort key, as in `orderBy`. */
  readonly orderBy?: (row: Row) => unknown;
  readonly direction?: SortDirection;
  /** At most this many rows per parent (LATERAL): "the latest 3 posts of each user". */
  readonly limit?: number;
}

/** What a loaded relation holds: an array, or the one row or null. */
type Loaded<R> = IsMany<R> extends true ? TargetOf<R>["$row"][] : TargetOf<R>["$row"] | null;

/** `O` with property `K` set to `V`. */
type Put<O, K extends PropertyKey, V> = Simplify<Omit<O, K> & { [P in K]: V }>;

/** The value at `K` after preloading: what an earlier preload put there, else the relation's rows. */
type Current<O, K extends PropertyKey, R> = K extends keyof O ? O[K] : Loaded<R>;

/** Applies the rest of a path inside an array or a nullable row. */
type Inside<V, Rels, Rest extends string> = V extends readonly (infer E)[]
  ? WithPreload<E, Rels, Rest>[]
  : V extends null
    ? null
    : WithPreload<V, Rels, Rest>;

/** The result row after `.preload(path)`: `User & { posts: (Post & { comments: Comment[] })[] }`. */
export type WithPreload<O, Rels, P extends string> = P extends `${infer H}.${infer Rest}`
  ? H extends keyof Rels
    ? Put<O, H, Inside<Current<O, H, Rels[H]>, TargetRelationsOf<Rels[H]>, Rest>>
    : never
  : P extends keyof Rels
    ? Put<O, P, Current<O, P, Rels[P]>>
    : never;

export type { AnyResolvedRelation };
