import ts from "typescript";
import { assembleSelect, Fragment, quoteIdent, ReadKind, SelectParts } from "closql/dist/sql";
import { UnsupportedError } from "./diagnostic";
import { ClosureLowering, HelperCall } from "./lower";
import { decoderFor, OutputField } from "./mapper";
import { printSql } from "./print";
import type { SchemaReader, TableInfo } from "./schema-info";
import { columnType } from "./value-type";
import * as sql from "./sql-node";

export const STEP_METHODS = new Set(["where", "orderBy", "limit", "offset", "select"]);
export const TERMINAL_METHODS = new Set<ReadKind>(["all", "first", "one", "count", "exists"]);

export interface ChainCall {
  readonly method: string;
  readonly call: ts.CallExpression;
}

/** A query chain found in the source: `root.m1(…).m2(…)…`, possibly ending in a terminal. */
export interface Chain {
  readonly root: ts.Expression;
  readonly rootIsTable: boolean;
  readonly table: TableInfo;
  readonly steps: readonly ChainCall[];
  readonly terminal?: ChainCall;
}

/** A compiled step: its SQL fragment, with holes for the bound expressions. */
export interface CompiledStepIR {
  readonly kind: "where" | "orderBy" | "limit" | "offset" | "select";
  readonly fragment: Fragment<ts.Expression>;
  /** For select: the projection's fields. */
  readonly fields?: readonly OutputField[];
  /** For where: the original closure (kept for differential testing with `keepClosures`). */
  readonly closure?: ts.Expression;
}

/** If `call` is a closql query method call, the whole chain it ends. */
export function readChain(call: ts.CallExpression, schema: SchemaReader, checker: ts.TypeChecker): Chain | undefined {
  const calls: ChainCall[] = [];
  let e: ts.Expression = call;
  let table: TableInfo | undefined;
  while (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
    const method = e.expression.name.text;
    if (!STEP_METHODS.has(method) && !TERMINAL_METHODS.has(method as ReadKind)) break;
    const receiverTable = schema.tableOfQuery(checker.getTypeAtLocation(e.expression.expression));
    if (!receiverTable) break;
    // A terminal ends a chain: one found below the top belongs to an inner query.
    if (calls.length > 0 && TERMINAL_METHODS.has(method as ReadKind)) break;
    table = receiverTable;
    calls.unshift({ method, call: e });
    e = e.expression.expression;
  }
  if (!table || calls.length === 0) return undefined;
  const last = calls[calls.length - 1];
  const terminal = TERMINAL_METHODS.has(last.method as ReadKind) ? last : undefined;
  return {
    root: e,
    rootIsTable: schema.isRoot(checker.getTypeAtLocation(e)),
    table,
    steps: terminal ? calls.slice(0, -1) : calls,
    terminal,
  };
}

/** Compiles one step call of a chain. */
export function compileStep(
  c: ChainCall,
  table: TableInfo,
  checker: ts.TypeChecker,
  helper: HelperCall,
): CompiledStepIR {
  const args = c.call.arguments;
  switch (c.method) {
    case "where": {
      const [closure] = closureArguments(c, 1);
      const lowering = new ClosureLowering(checker, table, closure, helper);
      const node = lowering.condition(ClosureLowering.body(closure), true);
      return { kind: "where", fragment: printSql(node, lowering.params), closure };
    }
    case "orderBy": {
      const [closure] = closureArguments(c, 3);
      const lowering = new ClosureLowering(checker, table, closure, helper);
      const key = lowering.value(ClosureLowering.body(closure));
      const direction = args[1] ? stringOption(args[1], ["asc", "desc"], "the sort direction") : "asc";
      const nulls = args[2] ? nullsOption(args[2]) : undefined;
      const f = printSql(key.node, lowering.params);
      const suffix = (direction === "desc" ? " DESC" : "") + (nulls ? ` NULLS ${nulls.toUpperCase()}` : "");
      return { kind: "orderBy", fragment: appendText(f, suffix) };
    }
    case "limit":
    case "offset": {
      if (args.length !== 1) throw new UnsupportedError(c.call, `.${c.method}() takes one argument.`);
      const n = args[0];
      if (ts.isNumericLiteral(n))
        return { kind: c.method, fragment: { sql: [String(Number(n.text))], refs: [], params: [] } };
      const bound = helper("$bind.count", [n, ts.factory.createStringLiteral(c.method)]);
      return { kind: c.method, fragment: printSql({ kind: "param", index: 0 }, [bound]) };
    }
    case "select": {
      const [closure] = closureArguments(c, 1);
      const body = ClosureLowering.body(closure);
      const object = skipParens(body);
      if (!ts.isObjectLiteralExpression(object))
        throw new UnsupportedError(body, "select() must return an object literal.", "Write `u => ({ id: u.id, … })`.");
      const lowering = new ClosureLowering(checker, table, closure, helper);
      const columns: sql.SqlNode[] = [];
      const fields: OutputField[] = [];
      for (const p of object.properties) {
        let key: string;
        let value: ts.Expression;
        if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
          key = p.name.text;
          value = p.initializer;
        } else if (ts.isShorthandPropertyAssignment(p)) {
          key = p.name.text;
          value = p.name;
        } else
          throw new UnsupportedError(
            p,
            "select() supports `key: expression` properties only (no spreads, methods or computed keys).",
          );
        const v = lowering.value(value);
        const named = v.node.kind === "column" && v.node.name === key;
        columns.push(named ? v.node : { kind: "alias", operand: v.node, name: key });
        fields.push({ key, decoder: decoderFor(v.type) });
      }
      if (columns.length === 0) throw new UnsupportedError(object, "select() needs at least one field.");
      return {
        kind: "select",
        fragment: joinFragments(
          columns.map((n) => printSql(n, lowering.params)),
          ", ",
        ),
        fields,
      };
    }
  }
  throw new UnsupportedError(c.call, `.${c.method}() is not supported here.`);
}

/** The select list and fields of the whole row, in declaration order. */
export function wholeRow(table: TableInfo): { columns: string; fields: OutputField[] } {
  const cols = [...table.columns.values()];
  return {
    columns: cols.map((c) => quoteIdent(c.name)).join(", "),
    fields: cols.map((c) => ({ key: c.key, decoder: decoderFor(columnType(c)) })),
  };
}

/** Folds the steps of a chain that starts at a table into one statement (build time). */
export function foldStatic(
  table: TableInfo,
  steps: readonly CompiledStepIR[],
  kind: ReadKind,
): { text: string; params: ts.Expression[]; fields: readonly OutputField[] } {
  const row = wholeRow(table);
  let columns: Fragment<ts.Expression> = { sql: [row.columns], refs: [], params: [] };
  let fields: readonly OutputField[] = row.fields;
  const where: Fragment<ts.Expression>[] = [];
  const orderBy: Fragment<ts.Expression>[] = [];
  const parts: { -readonly [K in keyof SelectParts<ts.Expression>]: SelectParts<ts.Expression>[K] } = {
    from: quoteIdent(table.name),
    columns,
    where,
    orderBy,
  };
  for (const s of steps) {
    if (s.kind === "where") where.push(s.fragment);
    else if (s.kind === "orderBy") orderBy.push(s.fragment);
    else if (s.kind === "limit") parts.limit = s.fragment;
    else if (s.kind === "offset") parts.offset = s.fragment;
    else {
      columns = s.fragment;
      fields = s.fields!;
    }
  }
  parts.columns = columns;
  const { text, params } = assembleSelect(parts, kind);
  return { text, params, fields };
}

function closureArguments(c: ChainCall, maxArgs: number): [ts.ArrowFunction | ts.FunctionExpression] {
  const args = c.call.arguments;
  if (args.length === 0 || args.length > maxArgs)
    throw new UnsupportedError(
      c.call,
      `.${c.method}() takes ${maxArgs === 1 ? "one closure" : `a closure and at most ${maxArgs - 1} options`}.`,
    );
  const closure = skipParens(args[0]);
  if (!ts.isArrowFunction(closure) && !ts.isFunctionExpression(closure)) {
    throw new UnsupportedError(
      args[0],
      `.${c.method}() needs an inline closure so it can be compiled at build time.`,
      "Write the arrow function in the call, e.g. `.where(u => u.active)`; to reuse conditions, build the chain across `if`s.",
    );
  }
  return [closure];
}

function stringOption<T extends string>(e: ts.Expression, allowed: readonly T[], what: string): T {
  const s = skipParens(e);
  if (ts.isStringLiteralLike(s) && (allowed as readonly string[]).includes(s.text)) return s.text as T;
  throw new UnsupportedError(
    e,
    `${what} must be written as a literal: ${allowed.map((a) => `"${a}"`).join(" or ")}.`,
    "SQL cannot bind it as a parameter; branch with `if` to choose at run time.",
  );
}

function nullsOption(e: ts.Expression): "first" | "last" {
  const o = skipParens(e);
  if (ts.isObjectLiteralExpression(o) && o.properties.length === 1) {
    const [p] = o.properties;
    if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === "nulls")
      return stringOption(p.initializer, ["first", "last"], "`nulls`");
  }
  throw new UnsupportedError(e, 'orderBy options must be a literal `{ nulls: "first" | "last" }`.');
}

function skipParens(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return e;
}

function appendText<P>(f: Fragment<P>, text: string): Fragment<P> {
  const sqlParts = [...f.sql];
  sqlParts[sqlParts.length - 1] += text;
  return { ...f, sql: sqlParts };
}

/** Joins fragments that share one param list (printed from the same lowering). */
function joinFragments<P>(fragments: Fragment<P>[], separator: string): Fragment<P> {
  const params: P[] = [];
  const sqlParts: string[] = [""];
  const refs: number[] = [];
  fragments.forEach((f, i) => {
    if (i > 0) sqlParts[sqlParts.length - 1] += separator;
    const offset = params.length;
    params.push(...f.params);
    sqlParts[sqlParts.length - 1] += f.sql[0];
    f.refs.forEach((r, j) => {
      refs.push(r + offset);
      sqlParts.push(f.sql[j + 1]);
    });
  });
  return { sql: sqlParts, refs, params };
}
