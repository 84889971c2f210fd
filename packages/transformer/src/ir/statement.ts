import type ts from "typescript";
import type { Fragment, ReadKind, StepKind, WriteKind } from "closql/sql";
import type { ColumnInfo } from "../recognize/schema";
import type { Binding } from "./binding";
import type { OutputField } from "./output";
import type { SqlNode } from "./sql-node";

/** One step of a chain, lowered: its SQL nodes (a select lists several), before printing. */
export interface LoweredStep {
  readonly kind: StepKind;
  /** Printed one by one and joined with ", ". */
  readonly nodes: readonly SqlNode[];
  /** For select: the projection's fields. */
  readonly fields?: readonly OutputField[];
  /** For where: the original closure (kept for differential testing with `keepClosures`). */
  readonly closure?: ts.Expression;
}

/** One step of a chain, lowered and printed: its SQL fragment, with holes for its bindings. */
export interface CompiledStep {
  readonly kind: StepKind;
  readonly fragment: Fragment<Binding>;
  /** For select: the projection's fields. */
  readonly fields?: readonly OutputField[];
  /** For where: the original closure (kept for differential testing with `keepClosures`). */
  readonly closure?: ts.Expression;
}

/** A whole read folded at build time into one statement. */
export interface ReadStatement {
  readonly kind: ReadKind;
  readonly text: string;
  readonly params: readonly Binding[];
  readonly fields: readonly OutputField[];
}

/** A column and the value a write stores in it. */
export interface LoweredAssignment {
  readonly column: ColumnInfo;
  readonly node: SqlNode;
  /** Its one bound value may be `undefined` at run time, which leaves the column out. */
  readonly optional: boolean;
}

/** What a write returns. */
export type WriteResultKind = "row" | "rowOrUndefined" | "rows" | "count";

/** A write's own call, lowered (the where-steps before it are lowered as steps). */
export interface LoweredWrite {
  readonly kind: WriteKind;
  readonly result: WriteResultKind;
  /** INSERT columns or UPDATE SET list. */
  readonly assignments: readonly LoweredAssignment[];
  /** The row object whose properties `field` bindings read, evaluated once. */
  readonly rowObject?: ts.Expression;
  /** insertMany: the rows. */
  readonly rows?: ts.Expression;
  readonly conflict?: {
    /** `("email")` or `ON CONSTRAINT "name"`. */
    readonly target: string;
    /** Quoted target columns, which the default update leaves alone. */
    readonly keep: readonly string[];
    readonly action: "nothing" | "excluded" | { readonly update: readonly LoweredAssignment[] };
  };
  /** The call's `{ signal, timeoutMs }` argument, passed through. */
  readonly options?: ts.Expression;
}
