import type { AnyTable, ColumnKey } from "./table";
import type { AnyColumn } from "./column";
import { ClosqlError } from "../runtime/errors";

export type RelationKind = "hasMany" | "hasOne" | "belongsTo" | "manyToMany";

/** A junction table of a many-to-many relation and its two key columns (by TypeScript key). */
export interface Through<J extends AnyTable = AnyTable, From extends string = string, To extends string = string> {
  readonly table: J;
  /** The junction's column holding this table's primary key. */
  readonly from: From;
  /** The junction's column holding the target's primary key. */
  readonly to: To;
}

/**
 * One relation as declared. Every fact the transformer needs is a literal type here (it never runs
 * user code): the kind, the target table, the key column's TypeScript key, the junction.
 * `Source` is the table the relation is declared on (phantom: how `belongsTo`'s key closure is typed).
 */
export interface Relation<
  Kind extends RelationKind = RelationKind,
  Target extends AnyTable = AnyTable,
  Key extends string = string,
  J extends Through | undefined = Through | undefined,
  Source extends AnyTable = AnyTable,
> {
  readonly kind: Kind;
  readonly target: Target;
  /**
   * hasMany/hasOne: the target's column holding this table's primary key; belongsTo: this table's
   * column holding the target's primary key; manyToMany: the junction's `from` column.
   */
  readonly key: Key;
  readonly through: J;
  /** Phantom. */
  readonly $source?: Source;
}

export interface RelationBuilders {
  /** Rows of `target` point at this row through `key`, a column of the target: `r.hasMany(posts, p => p.userId)`. */
  hasMany<T extends AnyTable, K extends string, S extends AnyTable = AnyTable>(
    target: T,
    key: (target: T) => ColumnKey<K>,
  ): Relation<"hasMany", T, K, undefined, S>;
  /** At most one row of `target` points at this row through `key` (a unique column of the target). */
  hasOne<T extends AnyTable, K extends string, S extends AnyTable = AnyTable>(
    target: T,
    key: (target: T) => ColumnKey<K>,
  ): Relation<"hasOne", T, K, undefined, S>;
  /** This row points at one row of `target` through `key`, a column of this table: `r.belongsTo(users, p => p.userId)`. */
  belongsTo<T extends AnyTable, K extends string, S extends AnyTable>(
    target: T,
    key: (source: S) => ColumnKey<K>,
  ): Relation<"belongsTo", T, K, undefined, S>;
  /**
   * Rows of `target` linked to this row through the rows of a junction table:
   * `r.manyToMany(tags, { through: postTags, from: j => j.postId, to: j => j.tagId })`.
   */
  manyToMany<
    T extends AnyTable,
    J extends AnyTable,
    F extends string,
    To extends string,
    S extends AnyTable = AnyTable,
  >(
    target: T,
    junction: { readonly through: J; readonly from: (j: J) => ColumnKey<F>; readonly to: (j: J) => ColumnKey<To> },
  ): Relation<"manyToMany", T, F, Through<J, F, To>, S>;
}

/** What a `relations()` callback returns: for each table key, its relations by name. */
export type RelationDefinitions<Tables extends Record<string, AnyTable>> = {
  readonly [K in keyof Tables]?: Readonly<Record<string, Relation<RelationKind, AnyTable, string, any, Tables[K]>>>;
};

/** A schema: its tables, under the keys `db.<key>` uses, and their relations. */
export interface Schema<Tables extends Record<string, AnyTable> = Record<string, AnyTable>, Defs = {}> {
  readonly tables: Tables;
  readonly relations: { readonly [K in keyof Tables]?: Readonly<Record<string, Relation>> };
  /** Phantom: the declared relations' types. */
  readonly $relations?: Defs;
}

/** The key under which `schema` holds `T` (matched by table name). */
type TableKeyOf<S extends Schema, T extends AnyTable> = {
  [K in keyof S["tables"]]: S["tables"][K]["$name"] extends T["$name"] ? K : never;
}[keyof S["tables"]];

type DefsOf<S extends Schema> = NonNullable<S["$relations"]>;

/**
 * The relations of table `K` of schema `S`, as a query type carries them: each relation with the
 * relations of its own target (read lazily, so cyclic schemas are fine), for nested paths.
 */
export type RelationsOf<S extends Schema, K extends PropertyKey> = K extends keyof DefsOf<S>
  ? { readonly [R in keyof NonNullable<DefsOf<S>[K]>]: Resolved<S, NonNullable<DefsOf<S>[K]>[R]> }
  : {};

/** A relation with its target's relations (phantom `$targetRelations`). */
export type Resolved<S extends Schema, D> =
  D extends Relation<infer Kind, infer Target, infer Key, infer J>
    ? ResolvedRelation<Kind, Target, Key, J, RelationsOf<S, TableKeyOf<S, Target>>>
    : never;

export interface ResolvedRelation<
  Kind extends RelationKind,
  Target extends AnyTable,
  Key extends string,
  J extends Through | undefined,
  TargetRelations,
> extends Relation<Kind, Target, Key, J> {
  /** Phantom: the target's own relations. */
  readonly $targetRelations: TargetRelations;
}

/** Any relation as a query type carries it. */
export type AnyResolvedRelation = ResolvedRelation<RelationKind, AnyTable, string, Through | undefined, any>;

/**
 * Declares the schema: the tables under their `db.<key>` keys and, optionally, their relations.
 * The key a relation points at is the other table's single-column primary key; a table without one
 * (none, or a composite key) cannot be a relation's end.
 */
export function relations<Tables extends Record<string, AnyTable>, Defs extends RelationDefinitions<Tables> = {}>(
  tables: Tables,
  define?: (r: RelationBuilders) => Defs,
): Schema<Tables, Defs> {
  const r: RelationBuilders = {
    hasMany: (target, key) => direct("hasMany", target, key(target)),
    hasOne: (target, key) => direct("hasOne", target, key(target)),
    belongsTo: (target, key) => ({ kind: "belongsTo", target, key: key as never, through: undefined }),
    manyToMany: (target, junction) => {
      const from = keyOf(junction.from(junction.through));
      const through = { table: junction.through, from, to: keyOf(junction.to(junction.through)) };
      return { kind: "manyToMany", target, key: from, through };
    },
  };
  const declared = (define?.(r) ?? {}) as Record<string, Record<string, Relation>>;
  const resolved: Record<string, Record<string, Relation>> = {};
  for (const [tableKey, rels] of Object.entries(declared)) {
    const source = tables[tableKey];
    if (!source)
      throw new ClosqlError(
        `closql: relations() declares relations of "${tableKey}", which is not a table key of the schema`,
      );
    resolved[tableKey] = {};
    for (const [name, declaredRelation] of Object.entries(rels)) {
      const relation =
        declaredRelation.kind === "belongsTo"
          ? {
              ...declaredRelation,
              key: columnKeyOf(source, declaredRelation.key as unknown as (t: AnyTable) => ColumnKey<string>),
            }
          : declaredRelation;
      checkRelation(tableKey, name, source, relation);
      resolved[tableKey][name] = relation;
    }
  }
  return { tables, relations: resolved as Schema<Tables>["relations"] };
}

function direct<Kind extends "hasMany" | "hasOne", T extends AnyTable, K extends string>(
  kind: Kind,
  target: T,
  column: ColumnKey<K>,
): Relation<Kind, T, K, undefined, any> {
  return { kind, target, key: keyOf(column), through: undefined };
}

/** A key closure's column, by its TypeScript key (the column knows it since it was placed in its table). */
function columnKeyOf(table: AnyTable, key: (t: AnyTable) => ColumnKey<string>): string {
  return keyOf(key(table));
}

/**
 * The TypeScript key of a column a key closure returned. (`$key` is the type-level phantom; at run
 * time the column knows its key since `table()` placed it.)
 */
function keyOf<K extends string>(column: ColumnKey<K>): K {
  const key = (column as unknown as Partial<AnyColumn>).config?.key;
  if (key === undefined)
    throw new ClosqlError("closql: a relation's key closure must return a column of a table, e.g. `p => p.userId`");
  return key as K;
}

/** The relation's ends exist and each key it points at is a single-column primary key. */
function checkRelation(tableKey: string, name: string, source: AnyTable, relation: Relation): void {
  const where = `relation "${name}" of "${tableKey}"`;
  const owner =
    relation.kind === "belongsTo" ? source : relation.kind === "manyToMany" ? relation.through!.table : relation.target;
  const keys = relation.kind === "manyToMany" ? [relation.through!.from, relation.through!.to] : [relation.key];
  for (const key of keys)
    if (!columnOf(owner, key))
      throw new ClosqlError(`closql: ${where}: "${key}" is not a column of table "${owner.$name}"`);
  const referenced =
    relation.kind === "belongsTo"
      ? [relation.target]
      : relation.kind === "manyToMany"
        ? [source, relation.target]
        : [source];
  for (const t of referenced) {
    const problem = primaryKeyProblem(t);
    if (problem)
      throw new ClosqlError(
        `closql: ${where}: table "${t.$name}" ${problem}; a relation points at a single-column primary key (declare it with .primaryKey())`,
      );
  }
}

function columnOf(table: AnyTable, key: string): { config: { primaryKey: boolean } } | undefined {
  const columns = table.$columns as Record<string, { config: { primaryKey: boolean } }>;
  return Object.prototype.hasOwnProperty.call(columns, key) ? columns[key] : undefined;
}

function primaryKeyProblem(table: AnyTable): string | undefined {
  const columns = Object.values(table.$columns as Record<string, { config: { primaryKey: boolean } }>);
  if (table.$extras.some((e) => e.kind === "primaryKey")) return "has a composite primary key";
  const keys = columns.filter((c) => c.config.primaryKey).length;
  return keys === 1 ? undefined : keys === 0 ? "has no primary key" : "has several primary key columns";
}
