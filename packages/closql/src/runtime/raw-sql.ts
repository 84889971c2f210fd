import { quoteIdent } from "../sql/identifiers";
import type { Executor } from "./executor";
import { InvalidArgumentError } from "./errors";

/** An identifier spliced into raw SQL, quoted: `db.sql.identifier("my table")`, `("schema", "table")`. */
export class SqlIdentifier {
  readonly text: string;
  constructor(parts: readonly string[]) {
    if (parts.length === 0 || parts.some((p) => typeof p !== "string" || p === ""))
      throw new InvalidArgumentError("closql: sql.identifier() takes one or more non-empty names");
    this.text = parts.map(quoteIdent).join(".");
  }
}

/** `db.sql`: a tag for raw SQL whose values are always bound, plus identifier quoting. */
export interface RawSql {
  <Row = Record<string, unknown>>(strings: TemplateStringsArray, ...values: unknown[]): Promise<Row[]>;
  /** A quoted identifier to splice as SQL text (not a bound value): a table or column name chosen at run time. */
  identifier(...names: string[]): SqlIdentifier;
  /** The same tag, reporting `source` (file:line) in errors and events; the transformer writes the call. @internal */
  $at(source: string): RawSql;
}

/**
 * The raw SQL tag of one executor. Values become `$n` parameters, never text; an SqlIdentifier is
 * the one exception, spliced quoted. Rows come back as pg returns them (column names as keys).
 */
export function rawSql(executor: Executor, source?: string): RawSql {
  const tag = async (strings: TemplateStringsArray, ...values: unknown[]) => {
    let text = strings[0];
    const params: unknown[] = [];
    values.forEach((v, i) => {
      if (v instanceof SqlIdentifier) text += v.text;
      else {
        params.push(v);
        text += `$${params.length}`;
      }
      text += strings[i + 1];
    });
    const result = await executor.run(text, params, undefined, source, undefined);
    return result.rows;
  };
  return Object.assign(tag, {
    identifier: (...names: string[]) => new SqlIdentifier(names),
    $at: (at: string) => rawSql(executor, at),
  }) as RawSql;
}
