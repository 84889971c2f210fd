import type { Binding } from "./binding";

/**
 * The small SQL expression tree closures are lowered to. Nodes are plain immutable data; one printer
 * (print/print-sql.ts) turns them into text. A `param` node carries its binding: the printer gives
 * each distinct binding one `$n`, so a node used twice binds its value once.
 */
export type SqlNode =
  /** A column; `table` qualifies it when a statement reads several tables or aliases. */
  | { readonly kind: "column"; readonly name: string; readonly table?: string }
  /** A literal, already rendered as SQL (`'admin'`, `42`, `TRUE`, `NULL`). */
  | { readonly kind: "literal"; readonly sql: string }
  | { readonly kind: "param"; readonly binding: Binding; readonly cast?: string }
  /** Comparison, arithmetic, LIKE, `||`: printed `left op right`. */
  | { readonly kind: "binary"; readonly op: string; readonly left: SqlNode; readonly right: SqlNode }
  | { readonly kind: "and" | "or"; readonly operands: readonly SqlNode[] }
  | { readonly kind: "not"; readonly operand: SqlNode }
  /** `operand IS NULL`, `IS NOT NULL`, `IS TRUE`, `IS NOT TRUE`, … */
  | {
      readonly kind: "is";
      readonly operand: SqlNode;
      readonly test: "NULL" | "NOT NULL" | "TRUE" | "NOT TRUE" | "FALSE" | "NOT FALSE";
    }
  | { readonly kind: "call"; readonly name: string; readonly args: readonly SqlNode[] }
  /** `left = ANY(array)` */
  | { readonly kind: "any"; readonly left: SqlNode; readonly array: SqlNode }
  /** `left IN (a, b)` */
  | { readonly kind: "in"; readonly left: SqlNode; readonly list: readonly SqlNode[] }
  | {
      readonly kind: "case";
      readonly whens: readonly { readonly when: SqlNode; readonly then: SqlNode }[];
      readonly else: SqlNode;
    }
  | { readonly kind: "cast"; readonly operand: SqlNode; readonly type: string }
  | { readonly kind: "collate"; readonly operand: SqlNode; readonly collation: string }
  | { readonly kind: "unary"; readonly op: "-"; readonly operand: SqlNode }
  /** `extract(field FROM operand)` */
  | { readonly kind: "extract"; readonly field: string; readonly operand: SqlNode }
  /** An ORDER BY key: `expression DESC NULLS LAST`. */
  | {
      readonly kind: "sort";
      readonly operand: SqlNode;
      readonly direction: "asc" | "desc";
      readonly nulls?: "first" | "last";
    }
  /** A select-list entry: `expression AS "name"`. */
  | { readonly kind: "alias"; readonly operand: SqlNode; readonly name: string };

export const TRUE: SqlNode = { kind: "literal", sql: "TRUE" };
export const FALSE: SqlNode = { kind: "literal", sql: "FALSE" };
export const NULL: SqlNode = { kind: "literal", sql: "NULL" };

export const column = (name: string, table?: string): SqlNode =>
  table === undefined ? { kind: "column", name } : { kind: "column", name, table };
export const literal = (sql: string): SqlNode => ({ kind: "literal", sql });
export const binary = (op: string, left: SqlNode, right: SqlNode): SqlNode => ({ kind: "binary", op, left, right });
export const is = (operand: SqlNode, test: Extract<SqlNode, { kind: "is" }>["test"]): SqlNode => ({
  kind: "is",
  operand,
  test,
});
export const call = (name: string, ...args: SqlNode[]): SqlNode => ({ kind: "call", name, args });
export const any = (left: SqlNode, array: SqlNode): SqlNode => ({ kind: "any", left, array });
export const cast = (operand: SqlNode, type: string): SqlNode => ({ kind: "cast", operand, type });
export const param = (binding: Binding, cast?: string): SqlNode => ({ kind: "param", binding, cast });
export const caseWhen = (when: SqlNode, then: SqlNode, otherwise: SqlNode): SqlNode => ({
  kind: "case",
  whens: [{ when, then }],
  else: otherwise,
});
export const collate = (operand: SqlNode, collation: string): SqlNode => ({ kind: "collate", operand, collation });

/** AND, flattening nested ANDs and dropping TRUE; FALSE absorbs. */
export function and(...operands: SqlNode[]): SqlNode {
  return junction("and", operands, TRUE, FALSE);
}

/** OR, flattening nested ORs and dropping FALSE; TRUE absorbs. */
export function or(...operands: SqlNode[]): SqlNode {
  return junction("or", operands, FALSE, TRUE);
}

function junction(kind: "and" | "or", operands: SqlNode[], identity: SqlNode, absorbing: SqlNode): SqlNode {
  const flat: SqlNode[] = [];
  for (const o of operands) {
    if (o === identity || (o.kind === "literal" && o.sql === (identity as { sql: string }).sql)) continue;
    if (o.kind === "literal" && o.sql === (absorbing as { sql: string }).sql) return absorbing;
    if (o.kind === kind) flat.push(...o.operands);
    else flat.push(o);
  }
  if (flat.length === 0) return identity;
  if (flat.length === 1) return flat[0];
  return { kind, operands: flat };
}

/** Never NULL: safe to use as a JavaScript boolean value as it is. */
export function isTwoValued(n: SqlNode): boolean {
  switch (n.kind) {
    case "is":
      return true;
    case "literal":
      return n.sql === "TRUE" || n.sql === "FALSE";
    case "and":
    case "or":
      return n.operands.every(isTwoValued);
    case "not":
      return isTwoValued(n.operand);
    default:
      return false;
  }
}

export function not(operand: SqlNode): SqlNode {
  if (operand.kind === "literal" && operand.sql === "TRUE") return FALSE;
  if (operand.kind === "literal" && operand.sql === "FALSE") return TRUE;
  if (operand.kind === "not") return operand.operand;
  return { kind: "not", operand };
}
