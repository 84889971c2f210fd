// Loaded (`--import`) by every test file's process when the suite runs on embedded PGlite (test/run.js).
// PGlite is one PostgreSQL session behind every connection, so what one file leaves in it — a
// search_path naming a schema it dropped, a setting, a prepared statement — would reach the next file,
// where a real server gives every connection a fresh session. And files that cannot use a schema of
// their own there (a CLI process ignores a search_path startup option on PGlite) share `public`.
// Each file starts on a fresh session and an empty `public`, so no file depends on another's leftovers.
import pg from "pg";

if (process.env.CLOSQL_EMBEDDED === "1") {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  await client.query("RESET ALL");
  await client.query("DEALLOCATE ALL");
  await client.query("UNLISTEN *");
  await client.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  await client.end();
}
