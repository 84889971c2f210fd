import type { Binding } from "./binding";

/**
 * The small SQL expression tree closures are lowered to. Nodes are plain immutable data; one printer
 * (print/print-sql.ts) turns them into text. A `param` node carries its binding: the printer gives
 * each distinct binding one `$n`, so a node used twice binds its value once.
 */
export type SqlNode =
  /**
   * A column; `table` qualifies it when a statement reads several tables or aliases. `notNull` says
   * it can never be NULL here (declared NOT NULL), which lets conditions on it stay two-valued.
   */
  | { readonly kind: "column"; readonly name: string; readonly table?: string; readonly notNull?: true }
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
  /**
   * Values computed once and used several times in `body` (through `ref` nodes with the same key):
   * printed as a scalar subquery, so SQL grows linearly when lowering repeats an operand.
   */
  | { readonly kind: "let"; readonly key: LetKey; readonly values: readonly SqlNode[]; readonly body: SqlNode }
  | { readonly kind: "ref"; readonly key: LetKey; readonly index: number }
  /**
   * `EXISTS (SELECT 1 FROM <from> WHERE <where>)`: a relation predicate. `from` is printed SQL (quoted
   * tables with their aliases, a junction's JOIN); `where` correlates it with the outer row.
   */
  | { readonly kind: "exists"; readonly from: string; readonly where: SqlNode }
  /** A select-list entry: `expression AS "name"`. */
  | { readonly kind: "alias"; readonly operand: SqlNode; readonly name: string }
  /**
   * `(SELECT operand)`: a scalar subquery of the operand alone. An aggregate in it whose argument
   * reads the outer row still belongs to the outer query; its result has no explicit collation.
   */
  | { readonly kind: "scalar"; readonly operand: SqlNode };

export const TRUE: SqlNode = { kind: "literal", sql: "TRUE" };
export const FALSE: SqlNode = { kind: "literal", sql: "FALSE" };
export const NULL: SqlNode = { kind: "literal", sql: "NULL" };

export const column = (name: string, table?: string, notNull?: boolean): SqlNode => ({
  kind: "column",
  name,
  ...(table === undefined ? {} : { table }),
  ...(notNull ? { notNull: true as const } : {}),
});
export const literal = (sql: string): SqlNode => ({ kind: "literal", sql });
export const binary = (op: string, left: SqlNode, right: SqlNode): SqlNode => ({ kind: "binary", op, left, right });
type IsTest = Extract<SqlNode, { kind: "is" }>["test"];

/** `operand IS <test>`, folded where the answer is known: on literals, and on two-valued operands. */
export function is(operand: SqlNode, test: IsTest): SqlNode {
  if (operand.kind === "literal" && (operand.sql === "TRUE" || operand.sql === "FALSE" || operand.sql === "NULL")) {
    return IS_ON_LITERALS[operand.sql][test] ? TRUE : FALSE;
  }
  if (isTwoValued(operand)) {
    if (test === "TRUE" || test === "NOT FALSE") return operand;
    if (test === "NOT TRUE" || test === "FALSE") return not(operand);
    if (test === "NOT NULL") return TRUE;
    if (test === "NULL") return FALSE;
  }
  return { kind: "is", operand, test };
}

const IS_ON_LITERALS: Record<"TRUE" | "FALSE" | "NULL", Record<IsTest, boolean>> = {
  TRUE: { NULL: false, "NOT NULL": true, TRUE: true, "NOT TRUE": false, FALSE: false, "NOT FALSE": true },
  FALSE: { NULL: false, "NOT NULL": true, TRUE: false, "NOT TRUE": true, FALSE: true, "NOT FALSE": false },
  NULL: { NULL: true, "NOT NULL": false, TRUE: false, "NOT TRUE": true, FALSE: false, "NOT FALSE": true },
};
export const call = (name: string, ...args: SqlNode[]): SqlNode => ({ kind: "call", name, args });
export const any = (left: SqlNode, array: SqlNode): SqlNode => ({ kind: "any", left, array });
export const cast = (operand: SqlNode, type: string): SqlNode => ({ kind: "cast", operand, type });
export const param = (binding: Binding, cast?: string): SqlNode => ({ kind: "param", binding, cast });
export const caseWhen = (when: SqlNode, then: SqlNode, otherwise: SqlNode): SqlNode => ({
  kind: "case",
  whens: [{ when, then }],
  else: otherwise,
});
export const exists = (from: string, where: SqlNode): SqlNode => ({ kind: "exists", from, where });
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
    case "exists":
      return true;
    case "column":
      return n.notNull === true;
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

/** Identifies one `let` for its `ref`s (by identity: the printer names it). */
export type LetKey = { readonly let: true };

/**
 * `build(v1, v2, …)` where each `vi` may be used several times: small values (a column, a literal, a
 * parameter, a short expression) are repeated as they are; a larger one used more than once is
 * computed once in a `let`, so SQL grows linearly however deeply lowering nests.
 */
export function share(values: readonly SqlNode[], build: (...refs: SqlNode[]) => SqlNode): SqlNode {
  // A value holding an aggregate is repeated: in the `let`'s subquery an aggregate would belong to
  // that subquery's one row (`count(*)`) or read columns the outer GROUP BY does not provide.
  const repeated = (v: SqlNode) => isSmall(v) || holdsAggregate(v);
  if (values.every(repeated)) return build(...values);
  const key: LetKey = { let: true };
  const refs = values.map((v, index) => (repeated(v) ? v : ({ kind: "ref", key, index } as SqlNode)));
  const body = build(...refs);
  const uses = new Map<number, number>();
  visitNodes(body, (n) => {
    if (n.kind === "ref" && n.key === key) uses.set(n.index, (uses.get(n.index) ?? 0) + 1);
  });
  const shared = [...uses.keys()].filter((i) => uses.get(i)! > 1).sort((a, b) => a - b);
  // A value used once goes back in its place; the others are numbered in the let.
  const inlined = mapNodes(body, (n) => {
    if (n.kind !== "ref" || n.key !== key) return undefined;
    const at = shared.indexOf(n.index);
    return at < 0 ? values[n.index] : { kind: "ref", key, index: at };
  });
  return shared.length === 0 ? inlined : { kind: "let", key, values: shared.map((i) => values[i]), body: inlined };
}

/**
 * The tree as a grouped query level (GROUP BY, HAVING, aggregates) must hold it. A `let` computes its
 * values in a subquery, and there PostgreSQL accepts a column of the outer row only inside an
 * aggregate or as a GROUP BY key itself: it matches a grouped expression (`date_trunc(…)`,
 * `COALESCE("f", -1)`) only at the query's own level, so a subquery reading a column under such a
 * key fails to PREPARE ("subquery uses ungrouped column"). A value reading a column for which
 * `grouped` is false is therefore put back in each of its places (as a value holding an aggregate
 * always is); values reading only grouped columns, parameters and literals stay shared. An
 * aggregate's argument is left as it is: its columns belong to the aggregate.
 */
export function inGroupedLevel(n: SqlNode, grouped: (c: Extract<SqlNode, { kind: "column" }>) => boolean): SqlNode {
  return mapNodes(n, (c) => {
    if (c.kind === "call" && AGGREGATE_FUNCTIONS.has(c.name)) return c;
    if (c.kind !== "let") return undefined;
    const values = c.values.map((v) => inGroupedLevel(v, grouped));
    const body = inGroupedLevel(c.body, grouped);
    const kept = values.flatMap((v, i) => (columnsOf(v).every(grouped) ? [i] : []));
    const inlined = mapNodes(body, (r) => {
      if (r.kind !== "ref" || r.key !== c.key) return undefined;
      const at = kept.indexOf(r.index);
      return at < 0 ? values[r.index] : { kind: "ref", key: c.key, index: at };
    });
    return kept.length === 0 ? inlined : { ...c, values: kept.map((i) => values[i]), body: inlined };
  });
}

/** Whether the tree reads a column. */
export function readsColumn(n: SqlNode): boolean {
  return columnsOf(n).length > 0;
}

/** The tree with each column replaced by what `replace` gives for it (keyset pagination's cursor keys). */
export function mapColumns(n: SqlNode, replace: (c: Extract<SqlNode, { kind: "column" }>) => SqlNode): SqlNode {
  return mapNodes(n, (c) => (c.kind === "column" ? replace(c) : undefined));
}

/** The columns a tree reads, in order, each once. */
export function columnsOf(n: SqlNode): Extract<SqlNode, { kind: "column" }>[] {
  const found: Extract<SqlNode, { kind: "column" }>[] = [];
  visitNodes(n, (c) => {
    if (c.kind === "column" && !found.some((f) => f.name === c.name && f.table === c.table)) found.push(c);
  });
  return found;
}

/** Calls `f` on every node of the tree. */
function visitNodes(n: SqlNode, f: (n: SqlNode) => void): void {
  f(n);
  children(n).forEach((c) => visitNodes(c, f));
}

/** The tree with each node for which `replace` returns a node replaced by it. */
function mapNodes(n: SqlNode, replace: (n: SqlNode) => SqlNode | undefined): SqlNode {
  return replace(n) ?? mapChildren(n, (c) => mapNodes(c, replace));
}

function children(n: SqlNode): SqlNode[] {
  const found: SqlNode[] = [];
  mapChildren(n, (c) => (found.push(c), c));
  return found;
}

/** The node with `f` applied to each child, in order: the one place that knows each node's children. */
function mapChildren(n: SqlNode, f: (c: SqlNode) => SqlNode): SqlNode {
  switch (n.kind) {
    case "binary":
      return { ...n, left: f(n.left), right: f(n.right) };
    case "and":
    case "or":
      return { ...n, operands: n.operands.map(f) };
    case "call":
      return { ...n, args: n.args.map(f) };
    case "case":
      return { ...n, whens: n.whens.map((w) => ({ when: f(w.when), then: f(w.then) })), else: f(n.else) };
    case "in":
      return { ...n, left: f(n.left), list: n.list.map(f) };
    case "any":
      return { ...n, left: f(n.left), array: f(n.array) };
    case "let":
      return { ...n, values: n.values.map(f), body: f(n.body) };
    case "exists":
      return { ...n, where: f(n.where) };
    case "not":
    case "is":
    case "cast":
    case "collate":
    case "unary":
    case "extract":
    case "alias":
    case "sort":
    case "scalar":
      return { ...n, operand: f(n.operand) } as SqlNode;
    default:
      return n;
  }
}

/** The aggregate functions closql's markers print (aggregates.ts). */
const AGGREGATE_FUNCTIONS = new Set(["count", "sum", "avg", "min", "max"]);

function holdsAggregate(n: SqlNode): boolean {
  let found = false;
  visitNodes(n, (c) => {
    if (c.kind === "call" && AGGREGATE_FUNCTIONS.has(c.name)) found = true;
  });
  return found;
}

/** Cheap enough to repeat: at most a few nodes. */
function isSmall(n: SqlNode): boolean {
  return weight(n, 6) <= 6;
}

function weight(n: SqlNode, limit: number): number {
  if (n.kind === "let") return limit + 1;
  let total = 1;
  for (const c of children(n)) {
    if (total > limit) break;
    total += weight(c, limit - total);
  }
  return total;
}
