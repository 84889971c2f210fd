import ts from "typescript";
import type { OutputField } from "../ir/output";
import { helperReference } from "./runtime";

/**
 * The row mapper of one query, as code: `r => ({ id: r[0], n: rt.$decode.int8(r[1]) })`. Built at
 * build time, so the runtime does no per-row name lookups and no per-query planning. A nested row
 * (`{ post: p }` in a select) reads the next columns: `post: r[2] === null ? null : { id: r[2], … }`.
 */
export function mapperExpression(
  f: ts.NodeFactory,
  fields: readonly OutputField[],
  runtime: ts.Identifier,
  /** Where the fields' columns start (a preload's key may come first). */
  offset = 0,
  /** Relations loaded in the same row (preload strategy "json"): each reads the next column with its decoder. */
  relations: readonly { readonly key: string; readonly decoder: ts.Expression }[] = [],
): ts.ArrowFunction {
  const r = f.createIdentifier("r");
  let next = offset;
  const column = (i: number) => f.createElementAccessExpression(r, f.createNumericLiteral(i));
  const objectOf = (list: readonly OutputField[]): ts.ObjectLiteralExpression =>
    f.createObjectLiteralExpression(
      list.map((field) => {
        const name = /^[A-Za-z_$][\w$]*$/.test(field.key)
          ? f.createIdentifier(field.key)
          : f.createStringLiteral(field.key);
        return f.createPropertyAssignment(name, valueOf(field));
      }),
      false,
    );
  const valueOf = (field: OutputField): ts.Expression => {
    if (field.row) {
      const first = next;
      const object = objectOf(field.row.fields);
      if (field.row.presence === undefined) return object;
      const missing = f.createStrictEquality(column(first + field.row.presence), f.createNull());
      return f.createConditionalExpression(
        missing,
        f.createToken(ts.SyntaxKind.QuestionToken),
        f.createNull(),
        f.createToken(ts.SyntaxKind.ColonToken),
        object,
      );
    }
    let value: ts.Expression = column(next++);
    if (field.decoder) {
      value = f.createCallExpression(helperReference(f, runtime, `$decode.${field.decoder}`), undefined, [value]);
    }
    if (field.undefinedIfNull) {
      value = f.createCallExpression(helperReference(f, runtime, "$decode.undefinedIfNull"), undefined, [value]);
    }
    return value;
  };
  const withRelations = (row: ts.ObjectLiteralExpression): ts.ObjectLiteralExpression =>
    relations.length === 0
      ? row
      : f.createObjectLiteralExpression([
          ...row.properties,
          ...relations.map((r) =>
            f.createPropertyAssignment(
              /^[A-Za-z_$][\w$]*$/.test(r.key) ? f.createIdentifier(r.key) : f.createStringLiteral(r.key),
              f.createCallExpression(r.decoder, undefined, [column(next++)]),
            ),
          ),
        ]);
  return f.createArrowFunction(
    undefined,
    undefined,
    [f.createParameterDeclaration(undefined, undefined, r)],
    undefined,
    f.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
    f.createParenthesizedExpression(withRelations(objectOf(fields))),
  );
}
