import type { EventEmitter } from "node:events";
import type pg from "pg";

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

interface Session {
  /** The pin statement last run on the connection, or undefined when it must run again. */
  pinned: string | undefined;
}

const sessions = new WeakMap<pg.PoolClient, Session>();

/**
 * Pins the settings on a client the first time closql sees it, and again after a `SET` changed
 * DateStyle: PostgreSQL reports every DateStyle change to the client (ParameterStatus), so a change
 * made through `db.execute`, `db.sql` or the user's own code is seen before closql's next statement.
 * `extra_float_digits` is not reported: changing it on a connection closql uses is not supported.
 */
export async function pinSession(client: pg.PoolClient, pin: string = PIN): Promise<void> {
  let session = sessions.get(client);
  if (!session) {
    const s: Session = { pinned: undefined };
    session = s;
    sessions.set(client, s);
    const connection = (client as { connection?: EventEmitter }).connection;
    connection?.on("parameterStatus", (m: { parameterName: string; parameterValue: string }) => {
      if (m.parameterName === "DateStyle" && !m.parameterValue.startsWith("ISO")) s.pinned = undefined;
    });
  }
  // Another closql Database on the same pool may have pinned other settings (a different timeout).
  if (session.pinned === pin) return;
  await client.query(pin);
  session.pinned = pin;
}

/**
 * `pool` with every client it hands closql pinned: `connect()` pins the client it checks out, and
 * `query()` is what `pool.query` does (check out, run, release — with the error, so a failed
 * connection is not reused) on a pinned client. Everything else is the pool itself.
 */
export function pinnedSessions(
  pool: pg.Pool,
  settings: SessionSettings = {},
  /** Runs before each checkout; a throw fails the statement before anything is sent (the build check). */
  beforeConnect: () => void = () => {},
): pg.Pool {
  const pin = pinStatement(settings);
  const connect = async (): Promise<pg.PoolClient> => {
    beforeConnect();
    const client = await pool.connect();
    // A connection that fails while checked out emits "error"; the failed query reports it.
    client.on("error", ignore);
    try {
      await pinSession(client, pin);
    } catch (e) {
      client.release(e instanceof Error ? e : new Error(String(e)));
      throw e;
    } finally {
      client.removeListener("error", ignore);
    }
    return client;
  };
  const query = async (config: pg.QueryConfig) => {
    const client = await connect();
    let failure: Error | undefined;
    // A connection that fails while checked out emits "error"; without a listener that would crash.
    const onError = (e: Error) => (failure = e);
    client.on("error", onError);
    try {
      return await client.query(config);
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
      throw e;
    } finally {
      client.removeListener("error", onError);
      client.release(failure);
    }
  };
  return new Proxy(pool, {
    get(target, key) {
      if (key === "connect") return connect;
      if (key === "query") return query;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function ignore(): void {}
