import ts from "typescript";
import type { ReadKind } from "closql/sql";
import { internalErrorDiagnostic, Refusal, refusalDiagnostic } from "./diagnostics/refusal";
import { DIAGNOSTICS } from "./diagnostics/codes";
import { emitFragments, emitStaticRead } from "./emit/chain";
import { emitInsertMany, emitWrite } from "./emit/write";
import { FileEmitter } from "./emit/file-emitter";
import type { CompiledStep, LoweredStep, LoweredWrite } from "./ir/statement";
import type { Binding } from "./ir/binding";
import { Chain, chainLinks, chainOf, isWriteResult, queryMethodAccess } from "./recognize/chain";
import { queryMethod, StepInput, WriteMethod } from "./recognize/methods";
import { printWrite } from "./print/write";
import { writeConditions } from "closql/sql";
import { SchemaReader } from "./recognize/schema";
import { printRead } from "./print/statement";
import { printStep } from "./print/steps";
import { checkChainShape, stepScopes } from "./lower/chain-shape";
import { alignDistinctOrder } from "./lower/distinct-order";
import { shareAtGroupedLevel } from "./lower/grouped-levels";
import type { RowSource } from "./lower/context";
import { mergePreloads, printPreloads, PrintedPreload } from "./print/preload";
import { printJsonPreloads } from "./print/preload-json";
import { preloadStrategy } from "./print/preload-strategy";
import { callName as preloadCallName } from "./emit/preload";

export interface TransformOptions {
  /**
   * Pass each query's original `where` closures to the runtime, which reports them in `onQuery`
   * events: lets a test suite run the closure in JavaScript and compare with what SQL returned.
   */
  readonly keepClosures?: boolean;
  /**
   * Where the ts-patch entry writes the statement manifest (`closql sql`, `closql check`): a path
   * relative to the project (the compiler's current directory), or `false` for none. Default:
   * `closql.manifest.json` in the outDir (in the project folder without one).
   */
  readonly manifest?: string | false;
}

/** One statement the transformer compiled, for tooling (`closql sql`, the manifest, the editor's hover) and tests. */
export interface CompiledStatement {
  /** `file:line` of the query, as the runtime reports it. */
  readonly source: string;
  readonly sql: string;
  /** The read kind (`all`, `count`, …), the write kind (`insert`, `update`, …), or `preload`. */
  readonly kind: string;
  /** What each `$n` binds: the TypeScript type of the value. */
  readonly params: readonly string[];
  /** The call the statement was compiled from (the chain's last call, or its `.preload()`). */
  readonly node?: ts.Node;
}

/**
 * What the transformer changed in one file, as nodes: every expression it replaced (a compiled query,
 * a raw SQL tag that learnt its source) and the statements it adds after the file's leading imports.
 * The ts-patch path splices them into the emitted tree; the text pre-pass (hosts/rewrite.ts) prints
 * them at their spans in the source text. A replacement may contain other replacements (a query
 * nested in a captured value): the outermost one covers them.
 */
export interface FileEdits {
  readonly replacements: readonly { readonly original: ts.Node; readonly replacement: ts.Node }[];
  readonly prologue: readonly ts.Statement[];
  /** How many of the file's leading statements (its imports) stay before the prologue. */
  readonly prologueAfter: number;
}

export interface TransformHost {
  readonly program: ts.Program;
  readonly options: TransformOptions;
  readonly report: (d: ts.Diagnostic) => void;
  /** Receives every statically folded statement. */
  readonly onStatement?: (s: CompiledStatement) => void;
  /** Receives each file's edits, once the file is transformed (also when there are none). */
  readonly onEdits?: (file: ts.SourceFile, edits: FileEdits) => void;
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
  // Without strictNullChecks a nullable column's type has no `null`: lowering, which reads nullability
  // from types (narrowing, `??`, comparisons), would silently drop NULL handling.
  const strictNullChecks = hasStrictNullChecks(host.program.getCompilerOptions());

  return (context) => (file) => {
    if (file.isDeclarationFile) return file;
    const out = new FileEmitter(context.factory, file, cwd);
    const visitExpression = (e: ts.Expression) => ts.visitNode(e, visit) as ts.Expression;
    const replacements: { original: ts.Node; replacement: ts.Node }[] = [];
    const replaced = (original: ts.Node, replacement: ts.Node): ts.Node => {
      if (replacement !== original) replacements.push({ original, replacement });
      return replacement;
    };

    const compile = (node: ts.CallExpression, chain: Chain): ts.Node => {
      // lower: every step, so every refusal of the chain is reported in this build.
      const failures: ts.Diagnostic[] = [];
      const scopes = guard(chain.root, () => stepScopes(chain, schema, checker), failures);
      let lowered: (LoweredStep | undefined)[] = [];
      if (scopes)
        chain.steps.forEach((step, i) => {
          const earlier = chain.steps.slice(0, i).map((s, j) => ({ call: s.call, lowered: lowered[j] }));
          lowered.push(guard(step.call, () => lowerStep(chain, i, scopes[i], earlier), failures));
        });
      if (failures.length === 0) guard(node, () => checkChainShape(chain, lowered as LoweredStep[], checker), failures);
      if (failures.length === 0) {
        const wholeStatement = chain.rootIsTable && chain.terminal !== undefined;
        lowered = shareAtGroupedLevel(lowered as LoweredStep[], wholeStatement);
        lowered = guard(node, () => alignDistinctOrder(lowered as LoweredStep[]), failures) ?? lowered;
      }
      const terminal = chain.terminal;
      const write =
        terminal?.method.role === "write"
          ? guard(terminal.call, () => lowerWrite(chain, terminal.method as WriteMethod, terminal.call), failures)
          : undefined;
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
          const preloads = steps.flatMap((s) => (s.preload ? [s.preload] : []));
          const sqlSteps = steps.filter((s) => !s.preload);
          // One tree of relations (refusing two filters for one relation), whichever path runs it.
          const merged = preloads.length > 0 ? mergePreloads(preloads) : undefined;
          if (merged) checkPreloads(chain, steps);
          if (write) return compileWrite(chain, sqlSteps, write);
          if (!chain.terminal || !chain.rootIsTable)
            return emitFragments(out, chain, steps, visitExpression, emitOptions);
          const kind = chain.terminal.method.kind as ReadKind;
          // The relations: in the read's own statement for few rows, else one statement per level.
          const strategy = merged && preloadStrategy(chain.table, lowered as LoweredStep[], kind, merged);
          const json = strategy === "json" ? printJsonPreloads(merged!, chain.table) : undefined;
          const read = printRead(chain.table, sqlSteps, kind, json?.columns);
          const source = out.sourceOf(chain.terminal.call);
          host.onStatement?.({
            source,
            sql: read.text,
            kind: read.kind,
            params: paramTypes(read.params),
            node: chain.terminal.call,
          });
          const printed = strategy === "batched" ? printPreloads(merged!) : undefined;
          if (printed) reportPreloadStatements(printed);
          // emit
          return emitStaticRead(
            out,
            chain,
            sqlSteps,
            read,
            source,
            visitExpression,
            emitOptions,
            printed,
            json?.relations,
          );
        },
        failures,
      );
      failures.forEach(host.report);
      return result ?? node;
    };

    /**
     * A write: one statement. On a table's own query its where-steps fold into it at build time (and
     * a missing where or a step a write cannot take fails the build); after a helper, the steps are
     * added at run time and the runtime checks the same.
     */
    const compileWrite = (chain: Chain, steps: CompiledStep[], write: LoweredWrite): ts.Node => {
      const call = chain.terminal!.call;
      const source = out.sourceOf(call);
      const method = chain.terminal!.method as WriteMethod;
      if (!chain.rootIsTable) {
        const target = emitFragments(out, { ...chain, terminal: undefined }, steps, visitExpression, emitOptions);
        const printed = printWrite(chain.table, write, [], false);
        return write.kind === "insertMany"
          ? emitInsertMany(out, target, chain.table, write, source, visitExpression)
          : emitWrite(out, target, chain, write, printed, source, visitExpression);
      }
      const conditions = writeConditions(steps.map((s) => ({ kind: s.kind, fragment: s.fragment })));
      if ("unsupported" in conditions) {
        const at = chain.steps[steps.findIndex((s) => s.kind === conditions.unsupported)].call;
        throw new Refusal(
          "writeAfterStep",
          at,
          `.${method.kind}() cannot follow .${conditions.unsupported}(): PostgreSQL's ${method.kind === "delete" ? "DELETE" : "UPDATE"} takes conditions only.`,
          "Select the rows' keys first, then write `.where(u => ids.includes(u.id))`.",
        );
      }
      if (!method.tableOnly && conditions.where.length === 0)
        throw new Refusal(
          "writeWithoutWhere",
          call,
          `.${method.kind}() without .where() would change every row of "${chain.table.name}".`,
          "Add the condition, or write `.where(() => true)` to change every row.",
        );
      const root = visitExpression(chain.root);
      if (write.kind === "insertMany") return emitInsertMany(out, root, chain.table, write, source, visitExpression);
      const printed = printWrite(chain.table, write, conditions.where, true);
      if (printed.text !== undefined)
        host.onStatement?.({
          source,
          sql: printed.text,
          kind: write.kind,
          params: paramTypes(printed.params),
          node: call,
        });
      const node = emitWrite(out, root, chain, write, printed, source, visitExpression);
      return node;
    };

    const reportPreloadStatements = (printed: readonly PrintedPreload[]): void =>
      printed.forEach((p) => {
        const link = p.node.link;
        host.onStatement?.({
          source: out.sourceOf(preloadCallName(p.node.call)),
          sql: p.text,
          kind: "preload",
          params: [`${link.sourceColumn.sqlType}[] (the parent rows' keys)`, ...paramTypes(p.bindings)],
          node: p.node.call,
        });
        reportPreloadStatements(p.children);
      });

    /** The TypeScript type of each bound value, for the manifest. */
    const paramTypes = (bindings: readonly Binding[]): string[] =>
      bindings.map((b) => {
        if (b.via.kind === "count") return "number";
        if (b.via.kind === "truthy" || b.via.kind.startsWith("is")) return "boolean";
        if (b.via.kind === "like") return "string";
        let type = checker.getTypeAtLocation(b.expr);
        if (b.via.kind === "encode" && b.via.field !== undefined) {
          const field = checker.getPropertyOfType(checker.getNonNullableType(type), b.via.field);
          if (!field) return "unknown";
          type = checker.getTypeOfSymbol(field);
        }
        // The value's type, not the literal written (`"a@example.com"` binds a string).
        const widened = type.isUnion()
          ? type.types.map((t) => checker.getBaseTypeOfLiteralType(t))
          : [checker.getBaseTypeOfLiteralType(type)];
        return [
          ...new Set(widened.map((t) => checker.typeToString(t, undefined, ts.TypeFormatFlags.NoTruncation))),
        ].join(" | ");
      });

    /** Runs one phase for one query; a refusal or an internal failure becomes a diagnostic there. */
    const guard = <T>(at: ts.Node, phase: () => T, failures: ts.Diagnostic[]): T | undefined => {
      try {
        return phase();
      } catch (e) {
        failures.push(e instanceof Refusal ? refusalDiagnostic(e, file) : internalErrorDiagnostic(e, at, file));
        return undefined;
      }
    };

    let strictNullChecksReported = false;
    const visit = (node: ts.Node): ts.Node => {
      if (!strictNullChecks) {
        if (!isQueryNode(node)) return ts.visitEachChild(node, visit, context);
        // One diagnostic per file, at its first query; none of its queries is compiled.
        if (!strictNullChecksReported) host.report(strictNullChecksDiagnostic(node, file));
        strictNullChecksReported = true;
        return node;
      }
      // recognize
      const links = ts.isCallExpression(node) ? chainLinks(node, schema, checker) : undefined;
      if (links) {
        const failures: ts.Diagnostic[] = [];
        const chain = guard(node, () => chainOf(links, schema, checker), failures);
        if (chain) return replaced(node, compile(node as ts.CallExpression, chain));
        failures.forEach(host.report);
        // The chain's own method calls are accounted for; what they receive still gets visited.
        [links.root, ...links.links.flatMap((l) => [...l.call.arguments])].forEach(visitExpression);
        return node;
      }
      // `db.sql\`…\``: the raw SQL tag learns where it was written, for errors and events.
      if (ts.isTaggedTemplateExpression(node) && isRawSqlTag(node.tag)) {
        const f = context.factory;
        const tag = f.createCallExpression(f.createPropertyAccessExpression(node.tag, "$at"), undefined, [
          f.createStringLiteral(out.sourceOf(node)),
        ]);
        return replaced(
          node,
          f.updateTaggedTemplateExpression(
            node,
            tag,
            node.typeArguments,
            visitExpression(node.template as ts.Expression) as never,
          ),
        );
      }
      // A query method reached here is not the callee of a compiled call: it would run uncompiled.
      const reference = methodReference(node);
      if (reference) host.report(refusalDiagnostic(reference, file));
      return ts.visitEachChild(node, visit, context);
    };

    const visited = ts.visitEachChild(file, visit, context);
    const prologue = out.prologue();
    host.onEdits?.(file, {
      replacements: [...replacements, ...out.specifierEdits()],
      prologue: prologue.statements,
      prologueAfter: prologue.after,
    });
    return out.finish(visited, prologue);
  };

  /** `db.sql` of closql's Database (also a transaction's). */
  function isRawSqlTag(tag: ts.Expression): boolean {
    return (
      ts.isPropertyAccessExpression(tag) &&
      tag.name.text === "sql" &&
      schema.isDatabase(checker.getTypeAtLocation(tag.expression))
    );
  }

  /** Is `node` a query: a call or reference of a query method, or a chain's root (for the strict check)? */
  function isQueryNode(node: ts.Node): boolean {
    if (ts.isCallExpression(node) && chainLinks(node, schema, checker)) return true;
    return methodReference(node) !== undefined;
  }

  /** A query method of a closql query that is used but not called (an alias, `.call`, destructuring). */
  function methodReference(node: ts.Node): Refusal | undefined {
    // `.returning` of a write that was not called right there: the write already ran as a count.
    if (
      ts.isPropertyAccessExpression(node) &&
      node.name.text === "returning" &&
      isWriteResult(node.expression, checker)
    )
      return new Refusal(
        "queryMethodReference",
        node,
        "`.returning()` must be called directly on `update(…)` or `delete(…)`: the write compiles with its result.",
        "Write `q.where(…).update(…).returning()` in one expression.",
      );
    const access = queryMethodAccess(node, schema, checker);
    if (access)
      return new Refusal(
        "queryMethodReference",
        node,
        `\`.${access.name}\` of a query is used without being called on the query, so it could not be compiled and would throw at run time.`,
        "Call it directly: `q.${access.name}(…)`; to reuse a condition, write a helper that takes and returns the query.",
      );
    // `q[key]` with a key that is not a literal may be any method.
    if (ts.isElementAccessExpression(node) && !ts.isStringLiteralLike(node.argumentExpression)) {
      if (schema.queryType(checker.getTypeAtLocation(node.expression)).kind === "none") return undefined;
      const keyType = checker.getTypeAtLocation(node.argumentExpression);
      const keys = keyType.isUnion() ? keyType.types : [keyType];
      if (keys.every((k) => !k.isStringLiteral() || queryMethod(k.value) === undefined) && keys.every(isLiteralKey))
        return undefined;
      return new Refusal(
        "queryMethodReference",
        node,
        "a query's property is read with a key that may name a query method, which would run uncompiled.",
        "Call the method directly: `q.where(…)`.",
      );
    }
    // `const { where } = q` and `({ where } = q)`.
    const pattern = ts.isObjectBindingPattern(node)
      ? { names: node.elements.map(bindingName), type: () => checker.getTypeAtLocation(node) }
      : ts.isBinaryExpression(node) &&
          node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
          ts.isObjectLiteralExpression(node.left)
        ? { names: node.left.properties.map((p) => p.name), type: () => checker.getTypeAtLocation(node.right) }
        : undefined;
    if (!pattern) return undefined;
    const named = pattern.names.find((n) => {
      const text = n && (ts.isIdentifier(n) || ts.isStringLiteralLike(n)) ? n.text : undefined;
      return text === undefined ? n !== undefined && ts.isComputedPropertyName(n) : queryMethod(text) !== undefined;
    });
    if (!named || schema.queryType(pattern.type()).kind === "none") return undefined;
    return new Refusal(
      "queryMethodReference",
      named,
      "a query method taken out of a query by destructuring could not be compiled and would throw at run time.",
      "Call it directly on the query: `q.where(…)`.",
    );
  }

  /**
   * Preload loads whole rows after the read, by their keys: it cannot follow a projection, and a
   * count, an existence test, a stream or a write has no rows to load into.
   */
  function checkPreloads(chain: Chain, steps: readonly CompiledStep[]): void {
    const first = chain.steps[steps.findIndex((s) => s.preload)].call;
    const terminal = chain.terminal?.method;
    if (terminal && (terminal.role === "write" || ["count", "exists", "stream"].includes(terminal.kind)))
      throw new Refusal(
        "preloadShape",
        first,
        `.preload() before .${terminal.kind}(): ${terminal.role === "write" ? "a write" : `.${terminal.kind}()`} has no rows to load relations into.`,
        terminal.kind === "stream" ? "Read pages with `.all()` and preload each page." : "Leave out the preload.",
      );
    const select = steps.findIndex((s) => s.kind === "select");
    if (select >= 0)
      throw new Refusal(
        "preloadShape",
        first,
        ".preload() with .select(): preload loads whole rows, matched by their keys, after the read.",
        "Preload without select, and pick the fields in JavaScript.",
      );
  }

  function lowerStep(
    chain: Chain,
    index: number,
    sources: readonly RowSource[],
    earlier: StepInput["earlier"],
  ): LoweredStep {
    const step = chain.steps[index];
    const method = step.method;
    const args = checkArity(step.call, step.name, method.arity);
    const later = chain.steps.slice(index + 1).map((s) => ({ kind: s.method.kind, call: s.call }));
    return method.lower({
      name: method.kind,
      call: step.call,
      args,
      checker,
      table: chain.table,
      relations: chain.relations,
      sources,
      earlier,
      later,
      closed: chain.terminal !== undefined,
    });
  }

  function lowerWrite(chain: Chain, method: WriteMethod, call: ts.CallExpression): LoweredWrite {
    const args = checkArity(call, method.kind, method.arity);
    const returning = chain.returning !== undefined;
    if (chain.returning && chain.returning.arguments.length > 0)
      throw new Refusal(
        "methodArguments",
        chain.returning,
        "`.returning()` takes no arguments: it returns whole rows.",
      );
    return method.lower({ name: method.kind, call, args, checker, table: chain.table, returning });
  }

  function checkArity(call: ts.CallExpression, name: string, [min, max]: readonly [number, number]) {
    const args = call.arguments;
    if (args.length < min || args.length > max) {
      const takes = min === max ? `${min} argument${min === 1 ? "" : "s"}` : `${min} to ${max} arguments`;
      throw new Refusal("methodArguments", call, `.${name}() takes ${takes}.`);
    }
    return args;
  }
}

function isLiteralKey(t: ts.Type): boolean {
  return t.isStringLiteral() || t.isNumberLiteral() || (t.flags & ts.TypeFlags.UniqueESSymbol) !== 0;
}

function bindingName(e: ts.BindingElement): ts.PropertyName | undefined {
  if (e.dotDotDotToken) return undefined;
  if (e.propertyName) return e.propertyName;
  return ts.isIdentifier(e.name) ? e.name : undefined;
}

function strictNullChecksDiagnostic(node: ts.Node, file: ts.SourceFile): ts.Diagnostic {
  const start = node.getStart(file);
  return {
    file,
    start,
    length: node.getEnd() - start,
    category: ts.DiagnosticCategory.Error,
    code: DIAGNOSTICS.strictNullChecksRequired.code,
    messageText:
      "closql: this program is compiled without `strictNullChecks`, so the types of nullable columns do not " +
      'include null and closql cannot compile NULL handling faithfully; no query of this file is compiled. Set "strict": true ' +
      '(or "strictNullChecks": true) in tsconfig.json.',
  };
}

/** TypeScript's own reading of the option (its default changed with `strict` in 6.0), else the 5.x rule. */
function hasStrictNullChecks(options: ts.CompilerOptions): boolean {
  const own = (ts as { getStrictOptionValue?: (o: ts.CompilerOptions, flag: string) => boolean }).getStrictOptionValue;
  if (own) return own(options, "strictNullChecks");
  return options.strictNullChecks ?? options.strict ?? false;
}
