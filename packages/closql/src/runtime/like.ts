/** Escapes `\`, `%` and `_` so a value matches itself literally in LIKE (escape character `\`). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, "\\$&");
}

/**
 * LIKE patterns for the string methods; the transformer binds these so the SQL text stays constant.
 * JavaScript searches for String(v), so a null argument searches for "null".
 */
export const like = {
  startsWith: (v: unknown) => `${escapeLike(String(v))}%`,
  endsWith: (v: unknown) => `%${escapeLike(String(v))}`,
  includes: (v: unknown) => `%${escapeLike(String(v))}%`,
};
