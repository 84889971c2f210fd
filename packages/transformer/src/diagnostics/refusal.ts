import ts from "typescript";
import { DIAGNOSTICS, DiagnosticKind } from "./codes";

/**
 * A closure closql cannot compile faithfully. Thrown from deep inside lowering, caught per step,
 * and reported as a build error at `node`, with what is unsupported and what to write instead.
 */
export class Refusal extends Error {
  constructor(
    readonly kind: DiagnosticKind,
    readonly node: ts.Node,
    readonly problem: string,
    readonly suggestion?: string,
  ) {
    super(problem);
  }

  get text(): string {
    return `closql: ${this.problem}${this.suggestion ? ` ${this.suggestion}` : ""}`;
  }
}

export function refusalDiagnostic(r: Refusal, file: ts.SourceFile): ts.Diagnostic {
  return diagnosticAt(r.node, file, DIAGNOSTICS[r.kind].code, r.text);
}

/**
 * Anything but a Refusal thrown while compiling a query is a bug in closql. It becomes a diagnostic
 * at the query, never a stack trace that stops the build: the other queries still compile.
 */
export function internalErrorDiagnostic(error: unknown, node: ts.Node, file: ts.SourceFile): ts.Diagnostic {
  const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
  const text =
    `closql: internal error while compiling this query (a closql bug: please report it with this query): ` + detail;
  return diagnosticAt(node, file, DIAGNOSTICS.internalError.code, text);
}

function diagnosticAt(node: ts.Node, file: ts.SourceFile, code: number, messageText: string): ts.Diagnostic {
  // A synthesized node has no position: report at the start of the file rather than crash.
  const start = node.pos >= 0 ? node.getStart(file) : 0;
  const end = node.pos >= 0 ? node.getEnd() : 0;
  return { file, start, length: end - start, messageText, category: ts.DiagnosticCategory.Error, code };
}
