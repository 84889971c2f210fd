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

/** Quotes a string as an SQL literal (standard_conforming_strings = on, the default since PostgreSQL 9.1). */
export function quoteLiteral(value: string): string {
  if (value.includes("\0")) throw new Error("PostgreSQL text cannot contain NUL characters");
  return `'${value.replace(/'/g, "''")}'`;
}
