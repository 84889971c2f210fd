import path from "node:path";
import ts from "typescript";
import { createTransformer, TransformOptions } from "@closql/transformer";

export interface CompileResult {
  /** closql diagnostics (and any TypeScript error), with 1-based line and column. */
  readonly diagnostics: { line: number; col: number; code: number; message: string }[];
  /** Emitted JavaScript by file name. */
  readonly output: Map<string, string>;
  /** Every statement the transformer folded, with its source location. */
  readonly statements: { source: string; sql: string }[];
}

/**
 * Compiles TypeScript files with the real closql transformer, in-process, the way `tspc` does.
 * Used for diagnostics tests and to inspect emitted code.
 */
export function compileWithClosql(
  files: string[],
  options: TransformOptions = {},
  { strict = true }: { strict?: boolean } = {},
): CompileResult {
  const root = path.resolve(__dirname, "../../..");
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict,
    skipLibCheck: true,
    esModuleInterop: true,
    types: ["node"],
    ignoreDeprecations: "6.0",
  } as ts.CompilerOptions);
  const diagnostics: CompileResult["diagnostics"] = [];
  const statements: CompileResult["statements"] = [];
  const output = new Map<string, string>();
  const add = (d: ts.Diagnostic) => {
    const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start!);
    diagnostics.push({
      line: line + 1,
      col: character + 1,
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    });
  };
  ts.getPreEmitDiagnostics(program).forEach(add);
  const transformer = createTransformer({ program, options, report: add, onStatement: (s) => statements.push(s) });
  program.emit(undefined, (name, text) => output.set(path.relative(root, name), text), undefined, false, {
    before: [transformer],
  });
  return { diagnostics, output, statements };
}
