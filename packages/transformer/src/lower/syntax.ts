import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";

export type Closure = ts.ArrowFunction | ts.FunctionExpression;

/** The expression a closure returns: an expression body or a block that is a single `return`. */
export function closureBody(closure: Closure): ts.Expression {
  if (!ts.isBlock(closure.body)) return closure.body;
  const [only] = closure.body.statements;
  if (closure.body.statements.length === 1 && ts.isReturnStatement(only) && only.expression) return only.expression;
  throw new Refusal(
    "closureForm",
    closure.body,
    "a query closure must be a single expression.",
    "Write `u => <expression>` or a block with one `return`.",
  );
}

/** A method's closure argument, which must be written inline so it can be compiled. */
export function inlineClosure(method: string, arg: ts.Expression): Closure {
  const closure = skipParens(arg);
  if (ts.isArrowFunction(closure) || ts.isFunctionExpression(closure)) return closure;
  throw new Refusal(
    "closureForm",
    arg,
    `.${method}() needs an inline closure so it can be compiled at build time.`,
    "Write the arrow function in the call, e.g. `.where(u => u.active)`; to reuse conditions, build the chain across `if`s.",
  );
}

export function skipParens(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return e;
}

/** Parentheses, type assertions and `!` do not change what a closure computes. */
export function skipTransparent(e: ts.Expression): ts.Expression {
  for (;;) {
    if (
      ts.isParenthesizedExpression(e) ||
      ts.isAsExpression(e) ||
      ts.isNonNullExpression(e) ||
      ts.isSatisfiesExpression(e) ||
      ts.isTypeAssertionExpression(e)
    )
      e = e.expression;
    else return e;
  }
}

export function isNullLiteral(e: ts.Expression): boolean {
  return skipTransparent(e).kind === ts.SyntaxKind.NullKeyword;
}

export function isNullish(e: ts.Expression): boolean {
  const s = skipTransparent(e);
  return (
    s.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(s) && s.text === "undefined") || ts.isVoidExpression(s)
  );
}

export function stringLiteralValue(e: ts.Expression): string | undefined {
  const s = skipTransparent(e);
  return ts.isStringLiteralLike(s) ? s.text : undefined;
}

export function numberLiteralValue(e: ts.Expression): number | undefined {
  if (ts.isNumericLiteral(e)) return numericLiteralValue(e);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand)) {
    return -numericLiteralValue(e.operand);
  }
  return undefined;
}

/** The number a numeric literal denotes (`0x10`, `1_000`, `1e3`). */
function numericLiteralValue(e: ts.NumericLiteral): number {
  return Number(e.text.replace(/_/g, ""));
}

/** `["a", "b"]` written in the closure: its elements, if every one is a literal. */
export function literalArray(e: ts.Expression): ts.Expression[] | undefined {
  if (!ts.isArrayLiteralExpression(e)) return undefined;
  const ok = e.elements.every((el) => {
    const s = skipTransparent(el);
    return (
      ts.isStringLiteralLike(s) ||
      numberLiteralValue(s) !== undefined ||
      s.kind === ts.SyntaxKind.NullKeyword ||
      s.kind === ts.SyntaxKind.TrueKeyword ||
      s.kind === ts.SyntaxKind.FalseKeyword
    );
  });
  return ok ? [...e.elements] : undefined;
}
