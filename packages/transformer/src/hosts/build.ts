import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import ts from "typescript";
import { createTransformer } from "../transform";
import { checkClosures, createProjectProgram, ProjectProgram } from "./check";
import { formatDiagnostic } from "./rewrite";
import { emitThroughShadow } from "./shadow";

export interface BuildOptions {
  /** The tsconfig.json (or its directory). */
  readonly project: string;
  /** Type-check and report closql's diagnostics, emit nothing. */
  readonly noEmit?: boolean;
  /** With noEmit: run TypeScript's type check too (default), or only closql's closure check. */
  readonly typeCheck?: boolean;
  /**
   * The TypeScript compiler to check and emit with: a `typescript` package directory or its
   * `bin/tsc`. By default the project's own `typescript` (resolved from the tsconfig's directory).
   */
  readonly tsc?: string;
  /**
   * With TypeScript 7: who writes the JavaScript. "tsc" (default): the project's tsc emits the
   * pre-pass's rewritten copy of the sources. "typescript6": the TypeScript 6 program closql compiles
   * the queries on emits it, as tspc would (tsc 7 still type-checks and writes declarations).
   */
  readonly emitWith?: "tsc" | "typescript6";
  /** Diagnostics with colors and code frames (default: when stderr is a terminal). */
  readonly pretty?: boolean;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

export interface BuildResult {
  readonly ok: boolean;
  /** Which compiler checked and emitted: "TypeScript 6.0.3" (in-process) or "TypeScript 7.0.2 (tsc)". */
  readonly compiler: string;
  /** closql diagnostics (refusals) reported. */
  readonly closqlErrors: number;
  /** Whether the type check (TypeScript's own diagnostics) passed. */
  readonly typesOk: boolean;
  readonly emitted: boolean;
  readonly statements: number;
}

/** A TypeScript compiler other than the API closql runs on: TypeScript 7's `tsc`. */
export interface ExternalCompiler {
  readonly version: string;
  /** The `tsc` entry script, run with this Node. */
  readonly bin: string;
}

/**
 * `closql build -p tsconfig.json`: type-checks the project and emits it to its outDir with every
 * query compiled, whatever TypeScript the project uses.
 * - TypeScript 6: in-process, one program, the compile core as an emit transformer (what tspc does,
 *   without patching TypeScript).
 * - TypeScript 7 (no transformer API): the project's tsc type-checks the original sources (and
 *   writes declarations) while the compile core runs on a TypeScript 6 program of the same project;
 *   the text pre-pass then writes each file with its queries compiled into a shadow copy of the
 *   project (.closql/build), which the same tsc emits to the outDir without checking again; the
 *   emitted source maps are rewritten to point at the original sources.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const configFile = resolveConfig(options.project);
  const err = options.err ?? ((l: string) => process.stderr.write(l + "\n"));
  const pretty = options.pretty ?? process.stderr.isTTY === true;
  const compiler = externalCompiler(path.dirname(configFile), options.tsc);
  if (compiler) return buildWithTsc(configFile, compiler, options, pretty, err);
  return buildInProcess(configFile, options, pretty, err);
}

function buildInProcess(
  configFile: string,
  options: BuildOptions,
  pretty: boolean,
  err: (l: string) => void,
): BuildResult {
  const project = createProjectProgram(configFile, options.noEmit ? { noEmit: true } : {});
  const { program } = project;
  const typeDiagnostics = options.typeCheck === false ? [] : [...ts.getPreEmitDiagnostics(program)];
  let closql: ts.Diagnostic[];
  let statements = 0;
  let emitted = false;
  if (program.getCompilerOptions().noEmit) {
    const check = checkClosures(project);
    closql = [...check.diagnostics];
    statements = check.statements.length;
  } else {
    closql = [];
    const transformer = createTransformer({
      program,
      options: project.transformOptions,
      report: (d) => closql.push(d),
      onStatement: () => statements++,
    });
    const result = program.emit(undefined, undefined, undefined, false, { before: [transformer] });
    typeDiagnostics.push(...result.diagnostics);
    emitted = !result.emitSkipped;
  }
  report([...closql, ...typeDiagnostics], pretty, err);
  const typesOk = !typeDiagnostics.some(isError);
  const closqlErrors = closql.filter(isError).length;
  return {
    ok: typesOk && closqlErrors === 0,
    compiler: `TypeScript ${ts.version}`,
    closqlErrors,
    typesOk,
    emitted,
    statements,
  };
}

async function buildWithTsc(
  configFile: string,
  compiler: ExternalCompiler,
  options: BuildOptions,
  pretty: boolean,
  err: (l: string) => void,
): Promise<BuildResult> {
  const typescript6Emit = options.emitWith === "typescript6";
  // Declarations are tsc 7's (from the sources); TypeScript 6's program emits JavaScript only.
  const project = createProjectProgram(
    configFile,
    typescript6Emit
      ? { declaration: false, declarationMap: false, emitDeclarationOnly: false, composite: false, incremental: false }
      : {},
  );
  const noEmit = options.noEmit === true || project.parsed.options.noEmit === true;
  // The type check of the sources as written, by the project's own compiler, runs beside the compile
  // core; with `declaration` it writes the declarations too (they describe the sources, not the
  // compiled queries).
  const declarations = !noEmit && project.parsed.options.declaration === true;
  const checkArgs = ["-p", configFile, "--pretty", String(pretty)];
  const check =
    options.typeCheck === false && noEmit
      ? Promise.resolve({ code: 0, output: "" })
      : runTsc(compiler, declarations ? [...checkArgs, "--emitDeclarationOnly"] : [...checkArgs, "--noEmit"]);
  if (typescript6Emit && !noEmit) return emitWithTypeScript6(project, compiler, check, pretty, err);
  const closql = checkClosures(project);
  report(closql.diagnostics, pretty, err);
  const closqlErrors = closql.diagnostics.filter(isError).length;
  const emitIt = () => emitThroughShadow(project, closql.rewrites, (args) => runTsc(compiler, args));
  // The emit needs the check's verdict only under noEmitOnError; otherwise it runs beside the check.
  const waitForCheck = project.parsed.options.noEmitOnError === true;
  const early = !noEmit && !waitForCheck ? emitIt() : undefined;
  const checked = await check;
  for (const line of checked.output.replace(/\n$/, "").split("\n")) if (line) err(line);
  const typesOk = checked.code === 0;
  const blocked = waitForCheck && (!typesOk || closqlErrors > 0);
  let emitted = false;
  if (!noEmit && !blocked) {
    const emit = await (early ?? emitIt());
    if (emit.problems.length > 0) {
      err(`closql: ${compiler.version}'s emit of the compiled sources failed (a closql bug; please report it):`);
      emit.problems.forEach(err);
    } else emitted = true;
  }
  return {
    ok: typesOk && closqlErrors === 0 && (noEmit || blocked || emitted),
    compiler: `TypeScript ${compiler.version} (tsc)`,
    closqlErrors,
    typesOk,
    emitted,
    statements: closql.statements.length,
  };
}

/** TypeScript 7 checks (`check`, running); TypeScript 6's program compiles the queries and emits. */
async function emitWithTypeScript6(
  project: ProjectProgram,
  compiler: ExternalCompiler,
  check: Promise<TscRun>,
  pretty: boolean,
  err: (l: string) => void,
): Promise<BuildResult> {
  const { program } = project;
  const closql: ts.Diagnostic[] = [];
  let statements = 0;
  const transformer = createTransformer({
    program,
    options: project.transformOptions,
    report: (d) => closql.push(d),
    onStatement: () => statements++,
  });
  const outputs = new Map<string, string>();
  const result = program.emit(undefined, (name, text) => outputs.set(name, text), undefined, false, {
    before: [transformer],
  });
  report([...closql, ...result.diagnostics], pretty, err);
  const checked = await check;
  for (const line of checked.output.replace(/\n$/, "").split("\n")) if (line) err(line);
  const typesOk = checked.code === 0;
  const closqlErrors = closql.filter(isError).length;
  const blocked = project.parsed.options.noEmitOnError === true && (!typesOk || closqlErrors > 0);
  if (!blocked)
    for (const [name, text] of outputs) {
      fs.mkdirSync(path.dirname(name), { recursive: true });
      fs.writeFileSync(name, text);
    }
  return {
    ok: typesOk && closqlErrors === 0 && !result.emitSkipped,
    compiler: `TypeScript ${compiler.version} (tsc, emitted by TypeScript ${ts.version})`,
    closqlErrors,
    typesOk,
    emitted: !blocked && !result.emitSkipped,
    statements,
  };
}

/** The project's TypeScript when it has no TypeScript 6 API (7 and later), else undefined: build in-process. */
export function externalCompiler(projectDir: string, tsc?: string): ExternalCompiler | undefined {
  let packageJson: string | undefined;
  if (tsc) {
    const given = path.resolve(tsc);
    packageJson = fs.statSync(given).isDirectory()
      ? path.join(given, "package.json")
      : path.join(path.dirname(given), "..", "package.json");
    if (!fs.existsSync(packageJson)) throw new Error(`closql: ${tsc} is not a typescript package or its bin/tsc`);
  } else {
    try {
      packageJson = require.resolve("typescript/package.json", { paths: [projectDir] });
    } catch {
      return undefined; // no TypeScript in the project: closql's own TypeScript 6 builds it
    }
  }
  const { version } = JSON.parse(fs.readFileSync(packageJson, "utf8")) as { version: string };
  if (Number(version.split(".")[0]) < 7) return undefined;
  return { version, bin: path.join(path.dirname(packageJson), "bin", "tsc") };
}

export interface TscRun {
  readonly code: number;
  readonly output: string;
}

/** Runs a tsc with this Node; resolves with its exit code and its output (stdout and stderr). */
export function runTsc(compiler: ExternalCompiler, args: readonly string[]): Promise<TscRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [compiler.bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Whether `project` names a tsconfig.json, or a directory holding one. */
export function existsProject(project: string): boolean {
  try {
    resolveConfig(project);
    return true;
  } catch {
    return false;
  }
}

function resolveConfig(project: string): string {
  const given = path.resolve(project);
  const file = fs.existsSync(given) && fs.statSync(given).isDirectory() ? path.join(given, "tsconfig.json") : given;
  if (!fs.existsSync(file)) throw new Error(`closql: no tsconfig at ${project}`);
  return file;
}

function isError(d: ts.Diagnostic): boolean {
  return d.category === ts.DiagnosticCategory.Error;
}

function report(diagnostics: readonly ts.Diagnostic[], pretty: boolean, err: (l: string) => void): void {
  if (diagnostics.length === 0) return;
  if (pretty) {
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => process.cwd(),
      getNewLine: () => "\n",
    };
    err(ts.formatDiagnosticsWithColorAndContext(diagnostics, host).replace(/\n+$/, ""));
  } else diagnostics.forEach((d) => err(formatDiagnostic(d)));
}
