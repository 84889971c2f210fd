import ts from "typescript";
import path from "node:path";

/**
 * The module compiled code loads closql through: closql itself, and loading it records that this
 * process runs code compiled by the transformer, which `connect()` checks before its first
 * connection (closql's runtime/build.ts).
 */
export const RUNTIME_MODULE = "closql/compiled";

/**
 * What one output file gains: the runtime import and the hoisted constants of its compiled queries
 * (SQL text, fragments, row mappers), placed after the imports, before any code that could run a
 * query; and its own imports of `closql` load it as RUNTIME_MODULE (so a compiled module without
 * queries, a schema or a migration script, counts as compiled too).
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

  /**
   * What the file gains at the top: the runtime import and the hoisted constants (none if no query
   * was compiled), and how many of the file's leading statements (its imports) stay before them.
   */
  prologue(): { readonly statements: readonly ts.Statement[]; readonly after: number } {
    if (this.hoisted.length === 0) return { statements: [], after: 0 };
    const f = this.f;
    const importRuntime = f.createImportDeclaration(
      undefined,
      f.createImportClause(false, undefined, f.createNamespaceImport(this.runtime)),
      f.createStringLiteral(RUNTIME_MODULE),
    );
    let after = 0;
    while (after < this.file.statements.length && ts.isImportDeclaration(this.file.statements[after])) after++;
    return { statements: [importRuntime, ...this.hoisted], after };
  }

  /**
   * The file's own `import … from "closql"`, `export … from "closql"` and `import x = require("closql")`
   * (not type-only) pointed at RUNTIME_MODULE, as replacements of their module specifiers: a module
   * compiled by closql loads closql that way even without a query (a schema, a DDL script), which is
   * what `connect()`'s build check looks for.
   */
  specifierEdits(): { readonly original: ts.StringLiteral; readonly replacement: ts.StringLiteral }[] {
    return this.file.statements.flatMap((statement) => {
      const specifier = closqlSpecifier(statement);
      return specifier ? [{ original: specifier, replacement: this.f.createStringLiteral(RUNTIME_MODULE) }] : [];
    });
  }

  /** The visited file with its closql imports pointed at RUNTIME_MODULE and the prologue after its imports. */
  finish(visited: ts.SourceFile, prologue = this.prologue()): ts.SourceFile {
    const statements = visited.statements.map((s) => this.loadCompiled(s));
    if (prologue.statements.length === 0 && statements.every((s, i) => s === visited.statements[i])) return visited;
    statements.splice(prologue.after, 0, ...prologue.statements);
    return this.f.updateSourceFile(visited, statements);
  }

  /** `import … from "closql"`, `export … from "closql"`, `import x = require("closql")` → RUNTIME_MODULE. */
  private loadCompiled(statement: ts.Statement): ts.Statement {
    if (!closqlSpecifier(statement)) return statement;
    const f = this.f;
    const runtime = f.createStringLiteral(RUNTIME_MODULE);
    if (ts.isImportDeclaration(statement))
      return f.updateImportDeclaration(
        statement,
        statement.modifiers,
        statement.importClause,
        runtime,
        statement.attributes,
      );
    if (ts.isExportDeclaration(statement))
      return f.updateExportDeclaration(
        statement,
        statement.modifiers,
        statement.isTypeOnly,
        statement.exportClause,
        runtime,
        statement.attributes,
      );
    const equals = statement as ts.ImportEqualsDeclaration;
    return f.updateImportEqualsDeclaration(
      equals,
      equals.modifiers,
      equals.isTypeOnly,
      equals.name,
      f.updateExternalModuleReference(equals.moduleReference as ts.ExternalModuleReference, runtime),
    );
  }
}

/** The `"closql"` of a statement that loads closql's values (not a type-only import or export). */
function closqlSpecifier(statement: ts.Statement): ts.StringLiteral | undefined {
  const closql = (s: ts.Expression | undefined) =>
    s !== undefined && ts.isStringLiteral(s) && s.text === "closql" ? s : undefined;
  if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly)
    return closql(statement.moduleSpecifier);
  if (ts.isExportDeclaration(statement) && !statement.isTypeOnly) return closql(statement.moduleSpecifier);
  if (
    ts.isImportEqualsDeclaration(statement) &&
    !statement.isTypeOnly &&
    ts.isExternalModuleReference(statement.moduleReference)
  )
    return closql(statement.moduleReference.expression);
  return undefined;
}
