import type ts from "typescript";
import type { ReadKind, StepKind } from "closql/sql";
import type { LoweredStep } from "../ir/statement";
import { lowerOrderBy } from "../lower/steps/order-by";
import { lowerPaging } from "../lower/steps/paging";
import { lowerSelect } from "../lower/steps/select";
import { lowerWhere } from "../lower/steps/where";
import type { TableInfo } from "./schema";

/** What a step's lowering gets: its call, its arguments (arity already checked) and its tables. */
export interface StepInput {
  readonly name: StepKind;
  readonly call: ts.CallExpression;
  readonly args: readonly ts.Expression[];
  readonly checker: ts.TypeChecker;
  readonly table: TableInfo;
}

/** A method that adds to a query: lowered at build time, folded into its statement by `closql/sql`'s fold. */
export interface StepMethod {
  readonly role: "step";
  readonly kind: StepKind;
  /** How many arguments it takes: [at least, at most]. */
  readonly arity: readonly [number, number];
  readonly lower: (input: StepInput) => LoweredStep;
}

/** A method that runs a read. */
export interface TerminalMethod {
  readonly role: "terminal";
  readonly kind: ReadKind;
}

export type QueryMethod = StepMethod | TerminalMethod;

const step = (kind: StepKind, arity: [number, number], lower: StepMethod["lower"]): StepMethod => ({
  role: "step",
  kind,
  arity,
  lower,
});
const terminal = (kind: ReadKind): TerminalMethod => ({ role: "terminal", kind });

/**
 * THE table of query methods: every method the transformer compiles, its role, its arity and how it
 * lowers. Keyed by closql's own lists of step and read kinds, so adding a kind there fails this
 * build until it has an entry here (and a fold entry in closql/sql/steps.ts).
 */
const QUERY_METHODS: { readonly [K in StepKind]: StepMethod } & { readonly [K in ReadKind]: TerminalMethod } = {
  where: step("where", [1, 1], lowerWhere),
  orderBy: step("orderBy", [1, 3], lowerOrderBy),
  limit: step("limit", [1, 1], lowerPaging),
  offset: step("offset", [1, 1], lowerPaging),
  select: step("select", [1, 1], lowerSelect),
  all: terminal("all"),
  first: terminal("first"),
  one: terminal("one"),
  count: terminal("count"),
  exists: terminal("exists"),
};

export function queryMethod(name: string): QueryMethod | undefined {
  return Object.prototype.hasOwnProperty.call(QUERY_METHODS, name)
    ? QUERY_METHODS[name as keyof typeof QUERY_METHODS]
    : undefined;
}
