import type pg from "pg";
import { closqlTypes } from "./decode";
import { DatabaseError, InvalidArgumentError, toClosqlError } from "./errors";
import type { Executor } from "./executor";
import { sendableParams } from "./timestamp";

/**
 * `.stream()`: rows of a read, a batch at a time, over a server-side cursor.
 *
 * On the pool it checks out one connection and runs `BEGIN`, `DECLARE c NO SCROLL CURSOR FOR <the
 * read>` (the read's parameters bound: PostgreSQL plans the cursor's query with them through the
 * extended protocol), then `FETCH FORWARD n` each time the consumer has used up the previous batch,
 * and `COMMIT` after the last one. Inside a transaction it declares, fetches and closes the cursor on
 * the transaction's connection and leaves the transaction alone. Memory holds one batch, whatever the
 * size of the result.
 *
 * Leaving the loop early (`break`, `return`, a throw in its body: `for await` calls `return()`)
 * closes the cursor, rolls the transaction back and releases the connection; a failure (a server
 * error, a lost connection, a row the mapper refuses) does the same and rejects with the typed error.
 * An iterator dropped half-way without `return()` keeps its connection and transaction open (a
 * `FinalizationRegistry` would run too late to matter): consume it with `for await`, or call `return()`.
 */

export interface StreamOptions {
  /** Rows per FETCH (default {@link DEFAULT_BATCH_SIZE}). */
  readonly batchSize?: number;
}

/**
 * Rows per FETCH, chosen with bench/stream.js (each run a fresh process; bench/results/stream.md and
 * stream-wide.md). 1,000,000 narrow rows (6 columns), CPU of the Node process / of the PostgreSQL
 * backend / peak RSS: batch 100: 7.4 s / 2.1 s / 109 MB (the server's per-FETCH overhead doubles its
 * work); 1000: 5.7 s / 1.25 s / 115 MB; 10000: 5.1 s / 1.05 s / 132 MB (pg reading the whole result:
 * 5.8 s / 0.9 s / 517 MB). 100,000 rows of ~2 kB: 1000 and 10000 cost the same CPU (1.42 s), but
 * 10000 peaks at 191 MB against 139 MB. Past 1000 the CPU saved is at most ~12% while the batch held
 * in memory grows tenfold with the rows' width, which is what a stream is meant to bound.
 */
export const DEFAULT_BATCH_SIZE = 1000;

/** Unique per process: cursors of concurrent streams in one transaction must not collide. */
let cursors = 0;

/**
 * An async iterator over the rows of `text` (a read, with `$n` parameters `params`), each passed
 * through `map` (the compiled row mapper; pg gives it the row as an array). Nothing is sent before the
 * first `next()`. Compiled `.stream()` calls end here.
 */
export function streamRows(
  executor: Executor,
  text: string,
  params: readonly unknown[],
  map: (row: unknown[]) => unknown,
  source: string,
  options?: StreamOptions,
): AsyncIterableIterator<unknown> {
  const batchSize = options?.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new InvalidArgumentError(`closql: stream() needs a batchSize ≥ 1, got ${batchSize}`);
  return new CursorStream(executor, text, params, map, source, batchSize);
}

type Outcome = "completed" | "stopped" | "failed";

const DONE: IteratorResult<unknown> = Object.freeze({ value: undefined, done: true });

class CursorStream implements AsyncIterableIterator<unknown> {
  private readonly cursor = `closql_cursor_${++cursors}`;
  /** The current batch; `index` is the next row to hand out. */
  private buffer: unknown[][] = [];
  private index = 0;
  private client: pg.PoolClient | undefined;
  /** True when this stream checked a connection out and began a transaction on it. */
  private readonly ownsTransaction: boolean;
  private declared = false;
  private finished = false;
  /** Set by the connection's 'error' event while this stream holds it: release it broken. */
  private connectionError: Error | undefined;
  private readonly onConnectionError = (error: Error) => {
    this.connectionError ??= error;
  };
  /** Tail of the operations in flight: next()/return() calls made without waiting run in order. */
  private queue: Promise<unknown> | undefined;
  private rowCount = 0;
  private started = 0;

  constructor(
    private readonly executor: Executor,
    private readonly text: string,
    private readonly params: readonly unknown[],
    private readonly map: (row: unknown[]) => unknown,
    private readonly source: string,
    private readonly batchSize: number,
  ) {
    this.ownsTransaction = !("connection" in executor.target);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    // The common case, a row of the current batch: no await, one settled promise per row.
    if (this.queue === undefined && this.index < this.buffer.length) {
      try {
        return Promise.resolve(this.take());
      } catch (error) {
        return this.enqueue(() => this.fail(error));
      }
    }
    return this.enqueue(() => this.step());
  }

  return(value?: unknown): Promise<IteratorResult<unknown>> {
    return this.enqueue(async () => {
      await this.finish("stopped");
      return { value, done: true };
    });
  }

  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    return this.enqueue(() => this.fail(error));
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue === undefined ? op() : this.queue.then(op, op);
    const tail: Promise<unknown> = run.then(
      () => {
        if (this.queue === tail) this.queue = undefined;
      },
      () => {
        if (this.queue === tail) this.queue = undefined;
      },
    );
    this.queue = tail;
    return run;
  }

  /** The next row, mapped. Throws what the mapper throws (e.g. PrecisionLossError). */
  private take(): IteratorResult<unknown> {
    const row = this.buffer[this.index++];
    return { value: this.map(row), done: false };
  }

  /** Hands out the next row, fetching a batch first when the current one is used up. */
  private async step(): Promise<IteratorResult<unknown>> {
    try {
      if (this.index >= this.buffer.length) {
        if (this.finished) return DONE;
        if (!this.client) await this.open();
        // Let the used batch go before the next arrives: one batch in memory, not two.
        this.buffer = [];
        const result = await this.client!.query(this.fetchConfig());
        this.buffer = result.rows;
        this.index = 0;
        this.rowCount += result.rows.length;
        // A short batch is the last: release the connection now, before the consumer works on it.
        if (result.rows.length < this.batchSize) await this.finish("completed");
        if (result.rows.length === 0) return DONE;
      }
      return this.take();
    } catch (error) {
      return this.fail(error);
    }
  }

  private async fail(error: unknown): Promise<never> {
    const wrapped = toClosqlError(error, this.text, this.source);
    await this.finish("failed", wrapped);
    throw wrapped;
  }

  private fetch: (pg.QueryConfig & { rowMode: "array"; types: typeof closqlTypes }) | undefined;
  private fetchConfig(): pg.QueryConfig {
    // Simple protocol (no parameters): one round trip per batch, text results decoded as the executor does.
    return (this.fetch ??= {
      text: `FETCH FORWARD ${this.batchSize} FROM ${this.cursor}`,
      rowMode: "array",
      types: closqlTypes,
    });
  }

  private async open(): Promise<void> {
    this.started = performance.now();
    // Dates as UTC text, refusing NUL and lone surrogates, before a connection is taken.
    const values = sendableParams(this.params);
    const target = this.executor.target;
    if (this.ownsTransaction) {
      // executor.checkout(): the pinned pool's connection, with connection failures typed.
      this.client = await this.executor.checkout();
      // A connection lost while the consumer works on a batch would otherwise be an unhandled 'error'.
      this.client.on("error", this.onConnectionError);
      await this.client.query("BEGIN");
    } else {
      this.client = target as pg.PoolClient;
    }
    await this.client.query({ text: `DECLARE ${this.cursor} NO SCROLL CURSOR FOR ${this.text}`, values });
    this.declared = true;
  }

  /**
   * Ends the stream once: COMMIT (completed) or ROLLBACK (stopped early, failed) and release on the
   * pool; CLOSE inside a caller's transaction unless that transaction failed (a server error in
   * DECLARE or FETCH aborts it, and pg may settle the query before the status says so; its owner
   * rolls back, which drops the cursor). A connection that broke is released with the
   * error, so the pool discards it.
   */
  private async finish(outcome: Outcome, error?: unknown): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (outcome !== "completed") this.buffer = [];
    const client = this.client;
    if (!client) return;
    // A server error or a refused row leaves the connection usable, and the ROLLBACK below is the
    // probe: a connection that cannot run it is released broken.
    let broken: unknown = this.connectionError;
    try {
      if (broken === undefined) {
        if (this.ownsTransaction) await client.query(outcome === "completed" ? "COMMIT" : "ROLLBACK");
        else if (this.declared && !(error instanceof DatabaseError) && transactionStatus(client) === "T")
          await client.query(`CLOSE ${this.cursor}`);
      }
    } catch (e) {
      broken = e;
    } finally {
      if (this.ownsTransaction) {
        client.removeListener("error", this.onConnectionError);
        client.release(broken === undefined ? undefined : broken instanceof Error ? broken : new Error(String(broken)));
      }
      this.executor.options.onQuery?.({
        sql: this.text,
        params: this.params,
        rowCount: this.rowCount,
        durationMs: performance.now() - this.started,
        source: this.source,
        ...(error === undefined ? {} : { error }),
      });
    }
  }
}

function transactionStatus(client: pg.PoolClient): string | undefined {
  return (client as unknown as { _txStatus?: string })._txStatus;
}
