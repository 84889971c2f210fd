import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import type { SqlNode } from "../ir/sql-node";
import type { ValueType } from "../ir/value-type";
import * as sql from "../ir/sql-node";
import { maybeNull } from "../ir/value-type";
import { ARITHMETIC, arithmetic, negate } from "./arithmetic";
import { chainedAbsence } from "./absence";
import { arrayLength } from "./arrays";
import { coalesce, conditionalValue, logicalValue } from "./branches";
import { columnReference, rowValue } from "./columns";
import { conditionAsValue, methodCondition, twoValued } from "./condition";
import type { LoweringContext, RowSource } from "./context";
import { getTime } from "./dates";
import { COMPARISONS } from "./equality";
import { jsonMember } from "./json";
import { literalValue } from "./literals";
import { markerCall } from "./markers";
import { relationPredicate } from "./relations";
import { stringLength, stringMethod, templateValue } from "./strings";
import { skipParens, skipTransparent } from "./syntax";

/** A lowered value: its SQL and what JavaScript would see. */
export interface Value {
  readonly node: SqlNode;
  readonly type: ValueType;
  /** The closure wrote a literal here (inlined, known at build time). */
  readonly literal?: string | number | boolean | bigint | null;
  /** Row-independent and bound: the expression JavaScript evaluates. */
  readonly bound?: ts.Expression;
  /**
   * NULL here may mean "matches nothing" (a NaN, or 1.5 against an integer column) rather than a
   * JavaScript null, so the NULL-aware shortcuts must not be used.
   */
  readonly sentinel?: boolean;
  /** The value as a JavaScript double where the plain SQL form loses something (the -0 of `%`). */
  readonly exactDouble?: SqlNode;
  /** For `d.getTime()`: the Date, so comparisons can use the timestamp (and its index). */
  readonly dateOf?: Value;
  /** A whole row parameter (`p`, selected as a nested object). */
  readonly row?: RowSource;
  /**
   * `p?.col` of a left-joined row: TRUE where no row matched (the value is undefined), so its NULL
   * tells JavaScript's null (a row whose column is NULL) from undefined (no row) exactly.
   */
  readonly missingRow?: SqlNode;
}

/** Lowers an expression used as a value (an operand, a projected field, an order key). */
export function lowerValue(cx: LoweringContext, e: ts.Expression): Value {
  e = skipTransparent(e);
  if (!cx.readsRow(e)) return literalValue(cx, e);

  const row = ts.isIdentifier(e) ? rowValue(cx, e) : undefined;
  if (row) return row;
  const column = columnReference(cx, e);
  if (column) return column.type.sqlType === "real" ? realAsDouble(column) : column;

  if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) return memberValue(cx, e);

  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (COMPARISONS[op]) return conditionAsValue(cx, e);
    if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) {
      return cx.isBooleanExpression(e) ? conditionAsValue(cx, e) : logicalValue(cx, e);
    }
    if (op === ts.SyntaxKind.QuestionQuestionToken) return coalesce(cx, e);
    const arithmeticOp = ARITHMETIC[op];
    if (arithmeticOp) return arithmetic(cx, e, arithmeticOp);
  }
  if (ts.isPrefixUnaryExpression(e)) {
    if (e.operator === ts.SyntaxKind.ExclamationToken) return conditionAsValue(cx, e);
    if (e.operator === ts.SyntaxKind.MinusToken) return negate(cx, e);
  }
  if (ts.isConditionalExpression(e)) return conditionalValue(cx, e);
  if (ts.isTemplateExpression(e)) return templateValue(cx, e);
  if (ts.isCallExpression(e)) return callValue(cx, e);
  throw unsupported(e);
}

/**
 * A `real` (float4) column as JavaScript sees it: pg prints the float4 and JavaScript parses that
 * text as a double, which is not the float4 widened to float8 (0.1 vs 0.100000001490116).
 */
function realAsDouble(v: Value): Value {
  return { ...v, node: sql.cast(sql.cast(v.node, "text"), "float8"), type: { ...v.type, sqlType: "double precision" } };
}

/** `s.length`, `arr.length`, JSONB properties `u.meta.plan`, `u.meta?.list[0]`. */
function memberValue(cx: LoweringContext, e: ts.PropertyAccessExpression | ts.ElementAccessExpression): Value {
  const target = lowerValue(cx, e.expression);
  guardReceiver(cx, e, target);
  const json = jsonMember(cx, e, target);
  if (json) return json;
  const name = ts.isPropertyAccessExpression(e) ? e.name.text : undefined;
  const absent = chainedAbsence(e, target.type);
  if (name === "length" && target.type.kind === "string") return withAbsent(stringLength(target), absent);
  if (name === "length" && target.type.kind === "array") return withAbsent(arrayLength(target), absent);
  throw unsupported(e);
}

/** Method calls and marker functions used as values. */
function callValue(cx: LoweringContext, e: ts.CallExpression): Value {
  const marker = markerCall(cx, e);
  if (marker) return marker;
  // `u.posts.some(…)` as a value: EXISTS is never NULL, a JavaScript boolean as it is.
  const relation = relationPredicate(cx, e, true);
  if (relation) return twoValued(relation);
  if (ts.isPropertyAccessExpression(e.expression)) {
    const method = e.expression.name.text;
    const receiver = e.expression.expression;
    if (cx.readsRow(receiver)) guardReceiver(cx, e.expression, lowerValue(cx, receiver));
    if (method === "startsWith" || method === "endsWith" || method === "includes") {
      const c = methodCondition(cx, e, true);
      if (c && ts.isOptionalChain(e) && cx.readsRow(receiver)) {
        // `s?.startsWith(x)` is undefined for a null s, not false.
        const s = lowerValue(cx, receiver);
        if (s.type.nullable) {
          const node = sql.share([s.node], (x) => sql.caseWhen(sql.is(x, "NULL"), sql.NULL, twoValued(c).node));
          return { node, type: { kind: "boolean", nullable: true, sqlType: "boolean", absent: "undefined" } };
        }
      }
      if (c) return twoValued(c);
    }
    const string = stringMethod(cx, method, receiver, e);
    if (string) return string;
    if (method === "getTime" && e.arguments.length === 0) return getTime(cx, e, receiver);
  }
  throw unsupported(e);
}

/**
 * A property or method of a value that may be NULL (TypeScript let it through only past a non-null
 * assertion): JavaScript throws a TypeError on null, which SQL cannot do. `?.` is fine: it yields
 * undefined.
 */
function withAbsent(v: Value, absent: ValueType["absent"]): Value {
  return absent ? { ...v, type: { ...v.type, absent } } : v;
}

export function guardReceiver(
  cx: LoweringContext,
  access: ts.PropertyAccessExpression | ts.ElementAccessExpression,
  receiver: Value,
): void {
  if (!maybeNull(receiver.type) || ts.isOptionalChain(access)) return;
  // A JSONB path is NULL for a missing key, which its declared type rules out unless the key is
  // optional (README: JSON data must match its declared type); only an assertion can hide that.
  const written = skipParens(access.expression);
  if (receiver.type.jsonPath && !(ts.isNonNullExpression(written) && cx.typeIncludesNull(written.expression))) return;
  throw new Refusal(
    "nullReceiver",
    access,
    "this value can be NULL here: JavaScript would throw a TypeError reading its property (a non-null assertion does not change the value).",
    "Check for null first (`x !== null && x.length > 3`) or use `?.`.",
  );
}

export function unsupported(e: ts.Expression): Refusal {
  return new Refusal(
    "unsupportedExpression",
    e,
    `\`${e.getText()}\` is not supported in a query closure.`,
    "See the operator table in the README for what compiles.",
  );
}

/**
 * The JavaScript kind of a method's receiver. From its lowered value when it reads the row:
 * TypeScript may have narrowed it to `never` in a branch JavaScript never reaches, which SQL still
 * evaluates.
 */
export function receiverKind(cx: LoweringContext, receiver: ts.Expression): ValueType["kind"] {
  if (cx.readsRow(receiver)) return lowerValue(cx, receiver).type.kind;
  return cx.isStringExpression(receiver) ? "string" : cx.isArrayExpression(receiver) ? "array" : "unknown";
}
