import type ts from "typescript";
import type { Fragment, ReadKind, StepKind } from "closql/sql";
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
