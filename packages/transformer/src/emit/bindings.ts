import ts from "typescript";
import type { Binding } from "../ir/binding";
import { callHelper } from "./runtime";

/**
 * The JavaScript that computes a bound parameter: the user's expression (already visited, so queries
 * nested in it are compiled too) passed through the runtime helper its binding names.
 */
export function bindingExpression(
  f: ts.NodeFactory,
  runtime: ts.Identifier,
  b: Binding,
  expr: ts.Expression,
): ts.Expression {
  const call = (helper: Parameters<typeof callHelper>[2], ...args: ts.Expression[]) =>
    callHelper(f, runtime, helper, args);
  const via = b.via;
  switch (via.kind) {
    case "value":
      return expr;
    case "truthy":
      return f.createPrefixUnaryExpression(
        ts.SyntaxKind.ExclamationToken,
        f.createPrefixUnaryExpression(ts.SyntaxKind.ExclamationToken, f.createParenthesizedExpression(expr)),
      );
    case "isUndefined":
      return f.createBinaryExpression(
        f.createParenthesizedExpression(expr),
        ts.SyntaxKind.EqualsEqualsEqualsToken,
        f.createIdentifier("undefined"),
      );
    case "isNull":
      return f.createBinaryExpression(
        f.createParenthesizedExpression(expr),
        ts.SyntaxKind.EqualsEqualsEqualsToken,
        f.createNull(),
      );
    case "isNullish":
      return f.createBinaryExpression(
        f.createParenthesizedExpression(expr),
        ts.SyntaxKind.EqualsEqualsToken,
        f.createNull(),
      );
    case "double":
      return call("$bind.double", expr);
    case "number":
      return call("$bind.number", expr);
    case "int":
      return via.nan
        ? call(`$bind.int.${via.edge}`, expr, f.createStringLiteral(via.nan))
        : call(`$bind.int.${via.edge}`, expr);
    case "intList":
      return call("$bind.int.list", expr);
    case "json":
      return call("$bind.json", expr);
    case "jsonValue":
      return call("$bind.jsonValue", expr);
    case "date":
      return call(`$bind.date.${via.edge}`, via.fromMs ? call(`$bind.date.ms.${via.fromMs}`, expr) : expr);
    case "canonical":
      return call(`$bind.canonical.${via.type}`, expr);
    case "oneOf":
      return call("$bind.oneOf", expr, f.createArrayLiteralExpression(via.labels.map((l) => f.createStringLiteral(l))));
    case "like":
      return call(`$like.${via.method}`, expr);
    case "count":
      return call("$bind.count", expr, f.createStringLiteral(via.method));
    case "encode":
      // Needs the file's hoisted codec of its column: emitted by emit/write.ts, the only place writes are.
      throw new Error("closql: an encode binding outside a write");
  }
}
