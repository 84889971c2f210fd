import type ts from "typescript";
import type { ColumnCodec } from "closql";

/**
 * A value bound as `$n`: the row-independent TypeScript expression JavaScript evaluates at run time,
 * and how that value becomes the parameter. Plain data: lowering decides it, emit turns it into a
 * call of a runtime helper (emit/bindings.ts), so no lowering code writes TypeScript output.
 */
export interface Binding {
  readonly expr: ts.Expression;
  readonly via: BindVia;
}

export type BindVia =
  /** The value as it is. */
  | { readonly kind: "value" }
  /** `!!(x)`: JavaScript truthiness, decided in JavaScript. */
  | { readonly kind: "truthy" }
  /** `(x) === undefined` */
  | { readonly kind: "isUndefined" }
  /** `(x) === null` */
  | { readonly kind: "isNull" }
  /** `(x) == null` */
  | { readonly kind: "isNullish" }
  /** A double for float8 arithmetic, keeping -0. */
  | { readonly kind: "double" }
  /** A number compared as a number: NaN becomes NULL. */
  | { readonly kind: "number" }
  /** Against an integer column: the integer k with `col op k` ⇔ `col op x`. */
  | { readonly kind: "int"; readonly edge: "eq" | "floor" | "ceil"; readonly nan?: "max" | "min" }
  /** `list.includes(intColumn)`: only the list's integers. */
  | { readonly kind: "intList" }
  /** Compared with a JSONB path: JSON text (NULL for a value no JSONB equals). */
  | { readonly kind: "json" }
  /** A value in JSONB form (a branch joining a JSONB one): JSON text; what JSONB cannot hold throws. */
  | { readonly kind: "jsonValue" }
  /**
   * Against a timestamp: the Date itself (`at`) or 1 ms later (`next`), as UTC text. `fromMs`: a number
   * of ms compared with `getTime()`, first made the integer edge with the same answer (`eq`: only an
   * integer can be equal).
   */
  | { readonly kind: "date"; readonly edge: "at" | "next"; readonly fromMs: false | "floor" | "ceil" | "eq" }
  /** Compared with a uuid or date: a string that is not its canonical text becomes NULL (matches nothing). */
  | { readonly kind: "canonical"; readonly type: "uuid" | "date" }
  /** Compared with an enum column: a non-label becomes NULL (matches nothing). */
  | { readonly kind: "oneOf"; readonly labels: readonly string[] }
  /** A LIKE pattern with `%`, `_` and `\` escaped. */
  | { readonly kind: "like"; readonly method: "startsWith" | "endsWith" | "includes" }
  /** `.limit(n)` / `.offset(n)`: checked to be a non-negative integer. */
  | { readonly kind: "count"; readonly method: "limit" | "offset" }
  /**
   * Stored in a column: checked against the column's JavaScript type and encoded (closql's `$encode`).
   * `field`: the value is that property of the write's row object (evaluated once), not `expr` itself.
   */
  | { readonly kind: "encode"; readonly codec: ColumnCodecData; readonly field?: string };

/** What the runtime's `$encode` needs of a column (closql's own type), emitted once per column and file. */
export type ColumnCodecData = ColumnCodec;

export const bindValue = (expr: ts.Expression, via: BindVia = { kind: "value" }): Binding => ({ expr, via });
