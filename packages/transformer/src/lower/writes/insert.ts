import ts from "typescript";
import { quoteIdent } from "closql/sql";
import { Refusal } from "../../diagnostics/refusal";
import type { LoweredAssignment, LoweredWrite } from "../../ir/statement";
import type { WriteInput } from "../../recognize/methods";
import type { TableInfo } from "../../recognize/schema";
import { LoweringContext } from "../context";
import { closureBody, inlineClosure, skipParens } from "../syntax";
import { objectAssignments } from "./assignments";

/** `db.users.insert(row, options?)`: one row, returned as stored. */
export function lowerInsert(input: WriteInput): LoweredWrite {
  const [row, options] = input.args;
  return { kind: "insert", result: "row", ...rowValues(input, row), options };
}

/** `db.users.insertMany(rows, options?)`: every column's values travel in one array (see closql/sql). */
export function lowerInsertMany(input: WriteInput): LoweredWrite {
  const [rows, options] = input.args;
  return { kind: "insertMany", result: "rows", assignments: [], rows, options };
}

/**
 * `db.users.upsert(row, { on: u => u.email | [u.a, u.b] } | { constraint: "name" }, update?, doNothing?)`:
 * `INSERT … ON CONFLICT … DO UPDATE` (the given update closure, else the given columns take the
 * proposed values) or `DO NOTHING`.
 */
export function lowerUpsert(input: WriteInput): LoweredWrite {
  const [row, optionsArg] = input.args;
  const options = skipParens(optionsArg);
  if (!ts.isObjectLiteralExpression(options)) throw optionShape(optionsArg);
  const props = new Map<string, ts.Expression>();
  for (const p of options.properties) {
    if (
      !ts.isPropertyAssignment(p) ||
      !ts.isIdentifier(p.name) ||
      !["on", "constraint", "update", "doNothing"].includes(p.name.text)
    )
      throw optionShape(p);
    props.set(p.name.text, p.initializer);
  }
  const on = props.get("on");
  const constraint = props.get("constraint");
  if ((on === undefined) === (constraint === undefined)) throw optionShape(optionsArg);
  let target: string;
  let keep: string[] = [];
  if (on) {
    keep = targetColumns(input, on);
    target = `(${keep.join(", ")})`;
  } else {
    const c = skipParens(constraint!);
    if (!ts.isStringLiteralLike(c))
      throw new Refusal(
        "literalOption",
        constraint!,
        "the constraint's name is part of the SQL text: write it as a string literal.",
      );
    target = `ON CONSTRAINT ${quoteIdent(c.text)}`;
  }
  const doNothing = props.get("doNothing");
  const update = props.get("update");
  if (doNothing && doNothing.kind !== ts.SyntaxKind.TrueKeyword)
    throw new Refusal("literalOption", doNothing, "`doNothing` must be written `true` (the SQL differs).");
  if (doNothing && update) throw optionShape(update);
  const action = doNothing ? "nothing" : update ? { update: upsertUpdate(input, update) } : "excluded";
  return {
    kind: "upsert",
    result: doNothing ? "rowOrUndefined" : "row",
    ...rowValues(input, row),
    conflict: { target, keep, action },
  };
}

function rowValues(input: WriteInput, row: ts.Expression) {
  return objectAssignments(input.checker, undefined, input.table, row);
}

/** `u => u.email` or `u => [u.a, u.b]`: the quoted columns of a conflict target. */
function targetColumns(input: WriteInput, on: ts.Expression): string[] {
  const closure = inlineClosure("upsert", on);
  const cx = new LoweringContext(input.checker, closure, [{ table: input.table }]);
  const body = skipParens(closureBody(closure));
  const keys = ts.isArrayLiteralExpression(body) ? [...body.elements] : [body];
  if (keys.length === 0) throw optionShape(on);
  return keys.map((k) => {
    const e = skipParens(k);
    const object = ts.isPropertyAccessExpression(e) ? skipParens(e.expression) : undefined;
    if (!object || !ts.isIdentifier(object) || !cx.rowSource(object) || !ts.isPropertyAccessExpression(e))
      throw new Refusal(
        "writeShape",
        k,
        "a conflict target is a column of the row (`u => u.email`) or several (`u => [u.a, u.b]`).",
      );
    const column = input.table.columns.get(e.name.text);
    if (!column)
      throw new Refusal("unknownColumn", k, `\`${e.name.text}\` is not a column of table "${input.table.name}".`);
    return quoteIdent(column.name);
  });
}

/** `(existing, proposed) => ({ n: existing.n + proposed.n })`: the row in the table and `EXCLUDED`. */
function upsertUpdate(input: WriteInput, update: ts.Expression): LoweredAssignment[] {
  const closure = inlineClosure("upsert", update);
  const table: TableInfo = input.table;
  const cx = new LoweringContext(input.checker, closure, [
    { table, qualifier: table.name },
    { table, qualifier: "excluded" },
  ]);
  const { assignments } = objectAssignments(input.checker, cx, table, closureBody(closure));
  if (assignments.length === 0) throw new Refusal("writeShape", update, "`update` must set at least one column.");
  return assignments;
}

function optionShape(at: ts.Node): Refusal {
  return new Refusal(
    "writeShape",
    at,
    'upsert\'s options are an object literal: `{ on: u => u.col }` or `{ constraint: "name" }`, with `update: (existing, proposed) => ({ … })` or `doNothing: true`.',
  );
}
