import type { ReadKind } from "../sql/select-statement";
import type { StepKind } from "../sql/steps";

/** Turns one result row (pg `rowMode: "array"`) into the object the user sees. Emitted per query. */
export type RowMapper = (row: unknown[]) => unknown;

/** A whole read folded at build time: the transformer emits one of these as a module constant. */
export interface CompiledRead {
  readonly text: string;
  readonly kind: ReadKind;
  /** Row mapper for all/first/one; count and exists need none. */
  readonly map?: RowMapper;
  /** `file:line` of the query in the TypeScript source. */
  readonly source: string;
  /** Prepared-statement name (derived from the text at build time). */
  readonly name: string;
  /** Relations to load into the rows read, one statement each. */
  readonly preload?: readonly CompiledPreload[];
}

/**
 * One relation to load into the rows of its parent level, compiled at build time. Strategy
 * "batched": one statement per relation, taking every parent key as one array parameter (`$1`),
 * whatever the number of parents; its result rows are grouped by key into the parents. (A read of few
 * rows loads its relations in its own statement instead, decoded by its row mapper: preload-json.ts.)
 */
export interface CompiledPreload {
  readonly strategy: "batched";
  /** The property each parent row receives. */
  readonly relation: string;
  /** An array of rows (hasMany, manyToMany) or one row or null (belongsTo, hasOne). */
  readonly many: boolean;
  /** The parent row's property holding the key the children are found by. */
  readonly parentKey: string;
  /** The child row's property holding its parent's key; without it, the statement's first column is (many-to-many). */
  readonly childKey?: string;
  /** How that first column's value is decoded (`$decode`'s helper name), when it needs decoding. */
  readonly keyDecoder?: string;
  /** The statement: `$1` is the parent keys; `$2…` the filter's values. */
  readonly text: string;
  readonly name: string;
  /** `file:line` of the `.preload()` call. */
  readonly source: string;
  readonly map: RowMapper;
  /** This call gave the relation a filter, order or limit (two such calls for one relation conflict). */
  readonly configured: boolean;
  /** Which entry of the values given with the plan holds this statement's filter values, if it has any. */
  readonly slot?: number;
  readonly children: readonly CompiledPreload[];
}

/** One step of a chain built across `if`s, compiled at build time and joined at run time. */
export interface CompiledStep {
  readonly kind: StepKind;
  readonly sql: readonly string[];
  readonly refs: readonly number[];
  /** For `select`: the mapper of the projection. */
  readonly map?: RowMapper;
  /** For `after`: how many orderBy steps its condition covers. */
  readonly keys?: number;
}

/** The end of a chain built across `if`s: what to read, and the whole-row select to use if no step selected. */
export interface CompiledReadPlan {
  readonly kind: ReadKind;
  readonly source: string;
  readonly columns: string;
  readonly map: RowMapper;
}
