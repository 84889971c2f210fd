// TODO(issue 8): delete this file once `db.transaction`, `db.listen` and `db.notify` are on main; the
// queue then takes closql's `db` as it is (see QueueDb in queue.ts).
//
// Until then, a stand-in with the same shape: `transaction` runs its callback on one connection
// checked out of db's pool between BEGIN and COMMIT/ROLLBACK (a closql Database bound to that one
// connection is its `tx`), `listen` uses a dedicated pg.Client, `notify` runs pg_notify.
import pg from "pg";
import { connect, Database } from "closql";
import { schema } from "./schema";
import type { QueueDb, QueueMethods } from "./queue";

type Db = Database<typeof schema>;

export function withQueueMethods(db: Db): QueueDb {
  if ("transaction" in db && "listen" in db && "notify" in db) return db as unknown as QueueDb;
  const listeners: pg.Client[] = [];
  const methods: QueueMethods = {
    async transaction(fn) {
      const client = await db.pool.connect();
      const release = client.release;
      // The tx's queries check this client out and release it after each statement: keep it.
      client.release = () => {};
      const onePool = { connect: async () => client, query: (config: pg.QueryConfig) => client.query(config) };
      const tx = connect({ schema, pool: onePool as unknown as pg.Pool });
      const txMethods: QueueMethods = {
        transaction: () => Promise.reject(new Error("interim: nested transactions are not supported")),
        listen: methods.listen,
        notify: async (channel, payload = "") => void (await tx.sql`SELECT pg_notify(${channel}, ${payload})`),
      };
      let failure: Error | undefined;
      try {
        await client.query("BEGIN");
        const result = await fn(Object.assign(tx, txMethods) as QueueDb);
        await client.query("COMMIT");
        return result;
      } catch (e) {
        await client.query("ROLLBACK").catch((r: Error) => (failure = r));
        throw e;
      } finally {
        client.release = release;
        client.release(failure);
      }
    },
    async listen(channel, handler) {
      const client = new pg.Client({ connectionString: connectionString(db) });
      await client.connect();
      listeners.push(client);
      client.on("notification", (n) => n.channel === channel && handler(n.payload ?? ""));
      client.on("error", () => {});
      await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
      return async () => {
        listeners.splice(listeners.indexOf(client), 1);
        await client.end();
      };
    },
    async notify(channel, payload = "") {
      await db.sql`SELECT pg_notify(${channel}, ${payload})`;
    },
  };
  const close = db.close;
  return Object.assign(db, methods, {
    async close() {
      for (const l of listeners.splice(0)) await l.end();
      await close.call(db);
    },
  }) as QueueDb;
}

function connectionString(db: Db): string {
  const options = (db.pool as unknown as { options: pg.PoolConfig }).options;
  if (!options.connectionString) throw new Error("interim listen: the pool has no connectionString");
  return options.connectionString;
}
