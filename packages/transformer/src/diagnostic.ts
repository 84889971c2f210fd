import ts from "typescript";

/**
 * A closure closql cannot compile faithfully. Thrown from deep inside lowering, caught per query, and
 * reported as a build error at `node` with what is unsupported and what to write instead.
 */
export class UnsupportedError extends Error {
  constructor(
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

/** Diagnostic codes: stable so tooling and tests can match them. */
export const CLOSQL_ERROR_CODE = 91001;

export function toDiagnostic(e: UnsupportedError, file: ts.SourceFile): ts.Diagnostic {
  const start = e.node.getStart(file);
  return {
    file,
    start,
    length: e.node.getEnd() - start,
    messageText: e.text,
    category: ts.DiagnosticCategory.Error,
    code: CLOSQL_ERROR_CODE,
  };
}
