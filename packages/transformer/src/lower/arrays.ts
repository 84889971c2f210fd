import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import { bindValue } from "../ir/binding";
import * as sql from "../ir/sql-node";
import type { SqlNode } from "../ir/sql-node";
import { isIntegerSqlType, isJson, isTextual, nullabilityOf } from "../ir/value-type";
import { ambiguous, isJsNull } from "./absence";
import type { LoweringContext } from "./context";
import { literalValue } from "./literals";
import { numericOperand } from "./numbers";
import { textValue } from "./strings";
import { literalArray, skipTransparent } from "./syntax";
import { typeOfExpression } from "./types";
import { guardReceiver, lowerValue, receiverKind, Value } from "./value";

/** `list.includes(u.col)` and `u.arrayCol.includes(v)`: SameValueZero membership. */
export function arrayIncludes(cx: LoweringContext, e: ts.CallExpression, positive: boolean): SqlNode | undefined {
  if (!ts.isPropertyAccessExpression(e.expression) || e.expression.name.text !== "includes") return undefined;
  const arrayExpr = e.expression.expression;
  if (receiverKind(cx, arrayExpr) !== "array") return undefined;
  if (e.arguments.length !== 1) {
    throw new Refusal("methodArguments", e, "`includes` with a position argument is not supported.");
  }
  let item = lowerValue(cx, e.arguments[0]);

  const literalList = !cx.readsRow(arrayExpr) ? literalArray(skipTransparent(arrayExpr)) : undefined;
  // uuid, date and numeric values are compared as the text JavaScript sees (see string-types.ts).
  if (item.type.kind === "string" && !isTextual(item.type) && !item.type.enumLabels) item = textValue(item);
  if (literalList) return literalListIncludes(cx, literalList, item, positive, e);

  // Against a bound or column array, a JSON string or an enum is compared as text: PostgreSQL has no
  // jsonb = text, and would reject a bound non-label as enum input. (A literal list above is checked
  // against the enum's labels, so it keeps the enum and its index.)
  if (isJson(item.type) || item.type.sqlType?.startsWith('"')) item = textValue(item);
  let arrayNode: SqlNode;
  let elementNullable: boolean;
  if (!cx.readsRow(arrayExpr)) {
    const t = typeOfExpression(cx.checker, cx.typeOf(arrayExpr));
    elementNullable = t.element?.nullable ?? true;
    // A JavaScript array's null and undefined elements both reach PostgreSQL as NULL.
    if (elementNullable && item.type.nullable && cx.elementIncludesUndefined(arrayExpr)) throw ambiguous(e);
    // Non-integers can never equal an integer column, and PostgreSQL would reject them as input.
    const integers = isIntegerSqlType(item.type) && t.element?.kind === "number";
    arrayNode = integers
      ? sql.param(bindValue(arrayExpr, { kind: "intList" }), "int8[]")
      : sql.param(bindValue(arrayExpr));
  } else {
    const arr = lowerValue(cx, arrayExpr);
    guardReceiver(cx, e.expression, arr);
    if (isJson(arr.type)) {
      throw new Refusal(
        "unsupportedExpression",
        e,
        "`includes` on a JSONB array is not supported.",
        "Use the `contains(u.meta.list, [x])` marker (JSONB containment).",
      );
    }
    if (arr.type.kind !== "array") {
      throw new Refusal("unsupportedExpression", arrayExpr, "`includes` on this value is not supported.");
    }
    arrayNode = arr.node;
    elementNullable = arr.type.element?.nullable ?? true;
  }
  const nullMatters = elementNullable && item.type.nullable;
  const hit = sql.share([item.node, arrayNode], (x, array) =>
    sql.or(
      sql.any(x, array),
      // [null].includes(null) is true in JavaScript; `NULL = ANY(…)` is NULL.
      nullMatters
        ? sql.and(
            isJsNull(cx, { ...item, node: x }, e),
            sql.is(sql.call("array_position", array, sql.NULL), "NOT NULL"),
          )
        : sql.FALSE,
    ),
  );
  return positive ? hit : sql.is(hit, "NOT TRUE");
}

/** Literal lists are inlined (so partial indexes match); `IN` is exact for non-null items. */
function literalListIncludes(
  cx: LoweringContext,
  list: ts.Expression[],
  item: Value,
  positive: boolean,
  at: ts.Node,
): SqlNode {
  const labels = item.type.enumLabels;
  const members = list
    .map((v) => literalValue(cx, v))
    .filter((v) => v.literal !== null && (!labels || labels.includes(v.literal as string)));
  const elementNullable = list.some((v) => literalValue(cx, v).literal === null);
  const matches = members.map((m) => numericOperand(m, item, "=")).filter((m) => !m.sentinel);
  const hit = sql.share([item.node], (x) => {
    const inList: SqlNode =
      matches.length === 0 ? sql.FALSE : { kind: "in", left: x, list: matches.map((m) => m.node) };
    return sql.or(inList, elementNullable ? isJsNull(cx, { ...item, node: x }, at) : sql.FALSE);
  });
  return positive ? hit : sql.is(hit, "NOT TRUE");
}

/** `arr.length` */
export function arrayLength(target: Value): Value {
  return {
    node: sql.call("cardinality", target.node),
    type: { kind: "number", ...nullabilityOf(target.type), sqlType: "integer" },
  };
}
