import ts from "typescript";
import { QueryMethod, queryMethod, StepMethod, TerminalMethod } from "./methods";
import type { SchemaReader, TableInfo } from "./schema";

/** One method call of a chain, with its entry in the method table. */
export interface ChainCall<M extends QueryMethod = QueryMethod> {
  readonly name: string;
  readonly method: M;
  readonly call: ts.CallExpression;
}

/** A query chain found in the source: `root.m1(…).m2(…)…`, possibly ending in a terminal. */
export interface Chain {
  readonly root: ts.Expression;
  /** The root is a table's own query (`db.users`), so the chain's whole history is known. */
  readonly rootIsTable: boolean;
  readonly table: TableInfo;
  readonly steps: readonly ChainCall<StepMethod>[];
  readonly terminal?: ChainCall<TerminalMethod>;
}

/**
 * If `call` is a closql query method call, the whole chain it ends. A call is a query method when
 * its name is in the method table and the type checker says its receiver is a closql query.
 */
export function recognizeChain(
  call: ts.CallExpression,
  schema: SchemaReader,
  checker: ts.TypeChecker,
): Chain | undefined {
  const calls: ChainCall[] = [];
  let e: ts.Expression = call;
  let table: TableInfo | undefined;
  while (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
    const name = e.expression.name.text;
    const method = queryMethod(name);
    if (!method) break;
    const receiverTable = schema.tableOfQuery(checker.getTypeAtLocation(e.expression.expression));
    if (!receiverTable) break;
    // A terminal ends a chain: one found below the top belongs to an inner query.
    if (calls.length > 0 && method.role === "terminal") break;
    table = receiverTable;
    calls.unshift({ name, method, call: e });
    e = e.expression.expression;
  }
  if (!table || calls.length === 0) return undefined;
  const last = calls[calls.length - 1];
  const terminal = last.method.role === "terminal" ? (last as ChainCall<TerminalMethod>) : undefined;
  // Only the last call can be a terminal (see the loop), so the others are steps.
  const steps = (terminal ? calls.slice(0, -1) : calls) as ChainCall<StepMethod>[];
  return { root: e, rootIsTable: schema.isRoot(checker.getTypeAtLocation(e)), table, steps, terminal };
}
