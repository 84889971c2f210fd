import { InvalidArgumentError, UncompiledQueryError } from "./errors";
import { transformFix } from "./build";

/**
 * Marker functions: PostgreSQL operators JavaScript has no syntax for. Only the transformer
 * understands them, inside query closures; calling one at run time throws.
 */
function marker(name: string): never {
  throw new UncompiledQueryError(
    `closql: ${name}() is a query marker: use it only inside a closql query closure, compiled by @closql/transformer. ` +
      `If it is inside one, the build did not compile it: ${transformFix()}`,
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
    throw new InvalidArgumentError(`closql: sqlFunction name must be an identifier, got ${name}`);
  const f = (() => marker(name)) as unknown as SqlFunction<F>;
  return Object.assign(f, { $sqlFunction: true as const });
}

// Aggregate markers, for `select`, `having` and `orderBy` closures (with or without `groupBy`):
// PostgreSQL's aggregates over the rows of each group (the whole result without groupBy). NULLs are
// skipped, as in SQL; the README's "Aggregates" states the result types.

/** `count(*)` (the rows), or `count(x)`: the rows where `x` is not null/undefined. Always a number. */
export function count(value?: unknown): number {
  return marker("count");
}

/**
 * `sum(x)`: exact. Integers give a number (an int8 sum beyond 2^53 throws PrecisionLossError, never
 * rounds), bigint columns a bigint, numeric a string, doubles a number. `null` over no rows.
 */
export function sum<V extends number | bigint | string | null | undefined>(value: V): NonNullable<V> | null {
  return marker("sum");
}

/** `avg(x)`: a number (double) for integer and double columns, an exact string for numeric; `null` over no rows. */
export function avg(value: number | bigint | null | undefined): number | null;
export function avg(value: string | null | undefined): string | null;
export function avg(value: unknown): unknown {
  return marker("avg");
}

/** `min(x)` / `max(x)`: strings compare by code units (as `<` and `orderBy` do); `null` over no rows. */
export function min<V>(value: V): NonNullable<V> | null {
  return marker("min");
}
export function max<V>(value: V): NonNullable<V> | null {
  return marker("max");
}
