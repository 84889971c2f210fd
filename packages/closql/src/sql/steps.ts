import { Fragment, StatementBuilder } from "./fragment";
import { assembleSelect, ReadKind, SelectParts, selectFragment } from "./select-statement";

/**
 * The steps a read chain can take, in one list. The transformer's method table, the runtime's
 * `CompiledStep` and the fold below are all keyed by it, so a new step kind that is missing from any
 * of them fails closql's own build.
 */
export const STEP_KINDS = [
  "where",
  "orderBy",
  "after",
  "limit",
  "offset",
  "select",
  "join",
  "leftJoin",
  "groupBy",
  "having",
  "distinct",
  "forUpdate",
  "forNoKeyUpdate",
  "forShare",
  "forKeyShare",
  "preload",
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** One compiled step as the fold sees it. `M` is how the step's rows are mapped (select only). */
export interface FoldStep<P, M> {
  readonly kind: StepKind;
  readonly fragment: Fragment<P>;
  readonly map?: M;
  /** For after: how many orderBy steps its condition covers (see keysetProblem). */
  readonly keys?: number;
}

/** The select list used when no step selects: the whole row. */
export interface WholeRow<M> {
  /** Quoted column names, e.g. `"id", "email"`. */
  readonly columns: string;
  readonly map: M;
}

/** The statement being folded: its innermost SELECT's parts, and the projection if one was chosen. */
interface Fold<P, M> {
  parts: { -readonly [K in keyof SelectParts<P>]: SelectParts<P>[K] } & {
    where: Fragment<P>[];
    orderBy: Fragment<P>[];
    joins: Fragment<P>[];
    groupBy: Fragment<P>[];
    having: Fragment<P>[];
  };
  projection?: { columns: Fragment<P>; map: M };
}

/** Where each step kind lands in the statement. */
const FOLD: { readonly [K in StepKind]: <P, M>(fold: Fold<P, M>, step: FoldStep<P, M>) => void } = {
  where: (fold, step) => void fold.parts.where.push(step.fragment),
  orderBy: (fold, step) => void fold.parts.orderBy.push(step.fragment),
  // Keyset pagination: "comes after the cursor in this order" is one more condition.
  after: (fold, step) => void fold.parts.where.push(step.fragment),
  limit: (fold, step) => void (fold.parts.limit = step.fragment),
  offset: (fold, step) => void (fold.parts.offset = step.fragment),
  select: (fold, step) => void (fold.projection = { columns: step.fragment, map: step.map! }),
  // The fragment is the whole clause: `JOIN "posts" ON …`, `LEFT JOIN "users" AS "users_2" ON …`.
  join: (fold, step) => void fold.parts.joins.push(step.fragment),
  leftJoin: (fold, step) => void fold.parts.joins.push(step.fragment),
  groupBy: (fold, step) => void fold.parts.groupBy.push(step.fragment),
  having: (fold, step) => void fold.parts.having.push(step.fragment),
  distinct: (fold) => void (fold.parts.distinct = true),
  // Row locks: the last one written wins, as for limit (the fragment is the whole `FOR …` clause).
  forUpdate: (fold, step) => void (fold.parts.lock = step.fragment),
  forNoKeyUpdate: (fold, step) => void (fold.parts.lock = step.fragment),
  forShare: (fold, step) => void (fold.parts.lock = step.fragment),
  forKeyShare: (fold, step) => void (fold.parts.lock = step.fragment),
  // A preload is no part of the read's statement: it runs its own after it (runtime/preload.ts), so
  // neither the transformer nor the runtime hands one to the fold.
  preload: () => {
    throw new Error("closql: a preload step reached the fold");
  },
};

/**
 * Folds the steps of a read, in the order they were written (see appliesToPagedRows), into one
 * statement. The one fold:
 * the transformer calls it at build time for a chain whose whole history is known (P = a binding,
 * M = the fields of a row mapper), the runtime for a chain built across `if`s (P = a value, M = the
 * mapper), so both print the same SQL.
 *
 * A step that applies to the rows a `limit`/`offset` kept makes what came before a subquery (of whole
 * rows, under the table's name), and the fold goes on around it.
 */
export function foldRead<P, M>(
  from: string,
  whole: WholeRow<M>,
  steps: readonly FoldStep<P, M>[],
  kind: ReadKind,
  /**
   * Columns the outermost SELECT adds after the whole row (relations loaded in the read's own
   * statement, print/preload-json.ts): computed for the rows the read returns, not inside subqueries.
   */
  extraColumns?: Fragment<P>,
): { text: string; params: P[]; map: M } {
  const wholeColumns: Fragment<P> = { sql: [whole.columns], refs: [], params: [] };
  const layer = (source: string | Fragment<P>): Fold<P, M>["parts"] => ({
    from: source,
    columns: wholeColumns,
    where: [],
    orderBy: [],
    joins: [],
    groupBy: [],
    having: [],
  });
  const fold: Fold<P, M> = { parts: layer(from) };
  for (const step of steps) {
    if (appliesToPagedRows(fold.parts, step.kind) || joinsShapedRows(fold, step.kind))
      fold.parts = layer(subquery(selectFragment(fold.parts), from));
    FOLD[step.kind](fold, step);
  }
  let columns = fold.projection?.columns ?? wholeColumns;
  if (extraColumns) columns = new StatementBuilder<P>().appendJoined([columns, extraColumns], ", ").fragment();
  const { text, params } = assembleSelect({ ...fold.parts, columns }, kind);
  return { text, params, map: fold.projection?.map ?? whole.map };
}

/**
 * Why the `after` steps of a chain cannot be folded faithfully, or undefined. An after step's condition
 * covers the orderBy steps written before it in its own chain expression (the transformer checks that
 * chain at build time); a chain built across `if`s may add others around it, which the condition would
 * not cover (rows skipped or repeated), or page before it. The runtime checks the whole chain here.
 */
export function keysetProblem(
  steps: readonly { readonly kind: StepKind; readonly keys?: number }[],
): string | undefined {
  if (!steps.some((s) => s.kind === "after")) return undefined;
  const shaping = steps.find((s) => ["join", "leftJoin", "groupBy", "having", "distinct"].includes(s.kind));
  if (shaping) return `.after() cannot page a query with .${shaping.kind}()`;
  const sorts = steps.filter((s) => s.kind === "orderBy").length;
  let sortsBefore = 0;
  let paged = false;
  for (const step of steps) {
    if (step.kind === "orderBy") sortsBefore++;
    if (step.kind === "limit" || step.kind === "offset") paged = true;
    if (step.kind !== "after") continue;
    if (paged) return ".after() follows .limit() or .offset(): it would page within the page";
    if (sortsBefore !== sorts) return ".orderBy() follows .after(): its key is not part of the cursor condition";
    if (sortsBefore !== step.keys)
      return `.after() covers ${step.keys} sort key(s) but the query sorts by ${sortsBefore}: write every .orderBy() of the query in the chain expression that calls .after()`;
  }
  return undefined;
}

/**
 * `limit` and `offset` set the page of the rows so far (in either order, the last call of each wins,
 * as in SQL and every query builder); a filter or sort written after them applies to that page only.
 */
function appliesToPagedRows<P>(parts: Fold<P, unknown>["parts"], kind: StepKind): boolean {
  const paged = parts.limit !== undefined || parts.offset !== undefined;
  return paged && (kind === "where" || kind === "orderBy");
}

/**
 * A join reads the first table's rows under its name, with columns qualified by it. Steps written
 * before the join (on one table, so printed unqualified) therefore become a subquery of whole rows
 * under that name (PostgreSQL flattens it back into one join); joins written first stay flat.
 */
function joinsShapedRows<P, M>(fold: Fold<P, M>, kind: StepKind): boolean {
  if (kind !== "join" && kind !== "leftJoin") return false;
  const p = fold.parts;
  const shaped =
    p.where.length + p.orderBy.length + p.groupBy.length + p.having.length > 0 ||
    p.limit !== undefined ||
    p.offset !== undefined ||
    p.lock !== undefined ||
    p.distinct === true;
  return p.joins.length === 0 && shaped;
}

/** `(SELECT …) AS "table"`: keeps the table's name, so later steps read its columns as before. */
function subquery<P>(inner: Fragment<P>, alias: string): Fragment<P> {
  const sql = [...inner.sql];
  sql[0] = `(${sql[0]}`;
  sql[sql.length - 1] += `) AS ${alias}`;
  return { sql, refs: inner.refs, params: inner.params };
}

/**
 * The conditions of an UPDATE or DELETE, from the steps of the query it was called on: only `where`
 * steps can precede a write (PostgreSQL's UPDATE/DELETE have no ORDER BY, LIMIT or select list).
 * Returns the kind of the first other step instead, for the caller to report.
 */
export function writeConditions<P>(
  steps: readonly { readonly kind: StepKind; readonly fragment: Fragment<P> }[],
): { readonly where: Fragment<P>[] } | { readonly unsupported: StepKind } {
  const where: Fragment<P>[] = [];
  for (const step of steps) {
    if (step.kind !== "where") return { unsupported: step.kind };
    where.push(step.fragment);
  }
  return { where };
}
