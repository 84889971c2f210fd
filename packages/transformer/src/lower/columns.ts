import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import * as sql from "../ir/sql-node";
import { columnType } from "../ir/value-type";
import type { LoweringContext } from "./context";
import { skipTransparent } from "./syntax";
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
  if (!col) throw new Refusal("unknownColumn", e, `\`${key}\` is not a column of table "${source.table.name}".`);
  let type = columnType(col);
  // The declared labels (recognize/schema.ts refuses a table whose labels are not literal types).
  if (col.enumLabels) type = { ...type, enumLabels: col.enumLabels };
  // TypeScript narrows `u.x` after `u.x !== null &&`; the SQL stays correct because the guarding
  // operand decides the AND/OR whenever the narrowing does not hold.
  if (type.nullable && !cx.typeIncludesNull(e)) type = { ...type, narrowed: true };
  return { node: sql.column(col.name, source.qualifier, !col.nullable), type };
}
