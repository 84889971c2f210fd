import ts from "typescript";
import { statementName } from "closql/sql";
import type { Binding } from "../ir/binding";
import type { CompiledStep, ReadStatement } from "../ir/statement";
import type { Chain } from "../recognize/chain";
import { wholeRow } from "../print/statement";
import { bindingExpression } from "./bindings";
import type { FileEmitter } from "./file-emitter";
import { mapperExpression } from "./mapper";
import { printPreloads, PrintedPreload } from "../print/preload";
import { jsonRelationFields, preloadPlan } from "./preload";
import type { JsonPreload } from "../print/preload-json";

/** Turns a kept expression (a chain's root, a bound value) into output, compiling queries inside it. */
export type VisitExpression = (e: ts.Expression) => ts.Expression;

/** What the emitted code keeps of the original closures, for differential testing. */
export interface EmitOptions {
  readonly keepClosures: boolean;
}

/**
 * A chain whose whole history is known, folded into one statement: a hoisted constant
 * `{ text, kind, map, source, name }` and `root.$run(constant, () => [params…])`.
 */
export function emitStaticRead(
  out: FileEmitter,
  chain: Chain,
  steps: readonly CompiledStep[],
  read: ReadStatement,
  source: string,
  visit: VisitExpression,
  options: EmitOptions,
  preloads?: readonly PrintedPreload[],
  /** Relations loaded inside the read's statement (strategy "json"): its last columns. */
  jsonPreloads: readonly JsonPreload[] = [],
): ts.Expression {
  const f = out.f;
  // The root first: queries nested in it are hoisted before this one, as they run before it.
  const root = visit(chain.root);
  const counted = read.kind === "count" || read.kind === "exists";
  const preload = preloads && preloadPlan(out, preloads);
  const relations = jsonRelationFields(out, jsonPreloads);
  const compiled = out.hoist(
    "q",
    out.objectLiteral({
      text: f.createStringLiteral(read.text),
      kind: f.createStringLiteral(read.kind),
      map: counted ? undefined : mapperExpression(f, read.fields, out.runtime, 0, relations),
      source: f.createStringLiteral(source),
      name: f.createStringLiteral(statementName(read.text)),
      preload: preload?.plan,
    }),
  );
  // Values are computed in a thunk the runtime calls, so a throw while computing one (a bad
  // .limit()) rejects the query's promise like any other query error. A value that awaits or yields
  // cannot move into a thunk: those are computed in place.
  const array = f.createArrayLiteralExpression(boundValues(out, read.params, visit));
  const values = read.params.length === 0 ? f.createIdentifier("undefined") : valuesThunk(f, array);
  const args: ts.Expression[] = [compiled, values];
  const runOptions = chain.terminal!.call.arguments[0];
  const preloadValues = preload && preload.values.length > 0 ? preload.values : undefined;
  if (options.keepClosures)
    args.push(f.createArrayLiteralExpression(steps.flatMap((s) => (s.closure ? [s.closure] : []))));
  else if (runOptions || preloadValues) args.push(f.createIdentifier("undefined"));
  if (runOptions) args.push(visit(runOptions));
  else if (preloadValues) args.push(f.createIdentifier("undefined"));
  // The preload statements' values, computed with the query's own (when it is called).
  if (preloadValues) args.push(valuesThunk(f, valueArrays(out, preloadValues, visit)));
  return callMethod(f, root, "$run", args);
}

/**
 * A chain built across `if`s: each step a hoisted precompiled fragment, `q.$step(fragment, [values])`,
 * and at the terminal `q.$read(plan)`, which the runtime folds with the same fold as build time.
 */
export function emitFragments(
  out: FileEmitter,
  chain: Chain,
  steps: readonly CompiledStep[],
  visit: VisitExpression,
  options: EmitOptions,
): ts.Expression {
  const f = out.f;
  let q = visit(chain.root);
  for (const s of steps) {
    if (s.preload) {
      // Each call's relations, as a plan the runtime merges with the chain's other preloads.
      const preload = preloadPlan(out, printPreloads([s.preload]));
      const plan = out.hoist("p", preload.plan);
      q = callMethod(f, q, "$preload", [plan, valueArrays(out, preload.values, visit)]);
      continue;
    }
    const step = out.hoist(
      "s",
      out.objectLiteral({
        kind: f.createStringLiteral(s.kind),
        sql: f.createArrayLiteralExpression(s.fragment.sql.map((x) => f.createStringLiteral(x))),
        refs: f.createArrayLiteralExpression(s.fragment.refs.map((r) => f.createNumericLiteral(r))),
        map: s.fields ? mapperExpression(f, s.fields, out.runtime) : undefined,
        keys: s.keys === undefined ? undefined : f.createNumericLiteral(s.keys),
      }),
    );
    const args: ts.Expression[] = [step, f.createArrayLiteralExpression(boundValues(out, s.fragment.params, visit))];
    if (options.keepClosures && s.closure) args.push(s.closure);
    q = callMethod(f, q, "$step", args);
  }
  if (!chain.terminal) return q;
  const row = wholeRow(chain.table);
  const plan = out.hoist(
    "r",
    out.objectLiteral({
      kind: f.createStringLiteral(chain.terminal.method.kind),
      source: f.createStringLiteral(out.sourceOf(chain.terminal.call)),
      columns: f.createStringLiteral(row.columns),
      map: mapperExpression(f, row.map, out.runtime),
    }),
  );
  const runOptions = chain.terminal.call.arguments[0];
  return callMethod(f, q, "$read", runOptions ? [plan, visit(runOptions)] : [plan]);
}

/**
 * `() => [values…]`: computed when the runtime asks, so a throw while computing one rejects the
 * query's promise. Values that await or yield cannot move into a function: the array as it is.
 */
export function valuesThunk(f: ts.NodeFactory, array: ts.Expression): ts.Expression {
  return suspends(array) ? array : arrow(f, [], array);
}

/** `(params) => body` */
export function arrow(f: ts.NodeFactory, params: readonly ts.Identifier[], body: ts.ConciseBody): ts.ArrowFunction {
  return f.createArrowFunction(
    undefined,
    undefined,
    params.map((p) => f.createParameterDeclaration(undefined, undefined, p)),
    undefined,
    f.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
    body,
  );
}

/** Does the expression contain `await` or `yield` of its own function (not of a nested one)? */
export function suspends(e: ts.Node): boolean {
  if (ts.isAwaitExpression(e) || ts.isYieldExpression(e)) return true;
  if (ts.isFunctionLike(e)) return false;
  return ts.forEachChild(e, (c) => suspends(c) || undefined) ?? false;
}

/** `[[values of a statement…], …]` */
function valueArrays(out: FileEmitter, values: readonly (readonly Binding[])[], visit: VisitExpression): ts.Expression {
  const f = out.f;
  return f.createArrayLiteralExpression(values.map((v) => f.createArrayLiteralExpression(boundValues(out, v, visit))));
}

function boundValues(out: FileEmitter, params: readonly Binding[], visit: VisitExpression): ts.Expression[] {
  return params.map((b) => bindingExpression(out.f, out.runtime, b, visit(b.expr)));
}

function callMethod(f: ts.NodeFactory, target: ts.Expression, method: string, args: ts.Expression[]) {
  return f.createCallExpression(f.createPropertyAccessExpression(target, method), undefined, args);
}
