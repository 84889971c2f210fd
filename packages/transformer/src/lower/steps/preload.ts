import ts from "typescript";
import { Refusal } from "../../diagnostics/refusal";
import type { SqlNode } from "../../ir/sql-node";
import type { LoweredStep, PreloadNode } from "../../ir/statement";
import { columnType } from "../../ir/value-type";
import type { StepInput } from "../../recognize/methods";
import { isToMany, RelationInfo, relationLink, RelationLink, Relations, TableInfo } from "../../recognize/schema";
import { lowerCondition } from "../condition";
import { LoweringContext, RowSource } from "../context";
import { closureBody, inlineClosure, skipParens } from "../syntax";
import { literalOption, sortKey } from "./order-by";
import { pagingNode } from "./paging";

/**
 * `.preload("posts")`, `.preload("posts.comments", c => …)`, `.preload("posts", p => …, { orderBy,
 * direction, limit })` or `.preload("posts", { … })`: the relations along the path, the last one
 * with the call's filter (lowered as a `where`) and options.
 */
export function lowerPreload(input: StepInput): LoweredStep {
  const [pathArg, second, third] = input.args;
  const path = skipParens(pathArg);
  if (!ts.isStringLiteralLike(path))
    throw new Refusal(
      "relationPath",
      pathArg,
      "a preload path must be written as a string literal: it decides the statements, which are built at build time.",
      'Write `.preload("posts")`; branch with `if` to choose at run time.',
    );
  const optionsArg = second && ts.isObjectLiteralExpression(skipParens(second)) ? second : third;
  const filterArg = second && second !== optionsArg ? second : undefined;
  if (third && optionsArg !== third)
    throw new Refusal("preloadShape", third, "`.preload(path, filter, options)`: options come last, once.");

  // The relations along the path.
  const segments = path.text.split(".");
  const steps: { relation: RelationInfo; source: TableInfo; link: RelationLink }[] = [];
  let table = input.table;
  let relations: Relations = input.relations;
  for (const name of segments) {
    const relation = relations.get(name);
    if (!relation) {
      const known = [...relations.keys()].map((k) => `"${k}"`).join(", ");
      throw new Refusal(
        "relationPath",
        pathArg,
        `"${name}" is not a relation of table "${table.name}"${known ? ` (its relations: ${known})` : " (it has none)"}.`,
        "Declare it in the schema's `relations()`, or fix the path.",
      );
    }
    steps.push({ relation, source: table, link: checkedLink(relation, table, pathArg) });
    table = relation.target;
    relations = relation.targetRelations();
  }

  // The last relation's filter and options.
  const last = steps[steps.length - 1];
  const rowOfLast: RowSource = {
    table: last.relation.target,
    // Many-to-many reads the target joined with the junction: its columns are qualified.
    qualifier: last.relation.through ? last.relation.target.name : undefined,
    relations: last.relation.targetRelations(),
  };
  const filter = filterArg ? preloadFilter(input, filterArg, rowOfLast) : undefined;
  const options = optionsArg ? preloadOptions(input, optionsArg, rowOfLast, last.relation) : {};

  let node: PreloadNode | undefined;
  for (let i = steps.length - 1; i >= 0; i--) {
    const isLast = i === steps.length - 1;
    node = {
      ...steps[i],
      ...(isLast ? { filter, ...options } : {}),
      configured: isLast && (filterArg !== undefined || optionsArg !== undefined),
      call: input.call,
      children: node ? [node] : [],
    };
  }
  return { kind: "preload", nodes: [], preload: node! };
}

/**
 * The relation's link, checked: each key it points at is a single-column primary key, and the two
 * sides of the link reach JavaScript as the same kind of value (rows are matched by it in a Map).
 */
function checkedLink(relation: RelationInfo, source: TableInfo, at: ts.Node): RelationLink {
  const link = relationLink(relation, source);
  if ("problem" in link)
    throw new Refusal("relationDeclaration", at, `relation "${relation.name}" cannot be compiled: ${link.problem}.`);
  const [a, b] = [columnType(link.sourceColumn), columnType(link.targetColumn)];
  const keyKinds = ["number", "bigint", "string"];
  if (!keyKinds.includes(a.kind) || a.kind !== b.kind || a.sqlType !== b.sqlType)
    throw new Refusal(
      "relationDeclaration",
      at,
      `relation "${relation.name}" links "${source.name}"."${link.sourceColumn.name}" (${link.sourceColumn.sqlType}) with ` +
        `"${link.targetColumn.name}" (${link.targetColumn.sqlType}): preload matches rows by a key of one SQL type that reaches JavaScript as a number, bigint or string.`,
      "Declare both key columns with the same type.",
    );
  return link;
}

function preloadFilter(input: StepInput, arg: ts.Expression, row: RowSource): SqlNode {
  const closure = inlineClosure("preload", arg);
  const cx = new LoweringContext(input.checker, closure, [row]);
  return lowerCondition(cx, closureBody(closure), true);
}

/** `{ orderBy: p => key, direction: "asc" | "desc", limit: n }`, written as a literal. */
function preloadOptions(
  input: StepInput,
  arg: ts.Expression,
  row: RowSource,
  relation: RelationInfo,
): { order?: SqlNode; limit?: SqlNode } {
  const o = skipParens(arg);
  if (!ts.isObjectLiteralExpression(o))
    throw new Refusal(
      "preloadShape",
      arg,
      "preload options must be an object literal `{ orderBy, direction, limit }`.",
    );
  const props = new Map<string, ts.Expression>();
  for (const p of o.properties) {
    if (
      !ts.isPropertyAssignment(p) ||
      !ts.isIdentifier(p.name) ||
      !["orderBy", "direction", "limit"].includes(p.name.text)
    )
      throw new Refusal(
        "preloadShape",
        p,
        "preload options are `orderBy`, `direction` and `limit`, written as `key: value`.",
      );
    props.set(p.name.text, p.initializer);
  }
  if (props.size > 0 && !isToMany(relation))
    throw new Refusal(
      "preloadShape",
      arg,
      `"${relation.name}" is a ${relation.kind} relation (one row or none): order and limit apply to relations that hold several rows.`,
    );
  const direction = props.has("direction")
    ? literalOption(props.get("direction")!, ["asc", "desc"], "the sort direction")
    : "asc";
  if (props.has("direction") && !props.has("orderBy"))
    throw new Refusal("preloadShape", props.get("direction")!, "`direction` needs `orderBy`.");
  let order: SqlNode | undefined;
  const orderBy = props.get("orderBy");
  if (orderBy) {
    const closure = inlineClosure("preload", orderBy);
    const cx = new LoweringContext(input.checker, closure, [row]);
    order = { kind: "sort", operand: sortKey(cx, closureBody(closure)).node, direction };
  }
  const limitArg = props.get("limit");
  return { order, limit: limitArg ? pagingNode("limit", limitArg) : undefined };
}
