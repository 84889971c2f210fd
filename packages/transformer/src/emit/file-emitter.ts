import ts from "typescript";
import path from "node:path";

/**
 * What one output file gains: the `closql` runtime import and the hoisted constants of its compiled
 * queries (SQL text, fragments, row mappers), placed after the imports, before any code that could
 * run a query.
 */
export class FileEmitter {
  readonly runtime: ts.Identifier;
  private readonly hoisted: ts.Statement[] = [];
  private counter = 0;
  private readonly once = new Map<string, ts.Identifier>();

  constructor(
    readonly f: ts.NodeFactory,
    private readonly file: ts.SourceFile,
    private readonly cwd: string,
  ) {
    this.runtime = f.createUniqueName("__closql");
  }

  /** Declares `const __closql_<prefix><n> = value` at the top of the file; returns its name. */
  hoist(prefix: string, value: ts.Expression): ts.Identifier {
    const f = this.f;
    const name = f.createUniqueName(`__closql_${prefix}${this.counter++}`);
    const declaration = f.createVariableDeclaration(name, undefined, undefined, value);
    this.hoisted.push(
      f.createVariableStatement(undefined, f.createVariableDeclarationList([declaration], ts.NodeFlags.Const)),
    );
    return name;
  }

  /** Like hoist, once per key and file (a column's codec used by several writes). */
  hoistOnce(key: string, prefix: string, value: () => ts.Expression): ts.Identifier {
    let name = this.once.get(key);
    if (!name) this.once.set(key, (name = this.hoist(prefix, value())));
    return name;
  }

  /** A JSON-like value (strings, numbers, booleans, arrays, plain objects) as an expression. */
  literal(value: unknown): ts.Expression {
    const f = this.f;
    if (typeof value === "string") return f.createStringLiteral(value);
    if (typeof value === "number") return f.createNumericLiteral(value);
    if (typeof value === "boolean") return value ? f.createTrue() : f.createFalse();
    if (Array.isArray(value)) return f.createArrayLiteralExpression(value.map((v) => this.literal(v)));
    if (value !== null && typeof value === "object") {
      const entries = Object.entries(value).filter(([, v]) => v !== undefined);
      return this.objectLiteral(Object.fromEntries(entries.map(([k, v]) => [k, this.literal(v)])));
    }
    throw new Error(`closql: cannot emit ${String(value)} as a literal`);
  }

  /** `file:line` of a query, relative to the project directory: what errors and `onQuery` report. */
  sourceOf(node: ts.Node): string {
    const { line } = this.file.getLineAndCharacterOfPosition(node.getStart(this.file));
    return `${path.relative(this.cwd, this.file.fileName).split(path.sep).join("/")}:${line + 1}`;
  }

  /** `{ key: value, … }`, leaving out undefined entries. */
  objectLiteral(entries: Record<string, ts.Expression | undefined>): ts.ObjectLiteralExpression {
    const props = Object.entries(entries).flatMap(([k, v]) =>
      v === undefined ? [] : [this.f.createPropertyAssignment(k, v)],
    );
    return this.f.createObjectLiteralExpression(props, false);
  }

  /** The visited file with the runtime import and the hoisted constants, if any query was compiled. */
  finish(visited: ts.SourceFile): ts.SourceFile {
    if (this.hoisted.length === 0) return visited;
    const f = this.f;
    const importRuntime = f.createImportDeclaration(
      undefined,
      f.createImportClause(false, undefined, f.createNamespaceImport(this.runtime)),
      f.createStringLiteral("closql"),
    );
    const statements = [...visited.statements];
    let at = 0;
    while (at < statements.length && ts.isImportDeclaration(statements[at])) at++;
    statements.splice(at, 0, importRuntime, ...this.hoisted);
    return f.updateSourceFile(visited, statements);
  }
}
