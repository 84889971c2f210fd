import type ts from "typescript";
import type { Fragment, ReadKind, StepKind, WriteKind } from "closql/sql";
import type { ColumnInfo, RelationInfo, RelationLink, TableInfo } from "../recognize/schema";
import type { Binding } from "./binding";
import type { OutputField } from "./output";
import type { SqlNode } from "./sql-node";
import type { ValueType } from "./value-type";

/** An orderBy step's key, as keyset pagination (`after`) needs it. */
export interface SortKey {
  /** The key's SQL, exactly as ORDER BY sorts by it (strings `COLLATE "C"`). */
  readonly node: SqlNode;
  readonly type: ValueType;
  readonly direction: "asc" | "desc";
  /** As written; PostgreSQL's default is NULLS LAST for asc, FIRST for desc. */
  readonly nulls?: "first" | "last";
  /** The key closure's body, where a refusal about it points. */
  readonly at: ts.Expression;
}

/** One step of a chain, lowered: its SQL nodes (a select lists several), before printing. */
export interface LoweredStep {
  readonly kind: StepKind;
  /** Text before the nodes (a join's `JOIN "posts" ON `). */
  readonly clause?: string;
  /** Printed one by one and joined with ", ". */
  readonly nodes: readonly SqlNode[];
  /** What a select, having or orderBy closure read: an aggregate, a column outside any aggregate. */
  readonly reads?: { readonly aggregate?: ts.Node; readonly bareColumn?: ts.Node };
  /** For select: the projection's fields. */
  readonly fields?: readonly OutputField[];
  /** For where: the original closure (kept for differential testing with `keepClosures`). */
  readonly closure?: ts.Expression;
  /** For preload: the relations the call loads, from the query's table down its path. */
  readonly preload?: PreloadNode;
  /** For orderBy: its key. */
  readonly sort?: SortKey;
  /** For after: how many orderBy steps its condition covers (the runtime checks a folded chain). */
  readonly keys?: number;
}

/**
 * One relation a `.preload()` loads, lowered: where its rows come from and which of them (filter,
 * order, per-parent limit), and the relations nested under it. A plan of these is strategy-free: the
 * printer decides the statements (print/preload.ts: one batched statement per relation).
 */
export interface PreloadNode {
  readonly relation: RelationInfo;
  /** The parent rows' table. */
  readonly source: TableInfo;
  readonly link: RelationLink;
  readonly filter?: SqlNode;
  /** A `sort` node. */
  readonly order?: SqlNode;
  readonly limit?: SqlNode;
  /** This call gave the relation a filter, order or limit (the path's last relation, with options). */
  readonly configured: boolean;
  /** The `.preload()` call: its `file:line` is the statement's source. */
  readonly call: ts.CallExpression;
  readonly children: readonly PreloadNode[];
}

/** One step of a chain, lowered and printed: its SQL fragment, with holes for its bindings. */
export interface CompiledStep {
  readonly kind: StepKind;
  readonly reads?: LoweredStep["reads"];
  readonly fragment: Fragment<Binding>;
  /** For select: the projection's fields. */
  readonly fields?: readonly OutputField[];
  /** For where: the original closure (kept for differential testing with `keepClosures`). */
  readonly closure?: ts.Expression;
  readonly preload?: PreloadNode;
  /** For after: how many orderBy steps its condition covers. */
  readonly keys?: number;
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
