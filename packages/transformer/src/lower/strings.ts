import ts from "typescript";
import { quoteLiteral } from "closql/sql";
import { Refusal } from "../diagnostics/refusal";
import { bindValue } from "../ir/binding";
import * as sql from "../ir/sql-node";
import type { SqlNode } from "../ir/sql-node";
import { isJson, isTextual, nullabilityOf } from "../ir/value-type";
import { absentText, chainedAbsence } from "./absence";
import type { LoweringContext } from "./context";
import { stringLiteral } from "./literals";
import { isIntegerValue } from "./numbers";
import { stringLiteralValue } from "./syntax";
import { guardReceiver, lowerValue, receiverKind, Value } from "./value";

/** Whitespace JavaScript's trim() removes (WhiteSpace and LineTerminator of ECMA-262). */
const JS_WHITESPACE =
  "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";

/**
 * String methods without arguments. Case mapping uses ICU's root locale, which implements the full
 * Unicode mapping JavaScript uses (ß → SS, final sigma), unlike PostgreSQL's per-character mapping.
 */
const STRING_FUNCTIONS: Record<string, (s: SqlNode) => SqlNode> = {
  toLowerCase: (s) => sql.call("lower", sql.collate(s, "und-x-icu")),
  toUpperCase: (s) => sql.call("upper", sql.collate(s, "und-x-icu")),
  trim: (s) =>
    sql.call(
      "btrim",
      s,
      sql.literal(
        `E'${[...JS_WHITESPACE].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}'`,
      ),
    ),
};

const LIKE_METHODS = ["startsWith", "endsWith", "includes"] as const;
type LikeMethod = (typeof LIKE_METHODS)[number];

/** `s.toLowerCase()`, `s.toUpperCase()`, `s.trim()`. */
export function stringMethod(cx: LoweringContext, method: string, receiver: ts.Expression, e: ts.CallExpression) {
  const f = Object.prototype.hasOwnProperty.call(STRING_FUNCTIONS, method) ? STRING_FUNCTIONS[method] : undefined;
  if (!f || !cx.isStringExpression(receiver) || e.arguments.length !== 0) return undefined;
  const received = lowerValue(cx, receiver);
  const s = textValue(received);
  const absent = chainedAbsence(e, received.type);
  return { node: f(s.node), type: { kind: "string" as const, ...nullabilityOf(s.type), sqlType: "text", absent } };
}

/** `s.startsWith(x)`, `endsWith`, `includes` on strings: LIKE with the argument escaped. */
export function likeCondition(cx: LoweringContext, e: ts.CallExpression, positive: boolean): SqlNode | undefined {
  if (!ts.isPropertyAccessExpression(e.expression)) return undefined;
  const method = e.expression.name.text;
  const receiver = e.expression.expression;
  if (!(LIKE_METHODS as readonly string[]).includes(method) || receiverKind(cx, receiver) !== "string")
    return undefined;
  if (e.arguments.length !== 1) {
    throw new Refusal("methodArguments", e, `\`${method}\` with a position argument is not supported.`);
  }
  const received = lowerValue(cx, receiver);
  guardReceiver(cx, e.expression, received);
  const s = textValue(received);
  const pattern = likePattern(cx, method as LikeMethod, e.arguments[0]);
  if (positive) return sql.binary("LIKE", s.node, pattern);
  if (!s.type.nullable) return sql.binary("NOT LIKE", s.node, pattern);
  return sql.share([s.node], (x) => sql.or(sql.binary("NOT LIKE", x, pattern), sql.is(x, "NULL")));
}

/** LIKE pattern for startsWith/endsWith/includes, with `%`, `_` and `\` of the argument escaped. */
function likePattern(cx: LoweringContext, method: LikeMethod, arg: ts.Expression): SqlNode {
  const wrap = (s: string) => (method === "startsWith" ? `${s}%` : method === "endsWith" ? `%${s}` : `%${s}%`);
  const literal = stringLiteralValue(arg);
  // A literal PostgreSQL cannot hold (NUL, a lone surrogate) is refused where it is written.
  if (literal !== undefined) stringLiteral(literal, arg);
  if (literal !== undefined) {
    return sql.literal(quoteLiteral(wrap(literal.replace(/[\\%_]/g, "\\$&"))));
  }
  if (!cx.readsRow(arg)) return sql.param(bindValue(arg, { kind: "like", method }));
  // Both sides read the row: escape in SQL. JavaScript searches for String(arg) ("null" for null).
  const v = concat([lowerValue(cx, arg)], arg).node;
  const escaped = ["\\", "%", "_"].reduce<SqlNode>(
    (acc, ch) => sql.call("replace", acc, sql.literal(quoteLiteral(ch)), sql.literal(quoteLiteral(`\\${ch}`))),
    v,
  );
  const pct = sql.literal("'%'");
  if (method === "startsWith") return sql.binary("||", escaped, pct);
  if (method === "endsWith") return sql.binary("||", pct, escaped);
  return sql.binary("||", sql.binary("||", pct, escaped), pct);
}

/** `s.length`: JavaScript counts UTF-16 code units, so an astral character (emoji) counts twice. */
export function stringLength(target: Value): Value {
  const node = sql.share([textValue(target).node], utf16Length);
  return { node, type: { kind: "number", ...nullabilityOf(target.type), sqlType: "integer" } };
}

function utf16Length(text: SqlNode): SqlNode {
  const withoutAstral = sql.call(
    "regexp_replace",
    text,
    sql.literal(quoteLiteral("[\\U00010000-\\U0010FFFF]")),
    sql.literal("''"),
    sql.literal("'g'"),
  );
  const astral = sql.binary("-", sql.call("char_length", text), sql.call("char_length", withoutAstral));
  return sql.binary("+", sql.call("char_length", text), astral);
}

/** A template literal: the concatenation of its parts. */
export function templateValue(cx: LoweringContext, e: ts.TemplateExpression): Value {
  const parts: Value[] = [];
  if (e.head.text) parts.push(stringLiteral(e.head.text, e.head));
  for (const span of e.templateSpans) {
    parts.push(lowerValue(cx, span.expression));
    if (span.literal.text) parts.push(stringLiteral(span.literal.text, span.literal));
  }
  return concat(parts, e);
}

/** String `+` and template literals: JavaScript's ToString of each operand, then `||`. */
export function concat(parts: Value[], at: ts.Node): Value {
  const texts = parts.map((p) => {
    let node: SqlNode;
    switch (p.type.kind) {
      case "string":
        // A JSON string path is SQL NULL when missing (undefined) and 'null' for JSON null.
        if (isJson(p.type) && p.type.nullable) return jsonStringText(p, at);
        node = textValue(p).node;
        break;
      case "boolean":
      case "bigint":
        node = sql.cast(p.node, "text");
        break;
      case "number":
        // JavaScript prints integers like SQL does; other doubles differ (1e-7 vs 1e-07).
        if (!isIntegerValue(p)) {
          throw new Refusal(
            "stringConversion",
            at,
            "a non-integer number turned into a string is formatted differently by SQL.",
            "Concatenate integer values or strings only.",
          );
        }
        node = p.node.kind === "literal" ? sql.literal(quoteLiteral(String(p.literal))) : sql.cast(p.node, "text");
        break;
      default:
        throw new Refusal(
          "stringConversion",
          at,
          `a ${p.type.kind} value turned into a string has no faithful SQL equivalent.`,
        );
    }
    // String(null) is "null" in JavaScript, String(undefined) "undefined".
    return p.type.nullable ? sql.call("COALESCE", node, sql.literal(quoteLiteral(absentText(p, at)))) : node;
  });
  const node = texts.reduce((acc, t) => sql.binary("||", acc, t));
  return { node, type: { kind: "string", nullable: false, sqlType: "text" } };
}

function jsonStringText(p: Value, at: ts.Node): SqlNode {
  const missing = quoteLiteral(absentText(p, at));
  return sql.share([p.node], (x) => ({
    kind: "case",
    whens: [
      { when: sql.is(x, "NULL"), then: sql.literal(missing) },
      { when: sql.binary("=", x, sql.literal("'null'::jsonb")), then: sql.literal("'null'") },
    ],
    else: sql.binary("#>>", x, sql.literal("'{}'")),
  }));
}

/** A string value as SQL text (a JSONB string path is unwrapped with `#>> '{}'`). */
export function textValue(v: Value): Value {
  if (isJson(v.type)) {
    return { node: sql.binary("#>>", v.node, sql.literal("'{}'")), type: { ...v.type, sqlType: "text" } };
  }
  // Enums, uuid, numeric and date are strings in JavaScript but not text in SQL.
  if (v.type.kind === "string" && v.type.sqlType !== undefined && !isTextual(v.type)) {
    return { node: sql.cast(v.node, "text"), type: { ...v.type, sqlType: "text" } };
  }
  return v;
}
