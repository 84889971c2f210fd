/** camelCase / PascalCase key → snake_case column name. Shared by the DDL renderer and the transformer. */
export function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** Quotes an SQL identifier, doubling embedded quotes. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Quotes a string as an SQL literal that means the same whatever the session's
 * `standard_conforming_strings`: with it off, a backslash in '…' is an escape (so `'\' OR TRUE --'`
 * would end the literal early), so a value with a backslash is written as an escape string, E'…',
 * where backslashes are always escapes. Quotes are doubled, which both forms accept.
 */
export function quoteLiteral(value: string): string {
  if (value.includes("\0")) throw new Error("PostgreSQL text cannot contain NUL characters");
  const quoted = value.replace(/'/g, "''");
  return value.includes("\\") ? `E'${quoted.replace(/\\/g, "\\\\")}'` : `'${quoted}'`;
}
