import ts from "typescript";
import { createHash } from "node:crypto";
import path from "node:path";
import type { ReadKind } from "closql/dist/sql";
import { compileStep, CompiledStepIR, foldStatic, readChain, wholeRow, Chain } from "./compile-chain";
import { toDiagnostic, UnsupportedError } from "./diagnostic";
import { mapperExpression, OutputField } from "./mapper";
import { SchemaReader } from "./schema-info";

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

/** The transformer factory: finds closql query chains and replaces them with compiled SQL. */
export function createTransformer(host: TransformHost): ts.TransformerFactory<ts.SourceFile> {
  const checker = host.program.getTypeChecker();
  const schema = new SchemaReader(checker);
  const cwd = host.program.getCurrentDirectory();

  return (context) => (file) => {
    if (file.isDeclarationFile) return file;
    const f = context.factory;
    const runtime = f.createUniqueName("__closql");
    const hoisted: ts.Statement[] = [];
    let counter = 0;

    const helper = (p: string, args: ts.Expression[]): ts.Expression => {
      const callee = p
        .split(".")
        .reduce<ts.Expression>((acc, name) => f.createPropertyAccessExpression(acc, name), runtime);
      return f.createCallExpression(callee, undefined, args);
    };

    /** Visits an expression the compiled code keeps (roots, bound values): it may hold queries too. */
    const visitInner = (e: ts.Expression): ts.Expression => ts.visitNode(e, visit) as ts.Expression;

    const hoist = (prefix: string, value: ts.Expression): ts.Identifier => {
      const name = f.createUniqueName(`__closql_${prefix}${counter++}`);
      hoisted.push(
        f.createVariableStatement(
          undefined,
          f.createVariableDeclarationList(
            [f.createVariableDeclaration(name, undefined, undefined, value)],
            ts.NodeFlags.Const,
          ),
        ),
      );
      return name;
    };

    const sourceOf = (node: ts.Node) => {
      const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
      return `${path.relative(cwd, file.fileName).split(path.sep).join("/")}:${line + 1}`;
    };

    const objectLiteral = (entries: Record<string, ts.Expression | undefined>) =>
      f.createObjectLiteralExpression(
        Object.entries(entries)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => f.createPropertyAssignment(k, v!)),
        false,
      );

    const strings = (xs: readonly string[]) => f.createArrayLiteralExpression(xs.map((x) => f.createStringLiteral(x)));
    const mapper = (fields: readonly OutputField[]) => mapperExpression(f, fields, runtime);
    const call = (target: ts.Expression, method: string, args: ts.Expression[]) =>
      f.createCallExpression(f.createPropertyAccessExpression(target, method), undefined, args);

    const compileChain = (chain: Chain): ts.Expression => {
      const steps: CompiledStepIR[] = chain.steps.map((s) => compileStep(s, chain.table, checker, helper));
      const root = visitInner(chain.root);
      const closures = host.options.keepClosures
        ? f.createArrayLiteralExpression(steps.filter((s) => s.closure).map((s) => s.closure!))
        : undefined;
      const kind = chain.terminal?.method as ReadKind | undefined;

      if (kind && chain.rootIsTable) {
        // The whole read is known: fold it into one constant statement.
        const { text, params, fields } = foldStatic(chain.table, steps, kind);
        const source = sourceOf(chain.terminal!.call);
        host.onStatement?.({ source, sql: text });
        const compiled = hoist(
          "q",
          objectLiteral({
            text: f.createStringLiteral(text),
            kind: f.createStringLiteral(kind),
            map: kind === "count" || kind === "exists" ? undefined : mapper(fields),
            source: f.createStringLiteral(source),
            name: f.createStringLiteral(`closql_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`),
          }),
        );
        // Values are computed in a thunk the runtime calls, so a throw while computing one (a bad
        // .limit()) rejects the query's promise like any other query error.
        const values =
          params.length === 0
            ? f.createIdentifier("undefined")
            : f.createArrowFunction(
                undefined,
                undefined,
                [],
                undefined,
                f.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
                f.createArrayLiteralExpression(params.map(visitInner)),
              );
        const args: ts.Expression[] = [compiled, values];
        if (closures) args.push(closures);
        return call(root, "$run", args);
      }

      // Built across `if`s: each step is a precompiled fragment; the runtime joins them.
      let q = root;
      for (const s of steps) {
        const step = hoist(
          "s",
          objectLiteral({
            kind: f.createStringLiteral(s.kind),
            sql: strings(s.fragment.sql),
            refs: f.createArrayLiteralExpression(s.fragment.refs.map((r) => f.createNumericLiteral(r))),
            map: s.fields ? mapper(s.fields) : undefined,
          }),
        );
        const args: ts.Expression[] = [step, f.createArrayLiteralExpression(s.fragment.params.map(visitInner))];
        if (host.options.keepClosures && s.closure) args.push(s.closure);
        q = call(q, "$step", args);
      }
      if (!kind) return q;
      const row = wholeRow(chain.table);
      const plan = hoist(
        "r",
        objectLiteral({
          kind: f.createStringLiteral(kind),
          source: f.createStringLiteral(sourceOf(chain.terminal!.call)),
          columns: f.createStringLiteral(row.columns),
          map: mapper(row.fields),
        }),
      );
      return call(q, "$read", [plan]);
    };

    const visit = (node: ts.Node): ts.Node => {
      if (ts.isCallExpression(node)) {
        const chain = readChain(node, schema, checker);
        if (chain) {
          try {
            return compileChain(chain);
          } catch (e) {
            if (!(e instanceof UnsupportedError)) throw e;
            host.report(toDiagnostic(e, file));
            return node;
          }
        }
      }
      return ts.visitEachChild(node, visit, context);
    };

    const visited = ts.visitEachChild(file, visit, context);
    if (hoisted.length === 0) return visited;
    const importRuntime = f.createImportDeclaration(
      undefined,
      f.createImportClause(false, undefined, f.createNamespaceImport(runtime)),
      f.createStringLiteral("closql"),
    );
    const statements = [...visited.statements];
    // Hoisted constants go after the imports, before any code that could run a query.
    let at = 0;
    while (at < statements.length && ts.isImportDeclaration(statements[at])) at++;
    statements.splice(at, 0, importRuntime, ...hoisted);
    return f.updateSourceFile(visited, statements);
  };
}
