import ts from "typescript";
import { quoteLiteral } from "closql/dist/sql";
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
  /** The value as a JavaScript double where the plain SQL form loses something (the -0 of `%`). */
  readonly exactDouble?: SqlNode;
  /** For `d.getTime()`: the Date, so comparisons can use the timestamp (and its index). */
  readonly dateOf?: Value;
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
    if (closure.parameters.length > 1)
      throw new UnsupportedError(closure.parameters[1], "this closure takes one parameter, the row.");
    this.rowSymbols = new Set();
    const param = closure.parameters[0];
    if (param) {
      if (!ts.isIdentifier(param.name)) {
        throw new UnsupportedError(
          param.name,
          "destructuring the row parameter is not supported.",
          "Write `u => u.col` instead.",
        );
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
      throw new UnsupportedError(
        closure.body,
        "a query closure must be a single expression.",
        "Write `u => <expression>` or a block with one `return`.",
      );
    }
    return closure.body;
  }

  // ---------------------------------------------------------------- conditions

  /** SQL that is TRUE exactly when `e` is truthy (positive) or falsy (negative) in JavaScript. */
  condition(e: ts.Expression, positive: boolean): SqlNode {
    e = skipTransparent(e);
    if (!this.readsRow(e)) return this.boundCondition(e, positive);

    if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken)
      return this.condition(e.operand, !positive);

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

    if (ts.isConditionalExpression(e)) {
      // CASE WHEN picks a branch exactly when JavaScript does; each branch keeps the polarity.
      return {
        kind: "case",
        whens: [{ when: this.condition(e.condition, true), then: this.condition(e.whenTrue, positive) }],
        else: this.condition(e.whenFalse, positive),
      };
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
    const truthy = ts.factory.createPrefixUnaryExpression(
      ts.SyntaxKind.ExclamationToken,
      ts.factory.createPrefixUnaryExpression(
        ts.SyntaxKind.ExclamationToken,
        ts.factory.createParenthesizedExpression(e),
      ),
    );
    const p = this.bindExpression(truthy, "boolean");
    return positive ? p : sql.not(p);
  }

  /** Truthiness of a value by its JavaScript kind: `""`, 0, NaN, 0n, false and null are falsy. */
  private truthiness(v: Value, positive: boolean, at: ts.Node): SqlNode {
    const { node, type } = v;
    const orNull = (falsy: SqlNode) => (type.nullable ? sql.or(falsy, sql.is(node, "NULL")) : falsy);
    if (isJson(type)) {
      // Parsed JSON is falsy for null, false, 0 and "" — and a missing key is undefined.
      const falsy = sql.any(node, sql.literal(`ARRAY['null', 'false', '0', '""']::jsonb[]`));
      return positive ? sql.and(sql.is(node, "NOT NULL"), sql.not(falsy)) : sql.or(sql.is(node, "NULL"), falsy);
    }
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
        return positive
          ? sql.and(sql.binary("<>", node, zero), sql.binary("<>", node, nan))
          : orNull(sql.or(sql.binary("=", node, zero), sql.binary("=", node, nan)));
      }
      case "date":
      case "array":
      case "bytes":
        return sql.is(node, positive ? "NOT NULL" : "NULL");
      default:
        throw new UnsupportedError(
          at,
          `closql cannot tell how JavaScript's truthiness applies to this value.`,
          "Compare it explicitly, e.g. `x !== null`.",
        );
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
        throw new UnsupportedError(
          e.operatorToken,
          `\`${op}\` converts types in JavaScript before comparing.`,
          `Use \`${op}=\`.`,
        );
      }
    }
    const equality = op === "===" || op === "==" ? "=" : op === "!==" || op === "!=" ? "<>" : undefined;
    if (equality) return this.equality(e, left, right, equality === "=" ? positive : !positive);
    return this.ordering(e, op as "<" | "<=" | ">" | ">=", left, right, positive);
  }

  /** `x === null`, `x == undefined`, … */
  private nullCheck(
    e: ts.BinaryExpression,
    op: ComparisonOp,
    operand: ts.Expression,
    nullish: ts.Expression,
    positive: boolean,
  ): SqlNode {
    const v = this.value(operand);
    const loose = op === "==" || op === "!=";
    if (!loose && !isNullLiteral(nullish) && !this.typeIncludesUndefined(operand) && !v.type.jsonPath) {
      throw new UnsupportedError(
        e,
        "a column that is NULL in SQL is `null` in JavaScript, never `undefined`, so this comparison is always false.",
        `Write \`=== null\` (or \`== null\`).`,
      );
    }
    const isNull = op === "===" || op === "==" ? positive : !positive;
    if (isJson(v.type)) {
      // A JSONB path is SQL NULL when the key is missing (undefined) and 'null' for JSON null; a
      // JSONB column's SQL NULL and JSON null both reach JavaScript as null.
      const missing = sql.is(v.node, "NULL");
      const jsonNull = sql.binary("=", v.node, sql.literal("'null'::jsonb"));
      if (loose || !v.type.jsonPath)
        return isNull
          ? sql.or(missing, jsonNull)
          : sql.and(sql.is(v.node, "NOT NULL"), sql.binary("<>", v.node, sql.literal("'null'::jsonb")));
      const hit = isNullLiteral(nullish) ? jsonNull : missing;
      return isNull ? hit : sql.is(hit, "NOT TRUE");
    }
    return sql.is(v.node, isNull ? "NULL" : "NOT NULL");
  }

  /** TRUE exactly when `a === b` (equal) or `a !== b` (equal = false) in JavaScript. */
  private equality(e: ts.BinaryExpression, a: Value, b: Value, equal: boolean): SqlNode {
    if (a.dateOf || b.dateOf) return this.compareDates("=", this.dateSide(a, e), this.dateSide(b, e), equal);
    for (const v of [a, b]) {
      // Only JSON scalars compare by value; a JSON object or array is compared by reference in JS.
      if (isJson(v.type) && !["string", "number", "boolean"].includes(v.type.kind)) {
        throw new UnsupportedError(
          e,
          "`===` compares objects and arrays by reference in JavaScript.",
          "Compare a property or element instead, or use `contains(…)`.",
        );
      }
    }
    if (isJson(a.type) || isJson(b.type)) {
      // JSON values compare by type and value, like JavaScript's === on parsed JSON scalars.
      const x = this.asJson(a);
      const y = this.asJson(b);
      const undefinedOnBothSides = (v: Value, w: Value) =>
        isJson(v.type) && w.bound && this.typeIncludesUndefined(w.bound)
          ? sql.and(
              sql.is(v.node, "NULL"),
              this.bindExpression(
                ts.factory.createBinaryExpression(
                  ts.factory.createParenthesizedExpression(w.bound),
                  ts.SyntaxKind.EqualsEqualsEqualsToken,
                  ts.factory.createIdentifier("undefined"),
                ),
                "boolean",
              ),
            )
          : sql.FALSE;
      const hit = sql.or(sql.binary("=", x.node, y.node), undefinedOnBothSides(x, b), undefinedOnBothSides(y, a));
      return equal ? hit : sql.is(hit, "NOT TRUE");
    }
    for (const v of [a, b]) {
      if (v.type.kind === "date")
        throw new UnsupportedError(
          e,
          "`===` compares Date objects by reference in JavaScript, so it is false for any two distinct Dates.",
          "Compare `a.getTime() === b.getTime()`, or use `<=`/`>=`.",
        );
      if (v.type.kind === "array" || v.type.kind === "bytes" || v.type.kind === "json") {
        throw new UnsupportedError(
          e,
          "`===` compares objects and arrays by reference in JavaScript.",
          "Compare a property or element instead.",
        );
      }
    }
    [a, b] = this.numericOperands(a, b, "=");
    [a, b] = [this.enumOperand(a, b), this.enumOperand(b, a)];
    const nanGuard = this.nanGuards(a, b);
    const eq = sql.and(sql.binary("=", a.node, b.node), ...nanGuard);
    const hit = sql.or(
      eq,
      a.type.nullable && b.type.nullable ? sql.and(this.isJsNull(a), this.isJsNull(b)) : sql.FALSE,
    );
    if (equal) return hit;
    if (a.sentinel || b.sentinel || nanGuard.length > 0) return sql.is(hit, "NOT TRUE");
    if (a.type.nullable && b.type.nullable) return sql.binary("IS DISTINCT FROM", a.node, b.node);
    const ne = sql.binary("<>", a.node, b.node);
    if (a.type.nullable) return sql.or(ne, sql.is(a.node, "NULL"));
    if (b.type.nullable) return sql.or(ne, sql.is(b.node, "NULL"));
    return ne;
  }

  /**
   * A bound string compared with an enum column: PostgreSQL rejects a value that is not a label, where
   * JavaScript just finds it unequal, so non-labels are bound as "matches nothing".
   */
  private enumOperand(v: Value, other: Value): Value {
    const labels = other.type.enumLabels;
    if (!labels || v.node.kind !== "param" || !v.bound) return v;
    const list = ts.factory.createArrayLiteralExpression(labels.map((l) => ts.factory.createStringLiteral(l)));
    this.params[v.node.index] = this.helper("$bind.oneOf", [v.bound, list]);
    return { ...v, sentinel: true };
  }

  /** The Date behind one side of a getTime() comparison (a bound number stays a number of ms). */
  private dateSide(v: Value, at: ts.Node): Value {
    if (v.dateOf) return v.dateOf;
    if (v.node.kind === "param" && v.type.kind === "number") return v;
    throw new UnsupportedError(
      at,
      "compare `getTime()` with another `getTime()` or a number of milliseconds computed outside the row.",
    );
  }

  /** SQL that is TRUE when the value is JavaScript null: a bound value is tested in JavaScript. */
  private isJsNull(v: Value): SqlNode {
    if (v.bound && v.sentinel)
      return this.bindExpression(
        ts.factory.createBinaryExpression(
          ts.factory.createParenthesizedExpression(v.bound),
          ts.SyntaxKind.EqualsEqualsToken,
          ts.factory.createNull(),
        ),
        "boolean",
      );
    return sql.is(v.node, "NULL");
  }

  /** `< <= > >=` */
  private ordering(
    e: ts.BinaryExpression,
    op: "<" | "<=" | ">" | ">=",
    a: Value,
    b: Value,
    positive: boolean,
  ): SqlNode {
    for (const v of [a, b]) {
      if (v.type.nullable && !(isJson(v.type) && v.type.kind === "number")) {
        throw new UnsupportedError(
          e,
          "an ordering comparison with a nullable operand: JavaScript converts null to 0 (`null < 1` is true), SQL yields NULL.",
          "Check for null first: `x !== null && x < 1`.",
        );
      }
      if (!["number", "bigint", "string", "date"].includes(v.type.kind)) {
        throw new UnsupportedError(e, `\`${op}\` on ${v.type.kind} values has no faithful SQL translation.`);
      }
    }
    if (a.type.kind !== b.type.kind)
      throw new UnsupportedError(
        e,
        `\`${op}\` between ${a.type.kind} and ${b.type.kind} converts types in JavaScript.`,
        "Compare values of the same type.",
      );
    if (a.type.kind === "date") return this.compareDates(op, a, b, positive);
    if (a.dateOf || b.dateOf) return this.compareDates(op, this.dateSide(a, e), this.dateSide(b, e), positive);
    if (a.type.kind === "string")
      [a, b] = [this.codeUnitOrder(this.textValue(a)), this.codeUnitOrder(this.textValue(b))];
    if (a.type.kind === "number") [a, b] = [this.jsonNumber(a), this.jsonNumber(b)];
    [a, b] = this.numericOperands(a, b, op);
    const guards = this.nanGuards(a, b);
    const cmp = sql.and(sql.binary(op, a.node, b.node), ...guards);
    if (positive) return cmp;
    if (guards.length > 0 || a.sentinel || b.sentinel || a.type.nullable || b.type.nullable)
      return sql.is(cmp, "NOT TRUE");
    return sql.binary(NEGATED_ORDERING[op], a.node, b.node);
  }

  /** A JSONB number path compared as a number (numeric: exact for any JSON number). */
  private jsonNumber(v: Value): Value {
    if (!isJson(v.type)) return v;
    // A JavaScript number is a double; JSON has no NaN.
    return { ...v, node: sql.cast(v.node, "float8"), type: { ...v.type, sqlType: "double precision", neverNaN: true } };
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
    return {
      ...v,
      node: { kind: "param", index: v.node.index, cast: againstInteger ? "int8" : undefined },
      type,
      sentinel: true,
    };
  }

  /** PostgreSQL's NaN is equal to itself and greater than every number; JavaScript's is neither. */
  private nanGuards(a: Value, b: Value): SqlNode[] {
    const guards: SqlNode[] = [];
    // Bound numbers arrive with NaN already mapped to NULL; literals are known. Only SQL-side values need it.
    for (const v of [a, b])
      if (mayBeNaN(v.type) && v.node.kind !== "literal" && v.node.kind !== "param")
        guards.push(sql.binary("<>", v.node, sql.literal("'NaN'")));
    return guards;
  }

  // ---------------------------------------------------------------- method calls used as conditions

  private methodCondition(e: ts.CallExpression, positive: boolean): SqlNode | undefined {
    if (!ts.isPropertyAccessExpression(e.expression)) return undefined;
    const method = e.expression.name.text;
    const receiver = e.expression.expression;
    const [arg] = e.arguments;

    // The receiver's kind comes from its lowered value when it reads the row: TypeScript may have
    // narrowed it to `never` in a branch JavaScript never reaches, which SQL still evaluates.
    const kind = this.readsRow(receiver)
      ? this.value(receiver).type.kind
      : this.isStringExpression(receiver)
        ? "string"
        : this.isArrayExpression(receiver)
          ? "array"
          : "unknown";
    if ((method === "startsWith" || method === "endsWith" || method === "includes") && kind === "string") {
      if (e.arguments.length !== 1)
        throw new UnsupportedError(e, `\`${method}\` with a position argument is not supported.`);
      const s = this.textValue(this.value(receiver));
      const pattern = this.likePattern(method, arg);
      const match = sql.binary("LIKE", s.node, pattern);
      if (positive) return match;
      const noMatch = sql.binary("NOT LIKE", s.node, pattern);
      return s.type.nullable ? sql.or(noMatch, sql.is(s.node, "NULL")) : noMatch;
    }

    if (method === "includes" && kind === "array") {
      if (e.arguments.length !== 1)
        throw new UnsupportedError(e, "`includes` with a position argument is not supported.");
      return this.arrayIncludes(e, receiver, arg, positive);
    }
    return undefined;
  }

  /** LIKE pattern for startsWith/endsWith/includes, with `%`, `_` and `\` of the argument escaped. */
  private likePattern(method: "startsWith" | "endsWith" | "includes", arg: ts.Expression): SqlNode {
    const wrap = (s: string) => (method === "startsWith" ? `${s}%` : method === "endsWith" ? `%${s}` : `%${s}%`);
    const literal = stringLiteralValue(arg);
    if (literal !== undefined && !literal.includes("\0"))
      return sql.literal(quoteLiteral(wrap(literal.replace(/[\\%_]/g, "\\$&"))));
    if (!this.readsRow(arg)) return this.bindExpression(this.helper(`$like.${method}`, [arg]));
    // Both sides read the row: escape in SQL.
    const v = this.textValue(this.value(arg)).node;
    const escaped = ["\\", "%", "_"].reduce<SqlNode>(
      (acc, ch) => sql.call("replace", acc, sql.literal(quoteLiteral(ch)), sql.literal(quoteLiteral(`\\${ch}`))),
      v,
    );
    const pct = sql.literal("'%'");
    return method === "startsWith"
      ? sql.binary("||", escaped, pct)
      : method === "endsWith"
        ? sql.binary("||", pct, escaped)
        : sql.binary("||", sql.binary("||", pct, escaped), pct);
  }

  /** `list.includes(u.col)` and `u.arrayCol.includes(v)`: SameValueZero membership. */
  private arrayIncludes(
    e: ts.CallExpression,
    arrayExpr: ts.Expression,
    item: ts.Expression,
    positive: boolean,
  ): SqlNode {
    let itemValue = this.value(item);
    let arrayNode: SqlNode;
    let elementNullable: boolean;

    const literalList = !this.readsRow(arrayExpr) ? literalArray(skipTransparent(arrayExpr)) : undefined;
    if (literalList) {
      // Literal lists are inlined (so partial indexes match); `IN` is exact for non-null items.
      const members = literalList.map((v) => this.literalValue(v)).filter((v) => v.literal !== null);
      elementNullable = members.length !== literalList.length;
      const matches = members.map((m) => this.numericOperand(m, itemValue, "=")).filter((m) => !m.sentinel);
      const inList: SqlNode =
        matches.length === 0 ? sql.FALSE : { kind: "in", left: itemValue.node, list: matches.map((m) => m.node) };
      const nullMatch = elementNullable && itemValue.type.nullable ? sql.is(itemValue.node, "NULL") : sql.FALSE;
      const hit = sql.or(inList, nullMatch);
      return positive ? hit : sql.is(hit, "NOT TRUE");
    }

    // Against a bound or column array, a JSON string or an enum is compared as text: PostgreSQL has no
    // jsonb = text, and would reject a bound non-label as enum input. (A literal list above is checked
    // by TypeScript against the enum's labels, so it keeps the enum and its index.)
    if (isJson(itemValue.type) || itemValue.type.sqlType?.startsWith('"')) itemValue = this.textValue(itemValue);
    if (!this.readsRow(arrayExpr)) {
      const t = typeOfExpression(this.checker, this.checker.getTypeAtLocation(arrayExpr));
      elementNullable = t.element?.nullable ?? true;
      // Non-integers can never equal an integer column, and PostgreSQL would reject them as input.
      const integers = isIntegerSqlType(itemValue.type) && t.element?.kind === "number";
      arrayNode = integers
        ? this.bindExpression(this.helper("$bind.int.list", [arrayExpr]), "int8[]")
        : this.bindExpression(arrayExpr);
    } else {
      const arr = this.value(arrayExpr);
      if (arr.type.kind !== "array")
        throw new UnsupportedError(arrayExpr, "`includes` on this value is not supported.");
      arrayNode = arr.node;
      elementNullable = arr.type.element?.nullable ?? true;
    }
    const hit = sql.or(
      { kind: "any", left: itemValue.node, array: arrayNode },
      // [null].includes(null) is true in JavaScript; `NULL = ANY(…)` is NULL.
      elementNullable && itemValue.type.nullable
        ? sql.and(sql.is(itemValue.node, "NULL"), sql.is(sql.call("array_position", arrayNode, sql.NULL), "NOT NULL"))
        : sql.FALSE,
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

    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) return this.memberValue(e);

    if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      if (COMPARISONS[op]) return this.conditionAsValue(e);
      if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) {
        if (this.isBooleanExpression(e)) return this.conditionAsValue(e);
        return this.logicalValue(e);
      }
      if (op === ts.SyntaxKind.QuestionQuestionToken) return this.coalesce(e);
      if (ARITHMETIC[op]) return this.arithmetic(e, ARITHMETIC[op]!);
    }
    if (ts.isPrefixUnaryExpression(e)) {
      if (e.operator === ts.SyntaxKind.ExclamationToken) return this.conditionAsValue(e);
      if (e.operator === ts.SyntaxKind.MinusToken) {
        const v = this.value(e.operand);
        if (v.type.kind !== "number" && v.type.kind !== "bigint")
          throw new UnsupportedError(
            e,
            "unary `-` converts its operand to a number in JavaScript.",
            "Negate numbers only.",
          );
        return {
          node: { kind: "unary", op: "-", operand: this.asFloat(v).node },
          type: v.type.kind === "number" ? FLOAT : v.type,
        };
      }
    }
    if (ts.isConditionalExpression(e)) {
      const [a, b] = this.unifyTypes(this.value(e.whenTrue), this.value(e.whenFalse));
      return {
        node: { kind: "case", whens: [{ when: this.condition(e.condition, true), then: a.node }], else: b.node },
        type: mergeTypes(a.type, b.type, e),
      };
    }
    if (ts.isTemplateExpression(e)) {
      const parts: Value[] = [];
      if (e.head.text) parts.push(this.literalValue(ts.factory.createStringLiteral(e.head.text)));
      for (const span of e.templateSpans) {
        parts.push(this.value(span.expression));
        if (span.literal.text) parts.push(this.literalValue(ts.factory.createStringLiteral(span.literal.text)));
      }
      return this.concat(parts, e);
    }
    if (ts.isCallExpression(e)) return this.callValue(e);

    throw new UnsupportedError(
      e,
      `\`${e.getText()}\` is not supported in a query closure.`,
      "See the operator table in the README for what compiles.",
    );
  }

  /** `a && b` / `a || b` on non-booleans: JavaScript yields one of the operands. */
  private logicalValue(e: ts.BinaryExpression): Value {
    const [a, b] = this.unifyTypes(this.value(e.left), this.value(e.right));
    const type = mergeTypes(a.type, b.type, e);
    const and = e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken;
    const whenTruthy = this.truthiness(a, true, e.left);
    return {
      node: { kind: "case", whens: [{ when: whenTruthy, then: and ? b.node : a.node }], else: and ? a.node : b.node },
      type,
    };
  }

  /** `a ?? b`: b when a is null or undefined. */
  private coalesce(e: ts.BinaryExpression): Value {
    const left = this.value(e.left);
    const [a, b] = isJson(left.type) ? [left, this.value(e.right)] : this.unifyTypes(left, this.value(e.right));
    const type = { ...mergeTypes({ ...a.type, nullable: false }, b.type, e), nullable: b.type.nullable };
    if (isJson(a.type)) {
      // JSON null is a value in SQL but null in JavaScript.
      const missing = sql.or(sql.is(a.node, "NULL"), sql.binary("=", a.node, sql.literal("'null'::jsonb")));
      return {
        node: { kind: "case", whens: [{ when: missing, then: this.asJson(b).node }], else: a.node },
        type: { ...type, sqlType: "jsonb" },
      };
    }
    return { node: sql.call("COALESCE", a.node, b.node), type };
  }

  /**
   * `+ - * / %` with JavaScript's number semantics: numbers are IEEE doubles, so integer columns are
   * computed as double precision (no integer division, no int4 overflow); division by zero gives
   * ±Infinity or NaN as in JavaScript instead of an SQL error. `+` with a string operand concatenates.
   */
  private arithmetic(e: ts.BinaryExpression, op: "+" | "-" | "*" | "/" | "%"): Value {
    const a = this.value(e.left);
    const b = this.value(e.right);
    if (op === "+" && (a.type.kind === "string" || b.type.kind === "string")) return this.concat([a, b], e);
    if (a.type.kind === "bigint" && b.type.kind === "bigint") {
      // BigInt arithmetic is exact and `/` truncates, as int8 does (an int8 overflow is an SQL error).
      return { node: sql.binary(op, a.node, b.node), type: { kind: "bigint", nullable: false, sqlType: "bigint" } };
    }
    if (a.type.kind !== "number" || b.type.kind !== "number") {
      throw new UnsupportedError(
        e,
        `\`${op}\` on ${a.type.kind} and ${b.type.kind} values converts them in JavaScript.`,
        "Use numbers (or strings with `+`).",
      );
    }
    if (op === "%") {
      if (!isIntegerValue(a) || !isIntegerValue(b))
        throw new UnsupportedError(
          e,
          "`%` on non-integer numbers has no exact SQL equivalent.",
          "Use integer operands.",
        );
      const rem = sql.binary("%", a.node, b.node);
      // In JavaScript -4 % 2 is -0, which only shows once the result feeds more arithmetic (x / -0 is
      // -Infinity): that exact double form is kept for asFloat; comparisons use the plain remainder.
      const negativeZero = {
        when: sql.and(sql.binary("<", a.node, sql.literal("0")), sql.binary("=", rem, sql.literal("0"))),
        then: sql.literal("'-0'::float8"),
      };
      const byZero = { when: sql.binary("=", b.node, sql.literal("0")), then: sql.literal("'NaN'::float8") };
      if (isNonZeroLiteral(b))
        return {
          node: rem,
          type: { kind: "number", nullable: false, sqlType: "integer" },
          exactDouble: { kind: "case", whens: [negativeZero], else: sql.cast(rem, "float8") },
        };
      return {
        node: { kind: "case", whens: [byZero], else: sql.cast(rem, "float8") },
        type: FLOAT,
        exactDouble: { kind: "case", whens: [byZero, negativeZero], else: sql.cast(rem, "float8") },
      };
    }
    const x = this.asFloat(a).node;
    const y = this.asFloat(b).node;
    if (op !== "/" || isNonZeroLiteral(b)) return { node: sql.binary(op, x, y), type: FLOAT };
    // x / ±0 in JavaScript: NaN for 0 and NaN, otherwise ±Infinity by the signs of x and of the zero
    // (PostgreSQL's float8 keeps -0 too: its text form starts with "-").
    const inf = sql.literal("'Infinity'::float8");
    const negInf = sql.literal("'-Infinity'::float8");
    const nan = sql.literal("'NaN'::float8");
    const zeroIsPositive = sql.binary("NOT LIKE", sql.cast(y, "text"), sql.literal("'-%'"));
    let byZero: SqlNode;
    if (typeof a.literal === "number") {
      byZero =
        a.literal === 0 || Number.isNaN(a.literal)
          ? nan
          : {
              kind: "case",
              whens: [{ when: zeroIsPositive, then: a.literal > 0 ? inf : negInf }],
              else: a.literal > 0 ? negInf : inf,
            };
    } else {
      byZero = {
        kind: "case",
        whens: [
          { when: sql.or(sql.binary("=", x, sql.literal("'NaN'")), sql.binary("=", x, sql.literal("0"))), then: nan },
          { when: sql.binary("=", sql.binary(">", x, sql.literal("0")), zeroIsPositive), then: inf },
        ],
        else: negInf,
      };
    }
    return {
      node: {
        kind: "case",
        whens: [{ when: sql.binary("=", y, sql.literal("0")), then: byZero }],
        else: sql.binary("/", x, y),
      },
      type: FLOAT,
    };
  }

  /** A number computed as double precision, the type of every JavaScript number. */
  private asFloat(v: Value): Value {
    if (v.exactDouble) return { node: v.exactDouble, type: FLOAT };
    if (isJson(v.type)) return this.jsonNumber(v);
    if (v.node.kind === "literal" || v.node.kind === "param" || !isIntegerSqlType(v.type)) return v;
    return { node: sql.cast(v.node, "float8"), type: FLOAT };
  }

  /** String `+` and template literals: JavaScript's ToString of each operand, then `||`. */
  private concat(parts: Value[], at: ts.Node): Value {
    const texts = parts.map((p) => {
      let node: SqlNode;
      switch (p.type.kind) {
        case "string":
          node = this.textValue(p).node;
          break;
        case "boolean":
        case "bigint":
          node = sql.cast(p.node, "text");
          break;
        case "number":
          // JavaScript prints integers like SQL does; other doubles differ (1e-7 vs 1e-07).
          if (!isIntegerValue(p))
            throw new UnsupportedError(
              at,
              "a non-integer number turned into a string is formatted differently by SQL.",
              "Concatenate integer values or strings only.",
            );
          node = p.node.kind === "literal" ? sql.literal(quoteLiteral(String(p.literal))) : sql.cast(p.node, "text");
          break;
        default:
          throw new UnsupportedError(at, `a ${p.type.kind} value turned into a string has no faithful SQL equivalent.`);
      }
      // String(null) is "null" in JavaScript.
      return p.type.nullable ? sql.call("COALESCE", node, sql.literal("'null'")) : node;
    });
    const node = texts.reduce((acc, t) => sql.binary("||", acc, t));
    return { node, type: { kind: "string", nullable: false, sqlType: "text" } };
  }

  /** `s.length`, `arr.length`, JSONB properties `u.meta.plan`, `u.meta?.list[0]`. */
  private memberValue(e: ts.PropertyAccessExpression | ts.ElementAccessExpression): Value {
    const target = this.value(e.expression);
    const name = ts.isPropertyAccessExpression(e) ? e.name.text : undefined;
    if (isJson(target.type)) {
      let key: SqlNode;
      if (name !== undefined) key = sql.literal(quoteLiteral(name));
      else {
        const arg = skipTransparent((e as ts.ElementAccessExpression).argumentExpression);
        const n = numberLiteralValue(arg);
        if (ts.isStringLiteralLike(arg)) key = sql.literal(quoteLiteral(arg.text));
        else if (n !== undefined && Number.isInteger(n) && n >= 0) key = sql.literal(String(n));
        else throw new UnsupportedError(arg, "a JSONB path key must be a literal property name or index.");
      }
      // The declared type, not the narrowed one: a branch may narrow the path to null or never,
      // but SQL evaluates it as the declared JSON value.
      const symbol =
        name !== undefined ? this.checker.getSymbolAtLocation((e as ts.PropertyAccessExpression).name) : undefined;
      const t = typeOfExpression(
        this.checker,
        symbol ? this.checker.getTypeOfSymbol(symbol) : this.checker.getTypeAtLocation(e),
      );
      return {
        node: sql.binary("->", target.node, key),
        type: { ...t, kind: t.kind === "unknown" ? "json" : t.kind, nullable: true, sqlType: "jsonb", jsonPath: true },
      };
    }
    if (name === "length" && target.type.kind === "string") {
      // JavaScript counts UTF-16 code units: an astral character (emoji) counts twice.
      const text = this.textValue(target).node;
      const astral = sql.binary(
        "-",
        sql.call("char_length", text),
        sql.call(
          "char_length",
          sql.call(
            "regexp_replace",
            text,
            sql.literal("'[\\U00010000-\\U0010FFFF]'"),
            sql.literal("''"),
            sql.literal("'g'"),
          ),
        ),
      );
      return {
        node: sql.binary("+", sql.call("char_length", text), astral),
        type: { kind: "number", nullable: target.type.nullable, sqlType: "integer" },
      };
    }
    if (name === "length" && target.type.kind === "array") {
      return {
        node: sql.call("cardinality", target.node),
        type: { kind: "number", nullable: target.type.nullable, sqlType: "integer" },
      };
    }
    throw new UnsupportedError(
      e,
      `\`${e.getText()}\` is not supported in a query closure.`,
      "See the operator table in the README for what compiles.",
    );
  }

  /** Method calls and marker functions used as values. */
  private callValue(e: ts.CallExpression): Value {
    const marker = this.markerCall(e);
    if (marker) return marker;
    if (ts.isPropertyAccessExpression(e.expression)) {
      const method = e.expression.name.text;
      if (method === "startsWith" || method === "endsWith" || method === "includes") {
        const c = this.methodCondition(e, true);
        if (c)
          return {
            node: sql.isTwoValued(c) ? c : sql.is(c, "TRUE"),
            type: { kind: "boolean", nullable: false, sqlType: "boolean" },
          };
      }
      const receiver = e.expression.expression;
      if (STRING_FUNCTIONS[method] && this.isStringExpression(receiver) && e.arguments.length === 0) {
        const s = this.textValue(this.value(receiver));
        return {
          node: STRING_FUNCTIONS[method](s.node),
          type: { kind: "string", nullable: s.type.nullable, sqlType: "text" },
        };
      }
      if (method === "getTime" && e.arguments.length === 0) {
        const d = this.value(receiver);
        if (d.type.kind !== "date") throw new UnsupportedError(e, "`getTime()` is supported on Date values only.");
        // Milliseconds since the epoch, as JavaScript's Date holds them (truncated, not rounded).
        const ms = sql.call(
          "floor",
          sql.binary("*", { kind: "extract", field: "epoch", operand: d.node }, sql.literal("1000")),
        );
        return {
          node: sql.cast(ms, "float8"),
          type: { kind: "number", nullable: d.type.nullable, sqlType: "bigint" },
          dateOf: d,
        };
      }
    }
    throw new UnsupportedError(
      e,
      `\`${e.getText()}\` is not supported in a query closure.`,
      "See the operator table in the README for what compiles.",
    );
  }

  /**
   * Two values that become one SQL value (`??`, `?:`): an enum and a text would make PostgreSQL cast
   * the text to the enum, and JSONB matches neither text nor numbers, so both sides get one SQL type.
   */
  private unifyTypes(a: Value, b: Value): [Value, Value] {
    if (a.type.kind !== b.type.kind) return [a, b];
    if (a.type.kind === "number" && (isJson(a.type) || isJson(b.type))) return [this.asFloat(a), this.asFloat(b)];
    if (a.type.kind !== "string" || a.type.sqlType === b.type.sqlType) return [a, b];
    return [this.textValue(a), this.textValue(b)];
  }

  /** A string value as SQL text (a JSONB string path is unwrapped with `#>> '{}'`). */
  private textValue(v: Value): Value {
    if (isJson(v.type))
      return { node: sql.binary("#>>", v.node, sql.literal("'{}'")), type: { ...v.type, sqlType: "text" } };
    // Enums, uuid, numeric and date are strings in JavaScript but not text in SQL.
    if (v.type.kind === "string" && v.type.sqlType !== undefined && !isTextual(v.type))
      return { node: sql.cast(v.node, "text"), type: { ...v.type, sqlType: "text" } };
    return v;
  }

  /** A value as JSONB, for comparison with a JSONB path. */
  private asJson(v: Value): Value {
    if (isJson(v.type)) return v;
    if (v.literal !== undefined) {
      const json =
        v.literal === null ? "null" : JSON.stringify(typeof v.literal === "bigint" ? v.literal.toString() : v.literal);
      return { ...v, node: sql.literal(`${quoteLiteral(json)}::jsonb`), type: { ...v.type, sqlType: "jsonb" } };
    }
    if (v.node.kind === "param" && v.bound) {
      this.params[v.node.index] = this.helper("$bind.json", [v.bound]);
      return {
        ...v,
        node: { kind: "param", index: v.node.index, cast: "jsonb" },
        type: { ...v.type, sqlType: "jsonb" },
        sentinel: true,
      };
    }
    return { ...v, node: sql.call("to_jsonb", v.node), type: { ...v.type, sqlType: "jsonb" } };
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
    if (col.sqlType.startsWith('"')) (type as { enumLabels?: string[] }).enumLabels = this.stringLabels(e);
    // TypeScript narrows `u.x` after `u.x !== null &&`; the SQL stays correct because the guarding
    // operand decides the AND/OR whenever the narrowing does not hold.
    const narrowedToNonNull = type.nullable && !this.typeIncludesNull(e);
    return { node: sql.column(col.name), type: narrowedToNonNull ? { ...type, nullable: false } : type };
  }

  /** A row-independent expression: a literal written in the closure is inlined, anything else bound. */
  private literalValue(e: ts.Expression): Value {
    e = skipTransparent(e);
    if (ts.isStringLiteralLike(e)) {
      if (e.text.includes("\0"))
        throw new UnsupportedError(
          e,
          "PostgreSQL text cannot hold the NUL character (\\u0000), so this literal can never match.",
          "Remove the NUL character.",
        );
      return { node: sql.literal(quoteLiteral(e.text)), type: { kind: "string", nullable: false }, literal: e.text };
    }
    const n = numberLiteralValue(e);
    if (n !== undefined) {
      if (!Number.isFinite(n)) return this.bind(e);
      // An SQL integer literal has no -0; the double keeps the sign `x / -0` depends on.
      const text = Object.is(n, -0) ? "'-0'::float8" : n < 0 ? `(${n})` : String(n);
      return {
        node: sql.literal(text),
        type: { kind: "number", nullable: false, sqlType: Number.isInteger(n) ? "integer" : undefined },
        literal: n,
      };
    }
    if (ts.isBigIntLiteral(e))
      return {
        node: sql.literal(e.text.slice(0, -1)),
        type: { kind: "bigint", nullable: false, sqlType: "bigint" },
        literal: BigInt(e.text.slice(0, -1)),
      };
    if (e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword) {
      const v = e.kind === ts.SyntaxKind.TrueKeyword;
      return {
        node: v ? sql.TRUE : sql.FALSE,
        type: { kind: "boolean", nullable: false, sqlType: "boolean" },
        literal: v,
      };
    }
    if (e.kind === ts.SyntaxKind.NullKeyword)
      return { node: sql.NULL, type: { kind: "unknown", nullable: true }, literal: null };
    return this.bind(e);
  }

  private bind(e: ts.Expression): Value {
    const type = typeOfExpression(this.checker, this.checker.getTypeAtLocation(e));
    // A JavaScript number is a double: without the cast PostgreSQL may type the parameter from an
    // integer neighbour (a CASE branch) and reject 0.1 or NaN.
    if (type.kind !== "number") return { node: this.bindExpression(e), type, bound: e };
    return {
      node: this.bindExpression(this.helper("$bind.double", [e]), "float8"),
      type: { ...type, sqlType: "double precision" },
      bound: e,
    };
  }

  private bindExpression(e: ts.Expression, cast?: string): SqlNode {
    this.params.push(e);
    return { kind: "param", index: this.params.length - 1, cast };
  }

  // ---------------------------------------------------------------- dates

  /**
   * Compares timestamps as JavaScript compares Dates: to the millisecond. PostgreSQL keeps
   * microseconds, so against a bound Date the bound side moves instead of the column (index-friendly):
   * `col > d` ⇔ `col >= d + 1ms`, `col <= d` ⇔ `col < d + 1ms`, `===` is the 1 ms range.
   */
  private compareDates(op: "=" | "<" | "<=" | ">" | ">=", a: Value, b: Value, positive: boolean): SqlNode {
    if (this.readsRowValue(b) && !this.readsRowValue(a))
      return this.compareDates(FLIPPED[op] as typeof op, b, a, positive);
    let hit: SqlNode;
    let sentinel = false;
    if (!this.readsRowValue(b)) {
      const bound = (helper: "at" | "next"): SqlNode => {
        if (b.node.kind !== "param" || !b.bound) throw new Error("closql: expected a bound Date");
        const fromMs = b.type.kind === "number" ? this.helper("$bind.date.fromMs", [b.bound]) : b.bound;
        return this.bindExpression(this.helper(`$bind.date.${helper}`, [fromMs]));
      };
      sentinel = true;
      const col = a.node;
      switch (op) {
        case ">":
          hit = sql.binary(">=", col, bound("next"));
          break;
        case ">=":
          hit = sql.binary(">=", col, bound("at"));
          break;
        case "<":
          hit = sql.binary("<", col, bound("at"));
          break;
        case "<=":
          hit = sql.binary("<", col, bound("next"));
          break;
        case "=":
          hit = sql.and(sql.binary(">=", col, bound("at")), sql.binary("<", col, bound("next")));
          break;
      }
    } else {
      const ms = (v: Value) => sql.call("date_trunc", sql.literal("'milliseconds'"), v.node);
      hit = sql.binary(op, ms(a), ms(b));
    }
    if (positive) return hit;
    return sentinel || a.type.nullable || b.type.nullable ? sql.is(hit, "NOT TRUE") : sql.not(hit);
  }

  private readsRowValue(v: Value): boolean {
    return v.node.kind !== "param" && v.node.kind !== "literal";
  }

  // ---------------------------------------------------------------- marker functions

  /** ilike, similarity, matches, hasKey, contains, overlaps, containsAll, and sqlFunction-declared functions. */
  private markerCall(e: ts.CallExpression): Value | undefined {
    const calleeSymbol = this.checker.getSymbolAtLocation(e.expression);
    if (!calleeSymbol) return undefined;
    const calleeType = this.checker.getTypeAtLocation(e.expression);
    if (calleeType.getProperty("$sqlFunction")) return this.sqlFunctionCall(e, calleeSymbol);
    const target =
      calleeSymbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(calleeSymbol) : calleeSymbol;
    const decl = target.declarations?.[0];
    if (!decl || !/closql[\\/](dist|src)[\\/]runtime[\\/]markers\.(d\.ts|ts)$/.test(decl.getSourceFile().fileName))
      return undefined;
    const args = e.arguments.map((a) => this.value(a));
    const nullable = args.some((a) => a.type.nullable);
    const bool = (node: SqlNode): Value => ({ node, type: { kind: "boolean", nullable, sqlType: "boolean" } });
    const text = (v: Value) => this.textValue(v).node;
    switch (target.name) {
      case "ilike":
        return bool(sql.binary("ILIKE", text(args[0]), text(args[1])));
      case "similarity":
        return {
          node: sql.call("similarity", text(args[0]), text(args[1])),
          type: { kind: "number", nullable, sqlType: "real", neverNaN: true },
        };
      case "matches": {
        const config = args[2] ? sql.cast(args[2].node, "regconfig") : sql.literal("'english'::regconfig");
        return bool(
          sql.binary(
            "@@",
            sql.call("to_tsvector", config, text(args[0])),
            sql.call("websearch_to_tsquery", config, text(args[1])),
          ),
        );
      }
      case "hasKey":
        return bool(sql.binary("?", args[0].node, text(args[1])));
      case "contains":
        return bool(sql.binary("@>", args[0].node, this.asJson(args[1]).node));
      case "overlaps":
        return bool(sql.binary("&&", args[0].node, args[1].node));
      case "containsAll":
        return bool(sql.binary("@>", args[0].node, args[1].node));
    }
    return undefined;
  }

  /** A function declared with `const f = sqlFunction<Sig>("name")`: called by that name. */
  private sqlFunctionCall(e: ts.CallExpression, symbol: ts.Symbol): Value {
    const target = symbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol;
    const decl = target.valueDeclaration;
    const init = decl && ts.isVariableDeclaration(decl) ? decl.initializer : undefined;
    const nameArg = init && ts.isCallExpression(init) ? init.arguments[0] : undefined;
    if (
      !nameArg ||
      !ts.isStringLiteralLike(nameArg) ||
      !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(nameArg.text)
    ) {
      throw new UnsupportedError(
        e.expression,
        "closql cannot find this SQL function's name.",
        'Declare it in your source as `const f = sqlFunction<(…) => …>("name")`.',
      );
    }
    const args = e.arguments.map((a) => this.value(a));
    const result = typeOfExpression(this.checker, this.checker.getTypeAtLocation(e));
    // The SQL return type is unknown here (it may be an integer, where `<> 'NaN'` would not even
    // type-check), so a NaN-returning function compares as PostgreSQL compares it (README limits).
    return {
      node: sql.call(nameArg.text, ...args.map((a) => a.node)),
      type: { ...result, nullable: result.nullable || args.some((a) => a.type.nullable), neverNaN: true },
    };
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
      known = ts.isIdentifier(e)
        ? this.isRowSymbol(e)
        : (ts.forEachChild(e, (c) => this.readsRow(c) || undefined) ?? false);
      this.rowDependence.set(e, known);
    }
    return known;
  }

  private isStringExpression(e: ts.Expression): boolean {
    const t = this.checker.getNonNullableType(this.checker.getTypeAtLocation(e));
    return (
      (t.flags & ts.TypeFlags.StringLike) !== 0 ||
      (t.isUnion() && t.types.every((p) => (p.flags & ts.TypeFlags.StringLike) !== 0))
    );
  }

  private isArrayExpression(e: ts.Expression): boolean {
    const t = this.checker.getNonNullableType(this.checker.getTypeAtLocation(e));
    return this.checker.isArrayType(t) || this.checker.isTupleType(t);
  }

  private isBooleanExpression(e: ts.Expression): boolean {
    const t = this.checker.getTypeAtLocation(e);
    return (
      (t.flags & ts.TypeFlags.BooleanLike) !== 0 ||
      (t.isUnion() && t.types.every((p) => (p.flags & ts.TypeFlags.BooleanLike) !== 0))
    );
  }

  /** The string literal members of an expression's type: an enum column's labels. */
  private stringLabels(e: ts.Expression): string[] {
    const t = this.checker.getTypeAtLocation(e);
    return (t.isUnion() ? t.types : [t])
      .filter((p) => p.isStringLiteral())
      .map((p) => (p as ts.StringLiteralType).value);
  }

  private typeIncludesNull(e: ts.Expression): boolean {
    const t = this.checker.getTypeAtLocation(e);
    return (t.isUnion() ? t.types : [t]).some(
      (p) => (p.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0,
    );
  }

  private typeIncludesUndefined(e: ts.Expression): boolean {
    const t = this.checker.getTypeAtLocation(e);
    return (t.isUnion() ? t.types : [t]).some((p) => (p.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) !== 0);
  }
}

type ComparisonOp = "===" | "!==" | "==" | "!=" | "<" | "<=" | ">" | ">=";

const FLOAT: ValueType = { kind: "number", nullable: false, sqlType: "double precision" };

const ARITHMETIC: Partial<Record<ts.SyntaxKind, "+" | "-" | "*" | "/" | "%">> = {
  [ts.SyntaxKind.PlusToken]: "+",
  [ts.SyntaxKind.MinusToken]: "-",
  [ts.SyntaxKind.AsteriskToken]: "*",
  [ts.SyntaxKind.SlashToken]: "/",
  [ts.SyntaxKind.PercentToken]: "%",
};

/** Whitespace JavaScript's trim() removes (WhiteSpace and LineTerminator of ECMA-262). */
const JS_WHITESPACE =
  "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";

/**
 * String methods. Case mapping uses ICU's root locale, which implements the full Unicode mapping
 * JavaScript uses (ß → SS, final sigma), unlike PostgreSQL's default per-character mapping.
 */
const STRING_FUNCTIONS: Record<string, (s: SqlNode) => SqlNode> = {
  toLowerCase: (s) => sql.call("lower", { kind: "collate", operand: s, collation: "und-x-icu" }),
  toUpperCase: (s) => sql.call("upper", { kind: "collate", operand: s, collation: "und-x-icu" }),
  trim: (s) =>
    sql.call(
      "btrim",
      s,
      sql.literal(
        `E'${[...JS_WHITESPACE].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}'`,
      ),
    ),
};

function isJson(t: ValueType): boolean {
  return t.sqlType === "jsonb";
}

function isIntegerValue(v: Value): boolean {
  return isIntegerSqlType(v.type) || (typeof v.literal === "number" && Number.isInteger(v.literal));
}

function isNonZeroLiteral(v: Value): boolean {
  return typeof v.literal === "number" && v.literal !== 0 && !Number.isNaN(v.literal);
}

/** The type of `c ? a : b` / `a ?? b`: both branches must be of one JavaScript kind. */
function mergeTypes(a: ValueType, b: ValueType, at: ts.Node): ValueType {
  const kindA = a.kind === "unknown" && a.nullable ? b.kind : a.kind;
  const kindB = b.kind === "unknown" && b.nullable ? a.kind : b.kind;
  if (kindA !== kindB)
    throw new UnsupportedError(
      at,
      `the branches yield ${a.kind} and ${b.kind} values; SQL needs one type.`,
      "Make both branches the same type.",
    );
  const sqlType = a.sqlType === b.sqlType ? a.sqlType : kindA === "number" ? "double precision" : undefined;
  return { kind: kindA, nullable: a.nullable || b.nullable, sqlType };
}

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
const INTEGER_HELPER: Record<string, string> = {
  "=": "eq",
  "<>": "eq",
  ">": "floor",
  "<=": "floor",
  "<": "ceil",
  ">=": "ceil",
};

/** Build-time twin of `$bind.int` for a literal n: the integer k with `col op k` ⇔ `col op n`. */
function integerBound(n: number, op: string): string {
  if (Number.isNaN(n) || op === "=" || op === "<>") return "NULL";
  const k = op === ">" || op === "<=" ? Math.floor(n) : Math.ceil(n);
  return k < 0 ? `(${k})` : String(k);
}

/** Parentheses, type assertions and `!` do not change what a closure computes. */
export function skipTransparent(e: ts.Expression): ts.Expression {
  for (;;) {
    if (
      ts.isParenthesizedExpression(e) ||
      ts.isAsExpression(e) ||
      ts.isNonNullExpression(e) ||
      ts.isSatisfiesExpression(e) ||
      ts.isTypeAssertionExpression(e)
    )
      e = e.expression;
    else return e;
  }
}

function isNullLiteral(e: ts.Expression): boolean {
  return skipTransparent(e).kind === ts.SyntaxKind.NullKeyword;
}

function isNullish(e: ts.Expression): boolean {
  const s = skipTransparent(e);
  return (
    s.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(s) && s.text === "undefined") || ts.isVoidExpression(s)
  );
}

function stringLiteralValue(e: ts.Expression): string | undefined {
  const s = skipTransparent(e);
  return ts.isStringLiteralLike(s) ? s.text : undefined;
}

function numberLiteralValue(e: ts.Expression): number | undefined {
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand))
    return -Number(e.operand.text);
  return undefined;
}

/** `["a", "b"]` written in the closure: its elements, if every one is a literal. */
function literalArray(e: ts.Expression): ts.Expression[] | undefined {
  if (!ts.isArrayLiteralExpression(e)) return undefined;
  const ok = e.elements.every((el) => {
    const s = skipTransparent(el);
    return (
      ts.isStringLiteralLike(s) ||
      numberLiteralValue(s) !== undefined ||
      s.kind === ts.SyntaxKind.NullKeyword ||
      s.kind === ts.SyntaxKind.TrueKeyword ||
      s.kind === ts.SyntaxKind.FalseKeyword
    );
  });
  return ok ? [...e.elements] : undefined;
}
