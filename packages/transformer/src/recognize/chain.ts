import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import { QueryMethod, queryMethod, StepMethod, TerminalMethod, WriteMethod } from "./methods";
import type { JoinedTable, QueryType, Relations, SchemaReader, TableInfo } from "./schema";

/** One method call of a chain, with its entry in the method table. */
export interface ChainCall<M extends QueryMethod = QueryMethod> {
  readonly name: string;
  readonly method: M;
  readonly call: ts.CallExpression;
}

/** A query chain found in the source: `root.m1(…).m2(…)…`, possibly ending in a terminal. */
export interface Chain {
  readonly root: ts.Expression;
  /**
   * The root is syntactically a table of closql's Database (`db.users`, `db["users"]`), so the chain
   * starts empty and its whole history is known: only then may it fold into one constant statement.
   * Any other root (a parameter, a helper's result, a stored query) already holds steps unknown here.
   */
  readonly rootIsTable: boolean;
  readonly table: TableInfo;
  /** The tables the root's rows come from: one, or a joined query's tables in join order. */
  readonly rootTables: readonly JoinedTable[];
  /** The table's relations, from the query's type. */
  readonly relations: Relations;
  readonly steps: readonly ChainCall<StepMethod>[];
  readonly terminal?: ChainCall<TerminalMethod | WriteMethod>;
  /** `.returning()` after an update or delete. */
  readonly returning?: ts.CallExpression;
}

/** A reference to a query method on a closql query: `q.where`, `q["all"]`. */
export interface MethodAccess {
  readonly name: string;
  readonly method: QueryMethod;
  readonly access: ts.PropertyAccessExpression | ts.ElementAccessExpression;
  readonly receiver: ts.Expression;
  readonly query: Exclude<QueryType, { kind: "none" }>;
}

/** The calls of a chain as written, before its table is checked: what a refused chain still visits. */
export interface ChainLinks {
  readonly root: ts.Expression;
  readonly links: readonly (MethodAccess & { readonly call: ts.CallExpression })[];
  readonly returning?: ts.CallExpression;
}

/**
 * `node` read as a query method of a closql query (`q.where`, `q["where"]`), whether or not it is called.
 * The receiver's type decides, read through a type parameter's constraint.
 */
export function queryMethodAccess(
  node: ts.Node,
  schema: SchemaReader,
  checker: ts.TypeChecker,
): MethodAccess | undefined {
  let name: string;
  if (ts.isPropertyAccessExpression(node)) name = node.name.text;
  else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression))
    name = node.argumentExpression.text;
  else return undefined;
  const method = queryMethod(name);
  if (!method) return undefined;
  const query = schema.queryType(checker.getTypeAtLocation(node.expression));
  if (query.kind === "none") return undefined;
  return { name, method, access: node, receiver: node.expression, query };
}

/**
 * If `call` calls a query method of a closql query (`q.m(…)`, `q["m"](…)`, `(q.m)(…)`), the calls of
 * the chain it ends, down to the chain's root.
 */
export function chainLinks(
  call: ts.CallExpression,
  schema: SchemaReader,
  checker: ts.TypeChecker,
): ChainLinks | undefined {
  const returning = writeReturning(call, checker);
  if (returning) {
    const write = chainLinks(returning.write, schema, checker);
    const last = write?.links[write.links.length - 1];
    return last?.method.role === "write" && last.method.returns ? { ...write!, returning: call } : undefined;
  }
  const links: ChainLinks["links"][number][] = [];
  let e: ts.Expression = call;
  while (ts.isCallExpression(e)) {
    const m = queryMethodAccess(skipParens(e.expression), schema, checker);
    if (!m) break;
    // A terminal or write ends a chain: one found below the top belongs to an inner query.
    if (links.length > 0 && m.method.role !== "step") break;
    links.unshift({ ...m, call: e });
    e = m.receiver;
  }
  return links.length === 0 ? undefined : { root: e, links };
}

/** `w.returning(…)` where `w` is a call whose result is a closql write (`q.update(…)`). */
export function writeReturning(
  call: ts.CallExpression,
  checker: ts.TypeChecker,
): { write: ts.CallExpression; access: ts.PropertyAccessExpression } | undefined {
  const access = skipParens(call.expression);
  if (!ts.isPropertyAccessExpression(access) || access.name.text !== "returning") return undefined;
  const write = skipParens(access.expression);
  if (!ts.isCallExpression(write) || !isWriteResult(access.expression, checker)) return undefined;
  return { write, access };
}

/** Is this expression's type a closql write result (what `update()`/`delete()` return)? */
export function isWriteResult(e: ts.Expression, checker: ts.TypeChecker): boolean {
  return checker.getApparentType(checker.getTypeAtLocation(e)).getProperty("$closqlWrite") !== undefined;
}

/**
 * If `call` is a closql query method call, the whole chain it ends. Throws a Refusal when the chain
 * cannot be compiled faithfully (its table is not known at build time, a fact of its table is not a
 * literal type, `?.` on a query).
 */
export function recognizeChain(
  call: ts.CallExpression,
  schema: SchemaReader,
  checker: ts.TypeChecker,
): Chain | undefined {
  const found = chainLinks(call, schema, checker);
  return found && chainOf(found, schema, checker);
}

/** Checks the links of a chain and gives the chain, or throws a Refusal. */
export function chainOf(found: ChainLinks, schema: SchemaReader, checker: ts.TypeChecker): Chain {
  const { root, links } = found;
  let table: TableInfo | undefined;
  for (const link of links) {
    if (link.access.questionDotToken || link.call.questionDotToken)
      throw new Refusal(
        "queryMethodReference",
        link.access,
        `\`?.\` on a query method cannot be compiled.`,
        "Check for undefined first: `q === undefined ? undefined : q.where(…)`.",
      );
    if (link.query.kind === "unknownTable")
      throw new Refusal(
        "unknownTable",
        link.access,
        `the table of this query is not known at build time: ${link.query.why}.`,
        "Type the query with its table, e.g. `Query<typeof users>`, or write a generic helper as `<Q extends Query<typeof users>>(q: Q)`.",
      );
    table = link.query.table;
  }
  if (table!.unknownFacts.length > 0) {
    const facts = table!.unknownFacts.map((f) => (f.column ? `column \`${f.column}\`: ${f.fact}` : f.fact));
    throw new Refusal(
      "unknownColumnFact",
      links[links.length - 1].call,
      `table "${table!.name}" has facts that are not known at build time, so its SQL could be wrong: ${facts.join("; ")}.`,
      "Declare each column with literal facts: no `cond ? c.nullable() : c`, `.name()` with a string literal, enum labels as a literal tuple.",
    );
  }
  const calls = links.map(({ name, method, call }): ChainCall => ({ name, method, call }));
  const last = calls[calls.length - 1];
  const terminal = last.method.role !== "step" ? (last as ChainCall<TerminalMethod | WriteMethod>) : undefined;
  // Only the last call can be a terminal or write (see chainLinks), so the others are steps.
  const steps = (terminal ? calls.slice(0, -1) : calls) as ChainCall<StepMethod>[];
  const rootIsTable = isTableOfDatabase(root, schema, checker);
  const rootQuery = links[0].query as QueryType & { kind: "query" };
  const rootTables = rootQuery.joined ?? [{ table: rootQuery.table, optional: false }];
  return {
    root,
    rootIsTable,
    table: rootTables[0].table,
    rootTables,
    relations: rootQuery.relations,
    steps,
    terminal,
    returning: found.returning,
  };
}

/** `db.users` or `db["users"]` where `db` is closql's Database: a table's own, empty query. */
function isTableOfDatabase(root: ts.Expression, schema: SchemaReader, checker: ts.TypeChecker): boolean {
  const e = skipParens(root);
  const isTableAccess =
    (ts.isPropertyAccessExpression(e) && !e.questionDotToken) ||
    (ts.isElementAccessExpression(e) && !e.questionDotToken && ts.isStringLiteralLike(e.argumentExpression));
  return isTableAccess && schema.isDatabase(checker.getTypeAtLocation(e.expression));
}

function skipParens(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return e;
}
