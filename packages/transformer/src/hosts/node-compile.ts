import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { ProjectCache } from "./project";
import { formatDiagnostic, SourceMap } from "./rewrite";
import { remapping } from "./shadow";

export type ModuleFormat = "module" | "commonjs";

const projects = new ProjectCache();

/**
 * What the Node loader does to one TypeScript file: the text pre-pass, then TypeScript's own
 * per-file transpilation to the JavaScript Node runs, with an inline source map to the original
 * source. Undefined for a file without a query: Node (type stripping) or tsx loads it as usual.
 * The loader produces the JavaScript itself, so it works in whichever order it and tsx are
 * registered. An unsupported closure throws, with file:line:col for each, before the module runs.
 */
export function compileForNode(file: string, format: ModuleFormat, text?: string): string | undefined {
  if (!isCompiled(file)) return undefined;
  const source = text ?? fs.readFileSync(file, "utf8");
  const project = projects.for(file);
  const rewrite = project.rewrite(file, source);
  if (!rewrite) return undefined;
  const errors = rewrite.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0)
    throw new Error(
      `closql: ${errors.length} quer${errors.length === 1 ? "y" : "ies"} in ${path.relative(process.cwd(), file)} cannot be compiled:\n` +
        errors.map((d) => formatDiagnostic(d)).join("\n"),
    );
  if (!rewrite.changed) return undefined;
  const options = project.compilerOptions();
  const output = ts.transpileModule(rewrite.code, {
    fileName: file,
    compilerOptions: {
      target: Math.max(options.target ?? ts.ScriptTarget.ES2022, ts.ScriptTarget.ES2020),
      jsx: options.jsx,
      jsxFactory: options.jsxFactory,
      jsxFragmentFactory: options.jsxFragmentFactory,
      jsxImportSource: options.jsxImportSource,
      experimentalDecorators: options.experimentalDecorators,
      emitDecoratorMetadata: options.emitDecoratorMetadata,
      useDefineForClassFields: options.useDefineForClassFields,
      esModuleInterop: true,
      module: format === "module" ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS,
      // Imports keep their `.ts` extensions: Node (or tsx) resolves them.
      allowImportingTsExtensions: true,
      sourceMap: true,
      inlineSources: true,
    },
  });
  // The transpiled code → the rewritten text → the original text (both name the same file: the
  // pre-pass's map is used once, for the first level).
  let traced = false;
  const map = remapping(JSON.parse(output.sourceMapText!) as SourceMap, () => {
    if (traced) return null;
    traced = true;
    return rewrite.map!;
  });
  const js = output.outputText.replace(/\/\/# sourceMappingURL=.*\s*$/, "");
  return `${js}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify({ ...map, sources: [file] })).toString("base64")}\n`;
}

/** TypeScript sources of the project (not declarations, not dependencies). */
export function isCompiled(file: string): boolean {
  return /\.(c|m)?tsx?$/.test(file) && !/\.d\.(c|m)?tsx?$/.test(file) && !/[\\/]node_modules[\\/]/.test(file);
}

/** How Node loads a TypeScript file: by its extension, else the format Node or tsx resolved, else its package's type. */
export function formatOf(file: string, resolved?: string | null): ModuleFormat {
  if (file.endsWith(".mts")) return "module";
  if (file.endsWith(".cts")) return "commonjs";
  if (resolved?.startsWith("module")) return "module";
  if (resolved?.startsWith("commonjs")) return "commonjs";
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const packageJson = path.join(dir, "package.json");
    if (fs.existsSync(packageJson)) {
      try {
        return (JSON.parse(fs.readFileSync(packageJson, "utf8")) as { type?: string }).type === "module"
          ? "module"
          : "commonjs";
      } catch {
        return "commonjs";
      }
    }
    if (dir === path.dirname(dir)) return "commonjs";
  }
}
