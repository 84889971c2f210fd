import { createUnplugin } from "unplugin";
import ts from "typescript";
import { ProjectCache } from "./project";
import { formatDiagnostic } from "./rewrite";

export interface ClosqlPluginOptions {
  /** The tsconfig.json whose program compiles the queries; by default the nearest one above each file. */
  readonly tsconfig?: string;
  /** Which files to compile (default: .ts, .tsx, .mts, .cts outside node_modules). */
  readonly include?: RegExp;
  readonly exclude?: RegExp;
  /** As tspc's `keepClosures`: the runtime receives each query's `where` closures (differential tests). */
  readonly keepClosures?: boolean;
}

const TYPESCRIPT = /\.(c|m)?tsx?$/;
const DECLARATION = /\.d\.(c|m)?tsx?$/;
const NODE_MODULES = /[\\/]node_modules[\\/]/;

/**
 * The bundler and test-runner plugin (Vite, Vitest, Rollup, esbuild, webpack through unplugin): its
 * `transform` hook runs before the host strips types and applies the text pre-pass to each
 * TypeScript file, from a TypeScript 6 program that is built once and updated file by file (watch
 * mode re-compiles a changed file, and in Vite the modules whose queries read it). A file without a
 * query is left to the host as it was; an unsupported closure fails the build (or shows Vite's error
 * overlay) with file:line:col.
 */
export const closqlPlugin = createUnplugin<ClosqlPluginOptions | undefined, false>((options = {}) => {
  const projects = new ProjectCache({ tsconfig: options.tsconfig, transform: { keepClosures: options.keepClosures } });
  const include = options.include ?? TYPESCRIPT;
  const selected = (file: string) =>
    include.test(file) && !DECLARATION.test(file) && !NODE_MODULES.test(file) && !options.exclude?.test(file);
  return {
    name: "closql",
    enforce: "pre",
    buildStart() {
      // A rebuild (esbuild's rebuild(), webpack watch) may follow edits the plugin was not told of.
      for (const project of projects.all()) project.refresh();
    },
    transform(code, id) {
      const file = fileOf(id);
      if (!selected(file)) return null;
      const rewrite = projects.for(file).rewrite(file, code);
      if (!rewrite) return null;
      const errors = rewrite.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
      for (const d of rewrite.diagnostics) if (!errors.includes(d)) this.warn(formatDiagnostic(d));
      if (errors.length > 0) {
        const first = errors[0];
        const { line, character } = first.file!.getLineAndCharacterOfPosition(first.start ?? 0);
        this.error({
          message:
            `closql: ${errors.length} quer${errors.length === 1 ? "y" : "ies"} cannot be compiled:\n` +
            errors.map((d) => formatDiagnostic(d)).join("\n"),
          id: file,
          loc: { file, line: line + 1, column: character },
        });
        return null;
      }
      if (!rewrite.changed) return null;
      return { code: rewrite.code, map: rewrite.map };
    },
    watchChange(id) {
      projects.changed(fileOf(id));
    },
    vite: {
      // A changed schema (or any file a query's types come from) changes the SQL of the modules whose
      // queries read it: they are compiled again with it.
      handleHotUpdate(ctx: HotUpdate) {
        projects.changed(ctx.file);
        const graph = ctx.server.moduleGraph;
        const dependents = projects.all().flatMap((p) => p.dependents(ctx.file));
        const modules = dependents.flatMap((f) => [...(graph.getModulesByFile(f) ?? [])]);
        for (const m of modules) graph.invalidateModule(m as never);
        return modules.length === 0 ? undefined : [...ctx.modules, ...modules];
      },
    },
  };
});

/** What closql reads of Vite's `handleHotUpdate` context. */
interface HotUpdate {
  readonly file: string;
  readonly modules: unknown[];
  readonly server: {
    readonly moduleGraph: {
      getModulesByFile(file: string): Set<unknown> | undefined;
      invalidateModule(module: never): void;
    };
  };
}

/** A bundler's module id without its query (`?v=…`, `?vue&type=…`) or its Vite prefix. */
function fileOf(id: string): string {
  return id.replace(/^\0/, "").replace(/[?#].*$/, "");
}
