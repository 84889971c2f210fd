import type { Fragment } from "closql/sql";
import type { Binding } from "../ir/binding";
import type { CompiledStep, LoweredStep } from "../ir/statement";
import { printSql } from "./print-sql";

/** Prints a lowered step: each node on its own, joined with ", " (the entries of a select list). */
export function printStep(step: LoweredStep): CompiledStep {
  const { nodes, clause, sort: _sort, ...rest } = step;
  const fragment = joinFragments(nodes.map(printSql), ", ");
  if (clause === undefined) return { ...rest, fragment };
  return { ...rest, fragment: { ...fragment, sql: [clause + fragment.sql[0], ...fragment.sql.slice(1)] } };
}

/** Joins fragments into one, each keeping its own holes. */
function joinFragments<P>(fragments: readonly Fragment<P>[], separator: string): Fragment<P> {
  const params: P[] = [];
  const sqlParts: string[] = [""];
  const refs: number[] = [];
  fragments.forEach((f, i) => {
    if (i > 0) sqlParts[sqlParts.length - 1] += separator;
    const offset = params.length;
    params.push(...f.params);
    sqlParts[sqlParts.length - 1] += f.sql[0];
    f.refs.forEach((r, j) => {
      refs.push(r + offset);
      sqlParts.push(f.sql[j + 1]);
    });
  });
  return { sql: sqlParts, refs, params };
}
