import type { ValueType } from "./value-type";

/** How one result column becomes a field of the row object: its key and the decoder it needs, if any. */
export interface OutputField {
  readonly key: string;
  readonly decoder?: Decoder;
  /** SQL NULL here is JavaScript `undefined` (a missing JSON key, `x?.y` of a null x). */
  readonly undefinedIfNull?: boolean;
}

/** The runtime's `$decode` helpers a row mapper may call (checked against closql in emit/runtime.ts). */
export type Decoder = "int8" | "int8Number" | "int8Array" | "int8NumberArray" | "textArray" | "jsonOrUndefined";

export function decoderFor(t: ValueType): Decoder | undefined {
  if (t.sqlType === "bigint") return t.kind === "bigint" ? "int8" : "int8Number";
  if (t.kind === "array" && t.element?.sqlType === "bigint") {
    return t.element.kind === "bigint" ? "int8Array" : "int8NumberArray";
  }
  // Enum arrays have no type parser in pg (their oid varies per database).
  if (t.kind === "array" && t.element?.sqlType?.startsWith('"')) return "textArray";
  return undefined;
}
