import ts from "typescript";
import { Refusal } from "../diagnostics/refusal";
import type { Relations, TableInfo } from "../recognize/schema";
import { isAggregateMarker } from "./marker-symbols";

/** A table a closure's row parameter stands for. */
export interface RowSource {
  readonly table: TableInfo;
  /** How its columns are qualified in SQL when a statement reads several tables or aliases. */
  readonly qualifier?: string;
  /**
   * Left-joined: the parameter is `null` where no row matched (every column NULL). `presence` is a
   * NOT NULL column of the table, NULL exactly then.
   */
  readonly optional?: { readonly presence: string };
  /** Its relations, which the row offers to `some`/`every` (none: this closure's row has none). */
  readonly relations?: Relations;
}

/** Where aggregate markers (`count()`, `sum(x)`, …) may appear: select, having and orderBy closures. */
export interface ClosureOptions {
  readonly aggregates?: boolean;
}

/**
 * What lowering one closure needs: the type checker and the scope of row parameters (one per table or
 * alias the closure receives). Lowering is otherwise pure: every function takes this context and a
 * piece of the closure and returns SQL nodes, whose params carry their bindings as data.
 */
export class LoweringContext {
  private readonly scope = new Map<ts.Symbol, RowSource>();
  private readonly rowDependence = new Map<ts.Node, boolean>();

  /** Aggregate markers may be used here (a select, having or orderBy closure). */
  readonly aggregatesAllowed: boolean;
  /** Inside an aggregate's argument (where another aggregate cannot nest). */
  aggregateDepth = 0;
  /** What the closure read: whether it used an aggregate, and the first column read outside one. */
  readonly reads: { aggregate?: ts.Node; bareColumn?: ts.Node } = {};

  constructor(
    readonly checker: ts.TypeChecker,
    closure: ts.ArrowFunction | ts.FunctionExpression,
    sources: readonly RowSource[],
    options: ClosureOptions = {},
    enclosing?: ReadonlyMap<ts.Symbol, RowSource>,
  ) {
    this.aggregatesAllowed = options.aggregates === true;
    // The rows of enclosing closures stay readable in a nested one (a correlated subquery), each
    // qualified, since the subquery's own table may have columns of the same names.
    enclosing?.forEach((source, symbol) =>
      this.scope.set(symbol, source.qualifier ? source : { ...source, qualifier: source.table.name }),
    );
    refuseOtherMeanings(closure);
    if (closure.parameters.length > sources.length) {
      const what = sources.length === 1 ? "one parameter, the row" : `${sources.length} parameters, one row per table`;
      throw new Refusal("closureForm", closure.parameters[sources.length], `this closure takes ${what}.`);
    }
    closure.parameters.forEach((param, i) => {
      if (!ts.isIdentifier(param.name)) {
        throw new Refusal(
          "closureForm",
          param.name,
          "destructuring the row parameter is not supported.",
          "Write `u => u.col` instead.",
        );
      }
      const symbol = checker.getSymbolAtLocation(param.name);
      if (symbol) this.scope.set(symbol, sources[i]);
    });
  }

  /**
   * The context of a closure nested in this one (`u.posts.some(p => …)`): its parameter stands for
   * `source`, and the rows of this closure stay in scope.
   */
  nested(closure: ts.ArrowFunction | ts.FunctionExpression, source: RowSource): LoweringContext {
    return new LoweringContext(this.checker, closure, [source], {}, this.scope);
  }

  /**
   * A name for a table in a subquery that clashes with no table or alias in scope (a self relation,
   * employees → reports, reads the same table inside and out): `posts_1`, `posts_2`, ….
   */
  freshAlias(table: string, taken: readonly string[] = []): string {
    const names = new Set(taken);
    this.scope.forEach((s) => names.add(s.qualifier ?? s.table.name).add(s.table.name));
    let n = 1;
    while (names.has(`${table}_${n}`)) n++;
    return `${table}_${n}`;
  }

  /** The table a row parameter stands for, if `id` is one. */
  rowSource(id: ts.Identifier): RowSource | undefined {
    const s = this.checker.getSymbolAtLocation(id);
    return s === undefined ? undefined : this.scope.get(s);
  }

  /** Does this expression read a row (one of the closure's parameters)? */
  readsRow(e: ts.Node): boolean {
    let known = this.rowDependence.get(e);
    if (known === undefined) {
      // An aggregate reads the rows of its group, even `count()` with no argument.
      known = ts.isIdentifier(e)
        ? this.rowSource(e) !== undefined
        : (ts.isCallExpression(e) && isAggregateMarker(this.checker, e)) ||
          (ts.forEachChild(e, (c) => this.readsRow(c) || undefined) ?? false);
      this.rowDependence.set(e, known);
    }
    return known;
  }

  typeOf(e: ts.Node): ts.Type {
    return this.checker.getTypeAtLocation(e);
  }

  isStringExpression(e: ts.Expression): boolean {
    return this.everyPart(this.checker.getNonNullableType(this.typeOf(e)), ts.TypeFlags.StringLike);
  }

  isBooleanExpression(e: ts.Expression): boolean {
    return this.everyPart(this.typeOf(e), ts.TypeFlags.BooleanLike);
  }

  isArrayExpression(e: ts.Expression): boolean {
    const t = this.checker.getNonNullableType(this.typeOf(e));
    return this.checker.isArrayType(t) || this.checker.isTupleType(t);
  }

  typeIncludesNull(e: ts.Expression): boolean {
    const nullish = ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Any | ts.TypeFlags.Unknown;
    return parts(this.typeOf(e)).some((p) => (p.flags & nullish) !== 0);
  }

  /** May this expression be `undefined` (or is its type too loose to tell)? */
  typeIncludesUndefined(e: ts.Expression): boolean {
    const flags = ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Any | ts.TypeFlags.Unknown;
    return parts(this.typeOf(e)).some((p) => (p.flags & flags) !== 0);
  }

  /** May an element of this array expression be `undefined`? */
  elementIncludesUndefined(e: ts.Expression): boolean {
    const t = this.checker.getNonNullableType(this.typeOf(e));
    const element = this.checker.isArrayType(t) ? this.checker.getTypeArguments(t as ts.TypeReference)[0] : undefined;
    const flags = ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Any | ts.TypeFlags.Unknown;
    return element === undefined || parts(element).some((p) => (p.flags & flags) !== 0);
  }

  /** May this expression be `null` (or is its type too loose to tell)? */
  typeIncludesNullLiteral(e: ts.Expression): boolean {
    const flags = ts.TypeFlags.Null | ts.TypeFlags.Any | ts.TypeFlags.Unknown;
    return parts(this.typeOf(e)).some((p) => (p.flags & flags) !== 0);
  }

  private everyPart(t: ts.Type, flags: ts.TypeFlags): boolean {
    return (t.flags & flags) !== 0 || (t.isUnion() && t.types.every((p) => (p.flags & flags) !== 0));
  }
}

function parts(t: ts.Type): readonly ts.Type[] {
  return t.isUnion() ? t.types : [t];
}

/**
 * Closure forms whose value is not what the body computes: an async closure returns a Promise and a
 * generator an iterator (both always truthy), and a `function` expression has its own `this`,
 * `arguments` and name, which a query closure cannot be given.
 */
function refuseOtherMeanings(closure: ts.ArrowFunction | ts.FunctionExpression): void {
  const refuse = (at: ts.Node, what: string) => {
    throw new Refusal("closureForm", at, `${what} in a query closure has no SQL meaning.`, "Write a plain `u => …`.");
  };
  const async = closure.modifiers?.find((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
  if (async) refuse(async, "an async closure (it returns a Promise, which is always truthy)");
  if (ts.isFunctionExpression(closure)) {
    if (closure.asteriskToken)
      refuse(closure.asteriskToken, "a generator (it returns an iterator, which is always truthy)");
    const ownName = closure.name?.text;
    const visit = (node: ts.Node): void => {
      if (node.kind === ts.SyntaxKind.ThisKeyword) refuse(node, "`this`");
      if (ts.isIdentifier(node) && (node.text === "arguments" || node.text === ownName) && !isPropertyName(node)) {
        refuse(node, node.text === "arguments" ? "`arguments`" : "the function's own name");
      }
      // A nested non-arrow function has its own `this` and `arguments`.
      if (!ts.isFunctionExpression(node) && !ts.isFunctionDeclaration(node)) ts.forEachChild(node, visit);
    };
    ts.forEachChild(closure.body, visit);
  }
}

/** `x.name` or `{ name: … }`: an identifier that names a property, not a variable. */
function isPropertyName(id: ts.Identifier): boolean {
  const p = id.parent;
  return (ts.isPropertyAccessExpression(p) && p.name === id) || (ts.isPropertyAssignment(p) && p.name === id);
}
