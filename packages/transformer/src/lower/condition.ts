import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import { bindValue } from "../ir/binding";
import * as sql from "../ir/sql-node";
import type { SqlNode } from "../ir/sql-node";
import { BOOLEAN, isJson, isTextual, mayBeNaN } from "../ir/value-type";
import { arrayIncludes } from "./arrays";
import type { LoweringContext } from "./context";
import { comparison, COMPARISONS } from "./equality";
import { jsonNumber } from "./json";
import { likeCondition } from "./strings";
import { relationPredicate } from "./relations";
import { skipTransparent } from "./syntax";
import { lowerValue, Value } from "./value";

/**
 * SQL that is TRUE exactly when `e` is truthy (positive) or falsy (negative) in JavaScript.
 *
 * Conditions are lowered with a polarity. NULL counts as "not TRUE", which is what WHERE, CASE WHEN
 * and AND/OR need, so a nullable comparison only needs extra SQL on the side where JavaScript and SQL
 * disagree. `!` flips the polarity instead of emitting NOT, which is how `!(u.age === 3)` stays
 * correct when `age` is NULL. A condition that does not read the row is decided in JavaScript.
 */
export function lowerCondition(cx: LoweringContext, e: ts.Expression, positive: boolean): SqlNode {
  e = skipTransparent(e);
  if (!cx.readsRow(e)) return boundCondition(e, positive);

  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) {
    return lowerCondition(cx, e.operand, !positive);
  }
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) {
      // a && b is truthy iff both are, falsy iff either is; || the other way round.
      const l = lowerCondition(cx, e.left, positive);
      const r = lowerCondition(cx, e.right, positive);
      return (op === ts.SyntaxKind.AmpersandAmpersandToken) === positive ? sql.and(l, r) : sql.or(l, r);
    }
    const compare = COMPARISONS[op];
    if (compare) return comparison(cx, e, compare, positive);
  }
  if (ts.isConditionalExpression(e)) {
    // CASE WHEN picks a branch exactly when JavaScript does; each branch keeps the polarity.
    return sql.caseWhen(
      lowerCondition(cx, e.condition, true),
      lowerCondition(cx, e.whenTrue, positive),
      lowerCondition(cx, e.whenFalse, positive),
    );
  }
  if (ts.isCallExpression(e)) {
    const method = methodCondition(cx, e, positive);
    if (method) return method;
  }
  return truthiness(lowerValue(cx, e), positive, e);
}

/** A row-independent condition: JavaScript decides it at run time; SQL sees a boolean. */
function boundCondition(e: ts.Expression, positive: boolean): SqlNode {
  if (e.kind === ts.SyntaxKind.TrueKeyword) return positive ? sql.TRUE : sql.FALSE;
  if (e.kind === ts.SyntaxKind.FalseKeyword) return positive ? sql.FALSE : sql.TRUE;
  const p = sql.param(bindValue(e, { kind: "truthy" }), "boolean");
  return positive ? p : sql.not(p);
}

/** `s.startsWith(x)`, `list.includes(u.id)`, … used as conditions. */
export function methodCondition(cx: LoweringContext, e: ts.CallExpression, positive: boolean): SqlNode | undefined {
  if (!ts.isPropertyAccessExpression(e.expression)) return undefined;
  return relationPredicate(cx, e, positive) ?? likeCondition(cx, e, positive) ?? arrayIncludes(cx, e, positive);
}

/** Truthiness of a value by its JavaScript kind: `""`, 0, NaN, 0n, false and null are falsy. */
export function truthiness(v: Value, positive: boolean, at: ts.Node): SqlNode {
  // A JSON number is truthy as the double JavaScript parses (1e-400 is 0, falsy).
  if (isJson(v.type) && v.type.kind === "number") v = jsonNumber(v);
  return sql.share([v.node], (node) => truthinessOf(node, v.type, positive, at));
}

function truthinessOf(node: SqlNode, type: Value["type"], positive: boolean, at: ts.Node): SqlNode {
  const orNull = (falsy: SqlNode) => (type.nullable ? sql.or(falsy, sql.is(node, "NULL")) : falsy);
  if (isJson(type)) {
    // Parsed JSON is falsy for null, false, 0 and "" — and a missing key is undefined.
    const falsy = sql.any(node, sql.literal(`ARRAY['null', 'false', '0', '""']::jsonb[]`));
    return positive ? sql.and(sql.is(node, "NOT NULL"), sql.not(falsy)) : sql.or(sql.is(node, "NULL"), falsy);
  }
  switch (type.kind) {
    case "boolean":
      if (positive) return node;
      return type.nullable ? sql.is(node, "NOT TRUE") : sql.not(node);
    case "string":
      if (!isTextual(type)) return sql.is(node, positive ? "NOT NULL" : "NULL");
      return positive ? sql.binary("<>", node, sql.literal("''")) : orNull(sql.binary("=", node, sql.literal("''")));
    case "number":
    case "bigint": {
      const zero = sql.literal("0");
      if (!mayBeNaN(type)) return positive ? sql.binary("<>", node, zero) : orNull(sql.binary("=", node, zero));
      const nan = sql.literal("'NaN'");
      // PostgreSQL's NaN equals itself, so `<> 'NaN'` excludes exactly the NaNs.
      return positive
        ? sql.and(sql.binary("<>", node, zero), sql.binary("<>", node, nan))
        : orNull(sql.or(sql.binary("=", node, zero), sql.binary("=", node, nan)));
    }
    case "row":
      if (!type.nullable) return positive ? sql.TRUE : sql.FALSE;
      return sql.is(node, positive ? "NOT NULL" : "NULL");
    case "date":
    case "array":
    case "bytes":
      return sql.is(node, positive ? "NOT NULL" : "NULL");
    default:
      throw new Refusal(
        "unknownTruthiness",
        at,
        `closql cannot tell how JavaScript's truthiness applies to this value.`,
        "Compare it explicitly, e.g. `x !== null`.",
      );
  }
}

/** A boolean expression in a value position: two-valued, as in JavaScript (never NULL). */
export function conditionAsValue(cx: LoweringContext, e: ts.Expression): Value {
  return twoValued(lowerCondition(cx, e, true));
}

/** A condition as a JavaScript boolean: TRUE or FALSE, never NULL. */
export function twoValued(c: SqlNode): Value {
  return { node: sql.isTwoValued(c) ? c : sql.is(c, "TRUE"), type: BOOLEAN };
}
