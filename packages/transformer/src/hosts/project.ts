import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import type { TransformOptions } from "../transform";
import { createRewriter, formatDiagnostic, Rewrite } from "./rewrite";

export interface ProjectOptions {
  /** The tsconfig.json to read; by default the nearest one above each file. */
  readonly tsconfig?: string;
  readonly transform?: TransformOptions;
}

/**
 * A TypeScript 6 program for one tsconfig.json, kept up to date as files change, for the hosts that
 * see one file at a time (bundler plugins, the Node loader): a language service holds it, so a
 * changed file is re-parsed alone and the next program reuses every other file; the type checker
 * recomputes lazily only what the queries being compiled ask for.
 */
export class ClosqlProject {
  private readonly files = new Map<string, { version: number; text?: string }>();
  /** Files read from disk (not given by the host), with their modification time then. */
  private readonly disk = new Map<string, number>();
  private readonly roots: Set<string>;
  private readonly service: ts.LanguageService;
  private projectVersion = 0;
  private cache = new Map<string, { projectVersion: number; rewrite: Rewrite }>();
  /** Files whose last rewrite compiled a query. */
  private readonly compiled = new Set<string>();
  private rewriter?: { program: ts.Program; rewrite: (file: ts.SourceFile) => Rewrite };

  constructor(
    readonly configFile: string | undefined,
    private readonly transformOptions: TransformOptions = {},
  ) {
    const parsed = configFile ? readConfig(configFile) : undefined;
    // Sources (`file:line` in errors and events) are relative to the working directory, as under tspc.
    const directory = process.cwd();
    const options: ts.CompilerOptions = parsed?.options ?? { strict: true, target: ts.ScriptTarget.ES2022 };
    this.roots = new Set((parsed?.fileNames ?? []).map(normalize));
    const host: ts.LanguageServiceHost = {
      getProjectVersion: () => String(this.projectVersion),
      getCompilationSettings: () => options,
      getScriptFileNames: () => [...this.roots],
      getScriptVersion: (f) => String(this.files.get(normalize(f))?.version ?? 0),
      getScriptSnapshot: (f) => {
        const name = normalize(f);
        let text = this.files.get(name)?.text;
        if (text === undefined) {
          text = ts.sys.readFile(f);
          if (text !== undefined && !name.includes("/node_modules/")) this.disk.set(name, modified(name));
        }
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => directory,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /** The nearest tsconfig.json above `fileName`, or undefined. */
  static configFor(fileName: string): string | undefined {
    return ts.findConfigFile(path.dirname(fileName), ts.sys.fileExists);
  }

  /**
   * The pre-pass over one file. `text` is the file's current content as the host has it (a
   * bundler's transform input); without it the file is read from disk. Undefined when the file is
   * not TypeScript the program can hold.
   */
  rewrite(fileName: string, text?: string): Rewrite | undefined {
    const name = normalize(fileName);
    if (text !== undefined) this.setText(name, text);
    if (!this.roots.has(name)) {
      // A file the tsconfig does not include (a test file, a script): compile it in this program too.
      this.roots.add(name);
      this.projectVersion++;
    }
    const cached = this.cache.get(name);
    if (cached && cached.projectVersion === this.projectVersion) return cached.rewrite;
    const program = this.program();
    const file = program.getSourceFile(name);
    if (!file || file.isDeclarationFile) return undefined;
    const rewrite = this.rewriter!.rewrite(file);
    this.cache.set(name, { projectVersion: this.projectVersion, rewrite });
    if (rewrite.changed) this.compiled.add(name);
    else this.compiled.delete(name);
    return rewrite;
  }

  compilerOptions(): ts.CompilerOptions {
    return this.service.getProgram()!.getCompilerOptions();
  }

  /**
   * A file changed on disk (a watcher saw it): the next rewrite of any file reads it again. A file
   * the program does not hold (a stylesheet, a new module nothing imports yet) changes nothing.
   */
  changed(fileName: string): void {
    const name = normalize(fileName);
    const held = this.files.has(name) || this.roots.has(name) || this.disk.has(name);
    if (!held && !this.rewriter?.program.getSourceFile(name)) return;
    this.disk.delete(name);
    const entry = this.files.get(name);
    this.files.set(name, { version: (entry?.version ?? 0) + 1 });
    this.projectVersion++;
  }

  /** Reads again the files read from disk that changed since (for hosts that do not report changes). */
  refresh(): void {
    for (const [name, mtime] of this.disk)
      if (modified(name) !== mtime) {
        this.disk.delete(name);
        this.changed(name);
      }
  }

  /** The files with compiled queries whose compilation may read `fileName` (they import it, directly or not). */
  dependents(fileName: string): string[] {
    const changed = normalize(fileName);
    const program = this.program();
    const options = program.getCompilerOptions();
    const cache = ts.createModuleResolutionCache(program.getCurrentDirectory(), (f) => f, options);
    const importsOf = new Map<string, string[]>();
    const imports = (f: ts.SourceFile): string[] => {
      let list = importsOf.get(f.fileName);
      if (!list) {
        list = [];
        importsOf.set(f.fileName, list);
        for (const specifier of moduleSpecifiers(f)) {
          const mode = ts.getModeForUsageLocation(f, specifier, options);
          const resolved = ts.resolveModuleName(
            specifier.text,
            f.fileName,
            options,
            ts.sys,
            cache,
            undefined,
            mode,
          ).resolvedModule;
          if (resolved && !resolved.isExternalLibraryImport) list.push(normalize(resolved.resolvedFileName));
        }
      }
      return list;
    };
    const reaches = (from: string, seen = new Set<string>()): boolean => {
      if (from === changed) return true;
      if (seen.has(from)) return false;
      seen.add(from);
      const file = program.getSourceFile(from);
      return !!file && imports(file).some((f) => reaches(f, seen));
    };
    return [...this.compiled].filter((name) => name !== changed && reaches(name));
  }

  dispose(): void {
    this.service.dispose();
  }

  private setText(name: string, text: string): void {
    const entry = this.files.get(name);
    const current = entry?.text ?? (entry ? undefined : ts.sys.readFile(name));
    if (current === text) {
      if (!entry) this.files.set(name, { version: 0, text });
      return;
    }
    this.files.set(name, { version: (entry?.version ?? 0) + 1, text });
    this.projectVersion++;
  }

  private program(): ts.Program {
    const program = this.service.getProgram()!;
    if (this.rewriter?.program !== program) {
      this.rewriter = { program, rewrite: createRewriter(program, this.transformOptions) };
      this.cache = new Map([...this.cache].filter(([, c]) => c.projectVersion === this.projectVersion));
    }
    return program;
  }
}

/** One ClosqlProject per tsconfig.json, for hosts that meet files from several projects. */
export class ProjectCache {
  private readonly projects = new Map<string, ClosqlProject>();

  constructor(private readonly options: ProjectOptions = {}) {}

  /** The project a file belongs to: the tsconfig given in the options, or the nearest one above the file. */
  for(fileName: string): ClosqlProject {
    const config = this.options.tsconfig
      ? path.resolve(this.options.tsconfig)
      : ClosqlProject.configFor(path.resolve(fileName));
    const key = config ?? "";
    let project = this.projects.get(key);
    if (!project) this.projects.set(key, (project = new ClosqlProject(config, this.options.transform)));
    return project;
  }

  all(): ClosqlProject[] {
    return [...this.projects.values()];
  }

  changed(fileName: string): void {
    for (const p of this.projects.values()) p.changed(fileName);
  }
}

/** Reads a tsconfig.json with TypeScript's own rules (extends, include, defaults); its errors throw with file:line:col. */
export function readConfig(configFile: string, overrides: ts.CompilerOptions = {}): ts.ParsedCommandLine {
  const errors: ts.Diagnostic[] = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(configFile, overrides, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => errors.push(d),
  });
  const problems = [...errors, ...(parsed?.errors ?? [])].filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (!parsed || problems.length > 0)
    throw new Error(`closql: cannot read ${configFile}:\n${problems.map((d) => formatDiagnostic(d)).join("\n")}`);
  return parsed;
}

function moduleSpecifiers(file: ts.SourceFile): ts.StringLiteralLike[] {
  const specifiers: ts.StringLiteralLike[] = [];
  for (const s of file.statements) {
    const specifier =
      ts.isImportDeclaration(s) || ts.isExportDeclaration(s)
        ? s.moduleSpecifier
        : ts.isImportEqualsDeclaration(s) && ts.isExternalModuleReference(s.moduleReference)
          ? s.moduleReference.expression
          : undefined;
    if (specifier && ts.isStringLiteralLike(specifier)) specifiers.push(specifier);
  }
  return specifiers;
}

/** File names as TypeScript keys them: absolute, forward slashes. */
export function normalize(fileName: string): string {
  return path.resolve(fileName).split(path.sep).join("/");
}

function modified(fileName: string): number {
  try {
    return fs.statSync(fileName).mtimeMs;
  } catch {
    return -1;
  }
}
