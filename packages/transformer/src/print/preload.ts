import { Fragment, quoteIdent, StatementBuilder } from "closql/sql";
import { Refusal } from "../diagnostics/refusal";
import type { Binding } from "../ir/binding";
import { Decoder, decoderFor, OutputField } from "../ir/output";
import type { PreloadNode } from "../ir/statement";
import { columnType } from "../ir/value-type";
import { isToMany } from "../recognize/schema";
import { printSql } from "./print-sql";
import { wholeRow } from "./statement";

/** One preload statement, printed: the batched strategy (one statement per relation, `$1` = the parent keys). */
export interface PrintedPreload {
  readonly node: PreloadNode;
  readonly text: string;
  /** What `$2`, `$3`, … bind (the filter's and limit's values). */
  readonly bindings: readonly Binding[];
  /** The child row's fields, read from the statement's columns after `offset`. */
  readonly fields: readonly OutputField[];
  readonly offset: number;
  readonly many: boolean;
  readonly parentKey: string;
  /** The child's property holding its parent's key; undefined: the first column is the key. */
  readonly childKey?: string;
  readonly keyDecoder?: Decoder;
  readonly children: readonly PrintedPreload[];
}

/**
 * The `.preload()` calls of one chain as one tree: a relation named by several calls (`"posts"` and
 * `"posts.comments"`) loads once, with the filter and options of the call that gave them, and the
 * nested relations of all. Two calls giving options for one relation are refused. (The runtime's
 * mergePreloads does the same for chains built across `if`s.)
 */
export function mergePreloads(nodes: readonly PreloadNode[]): PreloadNode[] {
  const merged: PreloadNode[] = [];
  for (const node of nodes) {
    const at = merged.findIndex((m) => m.relation.name === node.relation.name);
    if (at < 0) {
      merged.push(node);
      continue;
    }
    const existing = merged[at];
    if (existing.configured && node.configured)
      throw new Refusal(
        "preloadShape",
        node.call,
        `relation "${node.relation.name}" is preloaded twice with a filter, order or limit.`,
        "Give them in one `.preload()` call.",
      );
    const own = node.configured ? node : existing;
    merged[at] = { ...own, children: mergePreloads([...existing.children, ...node.children]) };
  }
  return merged;
}

/** Each relation's statement, and those of the relations nested under it. */
export function printPreloads(nodes: readonly PreloadNode[]): PrintedPreload[] {
  return nodes.map(printPreload);
}

/** Stands for the parent keys' array in a statement: always `$1`. */
const KEYS = Symbol("parent keys");

function printPreload(node: PreloadNode): PrintedPreload {
  const { relation, link } = node;
  const target = relation.target;
  const through = relation.through;
  const q = quoteIdent;
  const row = wholeRow(target);
  // Many-to-many reads the junction's key first, then the target's row; the others the target's row.
  const columns = through
    ? [
        `${q(through.table.name)}.${q(through.from.name)}`,
        ...[...target.columns.values()].map((c) => `${q(target.name)}.${q(c.name)}`),
      ].join(", ")
    : row.columns;
  const from = through
    ? `${q(through.table.name)} JOIN ${q(target.name)} ON ${q(target.name)}.${q(target.primaryKey!.name)} = ${q(through.table.name)}.${q(through.to.name)}`
    : q(target.name);
  const key = through ? `${q(through.table.name)}.${q(through.from.name)}` : q(link.targetColumn.name);

  const b = new StatementBuilder<Binding | typeof KEYS>();
  const keys: Fragment<Binding | typeof KEYS> = { sql: ["", ""], refs: [0], params: [KEYS] };
  const rest = () => {
    if (node.filter) b.append(" AND ").appendFragment(printSql(node.filter));
    if (node.order) b.append(" ORDER BY ").appendFragment(printSql(node.order));
  };
  if (node.limit) {
    // A limit per parent: each key's rows in a LATERAL subquery.
    b.append(`SELECT "closql_rows".* FROM unnest(`)
      .appendFragment(keys)
      .append(
        `::${link.sourceColumn.sqlType}[]) AS "closql_keys"("key") CROSS JOIN LATERAL (SELECT ${columns} FROM ${from} WHERE ${key} = "closql_keys"."key"`,
      );
    rest();
    b.append(" LIMIT ").appendFragment(printSql(node.limit)).append(`) AS "closql_rows"`);
  } else {
    b.append(`SELECT ${columns} FROM ${from} WHERE ${key} = ANY(`).appendFragment(keys).append(")");
    rest();
  }
  const { text, params } = b.build();
  if (params[0] !== KEYS) throw new Error("closql: the parent keys must be $1");
  return {
    node,
    text,
    bindings: params.slice(1) as Binding[],
    fields: row.map,
    offset: through ? 1 : 0,
    many: isToMany(relation),
    parentKey: link.sourceColumn.key,
    childKey: through ? undefined : link.targetColumn.key,
    keyDecoder: through ? decoderFor(columnType(through.from)) : undefined,
    children: printPreloads(node.children),
  };
}
