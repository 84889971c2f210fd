import path from "node:path";
import { Worker } from "node:worker_threads";
import { ClosqlError, InvalidArgumentError } from "../runtime/errors";
import type { EmbeddedWorkerData, EmbeddedWorkerMessage } from "./worker";

/**
 * `closql/embedded`: PostgreSQL inside this process, for trying closql out, examples and tests without
 * a server. PGlite (PostgreSQL compiled to WebAssembly, in memory) runs in a worker thread behind a
 * local socket, so closql reaches it with `pg` exactly as it reaches a server:
 *
 * ```ts
 * const server = process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : await embeddedPostgres();
 * const db = connect({ schema, ...server });
 * ```
 *
 * Needs the optional peer dependencies `@electric-sql/pglite` and `@electric-sql/pglite-socket`
 * (`npm install -D` them). PGlite is ONE database session: `poolSize` is 1, and its data is gone
 * when the process exits. The worker does not keep the process alive.
 */
export class EmbeddedPostgres {
  /** Connections closql may open to it: PGlite is a single session. */
  readonly poolSize = 1;
  private closing: Promise<void> | undefined;

  /** @internal */
  constructor(
    /** `postgres://postgres@127.0.0.1:<port>/postgres` */
    readonly url: string,
    private readonly worker: Worker,
  ) {}

  /**
   * Stops the server and PGlite (once; later calls wait for the same). Not needed before exiting:
   * nothing of it keeps the process alive.
   */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.worker.once("exit", () => resolve());
      // Kept alive until it has stopped: an unref'd thread would let the process exit mid-close.
      this.worker.ref();
      this.worker.postMessage("close");
    });
    return this.closing;
  }
}

export interface EmbeddedPostgresOptions {
  /**
   * PGlite contrib extensions to load, by name (`"pg_trgm"`, `"fuzzystrmatch"`, …): what
   * `@electric-sql/pglite/contrib/<name>` provides. `CREATE EXTENSION` is still needed, as on a server.
   */
  readonly extensions?: readonly string[] | undefined;
  /**
   * Socket connections the server accepts at once (default 4): the pool's one, and `db.listen`'s own
   * connection, a cancel request and a replaced connection beside it. They all share PGlite's session.
   */
  readonly maxConnections?: number | undefined;
}

/** Starts PGlite in a worker thread; resolves once it accepts connections. */
export async function embeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const extensions = options.extensions ?? [];
  for (const name of extensions)
    if (!/^[a-z0-9_]+$/.test(name))
      throw new InvalidArgumentError(`closql: not a PGlite extension name: ${JSON.stringify(name)}`);
  const data: EmbeddedWorkerData = { extensions, maxConnections: options.maxConnections ?? 4 };
  const worker = new Worker(path.join(__dirname, "worker.js"), { workerData: data });
  let onError: (e: unknown) => void = () => {};
  let onExit: (code: number) => void = () => {};
  const first = await new Promise<EmbeddedWorkerMessage>((resolve, reject) => {
    worker.once("message", resolve);
    worker.on("error", (onError = reject));
    worker.on("exit", (onExit = (code) => reject(new ClosqlError(`closql: the embedded PostgreSQL exited (${code})`))));
  });
  worker.off("exit", onExit);
  if ("ready" in first) {
    // Should the thread fail later, closql's connections to it fail with ConnectionError: that is
    // where it is reported, not as an uncaught 'error' event here.
    worker.off("error", onError).on("error", () => {});
    worker.unref();
    return new EmbeddedPostgres(first.ready, worker);
  }
  await worker.terminate();
  if ("missing" in first)
    throw new ClosqlError(
      "closql: embeddedPostgres() runs PGlite, which is not installed: " +
        "`npm install -D @electric-sql/pglite@0.5 @electric-sql/pglite-socket@0.2` (or set DATABASE_URL and use a PostgreSQL server). " +
        `(${first.missing.split("\n")[0]})`,
    );
  throw new ClosqlError(`closql: the embedded PostgreSQL did not start: ${first.failed}`);
}
