import ts from "typescript";
import { Refusal } from "../../diagnostics/refusal";
import { bindValue, ColumnCodecData } from "../../ir/binding";
import * as sql from "../../ir/sql-node";
import type { SqlNode } from "../../ir/sql-node";
import type { LoweredAssignment } from "../../ir/statement";
import { absenceOf, columnType, isIntegerSqlType, ValueType } from "../../ir/value-type";
import type { ColumnInfo, TableInfo } from "../../recognize/schema";
import type { LoweringContext } from "../context";
import { skipParens } from "../syntax";
import { lowerValue } from "../value";

/** What `$encode` needs of a column: emitted once per column and file. */
export function codecOf(table: TableInfo, column: ColumnInfo): ColumnCodecData {
  return {
    label: `${table.name}.${column.name}`,
    sqlType: column.sqlType,
    nullable: column.nullable,
    ...(column.enumLabels ? { labels: column.enumLabels } : {}),
    ...(column.int8 ? { int8: column.int8 } : {}),
  };
}

/**
 * The columns an object of values sets. An object literal gives its properties (a value whose type
 * allows `undefined` is optional: left out when undefined, as every query builder does); any other
 * expression is read once at run time, every column optional. `cx` is the closure's context when the
 * values are a closure's result (`update(u => ({ … }))`), whose properties may read the row.
 */
export function objectAssignments(
  checker: ts.TypeChecker,
  cx: LoweringContext | undefined,
  table: TableInfo,
  values: ts.Expression,
): { assignments: LoweredAssignment[]; rowObject?: ts.Expression } {
  const object = skipParens(values);
  const literal = ts.isObjectLiteralExpression(object) ? plainProperties(object) : undefined;
  if (!literal) {
    if (cx)
      throw new Refusal(
        "writeShape",
        values,
        "a write closure must return an object literal of `column: value` properties.",
        "Write `u => ({ n: u.n + 1 })`.",
      );
    // Read once; each column is its property, given when not undefined.
    const assignments = [...table.columns.values()].map((column) => ({
      column,
      node: sql.param(bindValue(values, { kind: "encode", codec: codecOf(table, column), field: column.key })),
      optional: true,
    }));
    return { assignments, rowObject: values };
  }
  const assignments = literal.map(([name, key, value]) => {
    const column = table.columns.get(key);
    if (!column) throw new Refusal("writeShape", name, `\`${key}\` is not a column of table "${table.name}".`);
    if (cx && cx.readsRow(value)) return { column, node: storedValue(cx, column, value), optional: false };
    const optional = mayBeUndefined(checker, value);
    return {
      column,
      node: sql.param(bindValue(value, { kind: "encode", codec: codecOf(table, column) })),
      optional,
    };
  });
  return { assignments };
}

/** `[name node, key, value]` of an object literal, or undefined when it has spreads, methods or computed keys. */
function plainProperties(o: ts.ObjectLiteralExpression): [ts.Node, string, ts.Expression][] | undefined {
  const out: [ts.Node, string, ts.Expression][] = [];
  for (const p of o.properties) {
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)))
      out.push([p.name, p.name.text, p.initializer]);
    else if (ts.isShorthandPropertyAssignment(p)) out.push([p.name, p.name.text, p.name]);
    else return undefined;
  }
  const keys = out.map(([, k]) => k);
  if (new Set(keys).size !== keys.length) return undefined;
  return out;
}

/**
 * A value computed from the row, as the column will hold it: JavaScript's value or an error, never a
 * silently different one. Numbers are doubles in JavaScript (closql computes them as float8): into
 * an integer column a non-integer fails the statement instead of being rounded.
 */
function storedValue(cx: LoweringContext, column: ColumnInfo, e: ts.Expression): SqlNode {
  const target = columnType(column);
  const exact = int4Arithmetic(cx, e, target);
  if (exact) return exact;
  const v = lowerValue(cx, e);
  const refuse = (why: string): never => {
    throw new Refusal(
      "assignmentType",
      e,
      `column \`${column.key}\` (${column.sqlType}) cannot store this value as JavaScript holds it: ${why}.`,
      "Compute the value in JavaScript and pass it, or convert it explicitly in the closure.",
    );
  };
  if (v.type.nullable && absenceOf(v.type) !== "null")
    refuse("it can be `undefined`, which leaves a column unchanged in JavaScript objects but is NULL in SQL");
  if (v.type.kind !== target.kind && !(v.type.kind === "unknown" && v.literal === null))
    refuse(`it is a ${v.type.kind}, the column holds a ${target.kind}`);
  if (target.kind === "number") return isIntegerSqlType(target) ? integral(v.node, v.type, column.sqlType) : v.node;
  if (target.kind === "string" && (column.sqlType === "text" || column.sqlType.startsWith("varchar"))) return v.node;
  if (target.kind === "boolean" || target.kind === "bigint") return v.node;
  // Text into an enum: PostgreSQL takes exactly the labels (anything else fails the statement).
  if (column.enumLabels && target.kind === "string")
    return v.type.sqlType === target.sqlType ? v.node : sql.cast(sql.cast(v.node, "text"), column.sqlType);
  // uuid, date, numeric, enums, timestamps, JSON, arrays, bytes: only a value of the same SQL type
  // (another column's) is stored as it is; a conversion from text would accept other spellings.
  if (v.type.sqlType !== target.sqlType) refuse(`it is not a ${column.sqlType} value`);
  return v.node;
}

const INT4 = new Set(["integer", "smallint"]);

/**
 * `a + b`, `a - b`, `a * b` of non-null int2/int4 values into an int2/int4 column: whenever the
 * result fits the column, JavaScript's double holds it exactly, and a result that does not fit fails
 * in both forms (integer out of range); so integer arithmetic stores the same value, readably and
 * without the integral check a double needs.
 */
function int4Arithmetic(cx: LoweringContext, e: ts.Expression, target: ValueType): SqlNode | undefined {
  const b = skipParens(e);
  if (!ts.isBinaryExpression(b) || !INT4.has(target.sqlType ?? "")) return undefined;
  const op = { [ts.SyntaxKind.PlusToken]: "+", [ts.SyntaxKind.MinusToken]: "-", [ts.SyntaxKind.AsteriskToken]: "*" }[
    b.operatorToken.kind as number
  ];
  if (!op) return undefined;
  const left = lowerValue(cx, b.left);
  const right = lowerValue(cx, b.right);
  const int4 = (t: ValueType) => t.kind === "number" && INT4.has(t.sqlType ?? "") && !t.nullable;
  return int4(left.type) && int4(right.type) ? sql.binary(op, left.node, right.node) : undefined;
}

/** A double into an integer column: exact when it is an integer, else the statement fails (no rounding). */
function integral(node: SqlNode, type: ValueType, sqlType: string): SqlNode {
  if (isIntegerSqlType(type)) return node;
  // float8 → text → integer fails on "2.5" (and on NaN/Infinity), where a cast would round.
  return sql.share([node], (x) =>
    sql.caseWhen(
      sql.binary("=", x, sql.call("trunc", x)),
      sql.cast(x, sqlType),
      sql.cast(sql.cast(x, "text"), sqlType),
    ),
  );
}

/** May this expression be `undefined` (or is its type too loose to tell)? */
function mayBeUndefined(checker: ts.TypeChecker, e: ts.Expression): boolean {
  const t = checker.getTypeAtLocation(e);
  const flags = ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Any | ts.TypeFlags.Unknown;
  return (t.isUnion() ? t.types : [t]).some((p) => (p.flags & flags) !== 0);
}
