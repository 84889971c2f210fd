import type pg from "pg";
import { isConnectionFailure, isServerError } from "./errors";
import type { Session, Sessions } from "./session";
import { Statement, StatementOwner, StatementState } from "./statement";
import { PgConnection, useStatement } from "./statements";

/**
 * Connections and the statements in flight on them.
 *
 * A `Lane` is one connection closql holds and the statements sent on it, answered in the order they
 * were sent. Pipelined (pg's `pipeline` client mode), several are in flight at once, each with its
 * own Sync: the server runs them one after the other, each in its own implicit transaction, so an
 * error fails only its own statement, and the connection waits for no round trip between them.
 * Their messages written in one tick go out in one write (the socket is corked until the next tick).
 *
 * A `LanePool` spreads the statements of a `db` (outside transactions) over a few lanes taken from
 * the pool: the least loaded lane takes the next statement, a new lane is opened while fewer than
 * `connections` are open and every open one is busy, and a lane takes at most `depth` at once; the
 * rest wait in order. A lane idle for a tick goes back to the pool, where transactions, streams and
 * LISTEN take their dedicated connections; so lanes never hold connections an idle program does
 * not use, and `connections` below the pool's size leaves the rest to them under load.
 *
 * Cancellation: PostgreSQL cancels whatever a connection's backend runs at the moment the request
 * arrives. A statement that can be canceled (a signal or a timeout) is therefore the last one sent
 * on its lane until it is answered, and its cancel request is sent only once every statement ahead
 * of it was answered: then it can only hit that statement (or nothing, if it just ended).
 */
export class Lane implements StatementOwner {
  client: pg.PoolClient | undefined = undefined;
  connection: PgConnection | undefined = undefined;
  /** Sent, oldest first: the order the server answers them in. */
  private readonly inFlight: Statement[] = [];
  /** Given to the lane while its connection was being opened. */
  private pending: Statement[] = [];
  /** A cancelable statement is in flight: nothing is sent behind it. */
  private barrier = false;
  /** A cancel request is on its way: nothing is sent before it was delivered. */
  paused = false;
  /** The connection failed: it takes nothing more and leaves the pool once its statements are answered. */
  lost: Error | undefined = undefined;
  /** A release is scheduled for the next turn of the event loop (pipelined lanes linger one tick). */
  releaseScheduled = false;
  released = false;
  private corked = false;
  private session: Session | undefined = undefined;
  private wasPipelined = false;
  private watchesErrors = false;

  constructor(
    private readonly owner: LaneOwner,
    private readonly pipelined: boolean,
    private readonly maxPrepared: number,
  ) {}

  /** Statements given to it and not yet answered. */
  get load(): number {
    return this.inFlight.length + this.pending.length;
  }

  /** Whether it may be given another statement now (below its depth, which the owner checks). */
  get accepting(): boolean {
    return !this.barrier && !this.paused && this.lost === undefined && !this.released;
  }

  /**
   * Whether a connection held for one owner (a transaction's) may be given another statement now:
   * fewer than `depth` in flight, none of them cancelable, no cancel on its way. Also once lost:
   * pg then fails what is sent at once, with the reason.
   */
  takesAnother(depth: number): boolean {
    return this.load < depth && !this.barrier && !this.paused;
  }

  /**
   * The connection is open (`session`: closql's record of its settings). Sends what waited for it.
   * `watchErrors`: listen for the connection's failure while closql holds it (a client checked out of
   * the pool); a client someone else holds and watches (a transaction helper's) is left alone.
   */
  attach(client: pg.PoolClient, session: Session | undefined, watchErrors = true): void {
    this.client = client;
    this.connection = (client as unknown as { connection: PgConnection }).connection;
    this.session = session;
    this.watchesErrors = watchErrors;
    if (watchErrors) client.on("error", this.onClientError);
    if (this.pipelined) {
      const c = client as unknown as { pipeline: boolean };
      this.wasPipelined = c.pipeline;
      c.pipeline = true;
    }
    const pending = this.pending;
    this.pending = [];
    this.barrier = false;
    for (const statement of pending) if (statement.state === StatementState.Waiting) this.write(statement);
    // Statements canceled while it opened left room (or nothing to do): the owner fills it or lets it go.
    this.owner.freed(this);
  }

  /** The statements given to it while its connection could not be opened. */
  takePending(): Statement[] {
    const pending = this.pending;
    this.pending = [];
    return pending;
  }

  send(statement: Statement): void {
    if (statement.cancelable) this.barrier = true;
    if (this.client === undefined) this.pending.push(statement);
    else this.write(statement);
  }

  private write(statement: Statement): void {
    const session = this.session;
    if (session !== undefined && session.pinned !== session.pin) this.writePin(session);
    statement.lane = this;
    statement.state = StatementState.Sent;
    this.inFlight.push(statement);
    if (statement.cancelable) this.barrier = true;
    if (statement.name !== undefined) {
      const entry = useStatement(this.connection!, statement.name, this.maxPrepared);
      statement.entry = entry;
      statement.shape = entry.shape;
    }
    this.client!.query(statement as never);
  }

  /**
   * The session settings closql pins (session.ts), sent ahead of the statement that needs them, in
   * the same pipeline: no round trip of its own. Counted as pinned at once, so it is sent once.
   */
  private writePin(session: Session): void {
    session.pinned = session.pin;
    const pin = new Statement(
      this,
      session.pin,
      NO_VALUES,
      undefined,
      undefined,
      true,
      undefined,
      undefined,
      ignore,
      ignore,
    );
    pin.lane = this;
    pin.state = StatementState.Sent;
    this.inFlight.push(pin);
    this.client!.query(pin as never);
  }

  /** Whether `statement` is the oldest in flight: every statement sent before it was answered. */
  isOldest(statement: Statement): boolean {
    return this.inFlight[0] === statement;
  }

  /** Holds the socket's writes until the next tick, so the messages of one tick go out in one write. */
  cork(): void {
    if (this.corked) return;
    const stream = this.connection!.stream;
    if (stream.cork === undefined) return;
    this.corked = true;
    stream.cork();
    process.nextTick(this.uncork);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.connection!.stream.uncork!();
  };

  /** The server answered `statement` (`error`: how it failed). Frees its place. */
  answered(statement: Statement, error: unknown): void {
    const at = this.inFlight.indexOf(statement);
    if (at >= 0) this.inFlight.splice(at, 1);
    statement.state = StatementState.Answered;
    // A lost connection, or closql's session pin refused: the connection is not used again.
    if (error !== undefined && (statement.owner === this || !isServerError(error) || isConnectionFailure(error)))
      this.lost ??= error instanceof Error ? error : new Error(String(error));
    if (statement.cancelable) this.barrier = false;
    if (statement.cancelSent !== undefined) {
      this.paused = true;
      void statement.cancelSent.then(this.resume);
    }
    const oldest = this.inFlight[0];
    if (oldest !== undefined && oldest.canceledBecause !== undefined) oldest.sendCancel();
    if (!this.paused) this.owner.freed(this);
  }

  private readonly resume = (): void => {
    this.paused = false;
    this.owner.freed(this);
  };

  /** The pin statement's end (the lane is its owner): a failed pin leaves the connection out of use. */
  settled(statement: Statement, error: unknown): void {}

  connectFailed(): void {}

  /** Gives the connection back to the pool: without it when it failed. */
  release(): void {
    this.released = true;
    const client = this.client;
    if (client === undefined) return;
    if (this.watchesErrors) client.removeListener("error", this.onClientError);
    if (this.pipelined) (client as unknown as { pipeline: boolean }).pipeline = this.wasPipelined;
    client.release(this.lost);
  }

  private readonly onClientError = (error: Error): void => {
    this.lost ??= error;
  };
}

/** Who gives a lane its statements and takes its connection back. */
export interface LaneOwner {
  /** A statement of `lane` was answered (or a cancel it waited for was delivered): it may take more. */
  freed(lane: Lane): void;
}

/** How many connections a `db` pipelines over, and how many statements each holds in flight. */
export interface LaneLimits {
  readonly connections: number;
  readonly depth: number;
  /** pg's pipeline mode on the lanes; off, each lane is one statement on one connection, released after it. */
  readonly pipelined: boolean;
  readonly maxPrepared: number;
}

/** The lanes of one `db` over its pool; see the top of this file. */
export class LanePool implements LaneOwner {
  private readonly lanes: Lane[] = [];
  /** Statements for which no lane had room, oldest first. */
  private readonly waiting: Statement[] = [];

  constructor(
    private readonly sessions: Sessions,
    private readonly limits: LaneLimits,
  ) {}

  dispatch(statement: Statement): void {
    const { depth } = this.limits;
    let best: Lane | undefined;
    for (const lane of this.lanes)
      if (lane.accepting && lane.load < depth && (best === undefined || lane.load < best.load)) best = lane;
    if ((best === undefined || best.load > 0) && this.lanes.length < this.limits.connections) best = this.open();
    if (best === undefined) this.waiting.push(statement);
    else best.send(statement);
  }

  freed(lane: Lane): void {
    const { depth } = this.limits;
    const waiting = this.waiting;
    while (waiting.length > 0 && lane.accepting && lane.load < depth) {
      const statement = waiting.shift()!;
      if (statement.state === StatementState.Waiting) lane.send(statement);
    }
    if (lane.load > 0) return;
    if (lane.lost !== undefined || !this.limits.pipelined) this.release(lane);
    else if (!lane.releaseScheduled) {
      // A caller awaiting one statement after another issues the next before this runs: the lane stays.
      lane.releaseScheduled = true;
      setImmediate(() => {
        lane.releaseScheduled = false;
        if (lane.load === 0 && !lane.released) this.release(lane);
      });
    }
  }

  private open(): Lane {
    const lane = new Lane(this, this.limits.pipelined, this.limits.maxPrepared);
    this.lanes.push(lane);
    this.sessions.connectForLane().then(
      ({ client, session }) => {
        if (lane.released) client.release();
        else lane.attach(client, session);
      },
      (error: unknown) => {
        this.remove(lane);
        lane.released = true;
        for (const statement of lane.takePending())
          if (statement.state === StatementState.Waiting) statement.owner.connectFailed(statement, error);
        // Nothing else would ever run what waits: fail it the same way.
        if (this.lanes.length === 0)
          for (const statement of this.waiting.splice(0))
            if (statement.state === StatementState.Waiting) statement.owner.connectFailed(statement, error);
      },
    );
    return lane;
  }

  private release(lane: Lane): void {
    this.remove(lane);
    lane.release();
  }

  private remove(lane: Lane): void {
    const at = this.lanes.indexOf(lane);
    if (at >= 0) this.lanes.splice(at, 1);
  }
}

function ignore(): void {}

const NO_VALUES: readonly unknown[] = [];
