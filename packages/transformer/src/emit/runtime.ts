import type ts from "typescript";
import type * as closql from "closql";

/** Every helper of the runtime a compiled query may call, as a dotted path: `$bind.int.floor`. */
type HelperPaths<T, Prefix extends string> = {
  [K in keyof T & string]: T[K] extends (...args: never[]) => unknown
    ? `${Prefix}${K}`
    : T[K] extends object
      ? HelperPaths<T[K], `${Prefix}${K}.`>
      : never;
}[keyof T & string];

/**
 * The runtime helpers, read from closql's own exports: a misspelt helper fails closql's build
 * instead of a user's query at run time.
 */
export type RuntimeHelper = HelperPaths<
  Pick<typeof closql, "$bind" | "$like" | "$decode" | "$encode" | "$preload">,
  ""
>;

/** `<runtime>.$bind.int.floor(args…)`: a call of a runtime helper through the file's closql import. */
export function callHelper(
  f: ts.NodeFactory,
  runtime: ts.Identifier,
  helper: RuntimeHelper,
  args: readonly ts.Expression[],
): ts.CallExpression {
  return f.createCallExpression(helperReference(f, runtime, helper), undefined, args);
}

export function helperReference(f: ts.NodeFactory, runtime: ts.Identifier, helper: RuntimeHelper): ts.Expression {
  return helper.split(".").reduce<ts.Expression>((acc, name) => f.createPropertyAccessExpression(acc, name), runtime);
}
