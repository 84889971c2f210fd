import ts from "typescript";
import { quoteIdent } from "closql/sql";
import { Refusal } from "../diagnostics/refusal";
import * as sql from "../ir/sql-node";
import type { SqlNode } from "../ir/sql-node";
import { isToMany, RelationInfo, relationLink } from "../recognize/schema";
import { lowerCondition } from "./condition";
import type { LoweringContext, RowSource } from "./context";
import { closureBody, inlineClosure, skipParens, skipTransparent } from "./syntax";

/** `u.posts` where `u` is a row parameter whose table has a relation `posts`. */
export function relationAccess(
  cx: LoweringContext,
  e: ts.Expression,
): { source: RowSource; relation: RelationInfo; access: ts.Expression } | undefined {
  e = skipTransparent(e);
  let object: ts.Expression;
  let name: string;
  if (ts.isPropertyAccessExpression(e)) [object, name] = [e.expression, e.name.text];
  else if (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression))
    [object, name] = [e.expression, e.argumentExpression.text];
  else return undefined;
  object = skipTransparent(object);
  const source = ts.isIdentifier(object) ? cx.rowSource(object) : undefined;
  const relation = source?.relations?.get(name);
  if (!source || !relation || source.table.columns.has(name)) return undefined;
  return { source, relation, access: e };
}

/**
 * `u.posts.some(p => …)` and `u.posts.every(p => …)` as a condition of the given polarity, or
 * undefined when `e` is not a call on a relation.
 *
 * `some` is `EXISTS (SELECT 1 FROM "posts" AS "posts_1" WHERE "posts_1"."user_id" = "users"."id" AND
 * <p truthy>)`; `every` is `NOT EXISTS (… AND <p falsy>)`, which is true on no rows, as in
 * JavaScript. The inner condition is lowered with a polarity like any other (NULL is "not TRUE"), so
 * a related row with a NULL counts exactly as JavaScript's truthiness says. EXISTS is never NULL, so
 * the negative polarity is a plain NOT.
 */
export function relationPredicate(cx: LoweringContext, e: ts.CallExpression, positive: boolean): SqlNode | undefined {
  const callee = skipParens(e.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const found = relationAccess(cx, callee.expression);
  if (!found) return undefined;
  const { source, relation } = found;
  const method = callee.name.text;
  if (method !== "some" && method !== "every")
    throw new Refusal(
      "relationPredicate",
      callee.name,
      `a relation in a condition takes \`.some(…)\` and \`.every(…)\` only, not \`.${method}\`.`,
      "Write `u.posts.some((p) => …)` or `u.posts.every((p) => …)`.",
    );
  if (callee.questionDotToken || e.questionDotToken)
    throw new Refusal(
      "relationPredicate",
      e,
      "a relation is never undefined in a condition: `?.` has no meaning here.",
    );
  if (!isToMany(relation))
    throw new Refusal(
      "relationPredicate",
      found.access,
      `"${relation.name}" is a ${relation.kind} relation (one row or none): \`.${method}()\` is for relations that hold several rows.`,
      "Preload it, or write the condition on the other table's to-many relation.",
    );
  if (e.arguments.length !== 1)
    throw new Refusal("methodArguments", e, `\`.${method}()\` takes one closure, \`(row) => condition\`.`);
  const closure = inlineClosure(method, e.arguments[0]);
  const link = relationLink(relation, source.table);
  if ("problem" in link)
    throw new Refusal(
      "relationDeclaration",
      found.access,
      `relation "${relation.name}" cannot be compiled: ${link.problem}.`,
    );
  const outer = source.qualifier ?? source.table.name;
  const alias = cx.freshAlias(relation.target.name);
  const inner = cx.nested(closure, {
    table: relation.target,
    qualifier: alias,
    relations: relation.targetRelations(),
  });
  // some: a related row for which the closure is truthy; every: none for which it is falsy.
  const condition = lowerCondition(inner, closureBody(closure), method === "some");
  const outerKey = sql.column(link.sourceColumn.name, outer, !link.sourceColumn.nullable);
  let from: string;
  let correlation: SqlNode;
  if (relation.through) {
    const junction = cx.freshAlias(relation.through.table.name, [alias]);
    const targetKey = relation.target.primaryKey!;
    from =
      `${quoteIdent(relation.through.table.name)} AS ${quoteIdent(junction)} JOIN ${quoteIdent(relation.target.name)} AS ${quoteIdent(alias)}` +
      ` ON ${quoteIdent(alias)}.${quoteIdent(targetKey.name)} = ${quoteIdent(junction)}.${quoteIdent(relation.through.to.name)}`;
    correlation = sql.binary("=", sql.column(link.targetColumn.name, junction), outerKey);
  } else {
    from = `${quoteIdent(relation.target.name)} AS ${quoteIdent(alias)}`;
    correlation = sql.binary("=", sql.column(link.targetColumn.name, alias), outerKey);
  }
  const exists = sql.exists(from, sql.and(correlation, condition));
  const holds = method === "some" ? exists : sql.not(exists);
  return positive ? holds : sql.not(holds);
}

/** A relation used other than by `.some()`/`.every()`: it has no value a condition could use. */
export function relationAsValue(relation: RelationInfo, at: ts.Node): Refusal {
  return new Refusal(
    "relationPredicate",
    at,
    `"${relation.name}" is a relation: in a condition it takes \`.some(…)\` or \`.every(…)\`, and has no value of its own.`,
    "Write `u.posts.some((p) => …)`; to read related rows, `.preload()` them.",
  );
}
