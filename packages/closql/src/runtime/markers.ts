import { UncompiledQueryError } from "./errors";

/**
 * Marker functions: PostgreSQL operators JavaScript has no syntax for. Only the transformer
 * understands them, inside query closures; calling one at run time throws.
 */
function marker(name: string): never {
  throw new UncompiledQueryError(
    `closql: ${name}() is a query marker: use it only inside a closql query closure, compiled by @closql/transformer.`,
  );
}

/** `value ILIKE pattern`: case-insensitive LIKE; `%` and `_` in the pattern are wildcards. */
export function ilike(value: string, pattern: string): boolean {
  return marker("ilike");
}

/** pg_trgm's `similarity(a, b)`, 0…1 (needs `CREATE EXTENSION pg_trgm`). */
export function similarity(a: string, b: string): number {
  return marker("similarity");
}

/**
 * Full-text search: `to_tsvector(config, document) @@ websearch_to_tsquery(config, query)`
 * (web-search syntax: `"exact phrase" -excluded or`).
 */
export function matches(document: string, query: string, config: string = "english"): boolean {
  return marker("matches");
}

/** JSONB `value ? key`: the object has the top-level key. */
export function hasKey(value: unknown, key: string): boolean {
  return marker("hasKey");
}

/** JSONB `value @> other`: `value` contains `other` (sub-object, array elements). */
export function contains<T>(value: T, other: unknown): boolean {
  return marker("contains");
}

/** Array `a && b`: the arrays share an element. */
export function overlaps<T>(a: readonly T[], b: readonly T[]): boolean {
  return marker("overlaps");
}

/** Array `a @> b`: every element of `b` is in `a` (GIN-indexable). */
export function containsAll<T>(a: readonly T[], b: readonly T[]): boolean {
  return marker("containsAll");
}

/** A typed SQL function made by `sqlFunction`. */
export type SqlFunction<F extends (...args: any[]) => unknown> = F & { readonly $sqlFunction: true };

/**
 * Binds any SQL function with a TypeScript signature, for use inside query closures:
 * `const levenshtein = sqlFunction<(a: string, b: string) => number>("levenshtein")`.
 * The transformer reads the name from this declaration, so declare it with a string literal in
 * your project's source. NULL in, NULL out is PostgreSQL's rule for most functions.
 */
export function sqlFunction<F extends (...args: any[]) => unknown>(name: string): SqlFunction<F> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name))
    throw new TypeError(`closql: sqlFunction name must be an identifier, got ${name}`);
  const f = (() => marker(name)) as unknown as SqlFunction<F>;
  return Object.assign(f, { $sqlFunction: true as const });
}
