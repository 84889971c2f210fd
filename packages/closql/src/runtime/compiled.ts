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
}

/** One step of a chain built across `if`s, compiled at build time and joined at run time. */
export interface CompiledStep {
  readonly kind: StepKind;
  readonly sql: readonly string[];
  readonly refs: readonly number[];
  /** For `select`: the mapper of the projection. */
  readonly map?: RowMapper;
}

/** The end of a chain built across `if`s: what to read, and the whole-row select to use if no step selected. */
export interface CompiledReadPlan {
  readonly kind: ReadKind;
  readonly source: string;
  readonly columns: string;
  readonly map: RowMapper;
}
