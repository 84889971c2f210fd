import { Fragment, quoteIdent, StatementBuilder } from "closql/sql";
import type { Binding } from "../ir/binding";
import type { OutputField } from "../ir/output";
import type { PreloadNode } from "../ir/statement";
import { isToMany, TableInfo } from "../recognize/schema";
import { printSql } from "./print-sql";
import { wholeRow } from "./statement";

/**
 * Preload strategy "json": the relations of a read loaded inside the read's own statement (one round
 * trip), each a column after the whole row:
 *
 *   to-many: array_to_json(ARRAY(SELECT json_build_array(<columns>, <nested relations>) FROM "posts"
 *            WHERE "posts"."user_id" = "users"."id" [AND filter] [ORDER BY …] [LIMIT …])) AS "posts"
 *   to-one:  (SELECT json_build_array(…) FROM "users" WHERE "users"."id" = "posts"."user_id" …) AS "author"
 *
 * `ARRAY(subquery)` keeps the subquery's order (json_agg over an ordered subquery only "usually" does)
 * and is `[]`, never NULL, for no rows. Each level reads its table under its own name, so the
 * correlation, a filter's relation predicates and the nested levels all refer to it as the batched
 * statements do; a tree in which a name would repeat along a path (a self relation) is batched
 * (preload-strategy.ts). The runtime (closql's runtime/preload-json.ts) decodes the column.
 */
export interface JsonPreload {
  readonly node: PreloadNode;
  readonly many: boolean;
  /** The related row's fields, read from the JSON array's first values. */
  readonly fields: readonly OutputField[];
  /** `[index, oid, …]`: the values sent as their text output, and the type whose parser reads them. */
  readonly textColumns: readonly number[];
  /** The relations nested under it: the JSON array's values after the row's. */
  readonly children: readonly JsonPreload[];
}

/** The select-list entries that load `nodes` into the rows of `parent`, and how to decode each. */
export function printJsonPreloads(
  nodes: readonly PreloadNode[],
  parent: TableInfo,
): { columns: Fragment<Binding>; relations: JsonPreload[] } {
  const b = new StatementBuilder<Binding>();
  const relations = nodes.map((node, i) => {
    const printed = printRelation(node, parent);
    if (i > 0) b.append(", ");
    b.appendFragment(printed.value).append(` AS ${quoteIdent(node.relation.name)}`);
    return printed.relation;
  });
  return { columns: b.fragment(), relations };
}

function printRelation(node: PreloadNode, parent: TableInfo): { value: Fragment<Binding>; relation: JsonPreload } {
  const q = quoteIdent;
  const { relation, link } = node;
  const target = relation.target;
  const through = relation.through;
  const many = isToMany(relation);
  const targetName = q(target.name);

  // The related row: each column natively or as its text output; then the nested relations.
  const columns = [...target.columns.values()];
  const textColumns: number[] = [];
  const values = columns.map((c, i) => {
    const oid = textOid(c.sqlType);
    if (oid === undefined) return `${targetName}.${q(c.name)}`;
    textColumns.push(i, oid);
    return `${targetName}.${q(c.name)}::text`;
  });
  const nested = node.children.map((child) => printRelation(child, target));

  const from = through
    ? `${q(through.table.name)} JOIN ${targetName} ON ${targetName}.${q(target.primaryKey!.name)} = ${q(through.table.name)}.${q(through.to.name)}`
    : targetName;
  const key = through
    ? `${q(through.table.name)}.${q(through.from.name)}`
    : `${targetName}.${q(link.targetColumn.name)}`;

  const b = new StatementBuilder<Binding>();
  b.append(many ? "array_to_json(ARRAY(SELECT json_build_array(" : "(SELECT json_build_array(");
  b.append(values.join(", "));
  for (const child of nested) b.append(", ").appendFragment(child.value);
  b.append(`) FROM ${from} WHERE ${key} = ${q(parent.name)}.${q(link.sourceColumn.name)}`);
  if (node.filter) b.append(" AND ").appendFragment(printSql(node.filter));
  if (node.order) b.append(" ORDER BY ").appendFragment(printSql(node.order));
  if (node.limit) b.append(" LIMIT ").appendFragment(printSql(node.limit));
  // A hasOne whose key is not unique would make the scalar subquery fail: one row, as the batched
  // strategy keeps one (which one is unspecified in both without an order).
  else if (relation.kind === "hasOne") b.append(" LIMIT 1");
  b.append(many ? "))" : ")");
  return {
    value: b.fragment(),
    relation: { node, many, fields: wholeRow(target).map, textColumns, children: nested.map((n) => n.relation) },
  };
}

/**
 * Native JSON values that equal what pg's text parser gives for the column: integers that fit a
 * double, booleans, strings (text, varchar, uuid, enum labels) and jsonb (parsed either way). Every
 * other type is sent as its text output and parsed by the oid's parser (closql's `closqlTypes`).
 */
const NATIVE = new Set(["smallint", "integer", "boolean", "text", "varchar", "uuid", "jsonb"]);

/** pg's type ids of the types sent as text (arrays: their array type; enum arrays have no parser). */
const TEXT_OIDS: Record<string, number> = {
  bigint: 20,
  real: 700,
  "double precision": 701,
  numeric: 1700,
  timestamptz: 1184,
  timestamp: 1114,
  date: 1082,
  bytea: 17,
  "smallint[]": 1005,
  "integer[]": 1007,
  "bigint[]": 1016,
  "real[]": 1021,
  "double precision[]": 1022,
  "numeric[]": 1231,
  "text[]": 1009,
  "varchar[]": 1015,
  "boolean[]": 1000,
  "timestamptz[]": 1185,
  "timestamp[]": 1115,
  "date[]": 1182,
  "uuid[]": 2951,
  "jsonb[]": 3807,
  "bytea[]": 1001,
};
/** `text`: pg has no parser for it, as for an enum array's own type id, which varies per database. */
const UNPARSED_TEXT = 25;

function textOid(sqlType: string): number | undefined {
  const base = sqlType.replace(/\(.*?\)/, "");
  if (NATIVE.has(base) || (base.startsWith('"') && !base.endsWith("[]"))) return undefined;
  if (base.startsWith('"')) return UNPARSED_TEXT;
  const oid = TEXT_OIDS[base];
  if (oid === undefined) throw new Error(`closql: no JSON form for SQL type ${sqlType}`);
  return oid;
}
