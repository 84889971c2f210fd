import ts from "typescript";
import { createTransformer, TransformOptions } from "./transform";

export { createTransformer } from "./transform";
export type { TransformOptions, TransformHost, CompiledStatement } from "./transform";
export { DIAGNOSTICS, isClosqlDiagnostic } from "./diagnostics/codes";
export type { DiagnosticKind } from "./diagnostics/codes";

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
      if (extras) extras.addDiagnostic(d);
      else {
        // Without ts-patch's diagnostics channel (an older or other host): print every diagnostic
        // rather than throw at the first, and still fail the build.
        console.error(ts.formatDiagnostic(d, formatHost));
        process.exitCode = 1;
      }
    },
  });
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => process.cwd(),
  getNewLine: () => "\n",
};
