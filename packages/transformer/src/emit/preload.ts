import ts from "typescript";
import { statementName } from "closql/sql";
import type { Binding } from "../ir/binding";
import type { PrintedPreload } from "../print/preload";
import type { JsonPreload } from "../print/preload-json";
import type { FileEmitter } from "./file-emitter";
import { mapperExpression } from "./mapper";
import { callHelper } from "./runtime";

/**
 * A preload plan as code: an array of `CompiledPreload` objects (closql's runtime type), each with
 * its statement's text, name, source and row mapper, hoisted with the query. `values` lists the
 * bindings of each statement that has any, in the order of their `slot`s.
 */
export function preloadPlan(
  out: FileEmitter,
  printed: readonly PrintedPreload[],
  values: Binding[][] = [],
): { plan: ts.Expression; values: Binding[][] } {
  const f = out.f;
  const plan = f.createArrayLiteralExpression(
    printed.map((p) => {
      const slot = p.bindings.length > 0 ? values.push([...p.bindings]) - 1 : undefined;
      return out.objectLiteral({
        strategy: f.createStringLiteral("batched"),
        relation: f.createStringLiteral(p.node.relation.name),
        many: p.many ? f.createTrue() : f.createFalse(),
        parentKey: f.createStringLiteral(p.parentKey),
        childKey: p.childKey === undefined ? undefined : f.createStringLiteral(p.childKey),
        keyDecoder: p.keyDecoder === undefined ? undefined : f.createStringLiteral(p.keyDecoder),
        text: f.createStringLiteral(p.text),
        name: f.createStringLiteral(statementName(p.text)),
        source: f.createStringLiteral(out.sourceOf(callName(p.node.call))),
        map: mapperExpression(f, p.fields, out.runtime, p.offset),
        configured: p.node.configured ? f.createTrue() : f.createFalse(),
        slot: slot === undefined ? undefined : f.createNumericLiteral(slot),
        children: preloadPlan(out, p.children, values).plan,
      });
    }),
    true,
  );
  return { plan, values };
}

/** `.preload` of the call (a chain's call starts where the chain does, lines above). */
export function callName(call: ts.CallExpression): ts.Node {
  return ts.isPropertyAccessExpression(call.expression) ? call.expression.name : call;
}

/**
 * Preload strategy "json": each relation's decoder, hoisted once per query
 * (`$preload.jsonRelation(many, [index, oid, …], rowMapper)`), for the row mapper of the level above
 * to call on the relation's column. The nested relations' decoders are hoisted first.
 */
export function jsonRelationFields(
  out: FileEmitter,
  relations: readonly JsonPreload[],
): { key: string; decoder: ts.Expression }[] {
  const f = out.f;
  return relations.map((r) => {
    const map = mapperExpression(f, r.fields, out.runtime, 0, jsonRelationFields(out, r.children));
    const decoder = out.hoist(
      "j",
      callHelper(f, out.runtime, "$preload.jsonRelation", [
        r.many ? f.createTrue() : f.createFalse(),
        f.createArrayLiteralExpression(r.textColumns.map((n) => f.createNumericLiteral(n))),
        map,
      ]),
    );
    return { key: r.node.relation.name, decoder };
  });
}
