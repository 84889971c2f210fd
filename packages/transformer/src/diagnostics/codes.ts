/**
 * Every kind of refusal, with its stable diagnostic code (shown by TypeScript as `TS<code>`) and one
 * example of a closure that gets it. The README's diagnostics table lists the same entries, and
 * packages/transformer/test checks that each example really gets its code.
 */
export const DIAGNOSTICS = {
  unsupportedExpression: {
    code: 91001,
    summary: "an expression, method or operator with no faithful SQL translation",
    example: `u.name.localeCompare(x) > 0`,
  },
  closureForm: {
    code: 91002,
    summary: "the closure is not an inline arrow function of one row with a single expression",
    example: `.where(({ age }) => age !== null)`,
  },
  nullableOrdering: {
    code: 91003,
    summary: "`<`, `<=`, `>`, `>=` with an operand that may be null (JavaScript turns null into 0)",
    example: `u.age! < 30`,
  },
  referenceEquality: {
    code: 91004,
    summary: "`===` on Dates, arrays or objects, which JavaScript compares by reference",
    example: `u.createdAt === since`,
  },
  undefinedColumn: {
    code: 91005,
    summary: "a column compared with `undefined` (NULL arrives as null, so it is always false)",
    example: `u.nickname === undefined`,
  },
  typeConversion: {
    code: 91006,
    summary: "`==` between different types, or an operator that converts its operands' types",
    example: `u.id == u.karma`,
  },
  mixedBranches: {
    code: 91007,
    summary: "the branches of `?:`, `??`, `&&` or `||` yield values of different types",
    example: `(u.age ?? "none") === x`,
  },
  inexactRemainder: {
    code: 91008,
    summary: "`%` on operands that are not known to be integers",
    example: `u.age !== null && u.age % n === 0`,
  },
  stringConversion: {
    code: 91009,
    summary: "a value turned into a string that SQL formats differently from JavaScript",
    example: "`${u.createdAt}` === x",
  },
  unknownTruthiness: {
    code: 91010,
    summary: "a value whose JavaScript truthiness closql cannot tell",
    example: `!anything(u.name)`,
  },
  methodArguments: {
    code: 91011,
    summary: "a query method or string method called with arguments closql cannot compile",
    example: `u.name.startsWith(x, 1)`,
  },
  literalOption: {
    code: 91012,
    summary: "an option SQL cannot bind (sort direction, nulls order) is not a literal",
    example: `.orderBy((u) => u.id, direction)`,
  },
  selectShape: {
    code: 91013,
    summary: "`select` does not return an object literal of `key: expression` properties",
    example: `.select((u) => ({ ...u }))`,
  },
  unknownColumn: {
    code: 91014,
    summary: "a property of the row that is not a column of its table",
    example: `u["no_such_column"] === 1`,
  },
  unrepresentableValue: {
    code: 91015,
    summary: "a literal PostgreSQL cannot represent (a NUL character in text)",
    example: `u.name === "a\\u0000"`,
  },
  jsonPathKey: {
    code: 91016,
    summary: "a JSONB path key that is not a literal property name or index",
    example: `u.meta?.[key] === 1`,
  },
  sqlFunctionName: {
    code: 91017,
    summary: "a function used like `sqlFunction` whose SQL name closql cannot find",
    example: `lookup(u.name) > 0`,
  },
  queryMethodReference: {
    code: 91018,
    summary: "a query method used other than by calling it on a query (an alias, `.call`, destructuring, `?.`)",
    example: `.where.call(db.users, (u) => u.id > 0)`,
  },
  unknownTable: {
    code: 91019,
    summary: "a query whose table is not known at build time (`Query<any>`, `Query<AnyTable>`, a generic table)",
    example: `(db.users as Query<any>).count()`,
  },
  strictNullChecksRequired: {
    code: 91020,
    summary: "a program compiled without `strictNullChecks`: its types do not say which values may be null",
    example: "",
  },
  unknownColumnFact: {
    code: 91021,
    summary: "a table whose column facts are not literal types (nullability `boolean`, `.name(x)` with `x: string`)",
    example: `db.legacy.count()`,
  },
  nullReceiver: {
    code: 91030,
    summary: "a property or method of a value that can be NULL here (a non-null assertion does not make it so)",
    example: `u.nickname!.length > 3`,
  },
  ambiguousAbsence: {
    code: 91031,
    summary: "a value that can be null or undefined where JavaScript tells them apart (SQL has one NULL)",
    example: `(u.age === 1 ? u.nickname : undefined) === maybe`,
  },
  constantSortKey: {
    code: 91040,
    summary: "an `orderBy` key that does not read the row: the same for every row, it orders nothing",
    example: `.orderBy((u) => 1)`,
  },
  keysetOrder: {
    code: 91041,
    summary:
      "`.after()` without an `orderBy` before it in the same chain expression, after `limit`/`offset`, or followed by another `orderBy`",
    example: `.after({ id: n })`,
  },
  keysetKey: {
    code: 91042,
    summary:
      "a sort key `.after()` cannot page exactly: a timestamp as the last key (microseconds; a Date holds milliseconds), JSON, arrays, bytes",
    example: `.orderBy((u) => u.createdAt).after({ createdAt: since })`,
  },
  keysetCursor: {
    code: 91043,
    summary:
      "an `.after()` cursor whose type lacks a column a sort key reads (or may be undefined), or that has effects to repeat",
    example: `.orderBy((u) => u.name).orderBy((u) => u.id).after({ id: n })`,
  },
  keysetNotUnique: {
    code: 91044,
    summary:
      "`.after()` on an order whose last key is not a unique NOT NULL column (ties at a page's end would be skipped)",
    example: `.orderBy((u) => u.name).after({ name: x })`,
  },
  writeWithoutWhere: {
    code: 91050,
    summary: "`update` or `delete` without a `where` (write `.where(() => true)` to change every row)",
    example: `db.users.delete()`,
  },
  writeAfterStep: {
    code: 91051,
    summary: "`update` or `delete` after `orderBy`, `limit`, `offset`, `select` or a lock, which they cannot take",
    example: `db.users.limit(1).delete()`,
  },
  writeShape: {
    code: 91052,
    summary:
      "write values that are not an object of columns (a spread or computed key in a closure, an unknown column)",
    example: `db.users.where((u) => u.id > 0).update((u) => ({ ...u }))`,
  },
  assignmentType: {
    code: 91053,
    summary: "a computed value a column cannot store as JavaScript holds it (another type, or maybe `undefined`)",
    example: `db.users.where((u) => u.id > 0).update((u) => ({ id: u.nickname?.length }))`,
  },
  aggregateContext: {
    code: 91060,
    summary:
      "an aggregate (`count()`, `sum(x)`, …) outside `select`, `having` or `orderBy`, or inside another aggregate",
    example: `.where((u) => count() > 1)`,
  },
  aggregateArgument: {
    code: 91061,
    summary: "an aggregate of a value it cannot take faithfully (`sum` of a string, `min` of a boolean)",
    example: `.select((u) => ({ s: sum(u.name) }))`,
  },
  joinShape: {
    code: 91062,
    summary:
      "a join closql cannot read faithfully: a joined query read without `select`, a join after `select`, a filter after `limit`",
    example: `db.users.join(posts, (u, p) => u.id === p.userId).all()`,
  },
  ungroupedColumn: {
    code: 91063,
    summary: "a column read beside aggregates without `groupBy` (no group gives it one value)",
    example: `.select((u) => ({ n: count(), name: u.name }))`,
  },
  distinctOrder: {
    code: 91064,
    summary: "`orderBy` on a `distinct` query by a value it does not select (or that reads a captured value)",
    example: `.distinct().orderBy((u) => u.age).select((u) => ({ name: u.name }))`,
  },
  aggregateCount: {
    code: 91065,
    summary: "`.count()` or `.exists()` of a query whose aggregates make one row of the whole result (no `groupBy`)",
    example: `db.users.select((u) => ({ n: count() })).count()`,
  },
  relationPath: {
    code: 91070,
    summary: "a `preload` path that is not a string literal, or names no relation of its table",
    example: `.preload("postz")`,
  },
  preloadShape: {
    code: 91071,
    summary:
      "`preload` with `select`, `count`, `exists`, `stream` or a write, two filters for one relation, or options it cannot take",
    example: `db.users.preload("posts").count()`,
  },
  relationPredicate: {
    code: 91072,
    summary: "a relation in a condition used other than by `.some(…)`/`.every(…)`, or a single-row relation there",
    example: `u.posts.map((p) => p.id).length > 0`,
  },
  relationDeclaration: {
    code: 91073,
    summary:
      "a relation whose keys closql cannot use: no single-column primary key, key columns of different types, or numeric/float keys",
    example: `db.notes.preload("links").all()`,
  },
  internalError: {
    code: 91999,
    summary: "closql itself failed on this query: a closql bug (please report it); the rest of the build goes on",
    example: "",
  },
} as const;

export type DiagnosticKind = keyof typeof DIAGNOSTICS;

const CODES = new Set<number>(Object.values(DIAGNOSTICS).map((d) => d.code));

/** Is this a diagnostic closql reported (as opposed to one of TypeScript's own)? */
export function isClosqlDiagnostic(code: number): boolean {
  return CODES.has(code);
}
