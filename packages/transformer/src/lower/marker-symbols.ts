import ts from "typescript";

/** Where closql's marker functions are declared: a call resolving there is a marker. */
const MARKERS_MODULE = /closql[\\/](dist|src)[\\/]runtime[\\/]markers\.(d\.ts|ts)$/;

/** The aggregate markers: they read the rows of a group even without an argument (`count()`). */
const AGGREGATE_NAMES = new Set(["count", "sum", "avg", "min", "max"]);

/** The marker function a callee symbol resolves to (through imports), or undefined. */
export function markerSymbol(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol | undefined {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const decl = target.declarations?.[0];
  return decl && MARKERS_MODULE.test(decl.getSourceFile().fileName) ? target : undefined;
}

export function isAggregateMarker(checker: ts.TypeChecker, call: ts.CallExpression): boolean {
  const symbol = checker.getSymbolAtLocation(call.expression);
  const target = symbol && markerSymbol(checker, symbol);
  return target !== undefined && AGGREGATE_NAMES.has(target.name);
}
