import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import { bindValue } from "../ir/binding";
import * as sql from "../ir/sql-node";
import type { SqlNode } from "../ir/sql-node";
import { absenceOf, ValueType } from "../ir/value-type";
import type { LoweringContext } from "./context";
import type { Value } from "./value";

/**
 * `undefined` is not `null` in JavaScript (`null === undefined` is false), while SQL has one NULL. A
 * value's type says what its NULL stands for (absenceOf); these are the conditions "this value is
 * JavaScript null" and "… undefined". A bound value is tested in JavaScript when its type allows both.
 */
export function isJsNull(cx: LoweringContext, v: Value, at: ts.Node): SqlNode {
  return isJs(cx, v, "null", at);
}

export function isJsUndefined(cx: LoweringContext, v: Value, at: ts.Node): SqlNode {
  return isJs(cx, v, "undefined", at);
}

function isJs(cx: LoweringContext, v: Value, which: "null" | "undefined", at: ts.Node): SqlNode {
  if (!v.type.nullable) return sql.FALSE;
  if (v.bound) {
    const allows = which === "null" ? cx.typeIncludesNullLiteral(v.bound) : cx.typeIncludesUndefined(v.bound);
    const allowsOther = which === "null" ? cx.typeIncludesUndefined(v.bound) : cx.typeIncludesNullLiteral(v.bound);
    if (!allows) return sql.FALSE;
    // The parameter is NULL for null and undefined alike (and for a sentinel "matches nothing"):
    // JavaScript tells them apart.
    if (!allowsOther && !v.sentinel && v.node.kind === "param") return sql.is(v.node, "NULL");
    return sql.param(bindValue(v.bound, { kind: which === "null" ? "isNull" : "isUndefined" }), "boolean");
  }
  const absent = absenceOf(v.type);
  if (absent === "either" && v.missingRow)
    return which === "undefined" ? v.missingRow : sql.and(rowPresent(v.missingRow), sql.is(v.node, "NULL"));
  if (absent === "either") throw ambiguous(at);
  return absent === which ? sql.is(v.node, "NULL") : sql.FALSE;
}

/** Both sides are the same JavaScript null or undefined (what `===` adds to SQL's `=`). */
export function bothAbsentAlike(cx: LoweringContext, a: Value, b: Value, at: ts.Node): SqlNode {
  if (!a.type.nullable || !b.type.nullable) return sql.FALSE;
  return sql.or(
    sql.and(isJsNull(cx, a, at), isJsNull(cx, b, at)),
    sql.and(isJsUndefined(cx, a, at), isJsUndefined(cx, b, at)),
  );
}

/**
 * The absence of `receiver?.x` / `receiver.m()` results: `?.` on a NULL receiver yields undefined;
 * otherwise NULL passes through with the receiver's meaning.
 */
export function chainedAbsence(access: ts.Node, receiver: ValueType): ValueType["absent"] {
  if (!receiver.nullable) return undefined;
  return ts.isOptionalChain(access) ? "undefined" : absentField(receiver);
}

/** Do two values' NULLs always stand for the same JavaScript value (so SQL's NULL logic is exact)? */
export function sameAbsence(cx: LoweringContext, a: Value, b: Value): boolean {
  const of = (v: Value) =>
    v.bound
      ? cx.typeIncludesUndefined(v.bound)
        ? cx.typeIncludesNullLiteral(v.bound)
          ? "either"
          : "undefined"
        : "null"
      : absenceOf(v.type);
  const x = of(a);
  return x !== "either" && x === of(b);
}

/** The absence of a `?:`/`??` result: the branches' NULLs, combined. */
export function mergeAbsence(a: ValueType, b: ValueType): ValueType["absent"] {
  if (!a.nullable) return absentField(b);
  if (!b.nullable) return absentField(a);
  const x = absenceOf(a);
  const y = absenceOf(b);
  return x === y ? absentField(a) : "either";
}

function absentField(t: ValueType): ValueType["absent"] {
  const absent = absenceOf(t);
  return absent === "null" ? undefined : absent;
}

/** `String(x)` for a NULL: "null" or "undefined". */
export function absentText(v: Value, at: ts.Node): string {
  const absent = absenceOf(v.type);
  if (absent === "either") throw ambiguous(at);
  return absent;
}

export function ambiguous(at: ts.Node): Refusal {
  return new Refusal(
    "ambiguousAbsence",
    at,
    "this value can be null or undefined and SQL has one NULL for both, so closql cannot tell which JavaScript sees here.",
    "Make both branches yield null (or both undefined), e.g. `c ? x : null`.",
  );
}

/** The negation of a missing-row test (`"pets"."id" IS NULL`): the row is there. */
function rowPresent(missing: SqlNode): SqlNode {
  return missing.kind === "is" && missing.test === "NULL" ? sql.is(missing.operand, "NOT NULL") : sql.not(missing);
}
