import fs from "node:fs";
import path from "node:path";
import type ts from "typescript";
import { Manifest, MANIFEST_FILE, MANIFEST_VERSION, ManifestStatement } from "closql/sql";
import type { CompiledStatement, TransformOptions } from "./transform";

/**
 * Keeps the statement manifest of one program: the statements of each source file as the
 * transformer compiles it, merged with what an earlier build wrote for files this build did not
 * re-emit (an incremental build or watch mode re-emits only what changed); files no longer in the
 * program are dropped. Written as sorted JSON (by file, then in source order): the same sources give
 * the same bytes. Written once the build is done: at the next turn of the event loop (watch mode,
 * bundlers) or when the process exits (tspc exits right after emitting), whichever comes first.
 */
export class ManifestWriter {
  private byFile = new Map<string, ManifestStatement[]>();
  private current: ManifestStatement[] | undefined;
  private loaded = false;
  private scheduled = false;

  constructor(
    readonly file: string,
    private readonly root: string,
    private readonly program: ts.Program,
  ) {}

  /** Where the manifest goes for a program, from the plugin's options. */
  static target(program: ts.Program, options: TransformOptions): string | undefined {
    if (options.manifest === false) return undefined;
    const root = program.getCurrentDirectory();
    if (typeof options.manifest === "string") return path.resolve(root, options.manifest);
    const outDir = program.getCompilerOptions().outDir;
    return path.join(outDir ? path.resolve(root, outDir) : root, MANIFEST_FILE);
  }

  /** The transformation of `sourceFile` starts: its statements so far are replaced. */
  beginFile(sourceFile: ts.SourceFile): void {
    this.load();
    this.current = [];
    this.byFile.set(this.key(sourceFile.fileName), this.current);
    this.schedule();
  }

  add(s: CompiledStatement): void {
    this.current?.push({ source: s.source, kind: s.kind, sql: s.sql, params: [...s.params] });
  }

  endFile(): void {
    this.current = undefined;
  }

  /** Writes the manifest now, if anything changed. */
  flush(): void {
    if (!this.scheduled) return;
    this.scheduled = false;
    pending.delete(this);
    const inProgram = new Set(this.program.getSourceFiles().map((f) => this.key(f.fileName)));
    const statements = [...this.byFile]
      .filter(([file, list]) => inProgram.has(file) && list.length > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([, list]) => list);
    const manifest: Manifest = { version: MANIFEST_VERSION, statements };
    const text = JSON.stringify(manifest, null, 2) + "\n";
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    if (!fs.existsSync(this.file) || fs.readFileSync(this.file, "utf8") !== text) fs.writeFileSync(this.file, text);
  }

  private key(fileName: string): string {
    return path.relative(this.root, fileName).split(path.sep).join("/");
  }

  /** The statements an earlier build recorded, by file (a missing or unreadable manifest is none). */
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    try {
      const earlier = JSON.parse(fs.readFileSync(this.file, "utf8")) as Manifest;
      if (earlier.version !== MANIFEST_VERSION) return;
      for (const s of earlier.statements) {
        const file = s.source.slice(0, s.source.lastIndexOf(":"));
        const list = this.byFile.get(file) ?? [];
        list.push(s);
        this.byFile.set(file, list);
      }
    } catch {
      // No earlier manifest: this build writes the first.
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    pending.add(this);
    setImmediate(() => this.flush()).unref?.();
    if (!exitHook) {
      exitHook = true;
      process.once("exit", () => [...pending].forEach((w) => w.flush()));
    }
  }
}

const pending = new Set<ManifestWriter>();
let exitHook = false;
