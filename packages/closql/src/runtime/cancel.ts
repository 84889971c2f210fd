import pg from "pg";

/** What closql reads of a connected `pg` client to cancel its statement (pg 8; no public API). */
interface CancelTarget {
  readonly host: string;
  readonly port: number;
  readonly processID: number | null;
  readonly secretKey: number | null;
  readonly ssl: unknown;
  readonly sslNegotiation?: string;
}

/** How long to wait for the server to take a cancel request before giving up on it. */
const CANCEL_WAIT_MS = 5000;

/**
 * Asks the server to cancel the statement `client`'s backend is running: PostgreSQL's CancelRequest
 * (the backend's process id and secret key) sent over a new connection, as libpq's `PQcancel` does;
 * pg 8 has no public API for it. The postmaster signals the backend and then closes the connection,
 * so the returned promise resolves once the signal is on its way: only then may the client run its
 * next statement (a signal arriving during the next statement would cancel that one instead; one
 * arriving while the backend is idle is ignored by PostgreSQL). Never rejects: if the request cannot
 * be delivered, the statement simply runs to its end.
 */
export function requestCancel(client: pg.PoolClient): Promise<void> {
  const target = client as unknown as CancelTarget;
  if (target.processID === null || target.secretKey === null) return Promise.resolve();
  return new Promise((resolve) => {
    const connection = new pg.Connection({ ssl: target.ssl, sslNegotiation: target.sslNegotiation } as never);
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      connection.stream.destroy();
      resolve();
    };
    const timer = setTimeout(finish, CANCEL_WAIT_MS);
    connection.on("error", finish);
    connection.on("end", finish);
    const send = (): void => (connection as unknown as Cancelable).cancel(target.processID!, target.secretKey!);
    if (target.ssl) {
      // A TLS connection starts with an SSLRequest unless negotiation is direct; pg's Connection does the upgrade.
      if (target.sslNegotiation !== "direct")
        connection.once("connect", () => (connection as unknown as Cancelable).requestSsl());
      connection.once("sslconnect", send);
    } else connection.once("connect", send);
    const socket = target.host.startsWith("/") ? `${target.host}/.s.PGSQL.${target.port}` : undefined;
    if (socket !== undefined) (connection as unknown as Cancelable).connect(socket);
    else (connection as unknown as Cancelable).connect(target.port, target.host);
  });
}

interface Cancelable {
  connect(port: number | string, host?: string): void;
  requestSsl(): void;
  cancel(processID: number, secretKey: number): void;
}
