import type { Fragment } from "./fragment";
import { assembleSelect, ReadKind, SelectParts } from "./select-statement";

/**
 * The steps a read chain can take, in one list. The transformer's method table, the runtime's
 * `CompiledStep` and the fold below are all keyed by it, so a new step kind that is missing from any
 * of them fails closql's own build.
 */
export const STEP_KINDS = ["where", "orderBy", "limit", "offset", "select"] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** One compiled step as the fold sees it. `M` is how the step's rows are mapped (select only). */
export interface FoldStep<P, M> {
  readonly kind: StepKind;
  readonly fragment: Fragment<P>;
  readonly map?: M;
}

/** The select list used when no step selects: the whole row. */
export interface WholeRow<M> {
  /** Quoted column names, e.g. `"id", "email"`. */
  readonly columns: string;
  readonly map: M;
}

type MutableParts<P> = { -readonly [K in keyof SelectParts<P>]: SelectParts<P>[K] } & {
  where: Fragment<P>[];
  orderBy: Fragment<P>[];
};

/** Where each step kind lands in the statement. */
const FOLD: {
  readonly [K in StepKind]: <P, M>(parts: MutableParts<P>, step: FoldStep<P, M>, read: { map: M }) => void;
} = {
  where: (parts, step) => void parts.where.push(step.fragment),
  orderBy: (parts, step) => void parts.orderBy.push(step.fragment),
  limit: (parts, step) => void (parts.limit = step.fragment),
  offset: (parts, step) => void (parts.offset = step.fragment),
  select: (parts, step, read) => {
    parts.columns = step.fragment;
    read.map = step.map!;
  },
};

/**
 * Folds the steps of a read, in the order they were written, into one statement. The one fold:
 * the transformer calls it at build time for a chain whose whole history is known (P = a binding,
 * M = the fields of a row mapper), the runtime for a chain built across `if`s (P = a value, M = the
 * mapper), so both print the same SQL.
 */
export function foldRead<P, M>(
  from: string,
  whole: WholeRow<M>,
  steps: readonly FoldStep<P, M>[],
  kind: ReadKind,
): { text: string; params: P[]; map: M } {
  const parts: MutableParts<P> = {
    from,
    columns: { sql: [whole.columns], refs: [], params: [] },
    where: [],
    orderBy: [],
  };
  const read = { map: whole.map };
  for (const step of steps) FOLD[step.kind](parts, step, read);
  const { text, params } = assembleSelect(parts, kind);
  return { text, params, map: read.map };
}
