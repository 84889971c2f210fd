/**
 * A small lexer for PostgreSQL's SQL text: enough to split a migration into statements and to find
 * the identifiers of an expression, never confused by a `;` or a name inside a string, a quoted
 * identifier, a dollar-quoted body or a comment.
 */
export type TokenKind =
  | "space"
  | "comment"
  | "string"
  | "identifier"
  | "quotedIdentifier"
  | "dollarString"
  | "number"
  | "parameter"
  | "semicolon"
  | "other";

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** Offset in the source. */
  readonly start: number;
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, end: number) => {
    tokens.push({ kind, text: sql.slice(i, end), start: i });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /\s/.test(sql[j])) j++;
      push("space", j);
    } else if (c === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      push("comment", end === -1 ? sql.length : end);
    } else if (c === "/" && next === "*") {
      push("comment", blockCommentEnd(sql, i));
    } else if (c === "'") {
      push("string", quotedEnd(sql, i + 1, "'", false));
    } else if ((c === "e" || c === "E") && next === "'") {
      push("string", quotedEnd(sql, i + 2, "'", true));
    } else if (c === '"') {
      push("quotedIdentifier", quotedEnd(sql, i + 1, '"', false));
    } else if (c === "$" && next !== undefined && /[0-9]/.test(next)) {
      let j = i + 1;
      while (j < sql.length && /[0-9]/.test(sql[j])) j++;
      push("parameter", j);
    } else if (c === "$") {
      const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        push("dollarString", close === -1 ? sql.length : close + tag[0].length);
      } else push("other", i + 1);
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < sql.length && IDENT_PART.test(sql[j])) j++;
      push("identifier", j);
    } else if (/[0-9]/.test(c) || (c === "." && next !== undefined && /[0-9]/.test(next))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(i))!;
      push("number", i + m[0].length);
    } else if (c === ";") {
      push("semicolon", i + 1);
    } else {
      push("other", i + 1);
    }
  }
  return tokens;
}

function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith("/*", i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith("*/", i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** The end of a quoted token opened before `from`: the quote doubled inside, or backslash-escaped in E'…'. */
function quotedEnd(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === "\\") i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

export interface SqlStatement {
  /** The statement without its `;`, comments before it included. */
  readonly text: string;
  /** 1-based line of its first token that is not a comment, in the text given to splitStatements. */
  readonly line: number;
}

/** Splits SQL text into statements at each `;` outside strings, quoted names and comments. */
export function splitStatements(sql: string, firstLine = 1): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let current: Token[] = [];
  const flush = () => {
    const first = current.find((t) => t.kind !== "space" && t.kind !== "comment");
    if (first) {
      const start = current[0].start;
      const end = current[current.length - 1].start + current[current.length - 1].text.length;
      statements.push({ text: sql.slice(start, end).trim(), line: firstLine + countLines(sql, first.start) });
    }
    current = [];
  };
  for (const t of tokenize(sql)) {
    if (t.kind === "semicolon") flush();
    else current.push(t);
  }
  flush();
  return statements;
}

function countLines(text: string, offset: number): number {
  let n = 0;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** The statement's first word, upper-cased (`CREATE`, `BEGIN`), or "" when it has none. */
export function leadingKeyword(statement: string): string {
  const t = tokenize(statement).find((x) => x.kind !== "space" && x.kind !== "comment");
  return t?.kind === "identifier" ? t.text.toUpperCase() : "";
}

/**
 * Renames identifiers in an SQL expression the server printed: each bare or quoted name found in
 * `renames` (by its raw name) is replaced by `print(newName)`. Strings, comments and function-call
 * positions are left alone (a name directly followed by `(` is a function).
 */
export function renameIdentifiers(
  sql: string,
  renames: ReadonlyMap<string, string>,
  print: (name: string) => string,
): string {
  if (renames.size === 0) return sql;
  const tokens = tokenize(sql);
  return tokens
    .map((t, i) => {
      if (t.kind !== "identifier" && t.kind !== "quotedIdentifier") return t.text;
      const raw = t.kind === "identifier" ? t.text.toLowerCase() : t.text.slice(1, -1).replace(/""/g, '"');
      const renamed = renames.get(raw);
      if (renamed === undefined) return t.text;
      const following = tokens.slice(i + 1).find((x) => x.kind !== "space");
      if (following?.text === "(") return t.text;
      const previous = tokens
        .slice(0, i)
        .reverse()
        .find((x) => x.kind !== "space");
      // `x::name` is a type, `rel.name`'s first part a table: only the column position is a column.
      if (previous?.text === ":" || following?.text === ".") return t.text;
      return print(renamed);
    })
    .join("");
}
