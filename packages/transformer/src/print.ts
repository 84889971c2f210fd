import type { Fragment } from "closql/dist/sql";
import type { SqlNode } from "./sql-node";

/**
 * The one SQL printer. Returns a fragment whose holes index `params` (whatever the lowering bound:
 * TypeScript expressions in the transformer). Compound operands are parenthesized; AND/OR always are,
 * so the printed text never depends on operator precedence.
 */
export function printSql<P>(node: SqlNode, params: readonly P[]): Fragment<P> {
  const sql: string[] = [""];
  const refs: number[] = [];
  const used = new Map<number, number>();
  const fragmentParams: P[] = [];

  const emit = (s: string) => (sql[sql.length - 1] += s);
  const hole = (index: number) => {
    let local = used.get(index);
    if (local === undefined) {
      local = fragmentParams.length;
      fragmentParams.push(params[index]);
      used.set(index, local);
    }
    refs.push(local);
    sql.push("");
  };

  // AND, OR and NOT bind loosest in SQL, so their operands never need parentheses (AND/OR print
  // their own); any other compound operand gets them.
  const operand = (n: SqlNode) => {
    const atomic =
      n.kind === "column" ||
      n.kind === "literal" ||
      n.kind === "param" ||
      n.kind === "call" ||
      n.kind === "case" ||
      n.kind === "cast" ||
      n.kind === "extract";
    if (atomic || n.kind === "and" || n.kind === "or") visit(n);
    else {
      emit("(");
      visit(n);
      emit(")");
    }
  };

  const visit = (n: SqlNode): void => {
    switch (n.kind) {
      case "column":
        emit(`"${n.name.replace(/"/g, '""')}"`);
        return;
      case "literal":
        emit(n.sql);
        return;
      case "param":
        hole(n.index);
        if (n.cast) emit(`::${n.cast}`);
        return;
      case "binary":
        operand(n.left);
        emit(` ${n.op} `);
        operand(n.right);
        return;
      case "and":
      case "or":
        emit("(");
        n.operands.forEach((o, i) => {
          if (i > 0) emit(n.kind === "and" ? " AND " : " OR ");
          visit(o);
        });
        emit(")");
        return;
      case "not":
        emit("NOT ");
        visit(n.operand);
        return;
      case "is":
        operand(n.operand);
        emit(` IS ${n.test}`);
        return;
      case "call":
        emit(`${n.name}(`);
        n.args.forEach((a, i) => {
          if (i > 0) emit(", ");
          visit(a);
        });
        emit(")");
        return;
      case "any":
        operand(n.left);
        emit(" = ANY(");
        visit(n.array);
        emit(")");
        return;
      case "in":
        operand(n.left);
        emit(" IN (");
        n.list.forEach((item, i) => {
          if (i > 0) emit(", ");
          visit(item);
        });
        emit(")");
        return;
      case "case":
        emit("CASE");
        for (const w of n.whens) {
          emit(" WHEN ");
          visit(w.when);
          emit(" THEN ");
          visit(w.then);
        }
        emit(" ELSE ");
        visit(n.else);
        emit(" END");
        return;
      case "cast":
        operand(n.operand);
        emit(`::${n.type}`);
        return;
      case "unary":
        emit(n.op);
        operand(n.operand);
        return;
      case "extract":
        emit(`extract(${n.field} FROM `);
        visit(n.operand);
        emit(")");
        return;
      case "alias":
        visit(n.operand);
        emit(` AS "${n.name.replace(/"/g, '""')}"`);
        return;
      case "collate":
        operand(n.operand);
        emit(` COLLATE "${n.collation}"`);
        return;
    }
  };

  visit(node);
  return { sql, refs, params: fragmentParams };
}
