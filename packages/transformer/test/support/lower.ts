import ts from "typescript";
import { stepScopes } from "@closql/transformer/dist/lower/chain-shape";
import type { Binding } from "@closql/transformer/dist/ir/binding";
import { Refusal } from "@closql/transformer/dist/diagnostics/refusal";
import { recognizeChain } from "@closql/transformer/dist/recognize/chain";
import { SchemaReader } from "@closql/transformer/dist/recognize/schema";
import { printStep } from "@closql/transformer/dist/print/steps";
import { mergePreloads, printPreloads, PrintedPreload } from "@closql/transformer/dist/print/preload";
import type { PreloadNode } from "@closql/transformer/dist/ir/statement";
import type { LoweredStep } from "@closql/transformer/dist/ir/statement";
import { calls, snippetProgram } from "./program";

/** The source file a synthesized node's original parts come from. */
function originalFile(n: ts.Node): ts.SourceFile {
  let found: ts.SourceFile | undefined;
  const visit = (c: ts.Node): void => {
    if (!found && c.pos >= 0) found = c.getSourceFile();
    if (!found) ts.forEachChild(c, visit);
  };
  visit(n);
  return found!;
}

/** A step as the tests see it: its SQL with holes written `$n`, and its bindings, or its refusal. */
export type Lowered = { sql: string; bindings: string[] } | { refusal: string };

/** `int.floor(n)`, `date.next(fromMs(n))`, `x`: what a binding binds, and how. */
export function describeBinding(b: Binding): string {
  // A synthesized expression (an `.after()` cursor's property) has no source text of its own.
  const expr =
    b.expr.pos >= 0
      ? b.expr.getText()
      : ts.createPrinter().printNode(ts.EmitHint.Expression, b.expr, b.expr.getSourceFile() ?? originalFile(b.expr));
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
    const earlier: { call: ts.CallExpression; lowered?: LoweredStep }[] = [];
    const scopes = stepScopes(chain, schema, checker);
    return chain.steps.map((step, i): Lowered => {
      try {
        const lowered = step.method.lower({
          name: step.method.kind,
          call: step.call,
          args: step.call.arguments,
          checker,
          table: chain.table,
          earlier: [...earlier],
          later: chain.steps.slice(i + 1).map((s) => ({ kind: s.method.kind, call: s.call })),
          closed: chain.terminal !== undefined,
          sources: scopes[i],
          relations: chain.relations,
        });
        earlier.push({ call: step.call, lowered });
        const { fragment } = printStep(lowered);
        const sql = fragment.sql.reduce((acc, part, i) => `${acc}$${fragment.refs[i - 1] + 1}${part}`);
        return { sql, bindings: fragment.params.map(describeBinding) };
      } catch (e) {
        earlier.push({ call: step.call });
        if (e instanceof Refusal) return { refusal: e.kind };
        throw e;
      }
    });
  });
}

/**
 * The preload statements of a chain (its `.preload()` steps merged into one tree), depth first:
 * `relation: SQL`, with what `$2…` bind; or the refusal.
 */
export function preloadStatements(chain: string): { statements: string[]; bindings: string[] } | { refusal: string } {
  const { program, file } = snippetProgram(`  void ${chain};`);
  const checker = program.getTypeChecker();
  const [outermost] = calls(file.statements.find(ts.isFunctionDeclaration)! as unknown as ts.SourceFile);
  const recognized = recognizeChain(outermost, new SchemaReader(checker), checker)!;
  try {
    const nodes: PreloadNode[] = recognized.steps
      .filter((step) => step.method.kind === "preload")
      .map(
        (step) =>
          step.method.lower({
            name: step.method.kind,
            call: step.call,
            args: step.call.arguments,
            checker,
            table: recognized.table,
            relations: recognized.relations,
            sources: [{ table: recognized.table, relations: recognized.relations }],
            earlier: [],
            later: [],
            closed: true,
          }).preload!,
      );
    const statements: string[] = [];
    const bindings: string[] = [];
    const visit = (p: PrintedPreload) => {
      statements.push(`${p.node.relation.name}: ${p.text}`);
      bindings.push(...p.bindings.map(describeBinding));
      p.children.forEach(visit);
    };
    printPreloads(mergePreloads(nodes)).forEach(visit);
    return { statements, bindings };
  } catch (e) {
    if (e instanceof Refusal) return { refusal: e.kind };
    throw e;
  }
}
