import { quoteIdent, type Fragment } from "closql/sql";
import type { Binding } from "../ir/binding";
import type { LetKey, SqlNode } from "../ir/sql-node";

/**
 * The one SQL expression printer. Returns a fragment with a hole per distinct binding (a node used
 * twice, like `$1` in `("x" = $1 OR ("x" IS NULL AND $1 IS NULL))`, binds its value once); the
 * statement assembler numbers the holes. Compound operands are parenthesized; AND/OR always are, so
 * the printed text never depends on operator precedence.
 */
export function printSql(node: SqlNode): Fragment<Binding> {
  const sql: string[] = [""];
  const refs: number[] = [];
  const used = new Map<Binding, number>();
  const lets = new Map<LetKey, string>();
  const fragmentParams: Binding[] = [];

  const emit = (s: string) => (sql[sql.length - 1] += s);
  const hole = (binding: Binding) => {
    let local = used.get(binding);
    if (local === undefined) {
      local = fragmentParams.length;
      fragmentParams.push(binding);
      used.set(binding, local);
    }
    refs.push(local);
    sql.push("");
  };

  // AND, OR and NOT bind loosest in SQL, so their operands never need parentheses (AND/OR print
  // their own); any other compound operand gets them.
  const operand = (n: SqlNode) => {
    const atomic =
      n.kind === "let" ||
      n.kind === "ref" ||
      n.kind === "column" ||
      n.kind === "literal" ||
      n.kind === "param" ||
      n.kind === "call" ||
      n.kind === "case" ||
      n.kind === "cast" ||
      n.kind === "extract" ||
      n.kind === "exists" ||
      n.kind === "scalar";
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
        if (n.table !== undefined) emit(`${quoteIdent(n.table)}.`);
        emit(quoteIdent(n.name));
        return;
      case "literal":
        emit(n.sql);
        return;
      case "param":
        hole(n.binding);
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
      case "call": {
        // COALESCE(COALESCE(a, b), c) is COALESCE(a, b, c).
        const args =
          n.name === "COALESCE"
            ? n.args.flatMap((a) => (a.kind === "call" && a.name === "COALESCE" ? a.args : [a]))
            : n.args;
        emit(`${n.name}(`);
        args.forEach((a, i) => {
          if (i > 0) emit(", ");
          visit(a);
        });
        emit(")");
        return;
      }
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
      case "case": {
        // CASE … ELSE CASE … END END is one CASE with the inner WHENs appended.
        let c: Extract<SqlNode, { kind: "case" }> = n;
        emit("CASE");
        for (;;) {
          for (const w of c.whens) {
            emit(" WHEN ");
            visit(w.when);
            emit(" THEN ");
            visit(w.then);
          }
          if (c.else.kind !== "case") break;
          c = c.else;
        }
        emit(" ELSE ");
        visit(c.else);
        emit(" END");
        return;
      }
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
        emit(` AS ${quoteIdent(n.name)}`);
        return;
      case "let": {
        const name = `closql_let${lets.size + 1}`;
        lets.set(n.key, name);
        emit("(SELECT ");
        visit(n.body);
        emit(" FROM (SELECT ");
        n.values.forEach((v, i) => {
          if (i > 0) emit(", ");
          visit(v);
          emit(` AS ${quoteIdent(`${name}_${i + 1}`)}`);
        });
        emit(`) AS ${quoteIdent(name)})`);
        return;
      }
      case "ref": {
        const name = lets.get(n.key)!;
        emit(`${quoteIdent(name)}.${quoteIdent(`${name}_${n.index + 1}`)}`);
        return;
      }
      case "exists":
        emit(`EXISTS (SELECT 1 FROM ${n.from} WHERE `);
        visit(n.where);
        emit(")");
        return;
      case "sort":
        visit(n.operand);
        if (n.direction === "desc") emit(" DESC");
        if (n.nulls) emit(` NULLS ${n.nulls.toUpperCase()}`);
        return;
      case "collate":
        operand(n.operand);
        emit(` COLLATE "${n.collation}"`);
        return;
      case "scalar":
        emit("(SELECT ");
        visit(n.operand);
        emit(")");
        return;
    }
  };

  visit(node);
  return { sql, refs, params: fragmentParams };
}
