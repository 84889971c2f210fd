import ts from "typescript";
import { createTransformer, TransformOptions } from "./transform";

export { createTransformer } from "./transform";
export type { TransformOptions, TransformHost, CompiledStatement } from "./transform";
export { CLOSQL_ERROR_CODE } from "./diagnostic";

/** What ts-patch passes to a program transformer's factory. */
interface TsPatchExtras {
  readonly addDiagnostic: (d: ts.Diagnostic) => void;
}

/**
 * The ts-patch entry: `"plugins": [{ "transform": "@closql/transformer" }]` in tsconfig.json, built
 * with `tspc`. Unsupported closures become build errors at their file:line:col.
 */
export default function closqlTransformer(
  program: ts.Program,
  config: TransformOptions = {},
  extras?: TsPatchExtras,
): ts.TransformerFactory<ts.SourceFile> {
  return createTransformer({
    program,
    options: config,
    report: (d) => {
      if (!extras) throw new Error(`closql: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
      extras.addDiagnostic(d);
    },
  });
}
