import { foldRead, Fragment, quoteIdent, ReadKind, WholeRow } from "closql/sql";
import type { Binding } from "../ir/binding";
import { decoderFor, OutputField } from "../ir/output";
import type { CompiledStep, ReadStatement } from "../ir/statement";
import { columnType } from "../ir/value-type";
import type { TableInfo } from "../recognize/schema";

/** The select list and fields of the whole row, in declaration order. */
export function wholeRow(table: TableInfo): WholeRow<readonly OutputField[]> {
  const cols = [...table.columns.values()];
  return {
    columns: cols.map((c) => quoteIdent(c.name)).join(", "),
    map: cols.map((c) => ({ key: c.key, decoder: decoderFor(columnType(c)) })),
  };
}

/**
 * Folds the steps of a chain whose whole history is known into one statement, with closql's one
 * fold (the runtime uses the same for chains built across `if`s).
 */
export function printRead(
  table: TableInfo,
  steps: readonly CompiledStep[],
  kind: ReadKind,
  /** Columns after the whole row: relations loaded in the read's statement (print/preload-json.ts). */
  extraColumns?: Fragment<Binding>,
): ReadStatement {
  const folded = foldRead(
    quoteIdent(table.name),
    wholeRow(table),
    steps.map((s) => ({ kind: s.kind, fragment: s.fragment, map: s.fields })),
    kind,
    extraColumns,
  );
  return { kind, text: folded.text, params: folded.params, fields: folded.map };
}
