/** Escapes `\`, `%` and `_` so a value matches itself literally in LIKE (escape character `\`). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, "\\$&");
}

/** LIKE patterns for the string methods; the transformer binds these so the SQL text stays constant. */
export const like = {
  startsWith: (v: string) => `${escapeLike(v)}%`,
  endsWith: (v: string) => `%${escapeLike(v)}`,
  includes: (v: string) => `%${escapeLike(v)}%`,
};
