import type { RowMapper } from "./compiled";
import { closqlTypes } from "./decode";

/**
 * Preload strategy "json": a relation loaded inside the read's own statement, as a JSON column
 * (`array_to_json(ARRAY(SELECT json_build_array(…) …))` for a to-many relation, one
 * `json_build_array(…)` or NULL for a to-one). pg parses the column (type json) with JSON.parse; this
 * turns each related row, a JSON array of its column values, into the object the batched strategy
 * gives, with the same row mapper.
 *
 * Values reach the JSON in one of two forms (print/preload-json.ts decides at build time, per column):
 * natively where JSON's value is exactly what pg's text parser would give (integer, smallint, boolean,
 * text, varchar, uuid, enums, jsonb), and otherwise as the column's text output (`::text`, the very
 * text the wire carries in the batched strategy: same DateStyle, TimeZone, extra_float_digits,
 * bytea_output), parsed here with the parser pg would apply to that column's type (`closqlTypes`). So
 * both strategies run every value through the same parser and the same mapper: an int8 stays exact, a
 * numeric a string, a timestamp the same Date, a float NaN a NaN.
 */
export type JsonRelationDecoder = (value: unknown) => unknown;

/**
 * The decoder of one relation's JSON column, made once per compiled query (hoisted): `textColumns`
 * lists `[index, oid, index, oid, …]` of the values sent as text; `map` is the related row's mapper
 * (which calls the decoders of the relations nested in it).
 */
export function jsonRelation(many: boolean, textColumns: readonly number[], map: RowMapper): JsonRelationDecoder {
  const indexes: number[] = [];
  const parsers: ((text: string) => unknown)[] = [];
  for (let i = 0; i < textColumns.length; i += 2) {
    indexes.push(textColumns[i]);
    parsers.push(closqlTypes.getTypeParser(textColumns[i + 1]));
  }
  const row = (values: unknown[]): unknown => {
    for (let i = 0; i < indexes.length; i++) {
      const at = indexes[i];
      const text = values[at];
      if (text !== null) values[at] = parsers[i](text as string);
    }
    return map(values);
  };
  if (!many) return (value) => (value === null ? null : row(value as unknown[]));
  return (value) => {
    const rows = value as unknown[][];
    const out = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = row(rows[i]);
    return out;
  };
}
