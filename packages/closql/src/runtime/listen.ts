import pg from "pg";
import { quoteIdent } from "../sql/identifiers";
import { ClosqlError, InvalidArgumentError, toClosqlError } from "./errors";
import { sendableParams } from "./timestamp";

/**
 * LISTEN/NOTIFY: `db.listen(channel, handler)` and `db.notify(channel, payload)`.
 *
 * Every channel of one database shares one dedicated `pg.Client` (not a pool connection: a LISTEN
 * belongs to its session, and a pool would hand that session to other statements and recycle it when
 * idle). It is opened by the first `listen` and ended when the last channel is unlistened or on
 * `close()`. When it drops (server restart, `pg_terminate_backend`, network), the listener reconnects
 * with capped, jittered exponential backoff and re-LISTENs every channel, then calls `onReconnect`.
 * **Notifications sent while it was disconnected are lost** (PostgreSQL queues them only for sessions
 * that are listening): re-read whatever state the notifications stand for in `onReconnect`.
 */

/** Called for each notification on its channel, in the order the server delivers them. */
export type NotificationHandler = (payload: string, notification: ListenNotification) => unknown;

export interface ListenNotification {
  readonly channel: string;
  readonly payload: string;
  /** Backend pid of the session that sent it (compare with `Listener.pid` to skip your own). */
  readonly processId: number;
}

export interface ListenErrorContext {
  /** `"handler"`: a handler threw or rejected; `"connection"`: the listening connection failed. */
  readonly kind: "handler" | "connection";
  /** The channel whose handler failed. */
  readonly channel?: string;
}

export interface ListenOptions {
  /**
   * Handler failures (a throw or a rejected promise) and lost connections; neither stops the
   * listener. Default: `console.error`.
   */
  readonly onError?: (error: unknown, context: ListenErrorContext) => void;
  /**
   * After a lost connection was re-established and every channel listened again. Notifications sent
   * in between are lost: this is where to re-poll.
   */
  readonly onReconnect?: (channels: readonly string[]) => void;
  /**
   * `application_name` of the listening session, to find it in `pg_stat_activity`. Default: the
   * pool's own `application_name` + `" (listen)"`, else `"closql listen"`.
   */
  readonly applicationName?: string;
  /** First reconnect delay (default 100 ms); doubles on each failed attempt, with jitter. */
  readonly minReconnectDelayMs?: number;
  /** Cap on the reconnect delay (default 10 s). */
  readonly maxReconnectDelayMs?: number;
  /**
   * Runs `notify`'s statement: `(text, params) => …`. The database wires its executor here so the
   * statement reaches `onQuery` and fails with closql's typed errors. Default: the pool's `query`.
   */
  readonly run?: (text: string, params: readonly unknown[]) => Promise<unknown>;
  /** Called by each `listen()` before anything is sent; a throw fails it. The database's build check. */
  readonly beforeConnect?: () => void;
}

/** The statement `notify` runs: the channel is bound text, so it is exact-case, like a quoted LISTEN. */
export const NOTIFY_SQL = "SELECT pg_notify($1, $2)";

/** PostgreSQL identifiers (channel names) hold at most NAMEDATALEN - 1 = 63 bytes. */
const MAX_CHANNEL_BYTES = 63;

interface Subscription {
  readonly handler: NotificationHandler;
}

interface ChannelState {
  readonly subscriptions: Set<Subscription>;
  /** The LISTEN issued when the channel was added; its listen() calls resolve once it is done. */
  listened: Promise<void>;
}

/** One listening session. A new one replaces it after a drop. */
interface Session {
  readonly client: pg.Client;
  /** Commands run one at a time, in call order (pg deprecates queueing on a busy client). */
  queue: Promise<unknown>;
  /** Resolves once connected (a reconnecting session: and every channel re-listened). */
  ready: Promise<void>;
  /** True once connected: from then on a failure is a drop, reported and reconnected. */
  up: boolean;
  /** Ended on purpose (last unlisten, close, replaced): its 'end' is not a drop. */
  ending: boolean;
}

/**
 * The LISTEN/NOTIFY side of one database. Wiring (connect.ts):
 * `const listener = new Listener(pool, { ...options.listen, run: (t, p) => executor.run(t, p, …) })`,
 * `listen: (c, h) => listener.listen(c, h)`, `notify: (c, p) => listener.notify(c, p)` and
 * `await listener.close()` in `close()`.
 */
export class Listener {
  private readonly channels = new Map<string, ChannelState>();
  private session: Session | undefined;
  /**
   * Set once a session was up while channels were listened: a failure then is a drop, answered with
   * a reconnect. Before that (the first connect) a failure rejects the listen() calls instead: a
   * wrong URL or password should fail loudly, not retry forever.
   */
  private resilient = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: ListenOptions = {},
  ) {}

  /** Backend pid of the listening session while connected (e.g. to find it in `pg_stat_activity`). */
  get pid(): number | undefined {
    const s = this.session;
    return s?.up ? ((s.client as { processID?: number | null }).processID ?? undefined) : undefined;
  }

  /** Channels currently listened (or to be re-listened after a drop). */
  get listening(): readonly string[] {
    return [...this.channels.keys()];
  }

  /**
   * Calls `handler` with the payload of every notification on `channel` (exact case: the name is
   * quoted as an identifier, so `"Orders Updated"` is that channel, not `orders`). Resolves once the
   * server listens, to a function that removes this handler (UNLISTEN when it was the channel's last,
   * and the connection ends when no channel is left). Rejects if the first connection cannot be made.
   */
  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    checkChannel(channel);
    if (typeof handler !== "function") throw new InvalidArgumentError("closql: listen() needs a handler function");
    if (this.closed) throw new ClosqlError("closql: listen() after close()");
    this.options.beforeConnect?.();
    const subscription: Subscription = { handler };
    let state = this.channels.get(channel);
    if (!state) {
      const created: ChannelState = { subscriptions: new Set(), listened: Promise.resolve() };
      this.channels.set(channel, created);
      created.listened = this.listenOn(channel);
      state = created;
    }
    state.subscriptions.add(subscription);
    try {
      // Also for a second handler: its listen() resolves only once the server delivers to it.
      await state.listened;
    } catch (error) {
      await this.remove(channel, state, subscription);
      throw error;
    }
    let removed = false;
    const owner = state;
    return async () => {
      if (removed) return;
      removed = true;
      await this.remove(channel, owner, subscription);
    };
  }

  /**
   * `pg_notify(channel, payload)` on a pool connection (bound parameters: any text is safe). Within
   * a transaction PostgreSQL delivers it at commit. The payload must be under 8000 bytes.
   */
  async notify(channel: string, payload = ""): Promise<void> {
    checkChannel(channel);
    if (typeof payload !== "string") throw new InvalidArgumentError("closql: notify() needs a string payload");
    if (this.options.run) {
      await this.options.run(NOTIFY_SQL, [channel, payload]);
      return;
    }
    try {
      await this.pool.query(NOTIFY_SQL, sendableParams([channel, payload]));
    } catch (error) {
      throw toClosqlError(error, NOTIFY_SQL, undefined);
    }
  }

  /** Ends the listening connection and forgets every channel. Nothing is left keeping the process alive. */
  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
    await this.stop();
  }

  /** LISTEN on the current session, opening one when there is none. */
  private async listenOn(channel: string): Promise<void> {
    // Dropped and waiting to reconnect: the reconnect LISTENs every channel in the map, this one
    // included (waiting here could take as long as the server is down).
    if (!this.session && this.resilient) return;
    const session = this.session ?? this.open(false);
    const sql = `LISTEN ${quoteIdent(channel)}`;
    try {
      await this.command(session, sql);
    } catch (error) {
      if (this.closed) throw new ClosqlError("closql: the database was closed while listen() was pending");
      // A server error on a live session is this channel's own; anything else is the connection,
      // and once resilient the reconnect LISTENs every channel in the map, this one included.
      if (session.up && !session.ending && isServerError(error)) throw toClosqlError(error, sql, undefined);
      if (this.resilient) return;
      throw error;
    }
  }

  /** Removes one handler; the channel's last one UNLISTENs; the last channel ends the session. */
  private async remove(channel: string, state: ChannelState, subscription: Subscription): Promise<void> {
    state.subscriptions.delete(subscription);
    if (state.subscriptions.size > 0 || this.channels.get(channel) !== state) return;
    this.channels.delete(channel);
    if (this.channels.size === 0) {
      await this.stop();
      return;
    }
    const session = this.session;
    // A failure here means the session dropped; the reconnect will not LISTEN this channel again.
    if (session) await this.command(session, `UNLISTEN ${quoteIdent(channel)}`).catch(ignore);
  }

  /** Opens a session. A reconnecting one re-LISTENs every channel before it counts as ready. */
  private open(reconnecting: boolean): Session {
    const Client = (this.pool as { Client?: typeof pg.Client }).Client ?? pg.Client;
    const poolOptions = (this.pool.options ?? {}) as pg.ClientConfig;
    const client = new Client({
      ...poolOptions,
      application_name: this.options.applicationName ?? applicationName(poolOptions.application_name),
      // The session is idle for hours by design: let TCP notice a peer that vanished.
      keepAlive: poolOptions.keepAlive ?? true,
    });
    const session: Session = { client, queue: Promise.resolve(), ready: Promise.resolve(), up: false, ending: false };
    // Never removed: a session we have moved on from must not raise an unhandled 'error' either.
    client.on("error", (error: Error) => this.dropped(session, error));
    client.on("end", () => this.dropped(session, new Error("closql: the listening connection ended")));
    client.on("notification", (message: pg.Notification) => this.dispatch(message));
    session.ready = client.connect().then(async () => {
      if (reconnecting) {
        const channels = [...this.channels.keys()];
        // One round trip for all of them (simple query protocol runs the statements in turn).
        if (channels.length > 0) await client.query(channels.map((c) => `LISTEN ${quoteIdent(c)}`).join("; "));
      }
      if (session.ending || this.session !== session) return;
      session.up = true;
      this.resilient = true;
      if (reconnecting) {
        this.attempts = 0;
        try {
          this.options.onReconnect?.([...this.channels.keys()]);
        } catch (error) {
          this.report(error, { kind: "handler" });
        }
      }
    });
    session.queue = session.ready;
    this.session = session;
    session.ready.catch((error) => {
      if (this.session !== session || session.ending) return;
      this.session = undefined;
      session.ending = true;
      client.end().catch(ignore);
      if (!this.resilient) return; // the first connect: listen() rejects with this error
      this.report(error, { kind: "connection" });
      this.scheduleReconnect();
    });
    return session;
  }

  /** Runs `sql` on `session` once it is ready and its earlier commands are done. */
  private command(session: Session, sql: string): Promise<unknown> {
    const result = session.queue.then(() => session.client.query(sql));
    session.queue = result.catch(ignore);
    return result;
  }

  /** A live session failed or ended: report it and reconnect. */
  private dropped(session: Session, error: Error): void {
    if (!session.up || session.ending || this.session !== session) return;
    session.ending = true;
    this.session = undefined;
    session.client.end().catch(ignore);
    this.report(error, { kind: "connection" });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.channels.size === 0 || this.reconnectTimer) return;
    const min = this.options.minReconnectDelayMs ?? 100;
    const max = this.options.maxReconnectDelayMs ?? 10_000;
    // The first retry comes quickly (a terminated backend or a failover is usually back at once);
    // then the delay doubles up to the cap, with jitter so many processes do not retry in step.
    const base = Math.min(max, min * 2 ** this.attempts);
    const delay = this.attempts === 0 ? min : base / 2 + (Math.random() * base) / 2;
    this.attempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed || this.channels.size === 0 || this.session) return;
      this.open(true);
    }, delay);
  }

  /** Ends the session and any pending reconnect, e.g. when no channel is left. */
  private async stop(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.attempts = 0;
    this.resilient = false;
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    session.ending = true;
    // No command is pending that anyone waits for (the map is empty); a connect still in progress
    // is cut off and its listen() calls reject.
    await session.client.end().catch(ignore);
  }

  private dispatch(message: pg.Notification): void {
    const state = this.channels.get(message.channel);
    if (!state) return;
    const notification: ListenNotification = {
      channel: message.channel,
      payload: message.payload ?? "",
      processId: message.processId,
    };
    // A copy: a handler may unlisten (itself or others) while this runs.
    for (const subscription of [...state.subscriptions]) {
      try {
        const result = subscription.handler(notification.payload, notification) as { then?: unknown } | undefined;
        if (result && typeof result.then === "function")
          (result as Promise<unknown>).then(undefined, (error) =>
            this.report(error, { kind: "handler", channel: message.channel }),
          );
      } catch (error) {
        this.report(error, { kind: "handler", channel: message.channel });
      }
    }
  }

  private report(error: unknown, context: ListenErrorContext): void {
    const onError = this.options.onError;
    if (onError) {
      try {
        onError(error, context);
        return;
      } catch (e) {
        error = e;
      }
    }
    console.error(
      `closql listen: ${context.kind === "handler" ? `a handler of channel ${JSON.stringify(context.channel)} failed` : "the listening connection failed"}:`,
      error,
    );
  }
}

export function checkChannel(channel: unknown): asserts channel is string {
  if (typeof channel !== "string" || channel.length === 0)
    throw new InvalidArgumentError("closql: a channel name must be a non-empty string");
  // LISTEN would truncate a longer name (with a NOTICE) and deliver under the truncated one.
  if (Buffer.byteLength(channel) > MAX_CHANNEL_BYTES)
    throw new InvalidArgumentError(
      `closql: channel name longer than ${MAX_CHANNEL_BYTES} bytes: ${JSON.stringify(channel)}`,
    );
  if (channel.includes("\0")) throw new InvalidArgumentError("closql: a channel name cannot contain NUL");
}

function applicationName(poolName: string | undefined): string {
  return poolName ? `${poolName} (listen)` : "closql listen";
}

function isServerError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

function ignore(): void {}
