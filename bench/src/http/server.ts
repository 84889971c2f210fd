// One peer's server process for the HTTP benchmark: `node bench/dist/http/server.js <library>`,
// with DATABASE_URL (search_path and application_name in its options) and PORT. Loads only that
// library's store. Stops on SIGTERM/SIGINT.
import { createServer, Store } from "./peer";

const STORES = ["pg", "postgres", "drizzle", "kysely", "prisma", "typeorm"];

async function main() {
  const library = process.argv[2];
  if (!STORES.includes(library)) throw new Error(`usage: server.js <${STORES.join("|")}>`);
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  const port = Number(process.env.PORT ?? 3000);
  const { createStore } = require(`./store-${library}`) as { createStore: (url: string, poolSize: number) => Store };
  const store = createStore(url, Number(process.env.POOL_SIZE ?? 10));
  const server = createServer(store);
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, resolve));
  console.log(`${library}: listening on ${port}`);
  const stop = () => server.close(() => store.close().then(() => process.exit(0)));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
