// `npm run service`: the users/posts HTTP API on DATABASE_URL, or on embedded PGlite when it is not
// set. Creates its tables if they are missing; PORT (default 3000). Stops cleanly on SIGINT/SIGTERM:
// no new connections, in-flight requests finish, then the pool and the database close.
import { connect } from "closql";
import { openDatabase } from "../../../tools/database";
import { schema } from "./schema";
import { createService, ensureTables } from "./service";

async function main() {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${port}`);
  const database = await openDatabase();
  const db = connect({ schema, url: database.url, poolSize: database.poolSize });
  const tables = await ensureTables(db);
  const server = createService(db);
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, resolve));
  const address = server.address();
  const url = `http://localhost:${typeof address === "object" && address ? address.port : port}`;
  console.log(
    `${database.embedded ? "embedded PGlite (DATABASE_URL is not set)" : database.url.replace(/\/\/[^@]*@/, "//")}: tables ${tables}`,
  );
  console.log(`listening on ${url}  (try: curl ${url}/users)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing`);
    // server.close stops accepting and closes idle keep-alive sockets; it resolves once every
    // in-flight request has been answered.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await server.settled(); // a handler whose client hung up may still be querying
    await db.close();
    await database.close();
    console.log("closed");
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () =>
      stop(signal).catch((error) => {
        console.error(error);
        process.exitCode = 1;
      }),
    );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
