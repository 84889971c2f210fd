// TODO(issue 8): delete this file once `db.listen` and `db.notify` are on main; the queue then takes
// closql's `db` as it is (see QueueDb in queue.ts).
//
// Until then, a stand-in with the same shape: `listen` uses a dedicated pg.Client, `notify` runs
// pg_notify.
import pg from "pg";
import type { Database } from "closql";
import type { schema } from "./schema";
import type { QueueDb, ListenNotify } from "./queue";

type Db = Database<typeof schema>;

export function withQueueMethods(db: Db): QueueDb {
  if ("listen" in db && "notify" in db) return db as unknown as QueueDb;
  const listeners: pg.Client[] = [];
  const methods: ListenNotify = {
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
