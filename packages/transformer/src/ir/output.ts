import type { ValueType } from "./value-type";

/** How one result column becomes a field of the row object: its key and the decoder it needs, if any. */
export interface OutputField {
  readonly key: string;
  readonly decoder?: Decoder;
  /** SQL NULL here is JavaScript `undefined` (a missing JSON key, `x?.y` of a null x). */
  readonly undefinedIfNull?: boolean;
  /**
   * A nested object (a whole row in a select) read from the next `fields.length` result columns;
   * `null` when the column at `presence` (among them) is NULL.
   */
  readonly row?: { readonly fields: readonly OutputField[]; readonly presence?: number };
}

/** How many result columns a list of fields reads. */
export function columnCount(fields: readonly OutputField[]): number {
  return fields.reduce((n, f) => n + (f.row ? columnCount(f.row.fields) : 1), 0);
}

/** The runtime's `$decode` helpers a row mapper may call (checked against closql in emit/runtime.ts). */
export type Decoder = "int8" | "int8Number" | "int8Array" | "int8NumberArray" | "textArray" | "jsonOrUndefined";

export function decoderFor(t: ValueType): Decoder | undefined {
  if (t.sqlType === "bigint") return t.kind === "bigint" ? "int8" : "int8Number";
  // An integral numeric (the sum of an int8 column) reaches JavaScript like an int8.
  if (t.sqlType === "numeric" && t.kind === "bigint") return "int8";
  if (t.sqlType === "numeric" && t.kind === "number") return "int8Number";
  if (t.kind === "array" && t.element?.sqlType === "bigint") {
    return t.element.kind === "bigint" ? "int8Array" : "int8NumberArray";
  }
  // Enum arrays have no type parser in pg (their oid varies per database).
  if (t.kind === "array" && t.element?.sqlType?.startsWith('"')) return "textArray";
  return undefined;
}
