import ts from "typescript";
import type { ValueType } from "./value-type";

/** How one result column becomes a field: its key and the decoder it needs, if any. */
export interface OutputField {
  readonly key: string;
  readonly decoder?: "int8" | "int8Number" | "int8Array" | "int8NumberArray" | "textArray";
}

export function decoderFor(t: ValueType): OutputField["decoder"] {
  if (t.sqlType === "bigint") return t.kind === "bigint" ? "int8" : "int8Number";
  if (t.kind === "array" && t.element?.sqlType === "bigint")
    return t.element.kind === "bigint" ? "int8Array" : "int8NumberArray";
  // Enum arrays have no type parser in pg (their oid varies per database).
  if (t.kind === "array" && t.element?.sqlType?.startsWith('"')) return "textArray";
  return undefined;
}

/**
 * The row mapper of one query, as code: `r => ({ id: r[0], n: rt.$decode.int8(r[1]) })`. Built at build
 * time, so the runtime does no per-row name lookups and no per-query planning.
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
      const decode = f.createPropertyAccessExpression(
        f.createPropertyAccessExpression(runtime, "$decode"),
        field.decoder,
      );
      value = f.createCallExpression(decode, undefined, [value]);
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
