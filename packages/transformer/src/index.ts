import ts from "typescript";
import { createTransformer, TransformOptions } from "./transform";
import { ManifestWriter } from "./manifest";

export { createTransformer } from "./transform";
export { ManifestWriter } from "./manifest";
export type { TransformOptions, TransformHost, CompiledStatement, FileEdits } from "./transform";
export { DIAGNOSTICS, isClosqlDiagnostic } from "./diagnostics/codes";
export { build, existsProject } from "./hosts/build";
export type { BuildOptions, BuildResult } from "./hosts/build";
export { checkClosures, createProjectProgram } from "./hosts/check";
export type { ClosureCheck, ProjectProgram } from "./hosts/check";
export { createRewriter, formatDiagnostic } from "./hosts/rewrite";
export type { Rewrite, SourceMap } from "./hosts/rewrite";
export { ClosqlProject } from "./hosts/project";
export type { DiagnosticKind } from "./diagnostics/codes";

/** What ts-patch passes to a program transformer's factory. */
interface TsPatchExtras {
  readonly addDiagnostic: (d: ts.Diagnostic) => void;
}

/**
 * The ts-patch entry: `"plugins": [{ "transform": "@closql/transformer" }]` in tsconfig.json, built
 * with `tspc`. Unsupported closures become build errors at their file:line:col. Writes the statement
 * manifest (`closql.manifest.json` in the outDir; the `manifest` option moves it or, `false`, turns
 * it off).
 */
export default function closqlTransformer(
  program: ts.Program,
  config: TransformOptions = {},
  extras?: TsPatchExtras,
): ts.TransformerFactory<ts.SourceFile> {
  const target = ManifestWriter.target(program, config);
  const manifest = target ? new ManifestWriter(target, program.getCurrentDirectory(), program) : undefined;
  const factory = createTransformer({
    program,
    options: config,
    onStatement: manifest && ((s) => manifest.add(s)),
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
  if (!manifest) return factory;
  return (context) => {
    const transform = factory(context);
    return (file) => {
      if (file.isDeclarationFile) return transform(file);
      manifest.beginFile(file);
      try {
        return transform(file);
      } finally {
        manifest.endFile();
      }
    };
  };
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => process.cwd(),
  getNewLine: () => "\n",
};
