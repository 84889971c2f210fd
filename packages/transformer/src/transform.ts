import ts from "typescript";
import { internalErrorDiagnostic, Refusal, refusalDiagnostic } from "./diagnostics/refusal";
import { emitFragments, emitStaticRead } from "./emit/chain";
import { FileEmitter } from "./emit/file-emitter";
import type { LoweredStep } from "./ir/statement";
import { Chain, recognizeChain } from "./recognize/chain";
import { SchemaReader } from "./recognize/schema";
import { printRead } from "./print/statement";
import { printStep } from "./print/steps";

export interface TransformOptions {
  /**
   * Pass each query's original `where` closures to the runtime, which reports them in `onQuery`
   * events: lets a test suite run the closure in JavaScript and compare with what SQL returned.
   */
  readonly keepClosures?: boolean;
}

/** One statement the transformer compiled, for tooling (`closql sql`) and tests. */
export interface CompiledStatement {
  readonly source: string;
  readonly sql: string;
}

export interface TransformHost {
  readonly program: ts.Program;
  readonly options: TransformOptions;
  readonly report: (d: ts.Diagnostic) => void;
  /** Receives every statically folded statement. */
  readonly onStatement?: (s: CompiledStatement) => void;
}

/**
 * The transformer: finds closql query chains and replaces them with compiled SQL, in four phases per
 * chain — recognize (the chain, through the type checker and the method table) → lower (each step's
 * closure to SQL nodes with bindings as data) → print (SQL text; a chain whose whole history is known
 * folds into one statement) → emit (hoisted constants and runtime calls).
 */
export function createTransformer(host: TransformHost): ts.TransformerFactory<ts.SourceFile> {
  const checker = host.program.getTypeChecker();
  const schema = new SchemaReader(checker);
  const cwd = host.program.getCurrentDirectory();
  const emitOptions = { keepClosures: host.options.keepClosures === true };

  return (context) => (file) => {
    if (file.isDeclarationFile) return file;
    const out = new FileEmitter(context.factory, file, cwd);
    const visitExpression = (e: ts.Expression) => ts.visitNode(e, visit) as ts.Expression;

    const compile = (node: ts.CallExpression, chain: Chain): ts.Node => {
      // lower: every step, so every refusal of the chain is reported in this build.
      const failures: ts.Diagnostic[] = [];
      const lowered = chain.steps.map((step) => guard(step.call, () => lowerStep(chain, step), failures));
      if (failures.length > 0) {
        failures.forEach(host.report);
        // Queries nested in the failed chain's root and arguments still get their own diagnostics.
        [chain.root, ...chain.steps.flatMap((s) => [...s.call.arguments])].forEach(visitExpression);
        return node;
      }
      const result = guard(
        node,
        () => {
          // print
          const steps = (lowered as LoweredStep[]).map(printStep);
          if (!chain.terminal || !chain.rootIsTable)
            return emitFragments(out, chain, steps, visitExpression, emitOptions);
          const read = printRead(chain.table, steps, chain.terminal.method.kind);
          const source = out.sourceOf(chain.terminal.call);
          host.onStatement?.({ source, sql: read.text });
          // emit
          return emitStaticRead(out, chain, steps, read, source, visitExpression, emitOptions);
        },
        failures,
      );
      failures.forEach(host.report);
      return result ?? node;
    };

    /** Runs one phase for one query; a refusal or an internal failure becomes a diagnostic there. */
    const guard = <T>(at: ts.Node, phase: () => T, failures: ts.Diagnostic[]): T | undefined => {
      try {
        return phase();
      } catch (e) {
        failures.push(e instanceof Refusal ? refusalDiagnostic(e, file) : internalErrorDiagnostic(e, at, file));
        return undefined;
      }
    };

    const visit = (node: ts.Node): ts.Node => {
      // recognize
      const chain = ts.isCallExpression(node) ? recognizeChain(node, schema, checker) : undefined;
      if (chain) return compile(node as ts.CallExpression, chain);
      return ts.visitEachChild(node, visit, context);
    };

    return out.finish(ts.visitEachChild(file, visit, context));
  };

  function lowerStep(chain: Chain, step: Chain["steps"][number]): LoweredStep {
    const method = step.method;
    const args = step.call.arguments;
    const [min, max] = method.arity;
    if (args.length < min || args.length > max) {
      const takes = min === max ? `${min} argument${min === 1 ? "" : "s"}` : `${min} to ${max} arguments`;
      throw new Refusal("methodArguments", step.call, `.${step.name}() takes ${takes}.`);
    }
    return method.lower({ name: method.kind, call: step.call, args, checker, table: chain.table });
  }
}
