import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import * as sql from "../ir/sql-node";
import { columnType } from "../ir/value-type";
import type { ColumnInfo } from "../recognize/schema";
import type { LoweringContext } from "./context";
import { skipTransparent } from "./syntax";
import { relationAsValue } from "./relations";
import type { Value } from "./value";

/** `u.col` (or `u["col"]`, `u?.col`) where `u` is a row parameter in scope. */
export function columnReference(cx: LoweringContext, e: ts.Expression): Value | undefined {
  let object: ts.Expression;
  let key: string;
  if (ts.isPropertyAccessExpression(e)) {
    object = e.expression;
    key = e.name.text;
  } else if (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression)) {
    object = e.expression;
    key = e.argumentExpression.text;
  } else return undefined;
  object = skipTransparent(object);
  const source = ts.isIdentifier(object) ? cx.rowSource(object) : undefined;
  if (!source) return undefined;
  const col = source.table.columns.get(key);
  const relation = col ? undefined : source.relations?.get(key);
  if (relation) throw relationAsValue(relation, e);
  if (!col) throw new Refusal("unknownColumn", e, `\`${key}\` is not a column of table "${source.table.name}".`);
  if (cx.aggregateDepth === 0) cx.reads.bareColumn ??= e;
  if (source.optional) return optionalSideColumn(cx, e, object, col);
  let type = columnType(col);
  // The declared labels (recognize/schema.ts refuses a table whose labels are not literal types).
  if (col.enumLabels) type = { ...type, enumLabels: col.enumLabels };
  // TypeScript narrows `u.x` after `u.x !== null &&`; the SQL stays correct because the guarding
  // operand decides the AND/OR whenever the narrowing does not hold.
  if (type.nullable && !cx.typeIncludesNull(e)) type = { ...type, narrowed: true };
  return { node: sql.column(col.name, source.qualifier, !col.nullable), type };
}

/**
 * A column of a left-joined row `p`, which is `null` where nothing matched (every column NULL then).
 * `p?.col` is undefined there, so its NULL means undefined (or either, for a nullable column); `p.col`
 * is only written where TypeScript narrowed `p` to a row (`p !== null && p.col …`), and the guard
 * decides the rows where it is NULL; `p!.col` on a null `p` would throw in JavaScript.
 */
function optionalSideColumn(cx: LoweringContext, e: ts.Expression, row: ts.Expression, col: ColumnInfo): Value {
  const source = cx.rowSource(row as ts.Identifier)!;
  let type = columnType(col);
  if (col.enumLabels) type = { ...type, enumLabels: col.enumLabels };
  const node = sql.column(col.name, source.qualifier);
  if (cx.typeIncludesNull(row)) {
    if (!ts.isOptionalChain(e))
      throw new Refusal(
        "nullReceiver",
        e,
        "this left-joined row is null where nothing matched: JavaScript would throw a TypeError reading its property (a non-null assertion does not change the value).",
        "Check it first (`p !== null && p.title === …`) or use `p?.title`.",
      );
    const missingRow = sql.is(sql.column(source.optional!.presence, source.qualifier), "NULL");
    return { node, type: { ...type, nullable: true, absent: col.nullable ? "either" : "undefined" }, missingRow };
  }
  return { node, type: { ...type, nullable: true, narrowed: true } };
}

/**
 * A row parameter used as a value: `p === null`, `!p`, `{ post: p }` in a select. A left-joined row
 * is null exactly where its NOT NULL presence column is NULL; any other row is never null.
 */
export function rowValue(cx: LoweringContext, id: ts.Identifier): Value | undefined {
  const source = cx.rowSource(id);
  if (!source) return undefined;
  if (!source.optional) return { node: sql.TRUE, type: { kind: "row", nullable: false }, row: source };
  const nullable = cx.typeIncludesNull(id);
  const node = sql.column(source.optional.presence, source.qualifier);
  return { node, type: { kind: "row", nullable: true, ...(nullable ? {} : { narrowed: true }) }, row: source };
}
