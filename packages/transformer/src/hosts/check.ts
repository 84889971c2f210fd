import path from "node:path";
import ts from "typescript";
import type { CompiledStatement, TransformOptions } from "../transform";
import { readConfig } from "./project";
import { createRewriter, Rewrite } from "./rewrite";

/** A TypeScript 6 program over a tsconfig.json, for a whole-project build or check. */
export interface ProjectProgram {
  readonly configFile: string;
  readonly parsed: ts.ParsedCommandLine;
  readonly program: ts.Program;
  /** The options of the `@closql/transformer` entry in the tsconfig's `plugins`, as tspc reads them. */
  readonly transformOptions: TransformOptions;
}

export function createProjectProgram(configFile: string, overrides: ts.CompilerOptions = {}): ProjectProgram {
  const file = path.resolve(configFile);
  const parsed = readConfig(file, overrides);
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    projectReferences: parsed.projectReferences,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed),
  });
  return { configFile: file, parsed, program, transformOptions: pluginOptions(parsed.options) };
}

/** The project's own source files: what a build emits and a check reads (not libraries, not declarations). */
export function projectSourceFiles(program: ts.Program): ts.SourceFile[] {
  return program
    .getSourceFiles()
    .filter(
      (f) =>
        !f.isDeclarationFile &&
        !program.isSourceFileFromExternalLibrary(f) &&
        !program.isSourceFileDefaultLibrary(f) &&
        !/[\\/]node_modules[\\/]/.test(f.fileName),
    );
}

export interface ClosureCheck {
  readonly ok: boolean;
  /** closql's diagnostics over the whole project: every unsupported closure, with file, position and code. */
  readonly diagnostics: readonly ts.Diagnostic[];
  /** Every statement folded at build time. */
  readonly statements: readonly CompiledStatement[];
  /** The pre-pass of every project file (unchanged ones included). */
  readonly rewrites: readonly Rewrite[];
  /** Files with at least one compiled query. */
  readonly compiledFiles: number;
}

/**
 * Check mode: runs the compile core over every file of the project, as a build would, and emits
 * nothing. For type-check-only CI steps (`tsc --noEmit` and editors show no closql refusal).
 */
export function checkClosures(project: ProjectProgram): ClosureCheck {
  const rewrite = createRewriter(project.program, project.transformOptions);
  const rewrites = projectSourceFiles(project.program).map(rewrite);
  const diagnostics = rewrites.flatMap((r) => r.diagnostics);
  return {
    ok: !diagnostics.some((d) => d.category === ts.DiagnosticCategory.Error),
    diagnostics,
    statements: rewrites.flatMap((r) => r.statements),
    rewrites,
    compiledFiles: rewrites.filter((r) => r.changed).length,
  };
}

/** The entry of tsconfig.json's `plugins` naming `@closql/transformer`, without its `transform` key. */
function pluginOptions(options: ts.CompilerOptions): TransformOptions {
  const plugins = (options.plugins ?? []) as unknown as Record<string, unknown>[];
  const entry = plugins.find((p) => p.transform === "@closql/transformer");
  if (!entry) return {};
  const { transform: _, ...rest } = entry;
  return rest as TransformOptions;
}
