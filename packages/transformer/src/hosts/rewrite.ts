import ts from "typescript";
import MagicString from "magic-string";
import { createTransformer, CompiledStatement, FileEdits, TransformOptions } from "../transform";

/** A version 3 source map as JSON. */
export interface SourceMap {
  readonly version: 3;
  readonly file?: string;
  readonly sources: string[];
  readonly sourcesContent?: (string | null)[];
  readonly names: string[];
  readonly mappings: string;
}

/** One file after the text pre-pass. */
export interface Rewrite {
  readonly fileName: string;
  /** The source text with each query replaced by its compiled form; the original text, unchanged, if none was. */
  readonly code: string;
  readonly changed: boolean;
  /** Maps `code` back to the original text (none when unchanged). */
  readonly map?: SourceMap;
  /** closql's diagnostics for this file: refusals with their file, position and code. */
  readonly diagnostics: readonly ts.Diagnostic[];
  /** Every statement folded at build time, with the call it came from. */
  readonly statements: readonly CompiledStatement[];
}

/**
 * The text pre-pass: runs the compile core (the same transformer `tspc` runs) on a file of a
 * TypeScript 6 program, then prints what it replaced — each query, and the runtime import and
 * hoisted constants — back into the source text at the query's span, so that any later compiler or
 * bundler emits the result. Everything outside those spans stays byte for byte, types included; a
 * file without a query comes back as it was, but for its `from "closql"`, which becomes
 * `from "closql/compiled"` (the build check's mark, as tspc emits it).
 */
export function createRewriter(program: ts.Program, options: TransformOptions = {}): (file: ts.SourceFile) => Rewrite {
  let diagnostics: ts.Diagnostic[] = [];
  let statements: CompiledStatement[] = [];
  let edits: FileEdits | undefined;
  const transformer = createTransformer({
    program,
    options,
    report: (d) => diagnostics.push(d),
    onStatement: (s) => statements.push(s),
    onEdits: (_, e) => (edits = e),
  });
  const compilerOptions = program.getCompilerOptions();
  return (file) => {
    diagnostics = [];
    statements = [];
    edits = undefined;
    const result = ts.transform(file, [transformer], compilerOptions);
    try {
      return { fileName: file.fileName, ...printEdits(file, edits), diagnostics, statements };
    } finally {
      result.dispose();
    }
  };
}

/** Splices the printed edits into the file's text, with a source map back to it. */
function printEdits(file: ts.SourceFile, edits: FileEdits | undefined): Pick<Rewrite, "code" | "changed" | "map"> {
  const replacements = outermost(edits?.replacements ?? []);
  if (!edits || (replacements.length === 0 && edits.prologue.length === 0)) return { code: file.text, changed: false };
  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed, removeComments: false });
  const text = new MagicString(file.text);
  const printable = forPrinting([...replacements.map((r) => r.replacement), ...edits.prologue], file);
  replacements.forEach(({ original, replacement }, i) => {
    const printed = printer.printNode(ts.EmitHint.Expression, printable[i], file);
    const start = original.getStart(file);
    // As many lines as the query had: the code after it keeps its line numbers (stack traces read
    // without a source map, `file:line` in messages).
    const lines = lineBreaks(file.text.slice(start, original.getEnd())) - lineBreaks(printed);
    const code = (keepsPrecedence(replacement) ? printed : `(${printed})`) + "\n".repeat(Math.max(0, lines));
    text.overwrite(start, original.getEnd(), code);
  });
  if (edits.prologue.length > 0) {
    const printed = printable
      .slice(replacements.length)
      .map((s) => printer.printNode(ts.EmitHint.Unspecified, s, file));
    // One line when it can be: the lines after it keep their numbers (stack traces without maps).
    const block = printed.join(printed.some((p) => p.includes("\n")) ? "\n" : " ");
    const at = prologuePosition(file, edits.prologueAfter);
    if (at.after) text.appendLeft(at.pos, ` ${block}`);
    else text.prependRight(at.pos, `${block} `);
  }
  const map = text.generateMap({ source: file.fileName, includeContent: true, hires: "boundary" });
  return {
    code: text.toString(),
    changed: true,
    map: { ...map, version: 3, sources: map.sources, names: map.names, mappings: map.mappings },
  };
}

/**
 * A replacement ready to print: the user's own code in it (a captured value, a kept closure, type
 * arguments) as its exact source text — its layout, comments and line breaks kept — and what the
 * core created on one line, so the compiled query takes as many lines as the query did.
 */
function forPrinting(nodes: ts.Node[], file: ts.SourceFile): ts.Node[] {
  const verbatim = (context: ts.TransformationContext) => {
    const f = context.factory;
    const visit = (n: ts.Node): ts.Node => {
      // (A template literal stays one: a tagged template needs it; the printer copies its text.)
      if (ts.isParseTreeNode(n) && n.pos >= 0 && n.getSourceFile() === file && !ts.isTemplateLiteral(n)) {
        // Its place in the tree is the same (the parent was built, and parenthesized, around it).
        const text = f.createIdentifier(file.text.slice(n.getStart(file), n.getEnd()));
        if (ts.isTypeNode(n)) return f.createTypeReferenceNode(text);
        if (ts.isExpression(n)) return text;
      }
      const visited = ts.visitEachChild(n, visit, context);
      if (visited.pos === -1) {
        // Nodes this transform created (the user's are above): nobody else holds them.
        const flags = (visited as { emitNode?: { flags?: ts.EmitFlags } }).emitNode?.flags ?? 0;
        ts.setEmitFlags(visited, flags | ts.EmitFlags.SingleLine);
        if (ts.isArrayLiteralExpression(visited) || ts.isObjectLiteralExpression(visited))
          (visited as { multiLine?: boolean }).multiLine = false;
      }
      return visited;
    };
    return (root: ts.Node) => visit(root);
  };
  const result = ts.transform(nodes, [verbatim]);
  const printable = result.transformed;
  result.dispose();
  return printable;
}

/** The replacements not inside another one (a query nested in a captured value is printed by its parent). */
function outermost(replacements: FileEdits["replacements"]): FileEdits["replacements"] {
  const sorted = [...replacements].sort((a, b) => a.original.pos - b.original.pos || b.original.end - a.original.end);
  const kept: (typeof sorted)[number][] = [];
  for (const r of sorted) {
    const last = kept[kept.length - 1];
    if (last && r.original.pos >= last.original.pos && r.original.end <= last.original.end) continue;
    kept.push(r);
  }
  return kept;
}

/** A replacement that binds as tightly as the call it replaces can stand where it stood, unparenthesized. */
function keepsPrecedence(node: ts.Node): boolean {
  return ts.isLeftHandSideExpression(node);
}

/**
 * Where the prologue goes in the text: after the file's leading imports, as the compile core puts
 * it; in a file without imports, after its directives ("use strict") or before its first statement
 * (after the leading comments, which may hold `/// <reference>` and pragma comments).
 */
function prologuePosition(file: ts.SourceFile, after: number): { pos: number; after: boolean } {
  const statements = file.statements;
  let last = after;
  if (last === 0) while (last < statements.length && isDirective(statements[last])) last++;
  if (last > 0) return { pos: statements[last - 1].getEnd(), after: true };
  return { pos: statements.length > 0 ? statements[0].getStart(file) : file.text.length, after: false };
}

function lineBreaks(s: string): number {
  return s.split("\n").length - 1;
}

function isDirective(s: ts.Statement): boolean {
  return ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression);
}

/** `file:line:col - error TS91001: message`, the position 1-based: how every host reports closql's diagnostics. */
export function formatDiagnostic(d: ts.Diagnostic, cwd = process.cwd()): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  const category = ts.DiagnosticCategory[d.category].toLowerCase();
  if (!d.file || d.start === undefined) return `${category} TS${d.code}: ${message}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  const name = relativeName(d.file.fileName, cwd);
  return `${name}:${line + 1}:${character + 1} - ${category} TS${d.code}: ${message}`;
}

function relativeName(fileName: string, cwd: string): string {
  const normalized = fileName.split("\\").join("/");
  const base = cwd.split("\\").join("/").replace(/\/?$/, "/");
  return normalized.startsWith(base) ? normalized.slice(base.length) : normalized;
}
