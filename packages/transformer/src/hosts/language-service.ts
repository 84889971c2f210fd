import ts from "typescript";
import type { CompiledStatement } from "../transform";
import { createRewriter, Rewrite } from "./rewrite";

/**
 * The TypeScript language-service plugin (`"plugins": [{ "name": "@closql/transformer/language-service" }]`
 * in tsconfig.json): the editor shows closql's diagnostics — every closure the build would refuse,
 * at its position, with its TS91xxx code — beside TypeScript's, and the SQL a query compiles to when
 * the pointer rests on it. It runs the compile core on the editor's own program, file by file, as
 * the editor asks.
 *
 * tsserver hands the plugin its own TypeScript. When that is the TypeScript 6.0 closql is built on,
 * the plugin reads the editor's program; otherwise (another minor version) it keeps a program of its
 * own over the same files, so that closql never mixes two TypeScripts' syntax trees.
 */
function init(modules: { typescript: typeof ts }): ts.server.PluginModule {
  const sameTypeScript = majorMinor(modules.typescript.version) === majorMinor(ts.version);
  return {
    create(info) {
      const editor = info.languageService;
      const own = sameTypeScript
        ? undefined
        : ts.createLanguageService(info.languageServiceHost as unknown as ts.LanguageServiceHost);
      const closql = new ProgramRewrites(() => (own ?? editor).getProgram());
      const log = (message: string) => info.project?.projectService?.logger?.info(`closql: ${message}`);
      log(`language service plugin on TypeScript ${modules.typescript.version}${own ? " (own program)" : ""}`);
      const safely = <T>(fallback: T, f: () => T): T => {
        try {
          return f();
        } catch (e) {
          log(`failed: ${(e as Error).stack ?? e}`);
          return fallback;
        }
      };

      const proxy = Object.create(null) as ts.LanguageService;
      for (const key of Object.keys(editor) as (keyof ts.LanguageService)[]) {
        const method = editor[key];
        (proxy as unknown as Record<string, unknown>)[key] =
          typeof method === "function" ? (...args: unknown[]) => (method as Function).apply(editor, args) : method;
      }
      proxy.getSemanticDiagnostics = (fileName) => {
        const diagnostics = editor.getSemanticDiagnostics(fileName);
        const own = safely([], () => closql.of(fileName)?.diagnostics ?? []);
        return own.length === 0 ? diagnostics : [...diagnostics, ...own];
      };
      proxy.getQuickInfoAtPosition = (fileName, position, ...rest) => {
        const info = editor.getQuickInfoAtPosition(fileName, position, ...rest);
        const statements = safely([], () => statementsAt(closql.of(fileName), position));
        if (statements.length === 0) return info;
        const sql: ts.SymbolDisplayPart = {
          kind: "text",
          text: statements.map((s) => `closql compiles this query to:\n\`\`\`sql\n${s.sql}\n\`\`\``).join("\n\n"),
        };
        if (info) return { ...info, documentation: [...(info.documentation ?? []), sql] };
        return {
          kind: ts.ScriptElementKind.unknown,
          kindModifiers: "",
          textSpan: { start: position, length: 0 },
          documentation: [sql],
        };
      };
      return proxy;
    },
  };
}

/** The pre-pass of each file of a program, computed when first asked for, forgotten with the program. */
class ProgramRewrites {
  private program?: ts.Program;
  private rewrite?: (file: ts.SourceFile) => Rewrite;
  private files = new Map<string, Rewrite | undefined>();

  constructor(private readonly current: () => ts.Program | undefined) {}

  of(fileName: string): Rewrite | undefined {
    const program = this.current();
    if (!program) return undefined;
    if (program !== this.program) {
      this.program = program;
      this.rewrite = createRewriter(program);
      this.files = new Map();
    }
    if (!this.files.has(fileName)) {
      const file = program.getSourceFile(fileName);
      this.files.set(fileName, file && !file.isDeclarationFile ? this.rewrite!(file) : undefined);
    }
    return this.files.get(fileName);
  }
}

/**
 * The statements of the innermost query around `position`: its own statement and those of its
 * `.preload()` calls.
 */
function statementsAt(rewrite: Rewrite | undefined, position: number): CompiledStatement[] {
  if (!rewrite) return [];
  const span = (s: CompiledStatement) => ({ start: s.node!.getStart(), end: s.node!.getEnd() });
  const around = rewrite.statements.filter((s) => {
    if (!s.node || isPreload(s.node)) return false;
    const { start, end } = span(s);
    return start <= position && position < end;
  });
  if (around.length === 0) return [];
  const query = around.reduce((a, b) => (span(b).end - span(b).start < span(a).end - span(a).start ? b : a));
  const { start, end } = span(query);
  const preloads = rewrite.statements.filter(
    (s) => s.node && isPreload(s.node) && s.node.getStart() >= start && s.node.getEnd() <= end,
  );
  return [query, ...preloads];
}

function isPreload(node: ts.Node): boolean {
  return (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(node.expression) &&
    node.expression.name.text === "preload"
  );
}

function majorMinor(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

export = init;
