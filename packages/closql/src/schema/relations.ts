import type { AnyColumn } from "./column";
import type { AnyTable } from "./table";

export interface Relation {
  readonly kind: "hasMany" | "hasOne" | "belongsTo";
  readonly target: AnyTable;
  /** For hasMany/hasOne a column of the target; for belongsTo a column of the source. */
  readonly foreignKey: AnyColumn;
}

interface PendingRelation {
  readonly kind: Relation["kind"];
  readonly target: AnyTable;
  readonly key: (t: any) => AnyColumn;
}

interface RelationBuilders {
  /** Target rows point at this row through `key`, a column of the target. */
  hasMany<T extends AnyTable>(target: T, key: (target: T) => AnyColumn): PendingRelation;
  hasOne<T extends AnyTable>(target: T, key: (target: T) => AnyColumn): PendingRelation;
  /** This row points at one target row through `key`, a column of this table. */
  belongsTo<T extends AnyTable>(target: T, key: (source: any) => AnyColumn): PendingRelation;
}

/** A schema: its tables, under the keys `db.<key>` uses, and their relations. */
export interface Schema<Tables extends Record<string, AnyTable> = Record<string, AnyTable>> {
  readonly tables: Tables;
  readonly relations: { readonly [K in keyof Tables]?: Readonly<Record<string, Relation>> };
}

export function relations<Tables extends Record<string, AnyTable>>(
  tables: Tables,
  define?: (r: RelationBuilders) => { [K in keyof Tables]?: Record<string, PendingRelation> },
): Schema<Tables> {
  const r: RelationBuilders = {
    hasMany: (target, key) => ({ kind: "hasMany", target, key }),
    hasOne: (target, key) => ({ kind: "hasOne", target, key }),
    belongsTo: (target, key) => ({ kind: "belongsTo", target, key }),
  };
  const pending = define?.(r) ?? {};
  const resolved: Record<string, Record<string, Relation>> = {};
  for (const [tableKey, rels] of Object.entries(pending) as [string, Record<string, PendingRelation>][]) {
    resolved[tableKey] = {};
    for (const [name, p] of Object.entries(rels)) {
      const keyOwner = p.kind === "belongsTo" ? tables[tableKey] : p.target;
      resolved[tableKey][name] = { kind: p.kind, target: p.target, foreignKey: p.key(keyOwner) };
    }
  }
  return { tables, relations: resolved as Schema<Tables>["relations"] };
}
