/**
 * What changing a column's type costs, from the types as the server prints them (`format_type`):
 * - "relabel": binary-coercible, no rewrite (longer varchar, varchar → text, wider numeric);
 * - "widen": every value fits the new type, but the table is rewritten;
 * - "narrow": some values may not fit (fail the migration) or lose precision: destructive.
 */
export type TypeChange = "relabel" | "widen" | "narrow";

const INTEGERS = ["smallint", "integer", "bigint"];

export function typeChange(from: string, to: string): TypeChange {
  if (from === to) return "relabel";
  const a = parse(from);
  const b = parse(to);
  if (a.array !== b.array) return "narrow";
  if (b.base === "text") return a.base === "character varying" || a.base === "text" ? "relabel" : "widen";
  if (a.base === "character varying" && b.base === "character varying")
    return b.args === undefined || (a.args !== undefined && Number(b.args) >= Number(a.args)) ? "relabel" : "narrow";
  if (a.base === "text" && b.base === "character varying" && b.args === undefined) return "relabel";
  if (a.base === "numeric" && b.base === "numeric") {
    if (b.args === undefined) return "relabel";
    if (a.args === undefined) return "narrow";
    const [p1, s1 = 0] = a.args.split(",").map(Number);
    const [p2, s2 = 0] = b.args.split(",").map(Number);
    if (s1 === s2 && p2 >= p1) return "relabel";
    return p2 - s2 >= p1 - s1 && s2 >= s1 ? "widen" : "narrow";
  }
  const ia = INTEGERS.indexOf(a.base);
  const ib = INTEGERS.indexOf(b.base);
  if (ia >= 0 && ib >= 0) return ib > ia ? "widen" : "narrow";
  if (ia >= 0 && b.base === "numeric" && b.args === undefined) return "widen";
  if (a.base === "smallint" && (b.base === "real" || b.base === "double precision")) return "widen";
  if (a.base === "integer" && b.base === "double precision") return "widen";
  if (a.base === "real" && b.base === "double precision") return "widen";
  if (a.base === "timestamp without time zone" && b.base === "timestamp with time zone") return "widen";
  if (a.base === "date" && b.base.startsWith("timestamp")) return "widen";
  return "narrow";
}

function parse(type: string): { base: string; args?: string; array: boolean } {
  const array = type.endsWith("[]");
  const bare = array ? type.replace(/(\[\])+$/, "") : type;
  const m = /^([^(]*)\(([^)]*)\)(.*)$/.exec(bare);
  if (!m) return { base: bare, array };
  // `timestamp(3) with time zone`: the precision sits inside the name.
  return { base: `${m[1]}${m[3]}`.trim(), args: m[2].replace(/\s+/g, ""), array };
}
