import type ts from "typescript";
import type { ReadKind, StepKind, WriteKind } from "closql/sql";
import type { LoweredStep, LoweredWrite } from "../ir/statement";
import { lowerAfter } from "../lower/steps/after";
import { lowerLock } from "../lower/steps/lock";
import { lowerDelete, lowerUpdate } from "../lower/writes/update";
import { lowerInsert, lowerInsertMany, lowerUpsert } from "../lower/writes/insert";
import { lowerOrderBy } from "../lower/steps/order-by";
import { lowerPaging } from "../lower/steps/paging";
import { lowerSelect } from "../lower/steps/select";
import { lowerWhere } from "../lower/steps/where";
import { lowerJoin } from "../lower/steps/join";
import { lowerDistinct, lowerGroupBy, lowerHaving } from "../lower/steps/group-by";
import { lowerPreload } from "../lower/steps/preload";
import type { RowSource } from "../lower/context";
import type { Relations, TableInfo } from "./schema";

/** What a step's lowering gets: its call, its arguments (arity already checked) and its tables. */
export interface StepInput {
  readonly name: StepKind;
  readonly call: ts.CallExpression;
  readonly args: readonly ts.Expression[];
  readonly checker: ts.TypeChecker;
  readonly table: TableInfo;
  /**
   * The steps written before this one in the same chain expression, lowered (undefined where one
   * failed: its diagnostic is reported), and the kinds of those after it. Only `after` reads them.
   */
  readonly earlier: readonly { readonly call: ts.CallExpression; readonly lowered?: LoweredStep }[];
  readonly later: readonly { readonly kind: StepKind; readonly call: ts.CallExpression }[];
  /** The chain expression ends in a terminal: no step follows `later` (else steps may be added elsewhere). */
  readonly closed: boolean;
  /** The row parameters its closures receive: one per table in scope (a join's own table last). */
  readonly sources: readonly RowSource[];
  /** The table's relations, as the query's type declares them. */
  readonly relations: Relations;
}

/** A method that adds to a query: lowered at build time, folded into its statement by `closql/sql`'s fold. */
export interface StepMethod {
  readonly role: "step";
  readonly kind: StepKind;
  /** How many arguments it takes: [at least, at most]. */
  readonly arity: readonly [number, number];
  readonly lower: (input: StepInput) => LoweredStep;
}

/** A method that runs a read. Its one optional argument (`{ signal, timeoutMs }`, a batch size) is passed through. */
export interface TerminalMethod {
  readonly role: "terminal";
  readonly kind: ReadKind;
  readonly arity: readonly [number, number];
}

/** What a write's lowering gets. */
export interface WriteInput {
  readonly name: WriteKind;
  readonly call: ts.CallExpression;
  readonly args: readonly ts.Expression[];
  readonly checker: ts.TypeChecker;
  readonly table: TableInfo;
  /** `.returning()` follows the call. */
  readonly returning: boolean;
}

/** A method that changes rows: one statement, printed by `closql/sql`'s write printer. */
export interface WriteMethod {
  readonly role: "write";
  readonly kind: WriteKind;
  readonly arity: readonly [number, number];
  /** Called on a table's own query only (insert, upsert): no step may precede it. */
  readonly tableOnly: boolean;
  /** Takes `.returning()` after it (update, delete). */
  readonly returns: boolean;
  readonly lower: (input: WriteInput) => LoweredWrite;
}

export type QueryMethod = StepMethod | TerminalMethod | WriteMethod;

const step = (kind: StepKind, arity: [number, number], lower: StepMethod["lower"]): StepMethod => ({
  role: "step",
  kind,
  arity,
  lower,
});
const terminal = (kind: ReadKind): TerminalMethod => ({ role: "terminal", kind, arity: [0, 1] });
const write = (
  kind: WriteKind,
  arity: [number, number],
  lower: WriteMethod["lower"],
  { tableOnly, returns }: { tableOnly: boolean; returns: boolean },
): WriteMethod => ({ role: "write", kind, arity, tableOnly, returns, lower });

/**
 * THE table of query methods: every method the transformer compiles, its role, its arity and how it
 * lowers. Keyed by closql's own lists of step and read kinds, so adding a kind there fails this
 * build until it has an entry here (and a fold entry in closql/sql/steps.ts).
 */
const QUERY_METHODS: { readonly [K in StepKind]: StepMethod } & { readonly [K in ReadKind]: TerminalMethod } & {
  readonly [K in WriteKind]: WriteMethod;
} = {
  where: step("where", [1, 1], lowerWhere),
  orderBy: step("orderBy", [1, 3], lowerOrderBy),
  after: step("after", [1, 1], lowerAfter),
  limit: step("limit", [1, 1], lowerPaging),
  offset: step("offset", [1, 1], lowerPaging),
  select: step("select", [1, 1], lowerSelect),
  join: step("join", [2, 2], lowerJoin),
  leftJoin: step("leftJoin", [2, 2], lowerJoin),
  groupBy: step("groupBy", [1, 1], lowerGroupBy),
  having: step("having", [1, 1], lowerHaving),
  distinct: step("distinct", [0, 0], lowerDistinct),
  forUpdate: step("forUpdate", [0, 1], lowerLock),
  forNoKeyUpdate: step("forNoKeyUpdate", [0, 1], lowerLock),
  forShare: step("forShare", [0, 1], lowerLock),
  forKeyShare: step("forKeyShare", [0, 1], lowerLock),
  preload: step("preload", [1, 3], lowerPreload),
  all: terminal("all"),
  first: terminal("first"),
  one: terminal("one"),
  count: terminal("count"),
  exists: terminal("exists"),
  stream: terminal("stream"),
  insert: write("insert", [1, 2], lowerInsert, { tableOnly: true, returns: false }),
  insertMany: write("insertMany", [1, 2], lowerInsertMany, { tableOnly: true, returns: false }),
  upsert: write("upsert", [2, 2], lowerUpsert, { tableOnly: true, returns: false }),
  update: write("update", [1, 1], lowerUpdate, { tableOnly: false, returns: true }),
  delete: write("delete", [0, 0], lowerDelete, { tableOnly: false, returns: true }),
};

export function queryMethod(name: string): QueryMethod | undefined {
  return Object.prototype.hasOwnProperty.call(QUERY_METHODS, name)
    ? QUERY_METHODS[name as keyof typeof QUERY_METHODS]
    : undefined;
}
