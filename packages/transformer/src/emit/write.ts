import ts from "typescript";
import { quoteIdent } from "closql/sql";
import type { Binding } from "../ir/binding";
import type { LoweredWrite } from "../ir/statement";
import type { Chain } from "../recognize/chain";
import type { TableInfo } from "../recognize/schema";
import { codecOf } from "../lower/writes/assignments";
import type { PrintedWrite } from "../print/write";
import { wholeRow } from "../print/statement";
import { bindingExpression } from "./bindings";
import { statementName } from "closql/sql";
import { arrow, valuesThunk, VisitExpression } from "./chain";
import type { FileEmitter } from "./file-emitter";
import { mapperExpression } from "./mapper";
import { callHelper } from "./runtime";

/**
 * A write: a hoisted plan (its text, or its parts when the text depends on run-time facts) and
 * `q.$write(plan, () => [values…], options)`. `q` is the chain's root, or for a chain reached through a
 * helper the root with its steps added (`$step`), whose conditions the runtime appends.
 */
export function emitWrite(
  out: FileEmitter,
  target: ts.Expression,
  chain: Chain,
  write: LoweredWrite,
  printed: PrintedWrite,
  source: string,
  visit: VisitExpression,
): ts.Expression {
  const f = out.f;
  const returnsRows = write.result !== "count";
  const plan = out.hoist(
    "w",
    out.objectLiteral({
      result: f.createStringLiteral(write.result),
      source: f.createStringLiteral(source),
      map: returnsRows ? mapperExpression(f, wholeRow(chain.table).map, out.runtime) : undefined,
      text: printed.text === undefined ? undefined : f.createStringLiteral(printed.text),
      name: printed.text === undefined ? undefined : f.createStringLiteral(statementName(printed.text)),
      parts: printed.parts && out.literal(printed.parts),
    }),
  );
  const row = write.rowObject ? f.createUniqueName("row") : undefined;
  const values = printed.params.map((b) => boundValue(out, b, row, visit));
  let array: ts.Expression = f.createArrayLiteralExpression(values);
  if (row) array = immediatelyCalled(f, row, array, visit(write.rowObject!));
  const args: ts.Expression[] = [
    plan,
    printed.params.length === 0 ? f.createIdentifier("undefined") : valuesThunk(f, array),
  ];
  if (write.options) args.push(visit(write.options));
  return f.createCallExpression(f.createPropertyAccessExpression(target, "$write"), undefined, args);
}

/** `q.$insertMany(plan, rows, row => [row.a, …], options)`: every column's values, encoded by the runtime. */
export function emitInsertMany(
  out: FileEmitter,
  target: ts.Expression,
  table: TableInfo,
  write: LoweredWrite,
  source: string,
  visit: VisitExpression,
): ts.Expression {
  const f = out.f;
  const columns = [...table.columns.values()];
  const plan = out.hoist(
    "m",
    out.objectLiteral({
      table: f.createStringLiteral(quoteIdent(table.name)),
      columns: f.createArrayLiteralExpression(
        columns.map((c) => {
          const travelsAsText = c.sqlType.endsWith("[]") || c.sqlType === "jsonb";
          return out.objectLiteral({
            column: f.createStringLiteral(quoteIdent(c.name)),
            elementType: f.createStringLiteral(travelsAsText ? "text" : c.sqlType),
            castTo: travelsAsText ? f.createStringLiteral(c.sqlType) : undefined,
            codec: codec(out, table, c),
          });
        }),
      ),
      returning: f.createStringLiteral(wholeRow(table).columns),
      map: mapperExpression(f, wholeRow(table).map, out.runtime),
      source: f.createStringLiteral(source),
    }),
  );
  const row = f.createUniqueName("row");
  const valuesOf = arrow(f, [row], f.createArrayLiteralExpression(columns.map((c) => field(f, row, c.key))));
  const args = [plan, visit(write.rows!), valuesOf];
  if (write.options) args.push(visit(write.options));
  return f.createCallExpression(f.createPropertyAccessExpression(target, "$insertMany"), undefined, args);
}

function boundValue(out: FileEmitter, b: Binding, row: ts.Identifier | undefined, visit: VisitExpression) {
  const f = out.f;
  if (b.via.kind !== "encode") return bindingExpression(f, out.runtime, b, visit(b.expr));
  const value = b.via.field !== undefined && row ? field(f, row, b.via.field) : visit(b.expr);
  return callHelper(f, out.runtime, "$encode", [value, codecConstant(out, b.via.codec)]);
}

function codec(out: FileEmitter, table: TableInfo, column: Parameters<typeof codecOf>[1]): ts.Expression {
  return codecConstant(out, codecOf(table, column));
}

/** One hoisted codec per column and file. */
function codecConstant(out: FileEmitter, data: ReturnType<typeof codecOf>): ts.Expression {
  return out.hoistOnce(`codec:${JSON.stringify(data)}`, "c", () => out.literal(data));
}

/** `row.key`, or `row["key"]` when the key is not an identifier. */
function field(f: ts.NodeFactory, row: ts.Identifier, key: string): ts.Expression {
  return /^[A-Za-z_$][\w$]*$/.test(key)
    ? f.createPropertyAccessExpression(row, key)
    : f.createElementAccessExpression(row, f.createStringLiteral(key));
}

/** `((row) => array)(object)`: the row object evaluated once, its columns read from it. */
function immediatelyCalled(f: ts.NodeFactory, row: ts.Identifier, array: ts.Expression, object: ts.Expression) {
  return f.createCallExpression(f.createParenthesizedExpression(arrow(f, [row], array)), undefined, [object]);
}
