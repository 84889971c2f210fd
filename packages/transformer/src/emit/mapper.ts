import ts from "typescript";
import type { OutputField } from "../ir/output";
import { helperReference } from "./runtime";

/**
 * The row mapper of one query, as code: `r => ({ id: r[0], n: rt.$decode.int8(r[1]) })`. Built at
 * build time, so the runtime does no per-row name lookups and no per-query planning.
 */
export function mapperExpression(
  f: ts.NodeFactory,
  fields: readonly OutputField[],
  runtime: ts.Identifier,
): ts.ArrowFunction {
  const r = f.createIdentifier("r");
  const props = fields.map((field, i) => {
    let value: ts.Expression = f.createElementAccessExpression(r, f.createNumericLiteral(i));
    if (field.decoder) {
      value = f.createCallExpression(helperReference(f, runtime, `$decode.${field.decoder}`), undefined, [value]);
    }
    if (field.undefinedIfNull) {
      value = f.createCallExpression(helperReference(f, runtime, "$decode.undefinedIfNull"), undefined, [value]);
    }
    const name = /^[A-Za-z_$][\w$]*$/.test(field.key)
      ? f.createIdentifier(field.key)
      : f.createStringLiteral(field.key);
    return f.createPropertyAssignment(name, value);
  });
  return f.createArrowFunction(
    undefined,
    undefined,
    [f.createParameterDeclaration(undefined, undefined, r)],
    undefined,
    f.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
    f.createParenthesizedExpression(f.createObjectLiteralExpression(props, false)),
  );
}
