/**
 * Run by session.test.ts in a child process with another `TZ` (it must be set before any Date is
 * made): queries the namespace CLOSQL_NAMESPACE and prints, as JSON, the ids each query returned.
 */
import { openSessionDatabase } from "./session-database";
import { Moment } from "./session-schema";

async function main(): Promise<void> {
  const s = await openSessionDatabase([], { namespace: process.env.CLOSQL_NAMESPACE });
  try {
    const all = await s.db.moments.orderBy((m) => m.id).all();
    const since = all[2].ts;
    const ms = since.getTime();
    const ids = (ms: Moment[]) => ms.map((m) => m.id);
    const results = [
      { name: "decoded", ids: ids(all) },
      {
        name: "ts > since",
        ids: ids(
          await s.db.moments
            .where((m) => m.ts > since)
            .orderBy((m) => m.id)
            .all(),
        ),
      },
      {
        name: "ts <= since",
        ids: ids(
          await s.db.moments
            .where((m) => m.ts <= since)
            .orderBy((m) => m.id)
            .all(),
        ),
      },
      {
        name: "getTime",
        ids: ids(
          await s.db.moments
            .where((m) => m.ts.getTime() === ms)
            .orderBy((m) => m.id)
            .all(),
        ),
      },
      {
        name: "ts < tz",
        ids: ids(
          await s.db.moments
            .where((m) => m.ts < m.tz)
            .orderBy((m) => m.id)
            .all(),
        ),
      },
    ];
    // The decoded values are the UTC instants the parent inserted: check them here, by their ISO text.
    const text = all.map((m) => [m.ts.toISOString(), m.tz.toISOString(), m.stamps.map((d) => d.toISOString())]);
    process.stdout.write(JSON.stringify({ offset: new Date(2020, 0, 1).getTimezoneOffset(), results, text }));
  } finally {
    await s.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
