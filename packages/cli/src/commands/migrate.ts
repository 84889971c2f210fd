import type { Command } from "../command";
import { withSession } from "../database/connect";
import { readMigrations } from "../migrations/file";
import { migrate as applyPending } from "../migrations/runner";
import { migrationsDir, shown } from "../project";

export const migrate: Command = {
  summary: "apply the pending migrations, each in its own transaction",
  usage: "[--allow-destructive]",
  help: `
Applies every migration of the folder not yet applied to the database, in file-name order, each in
its own transaction together with its row in the closql_migrations table (id, sha256 checksum,
time). A session advisory lock serializes concurrent runs: a second "closql migrate" (another
deploy, another replica) waits, then finds nothing left to apply. Stops at the first failure; the
migrations before it stay applied.

Refuses to run when an applied migration's file was edited since (the database ran the original),
and refuses pending migrations with "-- closql:destructive" statements unless --allow-destructive.

Example:
  DATABASE_URL=postgres://app@db/app npx closql migrate`,
  flags: {
    "allow-destructive": { type: "boolean", description: "apply migrations marked -- closql:destructive" },
  },
  async run(ctx) {
    const dir = migrationsDir(ctx);
    const files = readMigrations(dir);
    return withSession(ctx.flags.url as string | undefined, async (session) => {
      const applied = await applyPending(session, files, {
        allowDestructive: ctx.flags["allow-destructive"] === true,
        out: ctx.out,
      });
      if (applied.length === 0)
        ctx.out(
          `closql migrate: nothing to apply (${files.length} migration${files.length === 1 ? "" : "s"} in ${shown(ctx, dir)}, all applied)`,
        );
      else ctx.out(`closql migrate: applied ${applied.length} migration${applied.length === 1 ? "" : "s"}`);
      return 0;
    });
  },
};
