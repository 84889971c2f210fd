import { UncompiledQueryError } from "./errors";

/**
 * Marker functions: PostgreSQL operators JavaScript has no syntax for. Only the transformer
 * understands them (inside query closures); calling one at run time throws.
 */
function marker(name: string): never {
  throw new UncompiledQueryError(`closql: ${name}() is a query marker: use it only inside a closql query closure, compiled by @closql/transformer.`);
}

/** `text ILIKE pattern` (the pattern's `%` and `_` are wildcards). */
export function ilike(value: string | null, pattern: string): boolean {
  return marker("ilike");
}
