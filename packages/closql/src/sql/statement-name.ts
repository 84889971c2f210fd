import crypto from "node:crypto";

/**
 * The prepared-statement name of a statement text; the transformer gives a folded chain the same name
 * at build time. Same text ⇒ same name, in every process and every copy of the runtime, so copies
 * sharing a pool never collide (and pg refuses one name used for two texts, should a hash collide).
 */
export function statementName(text: string): string {
  return `closql_${sha1Hex(text).slice(0, 16)}`;
}

/** SHA-1 of the UTF-8 text, in hex. One-shot `crypto.hash` (Node ≥ 20.12) is ~2.5× faster than a Hash object. */
const sha1Hex: (text: string) => string =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha1", text, "hex")
    : (text) => crypto.createHash("sha1").update(text).digest("hex");
