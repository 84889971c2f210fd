import ts from "typescript";
import { Refusal } from "../../diagnostics/refusal";
import { bindValue, BindVia } from "../../ir/binding";
import * as sql from "../../ir/sql-node";
import type { SqlNode } from "../../ir/sql-node";
import type { LoweredStep, SortKey } from "../../ir/statement";
import type { StepInput } from "../../recognize/methods";
import type { ColumnInfo } from "../../recognize/schema";
import { skipParens } from "../syntax";

/**
 * `.after(cursor)`: keyset pagination. Keeps the rows that come strictly after the cursor in the order
 * of the orderBy steps written before it in the same chain expression.
 *
 * Each key's value at the cursor is computed by SQL, not JavaScript: the key's own SQL with every
 * column it reads replaced by that property of the cursor, bound (`"name" COLLATE "C"` becomes
 * `$1::text COLLATE "C"`, `COALESCE("age", 0)` becomes `COALESCE($2::integer, 0)`). The condition then compares
 * the same expression with the same operators ORDER BY sorts by, so the two agree for every value
 * (NaN, case, accents, any database collation), and a computed key needs no JavaScript twin.
 */
export function lowerAfter(input: StepInput): LoweredStep {
  const [cursor] = input.args;
  const sorts = sortsBefore(input);
  if (sorts === undefined) return { kind: "after", nodes: [sql.TRUE] }; // an orderBy failed and is reported
  refuseRepeatedEvaluation(cursor);
  const keys = sorts.map((sort) => cursorKey(input, sort, cursor));
  refuseNonUniqueOrder(input, sorts[sorts.length - 1]);
  return { kind: "after", nodes: [afterCursor(keys)], keys: sorts.length };
}

/** Steps that change what a row is: the cursor condition, a WHERE on the table's rows, would not fit them. */
const NOT_WITH_AFTER = ["join", "leftJoin", "groupBy", "having", "distinct"] as const;

/** One sort key at the row and at the cursor. */
interface KeysetKey {
  readonly row: SqlNode;
  readonly cursor: SqlNode;
  readonly direction: "asc" | "desc";
  readonly nullsLast: boolean;
  readonly nullable: boolean;
}

/**
 * The orderBy keys the condition covers: every orderBy of the chain expression, all before `.after()`,
 * with no `limit`/`offset` in between (undefined when one of them failed to lower).
 */
function sortsBefore(input: StepInput): SortKey[] | undefined {
  const refuse = (at: ts.Node, why: string, fix: string): never => {
    throw new Refusal("keysetOrder", at, why, fix);
  };
  const shaping = [...input.earlier.map((s) => ({ kind: s.lowered?.kind, call: s.call })), ...input.later].find(
    (s) => s.kind !== undefined && (NOT_WITH_AFTER as readonly string[]).includes(s.kind),
  );
  if (shaping || input.sources.length > 1)
    refuse(
      shaping?.call ?? input.call,
      "`.after()` pages through the rows of one table; with joins, grouping or `distinct` it is not supported yet.",
      "Page through the table itself, or write the condition with `.where()`.",
    );
  const paging = input.earlier.find((s) => s.lowered?.kind === "limit" || s.lowered?.kind === "offset");
  if (paging)
    refuse(
      input.call,
      "`.after()` after `.limit()` or `.offset()` would page within the page.",
      "Write `.after(cursor)` before `.limit(n)`.",
    );
  const laterSort = input.later.find((s) => s.kind === "orderBy" || s.kind === "after");
  if (laterSort)
    refuse(
      laterSort.call,
      `\`.${laterSort.kind}()\` after \`.after()\`: the cursor condition covers only the sort keys written before it, so pages would skip or repeat rows.`,
      "Write every `.orderBy()` before `.after(cursor)`, and `.after()` once.",
    );
  if (input.earlier.some((s) => s.lowered === undefined)) return undefined;
  const aggregate = input.earlier.find((s) => s.lowered?.sort && s.lowered.reads?.aggregate);
  if (aggregate)
    refuse(
      aggregate.call,
      "an aggregate sort key cannot be computed at the cursor.",
      "Page through the groups with `.having()`.",
    );
  const sorts = input.earlier.flatMap((s) => (s.lowered?.sort ? [s.lowered.sort] : []));
  if (sorts.length === 0)
    refuse(
      input.call,
      "`.after()` needs the order it pages through: no `.orderBy()` before it in this chain expression.",
      "Write the sort keys and the cursor in one chain: `.orderBy((u) => u.name).orderBy((u) => u.id).after(last)`; a query built across `if`s can branch with `?:` around that chain.",
    );
  return sorts;
}

/**
 * The cursor expression is read once per column the keys read (`cursor.name`, `cursor.id`): it must
 * have no effect of its own to repeat (a call, an assignment).
 */
function refuseRepeatedEvaluation(cursor: ts.Expression): void {
  const effect = (n: ts.Node): ts.Node | undefined => {
    if (
      ts.isCallExpression(n) ||
      ts.isNewExpression(n) ||
      ts.isTaggedTemplateExpression(n) ||
      ts.isAwaitExpression(n) ||
      ts.isYieldExpression(n) ||
      ts.isDeleteExpression(n) ||
      (ts.isBinaryExpression(n) &&
        n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
        n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) ||
      ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) &&
        (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken))
    )
      return n;
    if (ts.isFunctionLike(n)) return undefined;
    return ts.forEachChild(n, effect);
  };
  const found = effect(cursor);
  if (found)
    throw new Refusal(
      "keysetCursor",
      found,
      "the cursor is read once per sort column, so this expression would run several times.",
      "Store the cursor in a variable first: `const last = page.at(-1)!; … .after(last)`.",
    );
}

/** A key at the row (its ORDER BY SQL) and at the cursor (the same SQL over the cursor's bound columns). */
function cursorKey(input: StepInput, sort: SortKey, cursor: ts.Expression): KeysetKey {
  const cursorType = input.checker.getTypeAtLocation(cursor);
  const at = sql.mapColumns(sort.node, (c) => {
    const column = [...input.table.columns.values()].find((col) => col.name === c.name)!;
    return sql.param(bindValue(cursorProperty(cursor, column.key), bindingOf(input, sort, column)), column.sqlType);
  });
  for (const c of sql.columnsOf(sort.node)) {
    const column = [...input.table.columns.values()].find((col) => col.name === c.name)!;
    requireCursorProperty(input, cursor, cursorType, column);
  }
  const nullsLast = (sort.nulls ?? (sort.direction === "asc" ? "last" : "first")) === "last";
  return { row: sort.node, cursor: at, direction: sort.direction, nullsLast, nullable: sort.type.nullable };
}

/**
 * How a cursor column is bound. A plain timestamp key (the last key, which orderBy leaves uncut) is
 * refused: PostgreSQL keeps microseconds, a Date only milliseconds, so the cursor cannot say where
 * its own row is (it would come again on the next page). A timestamp key another key follows sorts
 * by `date_trunc('milliseconds', …)` (order-by.ts), which the cursor's Date states exactly. JSON,
 * arrays and bytes have no JavaScript form that round-trips exactly.
 */
function bindingOf(input: StepInput, sort: SortKey, column: ColumnInfo): BindVia {
  const base = column.sqlType.replace(/\(.*\)$/, "");
  if (base === "timestamptz" || base === "timestamp") {
    // `u.createdAt.getTime()` cuts to milliseconds in SQL, so a Date states it exactly.
    if (sort.node.kind === "column")
      throw new Refusal(
        "keysetKey",
        sort.at,
        `a ${base} sort key cannot page exactly: PostgreSQL keeps microseconds, a Date (the cursor's value) only milliseconds, so the cursor's own row could come again.`,
        "Sort by its milliseconds, `.orderBy((u) => u.createdAt.getTime())` (index `((…))` the same expression), then by the primary key.",
      );
    return { kind: "date", edge: "at", fromMs: false };
  }
  if (column.sqlType.endsWith("[]") || base === "jsonb" || base === "bytea")
    throw new Refusal(
      "keysetKey",
      sort.at,
      `a sort key reading the ${column.sqlType} column "${column.name}" cannot page: its JavaScript value does not round-trip exactly.`,
      "Sort by columns of scalar types (text, numbers, booleans, enums, uuid, date), then by the primary key.",
    );
  return { kind: "value" };
}

/** `cursor.key` (or `cursor["key"]`), read when the query runs. */
function cursorProperty(cursor: ts.Expression, key: string): ts.Expression {
  const f = ts.factory;
  return /^[A-Za-z_$][\w$]*$/.test(key)
    ? f.createPropertyAccessExpression(f.createParenthesizedExpression(cursor), key)
    : f.createElementAccessExpression(f.createParenthesizedExpression(cursor), f.createStringLiteral(key));
}

/**
 * The cursor's type must state each column the keys read, as a value (not optional, not undefined):
 * a cursor without it would page from NULL and silently return nothing.
 */
function requireCursorProperty(input: StepInput, cursor: ts.Expression, cursorType: ts.Type, column: ColumnInfo): void {
  const checker = input.checker;
  const refuse = (why: string): never => {
    throw new Refusal(
      "keysetCursor",
      cursor,
      `the cursor ${why}, which a sort key reads.`,
      "Pass the last row of the previous page (or an object holding every column the sort keys read, under its own name); for the first page, leave out `.after()`.",
    );
  };
  const loose =
    ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void;
  const parts = cursorType.isUnion() ? cursorType.types : [cursorType];
  if (parts.some((p) => (p.flags & loose) !== 0))
    refuse(`may be ${checker.typeToString(cursorType)}: it must be a row`);
  const property = cursorType.getProperty(column.key);
  if (!property || (property.flags & ts.SymbolFlags.Optional) !== 0)
    refuse(`type \`${checker.typeToString(cursorType)}\` has no property \`${column.key}\``);
  const type = checker.getTypeOfSymbolAtLocation(property!, cursor);
  const valueParts = type.isUnion() ? type.types : [type];
  const absent = ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Undefined | ts.TypeFlags.Void;
  if (valueParts.some((p) => (p.flags & absent) !== 0))
    refuse(`property \`${column.key}\` may be ${checker.typeToString(type)}, not a value of the column`);
}

/**
 * The order must be total, or rows tied on every key at a page's end are skipped: the last key must be
 * a NOT NULL column declared `.primaryKey()` or `.unique()`.
 */
function refuseNonUniqueOrder(input: StepInput, last: SortKey): void {
  // A string key is compared as its text (`"id"::text COLLATE "C"`), which keeps a unique column unique.
  let node = last.node.kind === "collate" ? last.node.operand : last.node;
  if (node.kind === "cast" && node.type === "text") node = node.operand;
  const column =
    node.kind === "column" ? [...input.table.columns.values()].find((c) => c.name === node.name) : undefined;
  if (column?.unique && !column.nullable) return;
  throw new Refusal(
    "keysetNotUnique",
    last.at,
    "the last sort key before `.after()` is not a unique NOT NULL column, so rows tied on every key at a page's end would be skipped.",
    "End the order with the primary key (or a `.unique()` NOT NULL column): `.orderBy((u) => u.id)`.",
  );
}

/**
 * "Comes strictly after the cursor". Same-direction NOT NULL keys compare as one row value,
 * `ROW(k1, k2) > ROW(c1, c2)`, which a btree index on (k1, k2) serves; otherwise the expanded form
 * `k1 > c1 OR (k1 = c1 AND (k2 > c2 OR …))`, with the NULL cases of each nullable key.
 */
export function afterCursor(keys: readonly KeysetKey[]): SqlNode {
  const direction = keys[0].direction;
  if (keys.length > 1 && keys.every((k) => !k.nullable && k.direction === direction))
    return sql.binary(
      direction === "asc" ? ">" : "<",
      sql.call("ROW", ...keys.map((k) => k.row)),
      sql.call("ROW", ...keys.map((k) => k.cursor)),
    );
  let condition = strictlyAfter(keys[keys.length - 1]);
  for (let i = keys.length - 2; i >= 0; i--)
    condition = sql.or(strictlyAfter(keys[i]), sql.and(tied(keys[i]), condition));
  return condition;
}

/** The row's key comes after the cursor's, NULLs placed as ORDER BY places them. */
function strictlyAfter(k: KeysetKey): SqlNode {
  const beyond = sql.binary(k.direction === "asc" ? ">" : "<", k.row, k.cursor);
  if (!k.nullable) return beyond;
  // NULLS LAST: a NULL row key comes after any value; NULLS FIRST: any value comes after a NULL.
  const [rowNull, cursorNull] = k.nullsLast ? ["NULL", "NOT NULL"] : ["NOT NULL", "NULL"];
  return sql.or(beyond, sql.and(sql.is(k.row, rowNull as "NULL"), sql.is(k.cursor, cursorNull as "NULL")));
}

/** The row's key equals the cursor's (two NULLs tie, as ORDER BY groups them). */
function tied(k: KeysetKey): SqlNode {
  const equal = sql.binary("=", k.row, k.cursor);
  if (!k.nullable) return equal;
  return sql.or(equal, sql.and(sql.is(k.row, "NULL"), sql.is(k.cursor, "NULL")));
}
