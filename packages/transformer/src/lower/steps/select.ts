import ts from "typescript";
import { Refusal } from "../../diagnostics/refusal";
import { decoderFor, OutputField } from "../../ir/output";
import type { SqlNode } from "../../ir/sql-node";
import type { LoweredStep } from "../../ir/statement";
import type { StepInput } from "../../recognize/methods";
import { LoweringContext } from "../context";
import { closureBody, inlineClosure, skipParens } from "../syntax";
import { absentText } from "../absence";
import { typedParam } from "../literals";
import { lowerValue, Value } from "../value";

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
  const cx = new LoweringContext(input.checker, closure, [{ table: input.table }]);
  const nodes: SqlNode[] = [];
  const fields: OutputField[] = [];
  for (const p of object.properties) {
    const [key, expression] = property(p);
    const v = projected(lowerValue(cx, expression));
    const named = v.node.kind === "column" && v.node.name === key;
    nodes.push(named ? v.node : { kind: "alias", operand: v.node, name: key });
    fields.push({
      key,
      decoder: decoderFor(v.type),
      ...(absentIsUndefined(v, expression) ? { undefinedIfNull: true } : {}),
    });
  }
  if (nodes.length === 0) throw new Refusal("selectShape", object, "select() needs at least one field.");
  return { kind: "select", nodes, fields };
}

/** A value as its field: typed when bound, and as the exact double where SQL's form loses the -0 of `%`. */
function projected(v: Value): Value {
  if (v.exactDouble) return { ...v, node: v.exactDouble, type: { ...v.type, sqlType: "double precision" } };
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
