import { Column, ColumnMeta } from "./column";
import { quoteIdent } from "../sql/identifiers";

type EnumMeta<N extends string> = {
  readonly sqlType: `"${N}"`;
  readonly nullable: false;
  readonly hasDefault: false;
  readonly name: undefined;
  readonly int8: undefined;
  readonly primaryKey: false;
};

/** A PostgreSQL enum type; call it to make a column of that type. */
export interface PgEnum<N extends string, V extends string> {
  (): Column<V, EnumMeta<N>>;
  readonly enumName: N;
  readonly values: readonly V[];
}

export function pgEnum<N extends string, const V extends readonly [string, ...string[]]>(
  name: N,
  values: V,
): PgEnum<N, V[number]> {
  const make = () =>
    new Column<V[number], EnumMeta<N>>({
      sqlType: quoteIdent(name),
      nullable: false,
      primaryKey: false,
      unique: false,
      enum: { name, values },
    });
  return Object.assign(make, { enumName: name, values: [...values] as V[number][] });
}

export type AnyPgEnum = PgEnum<string, string>;
export type { ColumnMeta };
