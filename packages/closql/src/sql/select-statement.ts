import { Fragment, StatementBuilder } from "./fragment";

/** What a read ends with; decides the statement's outer shape and how rows become a result. */
export const READ_KINDS = ["all", "first", "one", "count", "exists", "stream"] as const;
export type ReadKind = (typeof READ_KINDS)[number];

/** The parts of a read, each compiled at build time. */
export interface SelectParts<P> {
  /** Quoted table name, e.g. `"users"`, or a subquery `(SELECT …) AS "users"`. */
  readonly from: string | Fragment<P>;
  /** The select list: `"id", "email"` or `lower("email") AS "e"`. */
  readonly columns: Fragment<P>;
  /** Join clauses, each whole: `JOIN "posts" ON …`. */
  readonly joins?: readonly Fragment<P>[];
  readonly where: readonly Fragment<P>[];
  /** GROUP BY keys (several groupBy calls add keys) and HAVING conditions (AND together). */
  readonly groupBy?: readonly Fragment<P>[];
  readonly having?: readonly Fragment<P>[];
  readonly distinct?: boolean;
  readonly orderBy: readonly Fragment<P>[];
  readonly limit?: Fragment<P>;
  readonly offset?: Fragment<P>;
  /** A row lock: `FOR UPDATE SKIP LOCKED`. */
  readonly lock?: Fragment<P>;
}

/**
 * Prints a whole SELECT from its precompiled parts. Used by the transformer (P = expression, to fold a
 * static chain into one constant) and by the runtime (P = value, for chains built across `if`s).
 */
export function assembleSelect<P>(parts: SelectParts<P>, kind: ReadKind): { text: string; params: P[] } {
  return selectInto(new StatementBuilder<P>(), parts, kind).build();
}

/** A whole SELECT as a fragment, to nest in another statement. */
export function selectFragment<P>(parts: SelectParts<P>): Fragment<P> {
  return selectInto(new StatementBuilder<P>(), parts, "all").fragment();
}

function selectInto<P>(b: StatementBuilder<P>, parts: SelectParts<P>, kind: ReadKind): StatementBuilder<P> {
  const from = (prefix: string) => {
    b.append(`${prefix} FROM `);
    if (typeof parts.from === "string") b.append(parts.from);
    else b.appendFragment(parts.from);
    for (const join of parts.joins ?? []) b.append(" ").appendFragment(join);
  };
  const grouped = (parts.groupBy?.length ?? 0) > 0 || (parts.having?.length ?? 0) > 0;
  if (kind === "count" || kind === "exists") {
    const paged = parts.limit !== undefined || parts.offset !== undefined;
    // A lock cannot sit beside an aggregate: the rows are locked in the subquery that counts them.
    // Groups and distinct rows are counted in a subquery: the count is of what the query returns.
    if (kind === "count" && !paged && !parts.lock && !grouped && !parts.distinct) {
      from("SELECT count(*)");
      appendWhere(b, parts.where);
      return b;
    }
    b.append(kind === "count" ? "SELECT count(*) FROM (" : "SELECT EXISTS (");
    if (parts.distinct) b.append("SELECT DISTINCT ").appendFragment(parts.columns);
    from(parts.distinct ? "" : "SELECT 1");
    appendWhere(b, parts.where);
    appendGroups(b, parts);
    appendPaging(b, parts.limit, parts.offset, undefined);
    appendLock(b, parts.lock);
    b.append(kind === "count" ? ") AS q" : ")");
    return b;
  }
  b.append(parts.distinct ? "SELECT DISTINCT " : "SELECT ").appendFragment(parts.columns);
  from("");
  appendWhere(b, parts.where);
  appendGroups(b, parts);
  if (parts.orderBy.length > 0) b.append(" ORDER BY ").appendJoined(parts.orderBy, ", ");
  // first() needs one row and one() two (to tell "exactly one" from "more than one"), never more
  // than the user's own limit.
  const cap = kind === "first" ? 1 : kind === "one" ? 2 : undefined;
  appendPaging(b, parts.limit, parts.offset, cap);
  appendLock(b, parts.lock);
  return b;
}

function appendLock<P>(b: StatementBuilder<P>, lock: Fragment<P> | undefined): void {
  if (lock) b.append(" ").appendFragment(lock);
}

/** Several where() calls AND together. A printed condition is always safe as an AND operand: the
 * printer parenthesizes every AND/OR, and nothing else binds looser than AND. */
function appendWhere<P>(b: StatementBuilder<P>, where: readonly Fragment<P>[]): void {
  if (where.length === 0) return;
  b.append(" WHERE ").appendJoined(where, " AND ");
}

function appendGroups<P>(b: StatementBuilder<P>, parts: SelectParts<P>): void {
  if (parts.groupBy && parts.groupBy.length > 0) b.append(" GROUP BY ").appendJoined(parts.groupBy, ", ");
  if (parts.having && parts.having.length > 0) b.append(" HAVING ").appendJoined(parts.having, " AND ");
}

function appendPaging<P>(
  b: StatementBuilder<P>,
  limit: Fragment<P> | undefined,
  offset: Fragment<P> | undefined,
  cap: number | undefined,
): void {
  if (limit && cap !== undefined) {
    const literal = limit.refs.length === 0 ? Number(limit.sql[0]) : NaN;
    if (Number.isInteger(literal)) b.append(` LIMIT ${Math.min(literal, cap)}`);
    else b.append(" LIMIT LEAST(").appendFragment(limit).append(`, ${cap})`);
  } else if (limit) {
    b.append(" LIMIT ").appendFragment(limit);
  } else if (cap !== undefined) {
    b.append(` LIMIT ${cap}`);
  }
  if (offset) b.append(" OFFSET ").appendFragment(offset);
}
