import pg from "pg";

/** Every error closql throws extends this. */
export class ClosqlError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A call got an argument it cannot take: an option out of range or of the wrong type (`timeoutMs: -1`,
 * `batchSize: 0`, a channel name too long). Thrown before anything is sent.
 */
export class InvalidArgumentError extends ClosqlError {}

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

/**
 * A transaction used in a way that cannot do what was meant: a query on `db` inside a
 * `db.transaction` callback (see `connect({ transactionMisuse })`), a query on a `tx` whose callback
 * has finished, two nested transactions open at once on one `tx`, options on a nested transaction.
 */
export class TransactionMisuseError extends ClosqlError {}

/**
 * A transaction callback returned normally although a statement in it had failed (the error was
 * caught inside the callback): PostgreSQL can only roll such a transaction back, so closql did and
 * throws this instead of reporting a commit. `cause` is the statement's error.
 */
export class TransactionAbortedError extends ClosqlError {}

/** Where a connection goes: never its password. */
export interface ConnectionTarget {
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly database: string | undefined;
  readonly user: string | undefined;
}

/**
 * The connection to the server could not be made or was lost: refused, unknown host, TLS failure,
 * authentication, a backend terminated (`pg_terminate_backend`, server shutdown or restart), a
 * socket closed mid-statement. Carries where it was connecting to, never the password.
 */
export class ConnectionError extends ClosqlError {
  /** The system error code (`ECONNREFUSED`, `ENOTFOUND`, …) or the server's SQLSTATE (`57P01`, `28P01`, …), when known. */
  readonly code: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly database: string | undefined;
  readonly user: string | undefined;
  /** The statement that was running when the connection was lost, if any. */
  readonly sql: string | undefined;
  /** `file:line` of that statement's query in the TypeScript source. */
  readonly source: string | undefined;

  constructor(
    message: string,
    target: ConnectionTarget,
    details: { code?: string; sql?: string; source?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.code = details.code;
    this.host = target.host;
    this.port = target.port;
    this.database = target.database;
    this.user = target.user;
    this.sql = details.sql;
    this.source = details.source;
  }
}

/**
 * No connection of the pool became free within the pool's connection timeout
 * (`connect({ connectionTimeoutMs })`, or `connectionTimeoutMillis` of a pool you pass in).
 */
export class PoolTimeoutError extends ConnectionError {}

/** A server error, with the statement and where it came from in the user's TypeScript. */
export class DatabaseError extends ClosqlError {
  /** SQLSTATE, e.g. `23505`. */
  readonly code: string;
  readonly constraint?: string;
  readonly column?: string;
  readonly table?: string;
  /**
   * The server's detail, e.g. `Key (email)=(ada@example.com) already exists.`. It may hold values,
   * so it is kept out of the message (unless `connect({ redactErrors: false })`) and out of
   * `util.inspect`/`JSON.stringify` of the error (not enumerable): read it explicitly.
   */
  declare readonly detail?: string;
  readonly sql: string;
  /** `file:line` of the query in the TypeScript source. */
  readonly source: string | undefined;

  /**
   * `message` defaults to the server's own; closql passes a redacted one (see `toClosqlError`).
   * The server's error is the `cause` only when its message is shown as it is.
   */
  constructor(pgError: PgErrorLike, sql: string, source: string | undefined, message?: string) {
    const text = message ?? pgError.message;
    super(`${text}${source ? ` (query at ${source})` : ""}`, message === undefined ? { cause: pgError } : undefined);
    this.code = pgError.code ?? "";
    this.constraint = pgError.constraint;
    this.column = pgError.column;
    this.table = pgError.table;
    Object.defineProperty(this, "detail", { value: pgError.detail, enumerable: false });
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
/**
 * The statement was canceled: its `AbortSignal` aborted, its `timeoutMs` elapsed, the connection's
 * `statementTimeoutMs` (PostgreSQL `statement_timeout`) elapsed, or someone ran `pg_cancel_backend`.
 * Always code `57014`.
 */
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

/** What `toClosqlError` needs beyond the error: where the statement went and how to word the message. */
export interface ErrorContext {
  readonly target: () => ConnectionTarget;
  /** Keep the server's message as it is and append its detail (`connect({ redactErrors: false })`). */
  readonly reveal: boolean;
  /** The failure happened while getting a connection, before any statement was sent. */
  readonly connecting?: boolean;
}

const UNKNOWN_TARGET: ErrorContext = {
  target: () => ({ host: undefined, port: undefined, database: undefined, user: undefined }),
  reveal: false,
};

/**
 * Wraps an error from `pg` into closql's classes: connection failures become `ConnectionError`
 * (`PoolTimeoutError` for a full pool), server errors (those with a SQLSTATE) typed DatabaseErrors
 * whose message holds none of `params`, anything else a `ClosqlError` with the error as `cause`.
 */
export function toClosqlError(
  error: unknown,
  sql: string,
  source: string | undefined,
  params: readonly unknown[] = [],
  context: ErrorContext = UNKNOWN_TARGET,
): ClosqlError {
  if (error instanceof ClosqlError) return error;
  const at = source ? ` (query at ${source})` : "";
  const message = error instanceof Error ? error.message : String(error);
  if (context.connecting || isConnectionFailure(error)) {
    const target = context.target();
    const where = describeTarget(target);
    const code = (error as { code?: unknown } | null)?.code;
    const details = { code: typeof code === "string" ? code : undefined, cause: error, sql: sql || undefined, source };
    if (message === POOL_FULL_TIMEOUT)
      return new PoolTimeoutError(
        `closql: no connection to ${where} became free within the pool's connection timeout${at}`,
        target,
        details,
      );
    const verb = context.connecting ? "could not connect to" : "lost the connection to";
    return new ConnectionError(`closql: ${verb} ${where}: ${message}${at}`, target, details);
  }
  if (!isServerError(error)) return new ClosqlError(`closql: ${message}${at}`, { cause: error });
  const e = error as PgErrorLike & { code: string };
  const Ctor = bySqlState[e.code] ?? DatabaseError;
  if (context.reveal) {
    const text = e.detail ? `${e.message} (${e.detail})` : e.message;
    return new Ctor(e, sql, source, text === e.message ? undefined : text);
  }
  return new Ctor(e, sql, source, redactValues(e.code, e.message, params));
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * An error the server sent (ErrorResponse), told by its SQLSTATE. A system error's code can look
 * like one (`EPIPE`, `EPERM`): those carry a `syscall`.
 */
export function isServerError(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return typeof code === "string" && SQLSTATE.test(code) && syscall === undefined;
}

/** pg-pool's error when every connection stayed busy past `connectionTimeoutMillis`. */
const POOL_FULL_TIMEOUT = "timeout exceeded when trying to connect";

/**
 * Is this the connection failing rather than the statement? Server errors of class 08 (connection
 * exception), 57P01–57P03 (terminated by an administrator, crash, server starting up), 53300 (too many
 * connections), 28 (authentication) and 3D000 (no such database); system errors of the socket
 * (`ECONNRESET`, `ENOTFOUND`, … — they carry a `syscall`), TLS errors, and pg's own messages for a
 * socket that closed or a client that can no longer be used.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const { code, syscall, message } = error as { code?: unknown; syscall?: unknown; message?: unknown };
  if (typeof syscall === "string") return true;
  if (typeof code === "string") {
    if (isServerError(error))
      return (
        code.startsWith("08") ||
        code.startsWith("28") ||
        /^57P0[123]$/.test(code) ||
        code === "53300" ||
        code === "3D000"
      );
    if (/^E[A-Z]+$/.test(code) || /^ERR_(TLS|SSL)_|CERT|_SIGNED_/.test(code)) return true;
  }
  return typeof message === "string" && PG_CONNECTION_MESSAGES.test(message);
}

const PG_CONNECTION_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|The server does not support SSL|There was an error establishing an SSL connection|timeout exceeded when trying to connect|Cannot use a pool after calling end)/;

function describeTarget(t: ConnectionTarget): string {
  const host = t.host === undefined ? "the server" : t.host.startsWith("/") ? `socket ${t.host}` : t.host;
  const port = t.port === undefined || t.host?.startsWith("/") ? "" : `:${t.port}`;
  const database = t.database === undefined ? "" : ` (database "${t.database}"${t.user ? `, user "${t.user}"` : ""})`;
  return `${host}${port}${database}`;
}

/**
 * The server's message without the statement's values: they may be personal data or secrets, and
 * messages end up in logs. Data exceptions (SQLSTATE class 22) quote the offending input —
 * `invalid input syntax for type integer: "…"`, `value "…" is out of range` — so everything between
 * their first and last double quote goes; in every class, a bound value quoted whole goes too.
 * The server's `detail` (`Key (email)=(…) already exists.`) is never in the message.
 */
export function redactValues(code: string, message: string, params: readonly unknown[]): string {
  let text = code.startsWith("22") ? message.replace(/"[\s\S]*"/, '"…"') : message;
  for (const param of params) {
    const shown = paramText(param);
    if (shown !== undefined && shown.length > 0 && text.includes(`"${shown}"`))
      text = text.split(`"${shown}"`).join('"…"');
  }
  return text;
}

/** A parameter as pg sends it (its text form), when it is one the server could quote back. */
function paramText(param: unknown): string | undefined {
  if (param === null || param === undefined || typeof param === "boolean") return undefined;
  try {
    const text = (pg as unknown as PgUtils).utils.prepareValue(param);
    return typeof text === "string" ? text : undefined;
  } catch {
    return undefined;
  }
}

/** pg's own conversion of a parameter to its wire text (exported by pg, not declared by @types/pg). */
interface PgUtils {
  readonly utils: { prepareValue(value: unknown): unknown };
}

/**
 * The message of a cancellation closql asked for (the server says only "canceling statement due to
 * user request"): why it was canceled.
 */
export function queryCanceled(reason: string, sql: string, source: string | undefined): QueryCanceled {
  return new QueryCanceled({ message: reason, code: "57014" }, sql, source, reason);
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
