import type { EventEmitter } from "node:events";
import type pg from "pg";
import { InvalidArgumentError } from "./errors";

/**
 * The session settings closql's results depend on, set on every connection before closql runs a
 * statement on it — also on a pool the user passes in, whose connections may come configured
 * otherwise (`options: "-c DateStyle=German"`, `ALTER ROLE … SET`, `PGOPTIONS`):
 * - `DateStyle = ISO`: `date` arrives as `YYYY-MM-DD` and timestamps in the form closql parses
 *   (`SQL, DMY` would give `01/02/2020`, `German` `01.02.2020`). Only the output style is set; the
 *   day/month order used to read ambiguous input stays the session's.
 * - `extra_float_digits = 3`: every float8 arrives with all its digits (at 0, `0.1 + 0.2` would come
 *   back as `0.3`); PostgreSQL 12+ then sends the shortest exact form.
 * `TimeZone` is left alone (it is the user's): closql's SQL and decoding do not depend on it.
 * With `connect({ statementTimeoutMs })`, `statement_timeout` is pinned too (so it holds on a pool
 * the user passes in, whatever its connections were configured with).
 */
const PIN = "SET DateStyle = ISO; SET extra_float_digits = 3";

/** Settings the user asked `connect()` for, pinned with closql's own. */
export interface SessionSettings {
  readonly statementTimeoutMs?: number;
}

/** The statement that pins `settings` (integers checked by connect(): nothing else reaches the text). */
function pinStatement(settings: SessionSettings): string {
  const { statementTimeoutMs } = settings;
  return statementTimeoutMs === undefined ? PIN : `${PIN}; SET statement_timeout = ${statementTimeoutMs}`;
}

/**
 * The same settings as startup options (`-c name=value`), for a pool closql creates: the server
 * applies them when the session starts, so a new connection needs no round trip to be pinned.
 */
export function startupOptions(settings: SessionSettings): string {
  const { statementTimeoutMs } = settings;
  const pin = "-c DateStyle=ISO -c extra_float_digits=3";
  return statementTimeoutMs === undefined ? pin : `${pin} -c statement_timeout=${statementTimeoutMs}`;
}

/** closql's record of one connection's settings. */
export interface Session {
  /** The pin statement of the Database using it. */
  readonly pin: string;
  /** The pin statement last run (or applied at startup) on the connection, or undefined when it must run again. */
  pinned: string | undefined;
}

interface SessionState {
  pinned: string | undefined;
}

const sessions = new WeakMap<pg.PoolClient, SessionState>();

/**
 * closql's state of `client`, created the first time closql sees it: pinned when `pinnedAtStartup`
 * (a connection of the pool closql created with the startup options), else not. PostgreSQL reports
 * every DateStyle change to the client (ParameterStatus), so a change made through `db.execute`,
 * `db.sql` or the user's own code marks it unpinned before closql's next statement there.
 * `extra_float_digits` is not reported: changing it on a connection closql uses is not supported.
 */
function sessionState(client: pg.PoolClient, pinnedAtStartup: string | undefined): SessionState {
  let state = sessions.get(client);
  if (!state) {
    const s: SessionState = { pinned: pinnedAtStartup };
    state = s;
    sessions.set(client, s);
    const connection = (client as { connection?: EventEmitter }).connection;
    connection?.on("parameterStatus", (m: { parameterName: string; parameterValue: string }) => {
      if (m.parameterName === "DateStyle" && !m.parameterValue.startsWith("ISO")) s.pinned = undefined;
    });
  }
  return state;
}

/**
 * The connections of `pool` as closql uses them, with the settings closql depends on pinned:
 * `connect()` for a connection of closql's own (a transaction, a stream), pinned before it is handed
 * out; `connectForLane()` for a pipelined lane (lanes.ts), which sends the pin, when one is needed,
 * in the same pipeline as its first statement.
 */
export class Sessions {
  readonly pin: string;

  constructor(
    readonly pool: pg.Pool,
    settings: SessionSettings = {},
    /** Runs before each checkout; a throw fails the statement before anything is sent (the build check). */
    private readonly beforeConnect: () => void = () => {},
    /** True when the pool's connections start with `startupOptions(settings)` (a pool closql created). */
    private readonly pinnedAtStartup = false,
  ) {
    this.pin = pinStatement(settings);
  }

  /** A client with the settings pinned (awaiting the pin when it needs one). The caller releases it. */
  async connect(): Promise<pg.PoolClient> {
    this.beforeConnect();
    const client = javaScriptClient(await this.pool.connect());
    const state = sessionState(client, this.pinnedAtStartup ? this.pin : undefined);
    // Another closql Database on the same pool may have pinned other settings (a different timeout).
    if (state.pinned === this.pin) return client;
    // A connection that fails while checked out emits "error"; the failed query reports it.
    client.on("error", ignore);
    try {
      await client.query(this.pin);
      state.pinned = this.pin;
    } catch (e) {
      client.release(e instanceof Error ? e : new Error(String(e)));
      throw e;
    } finally {
      client.removeListener("error", ignore);
    }
    return client;
  }

  /** A client and the live record of its settings: `pinned !== pin` means the pin must be sent first. */
  async connectForLane(): Promise<{ client: pg.PoolClient; session: Session }> {
    this.beforeConnect();
    const client = javaScriptClient(await this.pool.connect());
    const state = sessionState(client, this.pinnedAtStartup ? this.pin : undefined);
    return { client, session: new LaneSession(state, this.pin) };
  }
}

/** A lane's view of its connection's state: the shared record, and this Database's pin. */
class LaneSession implements Session {
  constructor(
    private readonly state: SessionState,
    readonly pin: string,
  ) {}
  get pinned(): string | undefined {
    return this.state.pinned;
  }
  set pinned(value: string | undefined) {
    this.state.pinned = value;
  }
}

function ignore(): void {}

/**
 * closql writes its statements on pg's JavaScript client's protocol connection (statement.ts,
 * lanes.ts); a client of `pg.native` (libpq, `NODE_PG_FORCE_NATIVE`) has none.
 */
function javaScriptClient(client: pg.PoolClient): pg.PoolClient {
  if ((client as { connection?: unknown }).connection !== undefined) return client;
  client.release();
  throw new InvalidArgumentError(
    "closql: the pool's clients are pg.native (libpq) clients, which closql cannot run statements on: pass a pool of pg's default JavaScript clients (and unset NODE_PG_FORCE_NATIVE)",
  );
}
