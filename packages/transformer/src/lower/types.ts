import ts from "typescript";
import type { JsKind, ValueType } from "../ir/value-type";

/** The value type of a row-independent TypeScript expression, from the checker. */
export function typeOfExpression(checker: ts.TypeChecker, type: ts.Type): ValueType {
  let nullable = false;
  const parts = type.isUnion() ? type.types : [type];
  const kinds = new Set<JsKind>();
  let element: ValueType | undefined;
  for (const t of parts) {
    if (t.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void)) {
      nullable = true;
      continue;
    }
    if (t.flags & ts.TypeFlags.BooleanLike) kinds.add("boolean");
    else if (t.flags & ts.TypeFlags.NumberLike) kinds.add("number");
    else if (t.flags & ts.TypeFlags.BigIntLike) kinds.add("bigint");
    else if (t.flags & ts.TypeFlags.StringLike) kinds.add("string");
    else if (checker.isArrayType(t) || checker.isTupleType(t)) {
      kinds.add("array");
      const args = checker.getTypeArguments(t as ts.TypeReference);
      element = args.length > 0 ? typeOfExpression(checker, args[0]) : undefined;
    } else if (t.getSymbol()?.getName() === "Date") kinds.add("date");
    else if (t.getSymbol()?.getName() === "Uint8Array" || t.getSymbol()?.getName() === "Buffer") kinds.add("bytes");
    else kinds.add("unknown");
  }
  const kind = kinds.size === 1 ? [...kinds][0] : "unknown";
  return element ? { kind, nullable, element } : { kind, nullable };
}
