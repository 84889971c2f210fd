import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import type { ProjectProgram } from "./check";
import type { Rewrite, SourceMap } from "./rewrite";
import type { TscRun } from "./build";

/**
 * Emitting the pre-pass's output with a compiler that reads files only from disk (TypeScript 7's
 * tsc): every source of the program is written, queries compiled, into a shadow copy of the project
 * at `<tsconfig dir>/.closql/build`, laid out as the originals are below their common directory so
 * that relative imports, `package.json` scopes (module format, `imports`) and `node_modules` lookups
 * resolve as they do for the originals. A tsconfig extending the project's own compiles the copy to
 * the project's outDir, without type checking (the originals were checked); the emitted source maps
 * are then rewritten through the pre-pass's maps to point at the original sources.
 */
/** `@jridgewell/remapping` (its published CommonJS declarations do not parse, so it is typed here). */
export const remapping = require("@jridgewell/remapping") as (
  map: SourceMap,
  loader: (source: string) => SourceMap | null,
) => SourceMap;

export async function emitThroughShadow(
  project: ProjectProgram,
  rewrites: readonly Rewrite[],
  tsc: (args: string[]) => Promise<TscRun>,
): Promise<{ problems: string[] }> {
  const { program, parsed, configFile } = project;
  const options = parsed.options;
  if (options.outFile) return { problems: ["closql build: `outFile` is not supported with TypeScript 7 yet"] };
  const configDir = path.dirname(configFile);
  const sources = program
    .getSourceFiles()
    .filter(
      (f) =>
        !program.isSourceFileDefaultLibrary(f) &&
        !program.isSourceFileFromExternalLibrary(f) &&
        !/[\\/]node_modules[\\/]/.test(f.fileName),
    );
  const mirrorRoot = commonDirectory([configDir, ...sources.map((f) => path.dirname(f.fileName))]);
  const cache = path.join(configDir, ".closql");
  const shadowRoot = path.join(cache, "build");
  const shadow = (original: string) => path.join(shadowRoot, path.relative(mirrorRoot, original));
  const original = (copy: string) => {
    const relative = path.relative(shadowRoot, copy);
    return relative.startsWith("..") || path.isAbsolute(relative) ? copy : path.join(mirrorRoot, relative);
  };

  fs.rmSync(shadowRoot, { recursive: true, force: true });
  fs.mkdirSync(shadowRoot, { recursive: true });
  fs.writeFileSync(path.join(cache, ".gitignore"), "*\n");
  const rewritten = new Map(rewrites.filter((r) => r.changed).map((r) => [path.resolve(r.fileName), r]));
  for (const file of sources) {
    const target = shadow(file.fileName);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, rewritten.get(path.resolve(file.fileName))?.code ?? file.text);
  }
  mirrorScopes(sources, mirrorRoot, shadow, shadowRoot);

  const rootDir =
    options.rootDir ??
    (program as unknown as { getCommonSourceDirectory(): string }).getCommonSourceDirectory().replace(/[\\/]$/, "");
  const shadowConfig = path.join(cache, "tsconfig.build.json");
  const compilerOptions: Record<string, unknown> = {
    rootDir: shadow(path.resolve(configDir, rootDir)),
    // Without an outDir, outputs go next to the sources: the original ones.
    outDir: options.outDir ?? path.resolve(configDir, rootDir),
    noCheck: true,
    noEmit: false,
    noEmitOnError: false,
    declaration: false,
    declarationMap: false,
    emitDeclarationOnly: false,
    composite: false,
    incremental: false,
  };
  if (options.paths) {
    const base = options.baseUrl ?? (options as { pathsBasePath?: string }).pathsBasePath ?? configDir;
    compilerOptions.paths = Object.fromEntries(
      Object.entries(options.paths).map(([k, targets]) => [k, targets.map((t) => inMirror(path.resolve(base, t)))]),
    );
    if (options.baseUrl) compilerOptions.baseUrl = inMirror(options.baseUrl);
  }
  if (options.rootDirs) compilerOptions.rootDirs = options.rootDirs.map(inMirror);
  fs.writeFileSync(
    shadowConfig,
    JSON.stringify(
      {
        extends: configFile,
        compilerOptions,
        files: parsed.fileNames.map((f) => shadow(path.resolve(f))),
        include: [],
      },
      null,
      2,
    ),
  );
  const run = await tsc(["-p", shadowConfig, "--listEmittedFiles", "--pretty", "false"]);
  const emitted = [...run.output.matchAll(/^TSFILE: (.*)$/gm)].map((m) => m[1].trim());
  const problems = run.output
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("TSFILE: "))
    .map((l) => l.split(shadowRoot + path.sep).join(path.relative(process.cwd(), mirrorRoot) + path.sep));
  if (run.code !== 0 && problems.length === 0) problems.push(`tsc exited with ${run.code}`);

  const prepassMaps = new Map<string, SourceMap>();
  for (const [file, r] of rewritten)
    if (r.map)
      prepassMaps.set(shadow(file), { ...r.map, sources: [file], sourcesContent: [program.getSourceFile(file)!.text] });
  for (const file of emitted) {
    if (file.endsWith(".map")) {
      const map = JSON.parse(fs.readFileSync(file, "utf8")) as SourceMap & { sourceRoot?: string };
      fs.writeFileSync(file, JSON.stringify(fixMap(map, path.dirname(file))));
    } else if (/\.[cm]?jsx?$/.test(file) && options.inlineSourceMap) {
      const js = fs.readFileSync(file, "utf8");
      const fixed = js.replace(
        /(\/\/# sourceMappingURL=data:application\/json;base64,)([A-Za-z0-9+/=]+)\s*$/,
        (_, prefix: string, data: string) => {
          const map = JSON.parse(Buffer.from(data, "base64").toString("utf8"));
          return prefix + Buffer.from(JSON.stringify(fixMap(map, path.dirname(file)))).toString("base64");
        },
      );
      fs.writeFileSync(file, fixed);
    }
  }
  return { problems };

  function inMirror(p: string): string {
    const relative = path.relative(mirrorRoot, p);
    return relative.startsWith("..") || path.isAbsolute(relative) ? p : shadow(p);
  }

  /**
   * A map TypeScript wrote for a shadow file, pointing at the original: through the pre-pass's map
   * where the file was rewritten. With `sourceRoot`, sources are relative to the common source
   * directory, the same for both trees; otherwise relative to the map's directory.
   */
  function fixMap(map: SourceMap & { sourceRoot?: string }, mapDir: string): SourceMap {
    const sourceRoot = options.sourceRoot;
    const base = sourceRoot
      ? path.join(shadowRoot, path.relative(mirrorRoot, path.resolve(configDir, rootDir)))
      : mapDir;
    const absolute = { ...map, sourceRoot: "", sources: map.sources.map((s) => path.resolve(base, s)) };
    const traced = absolute.sources.some((s) => prepassMaps.has(s))
      ? remapping(absolute, (s) => prepassMaps.get(path.resolve(s)) ?? null)
      : absolute;
    const originalBase = sourceRoot ? path.resolve(configDir, rootDir) : mapDir;
    const sources = traced.sources.map((s) => slash(path.relative(originalBase, original(path.resolve(s)))));
    return {
      version: 3,
      file: map.file,
      ...(sourceRoot !== undefined ? { sourceRoot: map.sourceRoot } : { sourceRoot: "" }),
      sources,
      ...(options.inlineSources ? { sourcesContent: traced.sourcesContent } : {}),
      names: traced.names,
      mappings: traced.mappings,
    } as SourceMap;
  }
}

/**
 * Each directory between the sources and the mirror's root keeps its `package.json` (copied) and its
 * `node_modules` (linked); the nearest `package.json` above the root is copied to the shadow's root,
 * so a shadow file finds the same scope as its original, and not the tsconfig directory's.
 */
function mirrorScopes(
  sources: readonly ts.SourceFile[],
  mirrorRoot: string,
  shadow: (p: string) => string,
  shadowRoot: string,
): void {
  const directories = new Set<string>();
  for (const f of sources)
    for (let d = path.dirname(f.fileName); ; d = path.dirname(d)) {
      directories.add(d);
      if (path.relative(mirrorRoot, d) === "" || d === path.dirname(d)) break;
    }
  for (const d of directories) {
    const packageJson = path.join(d, "package.json");
    if (fs.existsSync(packageJson)) fs.copyFileSync(packageJson, path.join(shadow(d), "package.json"));
    const modules = path.join(d, "node_modules");
    if (fs.existsSync(modules) && !fs.existsSync(path.join(shadow(d), "node_modules")))
      fs.symlinkSync(modules, path.join(shadow(d), "node_modules"), "junction");
  }
  if (!fs.existsSync(path.join(mirrorRoot, "package.json")))
    for (let d = path.dirname(mirrorRoot); d !== path.dirname(d); d = path.dirname(d)) {
      const packageJson = path.join(d, "package.json");
      if (fs.existsSync(packageJson)) {
        fs.copyFileSync(packageJson, path.join(shadowRoot, "package.json"));
        break;
      }
    }
}

function commonDirectory(directories: readonly string[]): string {
  const split = directories.map((d) => path.resolve(d).split(path.sep));
  const first = split[0];
  let n = 0;
  while (n < first.length && split.every((parts) => parts[n] === first[n])) n++;
  return first.slice(0, n).join(path.sep) || path.sep;
}

function slash(p: string): string {
  return p.split(path.sep).join("/");
}
