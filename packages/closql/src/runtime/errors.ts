/** Every error closql throws extends this. */
export class ClosqlError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A query reached the runtime without having been compiled by the transformer. */
export class UncompiledQueryError extends ClosqlError {}

/**
 * A value PostgreSQL cannot hold exactly: a string with a NUL character (rejected) or a lone UTF-16
 * surrogate (silently turned into U+FFFD on the way). Thrown before the statement is sent.
 */
export class UnrepresentableValueError extends ClosqlError {}

/** `.one()` found zero or several rows. */
export class CardinalityError extends ClosqlError {
  constructor(
    message: string,
    /** The statement that ran. */
    readonly sql: string,
    /** `file:line` of the query in the TypeScript source. */
    readonly source: string | undefined,
  ) {
    super(message);
  }
}

/** An int8 value does not fit a JavaScript number in `{ mode: "number" }`. */
export class PrecisionLossError extends ClosqlError {}

/** A server error, with the statement and where it came from in the user's TypeScript. */
export class DatabaseError extends ClosqlError {
  /** SQLSTATE, e.g. `23505`. */
  readonly code: string;
  readonly constraint?: string;
  readonly column?: string;
  readonly table?: string;
  readonly detail?: string;
  readonly sql: string;
  /** `file:line` of the query in the TypeScript source. */
  readonly source: string | undefined;

  constructor(pgError: PgErrorLike, sql: string, source: string | undefined) {
    super(`${pgError.message}${source ? ` (query at ${source})` : ""}`, { cause: pgError });
    this.code = pgError.code ?? "";
    this.constraint = pgError.constraint;
    this.column = pgError.column;
    this.table = pgError.table;
    this.detail = pgError.detail;
    this.sql = sql;
    this.source = source;
  }
}

export class UniqueViolation extends DatabaseError {}
export class ForeignKeyViolation extends DatabaseError {}
export class NotNullViolation extends DatabaseError {}
export class CheckViolation extends DatabaseError {}
export class SerializationFailure extends DatabaseError {}
export class DeadlockDetected extends DatabaseError {}
export class QueryCanceled extends DatabaseError {}

interface PgErrorLike {
  message: string;
  code?: string;
  constraint?: string;
  column?: string;
  table?: string;
  detail?: string;
}

const bySqlState: Record<string, typeof DatabaseError> = {
  "23505": UniqueViolation,
  "23503": ForeignKeyViolation,
  // restrict_violation: PostgreSQL 18 reports ON DELETE/UPDATE RESTRICT with it.
  "23001": ForeignKeyViolation,
  "23502": NotNullViolation,
  "23514": CheckViolation,
  "40001": SerializationFailure,
  "40P01": DeadlockDetected,
  "57014": QueryCanceled,
};

/** Wraps an error from `pg`: server errors (those with a SQLSTATE) become typed DatabaseErrors. */
export function toClosqlError(error: unknown, sql: string, source: string | undefined): unknown {
  if (error instanceof ClosqlError) return error;
  const e = error as PgErrorLike;
  if (!e || typeof e.code !== "string" || !/^[0-9A-Z]{5}$/.test(e.code)) return error;
  const Ctor = bySqlState[e.code] ?? DatabaseError;
  return new Ctor(e, sql, source);
}

/** What is wrong with one field, in `ValidationError.issues`. */
export type ValidationIssueCode =
  /** A NOT NULL column without a default is missing (or `undefined`). */
  | "required"
  /** `null` for a NOT NULL column, or a null array element. */
  | "null"
  /** Not the JavaScript type (or JSON form) the column takes. */
  | "type"
  /** A string that is not the column's text form: a date, uuid, decimal, base64, int8 string. */
  | "format"
  /** A number, bigint, decimal or timestamp outside what the column holds (or holds exactly). */
  | "range"
  /** Not one of the enum's labels. */
  | "enum"
  /** Longer than varchar(n), in characters (code points) as PostgreSQL counts them. */
  | "too_long"
  /** A string with NUL or a lone UTF-16 surrogate, which PostgreSQL rejects or changes. */
  | "unrepresentable"
  /** A key of the input that is not a column (with `unknownKeys: "reject"`, the default). */
  | "unknown_key";

export interface ValidationIssue {
  /** The column key, then array indexes and JSON keys below it: `tags[2]`, `meta.plan`; `""` for the input itself. */
  readonly path: string;
  readonly code: ValidationIssueCode;
  /** What is wrong, without the value (which may be long or secret): `expected an integer, got string`. */
  readonly message: string;
}

/**
 * Input that does not fit a table's declaration: from `table.parse(input)`, or a value a write would
 * bind that is not its column's type. `issues` lists every problem; the message names each field (the
 * first ten) but never echoes input values.
 */
export class ValidationError extends ClosqlError {
  constructor(
    message: string,
    readonly issues: readonly ValidationIssue[],
    /** The table's SQL name, when known. */
    readonly table?: string,
  ) {
    super(message);
  }
}
