import pg from "pg";
import { requestCancel } from "./cancel";
import { closqlTypes } from "./decode";
import { queryCanceled } from "./errors";
import type { Lane } from "./lanes";
import type { PgConnection, PreparedEntry, RowShape } from "./statements";
import { sendableParam } from "./timestamp";

/**
 * One statement from its call to its result, and the object `pg` runs: a "submittable" (pg's
 * extension point, the one pg-cursor uses) that writes its own protocol messages and reads its own
 * replies. Doing it here rather than through pg's `Query` is what makes the per-call path lean:
 *
 * - **Describe once per connection.** pg sends a Describe with every execution of a prepared
 *   statement and rebuilds the row parsers from the RowDescription each time. closql's statements
 *   are constant, so the shape of a named statement's rows is asked once per connection (Describe of
 *   the statement, in the same round trip as its Parse) and kept beside the name (statements.ts);
 *   later executions send Bind, Execute, Sync only. A statement whose result type changes under it
 *   fails with 0A000 and is re-prepared (and re-described) once, as before.
 * - **No per-call copies.** pg's `Query` copies the config, builds an EventEmitter and a Result per
 *   call; this object is the only one, rows are parsed in the array the protocol parser made.
 * - **One Sync per statement**, also when pipelined: an error ends only its own implicit
 *   transaction, the statements around it on the connection run as if alone.
 *
 * Its lifecycle: waiting (for a place on a connection), sent (on a `Lane`, answered in order), and
 * settled. A signal or timeout cancels it: at once while it waits; once it is the oldest statement in
 * flight on its connection when sent (lanes.ts: nothing is sent behind a cancelable statement, so
 * the server's cancel can only hit this one).
 */
export class Statement {
  /** pg reads `name` and `text` (its records of parsed names); both as pg's Query has them. */
  readonly name: string | undefined;
  /** The wire values (pg's `prepareValue` applied), computed before anything is sent. */
  readonly values: unknown[];
  /** Set by the lane that sends it. */
  lane: Lane | undefined = undefined;
  /** Where this statement's name lives on its connection (the cached row shape). */
  entry: PreparedEntry | undefined = undefined;
  /** How to read its rows: from the cache, or from the Describe it sends. */
  shape: RowShape | undefined = undefined;
  state: StatementState = StatementState.Waiting;
  /** Sends nothing behind it on its connection until it is answered (it may be canceled). */
  readonly cancelable: boolean;
  /** Why closql canceled it (signal or timeout), once it did. */
  canceledBecause: string | undefined = undefined;
  /** The cancel request on its way: the connection sends nothing more before it is delivered. */
  cancelSent: Promise<void> | undefined = undefined;
  retried = false;
  private resultRows: any[] = [];
  private rowCount: number | null = null;
  private command = "";
  /** A row a parser refused: reported when the server is done with the statement. */
  private failure: unknown = undefined;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private signal: AbortSignal | undefined = undefined;
  private onAbort: (() => void) | undefined = undefined;

  /** When it was called (`performance.now()`), for `onQuery`'s duration; 0 without `onQuery`. */
  started = 0;

  constructor(
    readonly owner: StatementOwner,
    readonly text: string,
    /** The values as the caller gave them (for `onQuery` and error messages). */
    readonly params: readonly unknown[],
    name: string | undefined,
    readonly source: string | undefined,
    /** How each row is kept: see RowForm. */
    private readonly form: RowForm,
    readonly closures: readonly ((row: any) => unknown)[] | undefined,
    options: { readonly signal?: AbortSignal; readonly timeoutMs?: number } | undefined,
    readonly resolve: (result: StatementResult) => void,
    readonly reject: (error: unknown) => void,
  ) {
    this.name = name;
    this.values = wireValues(params);
    if (options === undefined || (options.signal === undefined && options.timeoutMs === undefined)) {
      this.cancelable = false;
      return;
    }
    this.cancelable = true;
    const { signal, timeoutMs } = options;
    if (timeoutMs !== undefined)
      this.timer = setTimeout(() => this.cancel(`closql: canceled after its timeoutMs (${timeoutMs} ms)`), timeoutMs);
    if (signal !== undefined) {
      this.signal = signal;
      this.onAbort = () => this.cancel(CANCELED_BY_SIGNAL);
      signal.addEventListener("abort", this.onAbort);
    }
  }

  /** Text without values or name: pg's simple protocol (several statements in one text, DDL, BEGIN). */
  private get simple(): boolean {
    return this.name === undefined && this.values.length === 0;
  }

  // ---- pg's submittable protocol (pg/lib/client.js calls these) ----

  submit(connection: PgConnection): null {
    this.lane!.cork();
    if (this.simple) {
      connection.query(this.text);
      return null;
    }
    const name = this.name;
    if (name === undefined) connection.parse({ text: this.text, name: "" });
    else if (
      connection.parsedStatements[name] === undefined &&
      connection.submittedNamedStatements[name] === undefined
    ) {
      connection.parse({ text: this.text, name });
      connection.submittedNamedStatements[name] = this.text;
    }
    if (this.shape === undefined) connection.describe({ type: "S", name: name ?? "" });
    connection.bind({ statement: name ?? "", values: this.values });
    connection.execute(EXECUTE);
    connection.sync();
    return null;
  }

  handleRowDescription(message: { fields: readonly { name: string; dataTypeID: number }[] }): void {
    const shape = rowShape(message.fields);
    this.shape = shape;
    if (this.entry !== undefined) this.entry.shape = shape;
    // SQL text of several statements: the rows of the last one that returns rows.
    this.resultRows = [];
  }

  handleDataRow(message: { fields: unknown[] }): void {
    if (this.failure !== undefined) return;
    // Parsed in place: the protocol parser made a fresh array for this row.
    const fields = message.fields;
    try {
      const parsers = this.shape!.parsers;
      for (let i = 0; i < fields.length; i++) {
        const value = fields[i];
        if (value !== null) {
          const parse = parsers[i];
          if (parse !== null) fields[i] = parse(value as string);
        }
      }
      const form = this.form;
      this.resultRows.push(
        form === true ? fields : form === false ? rowObject(fields, this.shape!.names) : form(fields),
      );
    } catch (error) {
      this.failure = error;
    }
  }

  handleCommandComplete(message: { text: string }): void {
    // Described, and no RowDescription came (NoData: a write without RETURNING): it returns no rows.
    if (this.shape === undefined && this.entry !== undefined) this.shape = this.entry.shape = NO_ROWS;
    const match = COMMAND.exec(message.text);
    if (match === null) return;
    this.command = match[1];
    const count = match[3] ?? match[2];
    this.rowCount = count === undefined ? null : parseInt(count, 10);
  }

  handleEmptyQuery(): void {}

  handlePortalSuspended(): void {}

  handleCopyInResponse(connection: PgConnection): void {
    connection.sendCopyFail("No source stream defined");
  }

  handleCopyData(): void {}

  /** The server's ErrorResponse, a lost connection (pg fails everything in flight), or a refused write. */
  handleError(error: unknown): void {
    if (this.state !== StatementState.Sent) return;
    this.callback?.(error);
    this.owner.answered(this, error);
  }

  handleReadyForQuery(): void {
    if (this.state !== StatementState.Sent) return;
    this.callback?.(this.failure);
    this.owner.answered(this, this.failure);
  }

  /**
   * Set by pg only when the client has a `query_timeout`: its wrapper stops the timer. closql's own
   * outcome goes through the owner.
   */
  callback: ((error: unknown) => void) | undefined = undefined;

  // ---- closql's side ----

  /** The statement's result, once answered without error. */
  result(): StatementResult {
    return { rows: this.resultRows, rowCount: this.rowCount, command: this.command };
  }

  /** Back to waiting, to be sent again (a stale prepared statement, re-prepared once). */
  resend(): void {
    this.state = StatementState.Waiting;
    this.lane = undefined;
    this.entry = undefined;
    this.shape = undefined;
    this.resultRows = [];
    this.rowCount = null;
    this.command = "";
    this.failure = undefined;
  }

  /** Settles once; stops its timer and abort listener. The owner reports (onQuery, typed errors). */
  settle(error: unknown): void {
    this.state = StatementState.Settled;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.onAbort !== undefined) this.signal!.removeEventListener("abort", this.onAbort);
    this.owner.settled(this, error);
  }

  /** Cancels it: at once while it waits; on the server once it is the oldest in flight on its connection. */
  cancel(reason: string): void {
    if (this.state >= StatementState.Answered || this.canceledBecause !== undefined) return;
    this.canceledBecause = reason;
    if (this.state === StatementState.Waiting) {
      // Not sent: whoever holds it in a queue skips it.
      this.settle(queryCanceled(reason, this.text, this.source));
      return;
    }
    if (this.lane!.isOldest(this)) this.sendCancel();
  }

  /** Asks the server to cancel this statement (its lane calls it when it becomes the oldest in flight). */
  sendCancel(): void {
    this.cancelSent ??= requestCancel(this.lane!.client!);
  }
}

// pg refuses other submittables on a pipelined connection (it cannot tell a portal-keeping cursor
// from a plain statement); a Statement keeps no portal open, so it passes pg's `instanceof Query`
// check. It inherits none of Query's behaviour: every method pg calls is defined above.
Object.setPrototypeOf(Statement.prototype, (pg as unknown as { Query: { prototype: object } }).Query.prototype);

export const enum StatementState {
  Waiting,
  Sent,
  /** The server is done with it; it settles next (after its cancel request was delivered, if any). */
  Answered,
  Settled,
}

/**
 * How a statement keeps its rows: as arrays (`true`: compiled queries' mappers read them so), as
 * objects keyed by column name (`false`: raw SQL), or mapped as they arrive (a compiled mapper: the
 * array dies young, which saves the garbage collector copying it with the rows it keeps).
 */
export type RowForm = boolean | ((fields: any[]) => unknown);

/** What a statement resolves to: its rows (of the last statement that returned rows), its command and row count. */
export interface StatementResult {
  readonly rows: any[];
  readonly rowCount: number | null;
  readonly command: string;
}

/** The executor a statement belongs to: told when the server answered it and when it settles. */
export interface StatementOwner {
  /** The server is done with it (`error`: its failure, or undefined). */
  answered(statement: Statement, error: unknown): void;
  /** It settled (`error` untyped as it came); report and resolve or reject. */
  settled(statement: Statement, error: unknown): void;
  /** No connection could be opened for it (a pool timeout, the server unreachable). */
  connectFailed(statement: Statement, error: unknown): void;
}

export const CANCELED_BY_SIGNAL = "closql: canceled by its AbortSignal";

/** Execute of the unnamed portal, all rows: pg-protocol serializes `{}` to one shared buffer. */
const EXECUTE = {};

/** A CommandComplete tag: `SELECT 3`, `INSERT 0 1`, `UPDATE 2` (pg's Result reads it the same way). */
const COMMAND = /^([A-Za-z]+)(?: (\d+))?(?: (\d+))?/;

const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils.prepareValue;

/** What goes on the wire for each parameter: closql's encoding (timestamp.ts), then pg's. */
function wireValues(params: readonly unknown[]): unknown[] {
  const values = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i++) values[i] = prepareValue(sendableParam(params[i]));
  return values;
}

/** The shape of a statement that returns no rows. */
const NO_ROWS: RowShape = { parsers: [], names: [] };

/** The parser pg-types returns for a type it does not parse: the text itself. */
const NO_PARSE = closqlTypes.getTypeParser(0);

function rowShape(fields: readonly { name: string; dataTypeID: number }[]): RowShape {
  const parsers = fields.map((f) => {
    const parse = closqlTypes.getTypeParser(f.dataTypeID, "text");
    return parse === NO_PARSE ? null : parse;
  });
  return { parsers, names: fields.map((f) => f.name) };
}

function rowObject(fields: readonly unknown[], names: readonly string[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) row[names[i]] = fields[i];
  return row;
}
