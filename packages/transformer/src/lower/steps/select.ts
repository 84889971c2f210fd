import ts from "typescript";
import { Refusal } from "../../diagnostics/refusal";
import { decoderFor, OutputField } from "../../ir/output";
import type { SqlNode } from "../../ir/sql-node";
import type { LoweredStep } from "../../ir/statement";
import type { StepInput } from "../../recognize/methods";
import { LoweringContext, RowSource } from "../context";
import { columnType } from "../../ir/value-type";
import { closureBody, inlineClosure, skipParens } from "../syntax";
import { absentText } from "../absence";
import { typedParam } from "../literals";
import { toDouble } from "../numbers";
import * as sql from "../../ir/sql-node";
import { isJson } from "../../ir/value-type";
import { lowerValue, Value } from "../value";
import { groupedValue } from "./group-by";

/** `.select(u => ({ key: expression, … }))`: one select-list entry and one row field per property. */
export function lowerSelect(input: StepInput): LoweredStep {
  const closure = inlineClosure(input.name, input.args[0]);
  const body = closureBody(closure);
  const object = skipParens(body);
  if (!ts.isObjectLiteralExpression(object)) {
    throw new Refusal(
      "selectShape",
      body,
      "select() must return an object literal.",
      "Write `u => ({ id: u.id, … })`.",
    );
  }
  const cx = new LoweringContext(input.checker, closure, input.sources, { aggregates: true });
  // Grouped or distinct rows compare each value as GROUP BY does (a numeric as its text).
  const kinds = [...input.earlier.map((s) => s.lowered?.kind), ...input.later.map((s) => s.kind)];
  const grouping = kinds.includes("groupBy") || kinds.includes("distinct");
  const nodes: SqlNode[] = [];
  const fields: OutputField[] = [];
  for (const p of object.properties) {
    const [key, expression] = property(p);
    const lowered = lowerValue(cx, expression);
    if (lowered.row) {
      const row = wholeRowField(key, lowered.row, lowered.type.nullable, grouping);
      nodes.push(...row.nodes);
      fields.push(row.field);
      continue;
    }
    const v = projected(grouping ? groupedValue(lowered) : lowered);
    const undefinedIfNull = absentIsUndefined(v, expression);
    // A JSON path reaches JavaScript as text: SQL NULL (a missing key) is undefined, 'null' is null.
    const jsonText = undefinedIfNull && isJson(v.type);
    const node = jsonText ? sql.cast(v.node, "text") : v.node;
    const named = node.kind === "column" && node.name === key;
    nodes.push(named ? node : { kind: "alias", operand: node, name: key });
    if (jsonText) fields.push({ key, decoder: "jsonOrUndefined" });
    else fields.push({ key, decoder: decoderFor(v.type), ...(undefinedIfNull ? { undefinedIfNull } : {}) });
  }
  if (nodes.length === 0) throw new Refusal("selectShape", object, "select() needs at least one field.");
  return { kind: "select", nodes, fields, reads: cx.reads };
}

/**
 * `{ post: p }`: a whole row as a nested object, read from its columns; a left-joined row that
 * matched nothing is `null` (its presence column is NULL).
 */
function wholeRowField(
  key: string,
  source: RowSource,
  nullable: boolean,
  grouping: boolean,
): { nodes: SqlNode[]; field: OutputField } {
  const columns = [...source.table.columns.values()];
  const nodes = columns.map((c) => {
    const column = sql.column(c.name, source.qualifier);
    return grouping ? groupedValue({ node: column, type: columnType(c) }).node : column;
  });
  const fields = columns.map((c) => ({ key: c.key, decoder: decoderFor(columnType(c)) }));
  const presence = nullable && source.optional ? columns.findIndex((c) => c.name === source.optional!.presence) : -1;
  return { nodes, field: { key, row: { fields, ...(presence >= 0 ? { presence } : {}) } } };
}

/** A value as its field: typed when bound, and as the exact double where SQL's form loses the -0 of `%`. */
function projected(v: Value): Value {
  if (v.exactDouble) return { ...v, node: v.exactDouble, type: { ...v.type, sqlType: "double precision" } };
  // A written 0.5 is numeric in SQL, which pg returns as a string: a JavaScript number is a double.
  if (typeof v.literal === "number" && !Number.isInteger(v.literal)) return toDouble(v);
  return typedParam(v);
}

function absentIsUndefined(v: Value, at: ts.Node): boolean {
  return v.type.nullable && absentText(v, at) === "undefined";
}

function property(p: ts.ObjectLiteralElementLike): [string, ts.Expression] {
  if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
    return [p.name.text, p.initializer];
  }
  if (ts.isShorthandPropertyAssignment(p)) return [p.name.text, p.name];
  throw new Refusal(
    "selectShape",
    p,
    "select() supports `key: expression` properties only (no spreads, methods or computed keys).",
  );
}
