import { createRequire } from "node:module";
import path from "node:path";
import { CliError } from "../command";

/** The few calls closql makes on an embedded PGlite database. */
export interface EmbeddedDatabase {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  close(): Promise<void>;
}

/**
 * Runs `work` on PostgreSQL in-process (PGlite, WebAssembly): no server, nothing on disk, in a
 * schema of its own that is dropped afterwards. PGlite is an optional peer dependency of @closql/cli
 * — tooling, never needed at run time — looked up from the project first, then beside the CLI.
 * `extensions` are PGlite contrib modules (pg_trgm, citext, …) to load and create; pg_trgm always
 * is, since closql's similarity() marker needs it. Starting PGlite takes seconds (it compiles
 * PostgreSQL's WebAssembly), so one instance per set of extensions serves the whole process; it
 * holds nothing that keeps the process alive.
 */
export async function withEmbedded<T>(
  projectRoot: string,
  extensions: readonly string[],
  work: (db: EmbeddedDatabase) => Promise<T>,
): Promise<T> {
  const names = [...new Set(["pg_trgm", ...extensions])].sort();
  const key = names.join(",");
  let started = instances.get(key);
  if (!started) {
    started = start(projectRoot, names);
    instances.set(key, started);
    started.catch(() => instances.delete(key));
  }
  const db = await started;
  const namespace = `closql_check_${++runs}`;
  await db.query(`CREATE SCHEMA ${namespace}`);
  await db.query(`SET search_path TO ${namespace}, public`);
  try {
    return await work(db);
  } finally {
    await db.query(`DROP SCHEMA ${namespace} CASCADE`);
    await db.query("SET search_path TO public");
  }
}

const instances = new Map<string, Promise<EmbeddedDatabase>>();
let runs = 0;

async function start(projectRoot: string, names: readonly string[]): Promise<EmbeddedDatabase> {
  const load = (id: string): unknown => {
    for (const from of [path.join(projectRoot, "package.json"), __filename]) {
      try {
        return createRequire(from)(id);
      } catch (e) {
        if ((e as { code?: string }).code !== "MODULE_NOT_FOUND") throw e;
      }
    }
    return undefined;
  };
  const pglite = load("@electric-sql/pglite") as
    { PGlite: { create(options: object): Promise<EmbeddedDatabase> } } | undefined;
  if (!pglite)
    throw new CliError(
      "closql check --embedded runs PostgreSQL in-process with PGlite, which is not installed: npm install -D @electric-sql/pglite",
    );
  const modules: Record<string, unknown> = {};
  for (const name of names) {
    const contrib = load(`@electric-sql/pglite/contrib/${name}`) as Record<string, unknown> | undefined;
    if (!contrib?.[name])
      throw new CliError(
        `closql check --embedded: PGlite has no extension "${name}" (@electric-sql/pglite/contrib/${name})`,
        2,
      );
    modules[name] = contrib[name];
  }
  const db = await pglite.PGlite.create({ extensions: modules });
  for (const name of names) await db.query(`CREATE EXTENSION IF NOT EXISTS "${name}" SCHEMA public`);
  return db;
}
