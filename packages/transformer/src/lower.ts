import ts from "typescript";
import { quoteLiteral } from "closql";
import { UnsupportedError } from "./diagnostic";
import type { TableInfo } from "./schema-info";
import * as sql from "./sql-node";
import { SqlNode } from "./sql-node";
import { columnType, isIntegerSqlType, isTextual, mayBeNaN, typeOfExpression, ValueType } from "./value-type";

/** A lowered value: its SQL and what JavaScript would see. */
export interface Value {
  readonly node: SqlNode;
  readonly type: ValueType;
  /** The closure wrote a literal here (inlined, known at build time). */
  readonly literal?: string | number | boolean | bigint | null;
  /** Row-independent and bound: the expression JavaScript evaluates. */
  readonly bound?: ts.Expression;
  /**
   * NULL here may mean "matches nothing" (a NaN, or 1.5 against an integer column) rather than a
   * JavaScript null, so the NULL-aware shortcuts must not be used.
   */
  readonly sentinel?: boolean;
}

/** Builds a call to a runtime helper, e.g. `$bind.intAtMost(x)`, for a bound expression. */
export type HelperCall = (path: string, args: ts.Expression[]) => ts.Expression;

/**
 * Lowers the body of one closure (`u => …`) to SQL with the semantics JavaScript gives it.
 *
 * Conditions are lowered with a polarity: `condition(e, true)` is SQL that is TRUE exactly when `e`
 * is truthy in JavaScript, `condition(e, false)` TRUE exactly when it is falsy. NULL counts as "not
 * TRUE", which is what WHERE, CASE WHEN and AND/OR need, so a nullable comparison only needs extra SQL
 * on the side where JavaScript and SQL disagree. `!` flips the polarity instead of emitting NOT, which
 * is how `!(u.age === 3)` stays correct when `age` is NULL.
 *
 * Any subexpression that does not read the row is evaluated in JavaScript at run time and bound.
 */
export class ClosureLowering {
  /** Row-independent expressions to bind, in order of first use; `param` nodes index this. */
  readonly params: ts.Expression[] = [];
  private readonly rowSymbols: Set<ts.Symbol>;
  private readonly rowDependence = new Map<ts.Node, boolean>();

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly table: TableInfo,
    closure: ts.ArrowFunction | ts.FunctionExpression,
    private readonly helper: HelperCall,
  ) {
    if (closure.parameters.length > 1) throw new UnsupportedError(closure.parameters[1], "this closure takes one parameter, the row.");
    this.rowSymbols = new Set();
    const param = closure.parameters[0];
    if (param) {
      if (!ts.isIdentifier(param.name)) {
        throw new UnsupportedError(param.name, "destructuring the row parameter is not supported.", "Write `u => u.col` instead.");
      }
      const symbol = checker.getSymbolAtLocation(param.name);
      if (symbol) this.rowSymbols.add(symbol);
    }
  }

  /** The expression a closure returns: an expression body or a block that is a single `return`. */
  static body(closure: ts.ArrowFunction | ts.FunctionExpression): ts.Expression {
    if (ts.isBlock(closure.body)) {
      const [only] = closure.body.statements;
      if (closure.body.statements.length === 1 && ts.isReturnStatement(only) && only.expression) return only.expression;
      throw new UnsupportedError(closure.body, "a query closure must be a single expression.", "Write `u => <expression>` or a block with one `return`.");
    }
    return closure.body;
  }

  // ---------------------------------------------------------------- conditions

  /** SQL that is TRUE exactly when `e` is truthy (positive) or falsy (negative) in JavaScript. */
  condition(e: ts.Expression, positive: boolean): SqlNode {
    e = skipTransparent(e);
    if (!this.readsRow(e)) return this.boundCondition(e, positive);

    if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) return this.condition(e.operand, !positive);

    if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      if (op === ts.SyntaxKind.AmpersandAmpersandToken) {
        // a && b is truthy iff both are; falsy iff either is.
        const l = this.condition(e.left, positive);
        const r = this.condition(e.right, positive);
        return positive ? sql.and(l, r) : sql.or(l, r);
      }
      if (op === ts.SyntaxKind.BarBarToken) {
        const l = this.condition(e.left, positive);
        const r = this.condition(e.right, positive);
        return positive ? sql.or(l, r) : sql.and(l, r);
      }
      const comparison = COMPARISONS[op];
      if (comparison) return this.comparison(e, comparison, positive);
    }

    if (ts.isCallExpression(e)) {
      const method = this.methodCondition(e, positive);
      if (method) return method;
    }

    return this.truthiness(this.value(e), positive, e);
  }

  /** A row-independent condition: JavaScript decides it at run time; SQL sees a boolean. */
  private boundCondition(e: ts.Expression, positive: boolean): SqlNode {
    if (e.kind === ts.SyntaxKind.TrueKeyword) return positive ? sql.TRUE : sql.FALSE;
    if (e.kind === ts.SyntaxKind.FalseKeyword) return positive ? sql.FALSE : sql.TRUE;
    const truthy = ts.factory.createPrefixUnaryExpression(ts.SyntaxKind.ExclamationToken, ts.factory.createPrefixUnaryExpression(ts.SyntaxKind.ExclamationToken, ts.factory.createParenthesizedExpression(e)));
    const p = this.bindExpression(truthy, "boolean");
    return positive ? p : sql.not(p);
  }

  /** Truthiness of a value by its JavaScript kind: `""`, 0, NaN, 0n, false and null are falsy. */
  private truthiness(v: Value, positive: boolean, at: ts.Node): SqlNode {
    const { node, type } = v;
    const orNull = (falsy: SqlNode) => (type.nullable ? sql.or(falsy, sql.is(node, "NULL")) : falsy);
    switch (type.kind) {
      case "boolean":
        if (positive) return node;
        return type.nullable ? sql.is(node, "NOT TRUE") : sql.not(node);
      case "string":
        if (!isTextual(type)) return sql.is(node, positive ? "NOT NULL" : "NULL");
        return positive ? sql.binary("<>", node, sql.literal("''")) : orNull(sql.binary("=", node, sql.literal("''")));
      case "number":
      case "bigint": {
        const zero = sql.literal("0");
        if (!mayBeNaN(type)) return positive ? sql.binary("<>", node, zero) : orNull(sql.binary("=", node, zero));
        const nan = sql.literal("'NaN'");
        // PostgreSQL's NaN equals itself, so `<> 'NaN'` excludes exactly the NaNs.
        return positive ? sql.and(sql.binary("<>", node, zero), sql.binary("<>", node, nan)) : orNull(sql.or(sql.binary("=", node, zero), sql.binary("=", node, nan)));
      }
      case "date":
      case "array":
      case "bytes":
        return sql.is(node, positive ? "NOT NULL" : "NULL");
      case "json": {
        const falsy = sql.any(node, sql.literal(`ARRAY['null', 'false', '0', '""']::jsonb[]`));
        return positive ? sql.and(sql.is(node, "NOT NULL"), sql.not(falsy)) : sql.or(sql.is(node, "NULL"), falsy);
      }
      default:
        throw new UnsupportedError(at, `closql cannot tell how JavaScript's truthiness applies to this value.`, "Compare it explicitly, e.g. `x !== null`.");
    }
  }

  // ---------------------------------------------------------------- comparisons

  private comparison(e: ts.BinaryExpression, op: ComparisonOp, positive: boolean): SqlNode {
    const nullSide = isNullish(e.right) ? e.right : isNullish(e.left) ? e.left : undefined;
    if (nullSide) return this.nullCheck(e, op, nullSide === e.right ? e.left : e.right, nullSide, positive);

    const left = this.value(e.left);
    const right = this.value(e.right);
    if (op === "==" || op === "!=") {
      if (left.type.kind !== right.type.kind || left.type.kind === "unknown") {
        throw new UnsupportedError(e.operatorToken, `\`${op}\` converts types in JavaScript before comparing.`, `Use \`${op}=\`.`);
      }
    }
    const equality = op === "===" || op === "==" ? "=" : op === "!==" || op === "!=" ? "<>" : undefined;
    if (equality) return this.equality(e, left, right, equality === "=" ? positive : !positive);
    return this.ordering(e, op as "<" | "<=" | ">" | ">=", left, right, positive);
  }

  /** `x === null`, `x == undefined`, … */
  private nullCheck(e: ts.BinaryExpression, op: ComparisonOp, operand: ts.Expression, nullish: ts.Expression, positive: boolean): SqlNode {
    const v = this.value(operand);
    const loose = op === "==" || op === "!=";
    if (!loose && !isNullLiteral(nullish) && !this.typeIncludesUndefined(operand)) {
      throw new UnsupportedError(e, "a column that is NULL in SQL is `null` in JavaScript, never `undefined`, so this comparison is always false.", `Write \`=== null\` (or \`== null\`).`);
    }
    const isNull = op === "===" || op === "==" ? positive : !positive;
    return sql.is(v.node, isNull ? "NULL" : "NOT NULL");
  }

  /** TRUE exactly when `a === b` (equal) or `a !== b` (equal = false) in JavaScript. */
  private equality(e: ts.BinaryExpression, a: Value, b: Value, equal: boolean): SqlNode {
    for (const v of [a, b]) {
      if (v.type.kind === "date") throw new UnsupportedError(e, "`===` compares Date objects by reference in JavaScript, so it is false for any two distinct Dates.", "Compare `a.getTime() === b.getTime()`, or use `<=`/`>=`.");
      if (v.type.kind === "array" || v.type.kind === "bytes" || v.type.kind === "json") {
        throw new UnsupportedError(e, "`===` compares objects and arrays by reference in JavaScript.", "Compare a property or element instead.");
      }
    }
    [a, b] = this.numericOperands(a, b, "=");
    const nanGuard = this.nanGuards(a, b);
    const eq = sql.and(sql.binary("=", a.node, b.node), ...nanGuard);
    const hit = sql.or(eq, a.type.nullable && b.type.nullable ? sql.and(this.isJsNull(a), this.isJsNull(b)) : sql.FALSE);
    if (equal) return hit;
    if (a.sentinel || b.sentinel || nanGuard.length > 0) return sql.is(hit, "NOT TRUE");
    if (a.type.nullable && b.type.nullable) return sql.binary("IS DISTINCT FROM", a.node, b.node);
    const ne = sql.binary("<>", a.node, b.node);
    if (a.type.nullable) return sql.or(ne, sql.is(a.node, "NULL"));
    if (b.type.nullable) return sql.or(ne, sql.is(b.node, "NULL"));
    return ne;
  }

  /** SQL that is TRUE when the value is JavaScript null: a bound value is tested in JavaScript. */
  private isJsNull(v: Value): SqlNode {
    if (v.bound && v.sentinel) return this.bindExpression(ts.factory.createBinaryExpression(ts.factory.createParenthesizedExpression(v.bound), ts.SyntaxKind.EqualsEqualsToken, ts.factory.createNull()), "boolean");
    return sql.is(v.node, "NULL");
  }

  /** `< <= > >=` */
  private ordering(e: ts.BinaryExpression, op: "<" | "<=" | ">" | ">=", a: Value, b: Value, positive: boolean): SqlNode {
    for (const v of [a, b]) {
      if (v.type.nullable) {
        throw new UnsupportedError(e, "an ordering comparison with a nullable operand: JavaScript converts null to 0 (`null < 1` is true), SQL yields NULL.", "Check for null first: `x !== null && x < 1`.");
      }
      if (!["number", "bigint", "string", "date"].includes(v.type.kind)) {
        throw new UnsupportedError(e, `\`${op}\` on ${v.type.kind} values has no faithful SQL translation.`);
      }
    }
    if (a.type.kind !== b.type.kind) throw new UnsupportedError(e, `\`${op}\` between ${a.type.kind} and ${b.type.kind} converts types in JavaScript.`, "Compare values of the same type.");
    if (a.type.kind === "string") [a, b] = [this.codeUnitOrder(a), this.codeUnitOrder(b)];
    [a, b] = this.numericOperands(a, b, op);
    const guards = this.nanGuards(a, b);
    const cmp = sql.and(sql.binary(op, a.node, b.node), ...guards);
    if (positive) return cmp;
    if (guards.length > 0 || a.sentinel || b.sentinel) return sql.is(cmp, "NOT TRUE");
    return sql.binary(NEGATED_ORDERING[op], a.node, b.node);
  }

  /**
   * JavaScript orders strings by UTF-16 code units. `COLLATE "C"` orders by code point, which agrees
   * except between astral characters and U+E000–U+FFFF (documented limit).
   */
  private codeUnitOrder(v: Value): Value {
    if (v.node.kind === "param" || v.node.kind === "literal") return v;
    const node = v.type.sqlType !== undefined && !isTextual(v.type) ? sql.cast(v.node, "text") : v.node;
    return { ...v, node: { kind: "collate", operand: node, collation: "C" } };
  }

  /**
   * Prepares number operands of a comparison. Against an integer column PostgreSQL types a parameter
   * as that integer type and rejects 1.5 or NaN, so the value is first mapped, in JavaScript, to the
   * integer that gives the same answer (`n > 1.5` ⇔ `n > 1`) or to NULL where nothing can match
   * (`n === 1.5`). Any other bound number maps NaN to NULL: NaN compares false with everything in
   * JavaScript, while PostgreSQL's NaN equals itself.
   */
  private numericOperands(a: Value, b: Value, op: string): [Value, Value] {
    return [this.numericOperand(a, b, FLIPPED[op]), this.numericOperand(b, a, op)];
  }

  /** `v` compared as `other op v`. */
  private numericOperand(v: Value, other: Value, op: string): Value {
    if (v.type.kind !== "number" || isIntegerSqlType(v.type)) return v;
    const againstInteger = isIntegerSqlType(other.type) && other.literal === undefined;
    if (typeof v.literal === "number") {
      if (!againstInteger || Number.isInteger(v.literal)) return v;
      const k = integerBound(v.literal, op);
      return { ...v, node: sql.literal(k), sentinel: k === "NULL" };
    }
    if (v.node.kind !== "param" || !v.bound) return v;
    const helper = againstInteger ? `$bind.int.${INTEGER_HELPER[op]}` : "$bind.number";
    this.params[v.node.index] = this.helper(helper, [v.bound]);
    const type: ValueType = againstInteger ? { ...v.type, sqlType: "bigint" } : v.type;
    return { ...v, node: { kind: "param", index: v.node.index, cast: againstInteger ? "int8" : undefined }, type, sentinel: true };
  }

  /** PostgreSQL's NaN is equal to itself and greater than every number; JavaScript's is neither. */
  private nanGuards(a: Value, b: Value): SqlNode[] {
    const guards: SqlNode[] = [];
    // Bound numbers arrive with NaN already mapped to NULL; literals are known. Only SQL-side values need it.
    for (const v of [a, b]) if (mayBeNaN(v.type) && v.node.kind !== "literal" && v.node.kind !== "param") guards.push(sql.binary("<>", v.node, sql.literal("'NaN'")));
    return guards;
  }

  // ---------------------------------------------------------------- method calls used as conditions

  private methodCondition(e: ts.CallExpression, positive: boolean): SqlNode | undefined {
    if (!ts.isPropertyAccessExpression(e.expression)) return undefined;
    const method = e.expression.name.text;
    const receiver = e.expression.expression;
    const [arg] = e.arguments;

    if ((method === "startsWith" || method === "endsWith" || method === "includes") && this.isStringExpression(receiver)) {
      if (e.arguments.length !== 1) throw new UnsupportedError(e, `\`${method}\` with a position argument is not supported.`);
      const s = this.value(receiver);
      const pattern = this.likePattern(method, arg);
      const match = sql.binary("LIKE", s.node, pattern);
      if (positive) return match;
      const noMatch = sql.binary("NOT LIKE", s.node, pattern);
      return s.type.nullable ? sql.or(noMatch, sql.is(s.node, "NULL")) : noMatch;
    }

    if (method === "includes" && this.isArrayExpression(receiver)) {
      if (e.arguments.length !== 1) throw new UnsupportedError(e, "`includes` with a position argument is not supported.");
      return this.arrayIncludes(e, receiver, arg, positive);
    }
    return undefined;
  }

  /** LIKE pattern for startsWith/endsWith/includes, with `%`, `_` and `\` of the argument escaped. */
  private likePattern(method: "startsWith" | "endsWith" | "includes", arg: ts.Expression): SqlNode {
    const wrap = (s: string) => (method === "startsWith" ? `${s}%` : method === "endsWith" ? `%${s}` : `%${s}%`);
    const literal = stringLiteralValue(arg);
    if (literal !== undefined && !literal.includes("\0")) return sql.literal(quoteLiteral(wrap(literal.replace(/[\\%_]/g, "\\$&"))));
    if (!this.readsRow(arg)) return this.bindExpression(this.helper(`$like.${method}`, [arg]));
    // Both sides read the row: escape in SQL.
    const v = this.value(arg).node;
    const escaped = ["\\", "%", "_"].reduce<SqlNode>((acc, ch) => sql.call("replace", acc, sql.literal(quoteLiteral(ch)), sql.literal(quoteLiteral(`\\${ch}`))), v);
    const pct = sql.literal("'%'");
    return method === "startsWith" ? sql.binary("||", escaped, pct) : method === "endsWith" ? sql.binary("||", pct, escaped) : sql.binary("||", sql.binary("||", pct, escaped), pct);
  }

  /** `list.includes(u.col)` and `u.arrayCol.includes(v)`: SameValueZero membership. */
  private arrayIncludes(e: ts.CallExpression, arrayExpr: ts.Expression, item: ts.Expression, positive: boolean): SqlNode {
    const itemValue = this.value(item);
    let arrayNode: SqlNode;
    let elementNullable: boolean;

    const literalList = !this.readsRow(arrayExpr) ? literalArray(skipTransparent(arrayExpr)) : undefined;
    if (literalList) {
      // Literal lists are inlined (so partial indexes match); `IN` is exact for non-null items.
      const members = literalList.map((v) => this.literalValue(v)).filter((v) => v.literal !== null);
      elementNullable = members.length !== literalList.length;
      const matches = members.map((m) => this.numericOperand(m, itemValue, "=")).filter((m) => !m.sentinel);
      const inList: SqlNode = matches.length === 0 ? sql.FALSE : { kind: "in", left: itemValue.node, list: matches.map((m) => m.node) };
      const nullMatch = elementNullable && itemValue.type.nullable ? sql.is(itemValue.node, "NULL") : sql.FALSE;
      const hit = sql.or(inList, nullMatch);
      return positive ? hit : sql.is(hit, "NOT TRUE");
    }

    if (!this.readsRow(arrayExpr)) {
      const t = typeOfExpression(this.checker, this.checker.getTypeAtLocation(arrayExpr));
      elementNullable = t.element?.nullable ?? true;
      // Non-integers can never equal an integer column, and PostgreSQL would reject them as input.
      const integers = isIntegerSqlType(itemValue.type) && t.element?.kind === "number";
      arrayNode = integers ? this.bindExpression(this.helper("$bind.int.list", [arrayExpr]), "int8[]") : this.bindExpression(arrayExpr);
    } else {
      const arr = this.value(arrayExpr);
      if (arr.type.kind !== "array") throw new UnsupportedError(arrayExpr, "`includes` on this value is not supported.");
      arrayNode = arr.node;
      elementNullable = arr.type.element?.nullable ?? true;
    }
    const hit = sql.or(
      { kind: "any", left: itemValue.node, array: arrayNode },
      // [null].includes(null) is true in JavaScript; `NULL = ANY(…)` is NULL.
      elementNullable && itemValue.type.nullable ? sql.and(sql.is(itemValue.node, "NULL"), sql.is(sql.call("array_position", arrayNode, sql.NULL), "NOT NULL")) : sql.FALSE,
    );
    return positive ? hit : sql.is(hit, "NOT TRUE");
  }

  // ---------------------------------------------------------------- values

  /** Lowers an expression used as a value (an operand, a projected field, an order key). */
  value(e: ts.Expression): Value {
    e = skipTransparent(e);
    if (!this.readsRow(e)) return this.literalValue(e);

    const column = this.columnReference(e);
    if (column) return column;

    if (ts.isBinaryExpression(e) && (COMPARISONS[e.operatorToken.kind] || e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || e.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
      if (!this.isBooleanExpression(e)) {
        throw new UnsupportedError(e, "`&&`/`||` whose operands are not booleans yield an operand, not a boolean, in JavaScript; that is not supported in a value position yet.", "Compare explicitly so both sides are booleans.");
      }
      return this.conditionAsValue(e);
    }
    if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) return this.conditionAsValue(e);
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && ["startsWith", "endsWith", "includes"].includes(e.expression.name.text)) {
      return this.conditionAsValue(e);
    }

    throw new UnsupportedError(e, `\`${e.getText()}\` is not supported in a query closure.`, "See the operator table in the README for what compiles.");
  }

  /** A boolean expression in a value position: two-valued, as in JavaScript (never NULL). */
  private conditionAsValue(e: ts.Expression): Value {
    const c = this.condition(e, true);
    const node = sql.isTwoValued(c) ? c : sql.is(c, "TRUE");
    return { node, type: { kind: "boolean", nullable: false, sqlType: "boolean" } };
  }

  /** `u.col` (or `u["col"]`, `u?.col`). */
  private columnReference(e: ts.Expression): Value | undefined {
    let object: ts.Expression;
    let key: string;
    if (ts.isPropertyAccessExpression(e)) {
      object = e.expression;
      key = e.name.text;
    } else if (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression)) {
      object = e.expression;
      key = e.argumentExpression.text;
    } else return undefined;
    object = skipTransparent(object);
    if (!ts.isIdentifier(object) || !this.isRowSymbol(object)) return undefined;
    const col = this.table.columns.get(key);
    if (!col) throw new UnsupportedError(e, `\`${key}\` is not a column of table "${this.table.name}".`);
    const type = columnType(col);
    // TypeScript narrows `u.x` after `u.x !== null &&`; the SQL stays correct because the guarding
    // operand decides the AND/OR whenever the narrowing does not hold.
    const narrowedToNonNull = type.nullable && !this.typeIncludesNull(e);
    return { node: sql.column(col.name), type: narrowedToNonNull ? { ...type, nullable: false } : type };
  }

  /** A row-independent expression: a literal written in the closure is inlined, anything else bound. */
  private literalValue(e: ts.Expression): Value {
    e = skipTransparent(e);
    if (ts.isStringLiteralLike(e)) {
      if (e.text.includes("\0")) throw new UnsupportedError(e, "PostgreSQL text cannot hold the NUL character (\\u0000), so this literal can never match.", "Remove the NUL character.");
      return { node: sql.literal(quoteLiteral(e.text)), type: { kind: "string", nullable: false }, literal: e.text };
    }
    const n = numberLiteralValue(e);
    if (n !== undefined) {
      if (!Number.isFinite(n)) return this.bind(e);
      return { node: sql.literal(n < 0 || Object.is(n, -0) ? `(${n})` : String(n)), type: { kind: "number", nullable: false, sqlType: Number.isInteger(n) ? "integer" : undefined }, literal: n };
    }
    if (ts.isBigIntLiteral(e)) return { node: sql.literal(e.text.slice(0, -1)), type: { kind: "bigint", nullable: false, sqlType: "bigint" }, literal: BigInt(e.text.slice(0, -1)) };
    if (e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword) {
      const v = e.kind === ts.SyntaxKind.TrueKeyword;
      return { node: v ? sql.TRUE : sql.FALSE, type: { kind: "boolean", nullable: false, sqlType: "boolean" }, literal: v };
    }
    if (e.kind === ts.SyntaxKind.NullKeyword) return { node: sql.NULL, type: { kind: "unknown", nullable: true }, literal: null };
    return this.bind(e);
  }

  private bind(e: ts.Expression): Value {
    const type = typeOfExpression(this.checker, this.checker.getTypeAtLocation(e));
    return { node: this.bindExpression(e), type, bound: e };
  }

  private bindExpression(e: ts.Expression, cast?: string): SqlNode {
    this.params.push(e);
    return { kind: "param", index: this.params.length - 1, cast };
  }

  // ---------------------------------------------------------------- helpers

  private isRowSymbol(id: ts.Identifier): boolean {
    const s = this.checker.getSymbolAtLocation(id);
    return s !== undefined && this.rowSymbols.has(s);
  }

  /** Does this expression read the row (the closure's parameter)? */
  readsRow(e: ts.Node): boolean {
    let known = this.rowDependence.get(e);
    if (known === undefined) {
      known = ts.isIdentifier(e) ? this.isRowSymbol(e) : (ts.forEachChild(e, (c) => this.readsRow(c) || undefined) ?? false);
      this.rowDependence.set(e, known);
    }
    return known;
  }

  private isStringExpression(e: ts.Expression): boolean {
    const t = this.checker.getNonNullableType(this.checker.getTypeAtLocation(e));
    return (t.flags & ts.TypeFlags.StringLike) !== 0 || (t.isUnion() && t.types.every((p) => (p.flags & ts.TypeFlags.StringLike) !== 0));
  }

  private isArrayExpression(e: ts.Expression): boolean {
    const t = this.checker.getNonNullableType(this.checker.getTypeAtLocation(e));
    return this.checker.isArrayType(t) || this.checker.isTupleType(t);
  }

  private isBooleanExpression(e: ts.Expression): boolean {
    const t = this.checker.getTypeAtLocation(e);
    return (t.flags & ts.TypeFlags.BooleanLike) !== 0 || (t.isUnion() && t.types.every((p) => (p.flags & ts.TypeFlags.BooleanLike) !== 0));
  }

  private typeIncludesNull(e: ts.Expression): boolean {
    const t = this.checker.getTypeAtLocation(e);
    return (t.isUnion() ? t.types : [t]).some((p) => (p.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0);
  }

  private typeIncludesUndefined(e: ts.Expression): boolean {
    const t = this.checker.getTypeAtLocation(e);
    return (t.isUnion() ? t.types : [t]).some((p) => (p.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) !== 0);
  }
}

type ComparisonOp = "===" | "!==" | "==" | "!=" | "<" | "<=" | ">" | ">=";

const COMPARISONS: Partial<Record<ts.SyntaxKind, ComparisonOp>> = {
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: "===",
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: "!==",
  [ts.SyntaxKind.EqualsEqualsToken]: "==",
  [ts.SyntaxKind.ExclamationEqualsToken]: "!=",
  [ts.SyntaxKind.LessThanToken]: "<",
  [ts.SyntaxKind.LessThanEqualsToken]: "<=",
  [ts.SyntaxKind.GreaterThanToken]: ">",
  [ts.SyntaxKind.GreaterThanEqualsToken]: ">=",
};

const NEGATED_ORDERING = { "<": ">=", "<=": ">", ">": "<=", ">=": "<" } as const;
/** The operator seen from the other operand: `a < b` is `b > a`. */
const FLIPPED: Record<string, string> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "<>": "<>" };

/** Which `$bind.int` helper maps a number n to k with `col op k` ⇔ `col op n` for integer columns. */
const INTEGER_HELPER: Record<string, string> = { "=": "eq", "<>": "eq", ">": "floor", "<=": "floor", "<": "ceil", ">=": "ceil" };

/** Build-time twin of `$bind.int` for a literal n: the integer k with `col op k` ⇔ `col op n`. */
function integerBound(n: number, op: string): string {
  if (Number.isNaN(n) || op === "=" || op === "<>") return "NULL";
  const k = op === ">" || op === "<=" ? Math.floor(n) : Math.ceil(n);
  return k < 0 ? `(${k})` : String(k);
}

/** Parentheses, type assertions and `!` do not change what a closure computes. */
export function skipTransparent(e: ts.Expression): ts.Expression {
  for (;;) {
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
    else return e;
  }
}

function isNullLiteral(e: ts.Expression): boolean {
  return skipTransparent(e).kind === ts.SyntaxKind.NullKeyword;
}

function isNullish(e: ts.Expression): boolean {
  const s = skipTransparent(e);
  return s.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(s) && s.text === "undefined") || ts.isVoidExpression(s);
}

function stringLiteralValue(e: ts.Expression): string | undefined {
  const s = skipTransparent(e);
  return ts.isStringLiteralLike(s) ? s.text : undefined;
}

function numberLiteralValue(e: ts.Expression): number | undefined {
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand)) return -Number(e.operand.text);
  return undefined;
}

/** `["a", "b"]` written in the closure: its elements, if every one is a literal. */
function literalArray(e: ts.Expression): ts.Expression[] | undefined {
  if (!ts.isArrayLiteralExpression(e)) return undefined;
  const ok = e.elements.every((el) => {
    const s = skipTransparent(el);
    return ts.isStringLiteralLike(s) || numberLiteralValue(s) !== undefined || s.kind === ts.SyntaxKind.NullKeyword || s.kind === ts.SyntaxKind.TrueKeyword || s.kind === ts.SyntaxKind.FalseKeyword;
  });
  return ok ? [...e.elements] : undefined;
}
