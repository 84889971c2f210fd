import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import * as sql from "../ir/sql-node";
import type { SqlNode } from "../ir/sql-node";
import { FLOAT, isJson, maybeNull } from "../ir/value-type";
import type { LoweringContext } from "./context";
import { absentText } from "./absence";
import { asFloat, isIntegerValue, isNonZeroLiteral } from "./numbers";
import { concat } from "./strings";
import { lowerValue, Value } from "./value";

type ArithmeticOp = "+" | "-" | "*" | "/" | "%";

export const ARITHMETIC: Partial<Record<ts.SyntaxKind, ArithmeticOp>> = {
  [ts.SyntaxKind.PlusToken]: "+",
  [ts.SyntaxKind.MinusToken]: "-",
  [ts.SyntaxKind.AsteriskToken]: "*",
  [ts.SyntaxKind.SlashToken]: "/",
  [ts.SyntaxKind.PercentToken]: "%",
};

/**
 * `+ - * / %` with JavaScript's number semantics: numbers are IEEE doubles, so integer columns are
 * computed as double precision (no integer division, no int4 overflow); division by zero gives
 * ±Infinity or NaN as in JavaScript instead of an SQL error. `+` with a string operand concatenates.
 */
export function arithmetic(cx: LoweringContext, e: ts.BinaryExpression, op: ArithmeticOp): Value {
  const a = lowerValue(cx, e.left);
  const b = lowerValue(cx, e.right);
  if (op === "+" && (a.type.kind === "string" || b.type.kind === "string")) {
    // Past a non-null assertion a "string" may be null, and `null + 1` is 1, not "null1".
    for (const [v, other] of [
      [a, b],
      [b, a],
    ] as const) {
      if (v.type.kind === "string" && maybeNull(v.type) && other.type.kind !== "string") {
        throw new Refusal(
          "nullReceiver",
          e,
          "`+` with a string that can be NULL here adds numbers when it is null (`null + 1` is 1).",
          "Check for null first, or convert explicitly: `${x}`.",
        );
      }
    }
    return concat([a, b], e);
  }
  if (a.type.kind === "bigint" && b.type.kind === "bigint") {
    if (maybeNull(a.type) || maybeNull(b.type)) {
      throw new Refusal(
        "typeConversion",
        e,
        "a BigInt operand that can be null: JavaScript throws a TypeError.",
        "Check for null first.",
      );
    }
    return { node: bigintArithmetic(op, a.node, b.node), type: { kind: "bigint", nullable: false, sqlType: "bigint" } };
  }
  if (a.type.kind !== "number" || b.type.kind !== "number") {
    throw new Refusal(
      "typeConversion",
      e,
      `\`${op}\` on ${a.type.kind} and ${b.type.kind} values converts them in JavaScript.`,
      "Use numbers (or strings with `+`).",
    );
  }
  if (op === "%") return remainder(e, nullAsZero(a, e, true), nullAsZero(b, e, true));
  const x = asFloat(nullAsZero(a, e)).node;
  const y = asFloat(nullAsZero(b, e)).node;
  if (op !== "/" || isNonZeroLiteral(b)) return { node: sql.binary(op, x, y), type: FLOAT };
  // x and y appear several times: shared, so nested divisions grow the SQL linearly.
  const node = sql.share([x, y], (x, y) =>
    sql.caseWhen(sql.binary("=", y, sql.literal("0")), divisionByZero(a, x, y), sql.binary("/", x, y)),
  );
  return { node, type: FLOAT };
}

/**
 * BigInt arithmetic is exact at any size, so it runs in numeric (int8 would overflow where JavaScript
 * does not); `/` truncates toward zero like `div`, `%` keeps the dividend's sign like `mod`. Division
 * by zero throws in both.
 */
function bigintArithmetic(op: ArithmeticOp, a: SqlNode, b: SqlNode): SqlNode {
  const x = exact(a);
  const y = exact(b);
  if (op === "/") return sql.call("div", x, y);
  if (op === "%") return sql.call("mod", x, y);
  return sql.binary(op, x, y);
}

/** An integer as numeric: a literal already is; a column, a parameter or int8 arithmetic is cast. */
function exact(n: SqlNode): SqlNode {
  if (n.kind === "literal") return n;
  if (n.kind === "param") return sql.param(n.binding, "numeric");
  return n.kind === "cast" && n.type === "numeric" ? n : sql.cast(n, "numeric");
}

/**
 * x / ±0 in JavaScript: NaN for 0 and NaN, otherwise ±Infinity by the signs of x and of the zero
 * (PostgreSQL's float8 keeps -0 too: its text form starts with "-").
 */
function divisionByZero(a: Value, x: SqlNode, y: SqlNode): SqlNode {
  const inf = sql.literal("'Infinity'::float8");
  const negInf = sql.literal("'-Infinity'::float8");
  const nan = sql.literal("'NaN'::float8");
  const zeroIsPositive = sql.binary("NOT LIKE", sql.cast(y, "text"), sql.literal("'-%'"));
  if (typeof a.literal === "number") {
    if (a.literal === 0 || Number.isNaN(a.literal)) return nan;
    return sql.caseWhen(zeroIsPositive, a.literal > 0 ? inf : negInf, a.literal > 0 ? negInf : inf);
  }
  return {
    kind: "case",
    whens: [
      { when: sql.or(sql.binary("=", x, sql.literal("'NaN'")), sql.binary("=", x, sql.literal("0"))), then: nan },
      { when: sql.binary("=", sql.binary(">", x, sql.literal("0")), zeroIsPositive), then: inf },
    ],
    else: negInf,
  };
}

/** `%` of integers, which SQL computes exactly, keeping the dividend's sign as JavaScript does. */
function remainder(e: ts.BinaryExpression, a: Value, b: Value): Value {
  if (!isIntegerValue(a) || !isIntegerValue(b)) {
    throw new Refusal(
      "inexactRemainder",
      e,
      "`%` on non-integer numbers has no exact SQL equivalent.",
      "Use integer operands.",
    );
  }
  // In JavaScript -4 % 2 is -0, which only shows once the result feeds more arithmetic (x / -0 is
  // -Infinity): that exact double form is kept for asFloat; comparisons use the plain remainder.
  const forms = (x: SqlNode, y: SqlNode) => {
    const rem = sql.binary("%", x, y);
    const negativeZero = {
      when: sql.and(sql.binary("<", x, sql.literal("0")), sql.binary("=", rem, sql.literal("0"))),
      then: sql.literal("'-0'::float8"),
    };
    const byZero = { when: sql.binary("=", y, sql.literal("0")), then: sql.literal("'NaN'::float8") };
    return { rem, negativeZero, byZero, asDouble: sql.cast(rem, "float8") };
  };
  if (isNonZeroLiteral(b)) {
    const { rem } = forms(a.node, b.node);
    const exactDouble = sql.share([a.node], (x) => {
      const f = forms(x, b.node);
      return { kind: "case", whens: [f.negativeZero], else: f.asDouble };
    });
    return { node: rem, type: { kind: "number", nullable: false, sqlType: "integer" }, exactDouble };
  }
  return {
    node: sql.share([a.node, b.node], (x, y) => {
      const f = forms(x, y);
      return { kind: "case", whens: [f.byZero], else: f.asDouble };
    }),
    type: FLOAT,
    exactDouble: sql.share([a.node, b.node], (x, y) => {
      const f = forms(x, y);
      return { kind: "case", whens: [f.byZero, f.negativeZero], else: f.asDouble };
    }),
  };
}

/**
 * A number operand that can be null (only past a non-null assertion): JavaScript's arithmetic turns
 * null into 0 (`null + 1` is 1). A JSON path maps null and a missing key itself (jsonNumber).
 */
function nullAsZero(v: Value, at: ts.Node, integer = false): Value {
  if (!maybeNull(v.type) || isJson(v.type)) return v;
  // ToNumber(null) is 0, ToNumber(undefined) NaN (which `%` of integers cannot produce).
  const isNull = absentText(v, at) === "null";
  if (!isNull && integer) throw new Refusal("inexactRemainder", at, "`%` on a value that can be undefined (NaN).");
  const absent = isNull ? "0" : "'NaN'::float8";
  return { node: sql.call("COALESCE", v.node, sql.literal(absent)), type: { ...v.type, nullable: false } };
}

/** Unary `-`. */
export function negate(cx: LoweringContext, e: ts.PrefixUnaryExpression): Value {
  const v = lowerValue(cx, e.operand);
  if (v.type.kind !== "number" && v.type.kind !== "bigint") {
    throw new Refusal(
      "typeConversion",
      e,
      "unary `-` converts its operand to a number in JavaScript.",
      "Negate numbers only.",
    );
  }
  // A bigint stays exact (int8); a number is a double, and -null is -0.
  if (v.type.kind === "bigint") return { node: { kind: "unary", op: "-", operand: exact(v.node) }, type: v.type };
  return { node: { kind: "unary", op: "-", operand: asFloat(nullAsZero(v, e)).node }, type: FLOAT };
}
