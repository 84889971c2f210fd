/**
 * The worker thread behind `embeddedPostgres()`: PGlite (PostgreSQL compiled to WebAssembly) and
 * @electric-sql/pglite-socket's server in front of it, so closql connects over TCP with `pg` as it
 * does to any server. Running here keeps PGlite's work off the application's event loop, and lets the
 * process exit while it runs (index.ts unrefs this thread).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { PGlite as PGliteClass } from "@electric-sql/pglite";
import type { PGLiteSocketServer as SocketServerClass } from "@electric-sql/pglite-socket";

/** What index.ts sends and receives. */
export interface EmbeddedWorkerData {
  readonly extensions: readonly string[];
  readonly maxConnections: number;
}
export type EmbeddedWorkerMessage =
  { readonly ready: string } | { readonly missing: string } | { readonly failed: string };

async function start(): Promise<void> {
  const port = parentPort!;
  const data = workerData as EmbeddedWorkerData;
  let PGlite: typeof PGliteClass;
  let PGLiteSocketServer: typeof SocketServerClass;
  const extensions: Record<string, unknown> = {};
  try {
    ({ PGlite } = require("@electric-sql/pglite") as { PGlite: typeof PGliteClass });
    ({ PGLiteSocketServer } = require("@electric-sql/pglite-socket") as {
      PGLiteSocketServer: typeof SocketServerClass;
    });
    // PGlite ships contrib extensions as loadable modules (CREATE EXTENSION is still needed).
    for (const name of data.extensions)
      extensions[name] = (require(`@electric-sql/pglite/contrib/${name}`) as Record<string, unknown>)[name];
  } catch (e) {
    const missing = (e as { code?: string }).code === "MODULE_NOT_FOUND";
    const message = (e as Error).message;
    port.postMessage((missing ? { missing: message } : { failed: message }) satisfies EmbeddedWorkerMessage);
    return;
  }
  const pglite: PGliteClass = await PGlite.create({ extensions: extensions as never });
  const server = new PGLiteSocketServer({
    db: pglite,
    host: "127.0.0.1",
    port: 0,
    maxConnections: data.maxConnections,
  });
  await server.start();
  port.postMessage({ ready: `postgres://postgres@${server.getServerConn()}/postgres` } satisfies EmbeddedWorkerMessage);
  // The one message index.ts sends: "close". Once both are stopped nothing is left and the thread ends.
  port.once("message", async () => {
    await server.stop();
    await pglite.close();
    port.close();
  });
}

start().catch((e: unknown) =>
  parentPort!.postMessage({ failed: String((e as Error)?.stack ?? e) } satisfies EmbeddedWorkerMessage),
);
