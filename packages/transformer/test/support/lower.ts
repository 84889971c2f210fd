import ts from "typescript";
import type { Binding } from "@closql/transformer/dist/ir/binding";
import { Refusal } from "@closql/transformer/dist/diagnostics/refusal";
import { recognizeChain } from "@closql/transformer/dist/recognize/chain";
import { SchemaReader } from "@closql/transformer/dist/recognize/schema";
import { printStep } from "@closql/transformer/dist/print/steps";
import { calls, snippetProgram } from "./program";

/** A step as the tests see it: its SQL with holes written `$n`, and its bindings, or its refusal. */
export type Lowered = { sql: string; bindings: string[] } | { refusal: string };

/** `int.floor(n)`, `date.next(fromMs(n))`, `x`: what a binding binds, and how. */
export function describeBinding(b: Binding): string {
  const expr = b.expr.getText();
  const via = b.via;
  switch (via.kind) {
    case "value":
      return expr;
    case "int":
      return `int.${via.edge}(${expr}${via.nan ? `, nan: ${via.nan}` : ""})`;
    case "date":
      return `date.${via.edge}(${via.fromMs ? `fromMs(${expr})` : expr})`;
    case "like":
      return `like.${via.method}(${expr})`;
    case "oneOf":
      return `oneOf(${expr}, ${via.labels.join("|")})`;
    default:
      return `${via.kind}(${expr})`;
  }
}

/**
 * Recognizes, lowers and prints each chain expression (`db.users.where(…)…`), one per snippet, in one
 * program: the compile core's first three stages, without emit or a database. Each step's
 * result is given separately.
 */
export function lowerChains(chains: readonly string[]): Lowered[][] {
  const { program, file } = snippetProgram(chains.map((c) => `  void ${c};`).join("\n"));
  const checker = program.getTypeChecker();
  const schema = new SchemaReader(checker);
  const statements = (
    file.statements.find(ts.isFunctionDeclaration)!.body!.statements as readonly ts.Statement[]
  ).filter(ts.isExpressionStatement);
  return statements.map((statement) => {
    const [outermost] = calls(statement as unknown as ts.SourceFile);
    const chain = recognizeChain(outermost, schema, checker);
    if (!chain) throw new Error(`not a chain: ${statement.getText()}`);
    return chain.steps.map((step): Lowered => {
      try {
        const lowered = step.method.lower({
          name: step.method.kind,
          call: step.call,
          args: step.call.arguments,
          checker,
          table: chain.table,
        });
        const { fragment } = printStep(lowered);
        const sql = fragment.sql.reduce((acc, part, i) => `${acc}$${fragment.refs[i - 1] + 1}${part}`);
        return { sql, bindings: fragment.params.map(describeBinding) };
      } catch (e) {
        if (e instanceof Refusal) return { refusal: e.kind };
        throw e;
      }
    });
  });
}
