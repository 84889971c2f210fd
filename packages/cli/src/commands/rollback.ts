import { CliError, Command } from "../command";
import { withSession } from "../database/connect";
import { readMigrations } from "../migrations/file";
import { rollback as rollBack } from "../migrations/runner";
import { migrationsDir } from "../project";

export const rollback: Command = {
  summary: "run the down section of the last applied migrations",
  usage: "[--steps N] [--allow-destructive]",
  help: `
Rolls back the last applied migration (or the last N, newest first): runs its "-- closql:down"
section and removes its row from closql_migrations, in one transaction per migration, under the
same lock as migrate. Refuses a migration whose file is missing, edited since it was applied, or has
no down section, and down sections with "-- closql:destructive" statements (a rollback that drops
what the migration added) unless --allow-destructive.

Example:
  npx closql rollback --steps 2 --allow-destructive`,
  flags: {
    steps: { type: "string", description: "how many migrations to roll back (default 1)" },
    "allow-destructive": { type: "boolean", description: "run down sections marked -- closql:destructive" },
  },
  async run(ctx) {
    const raw = ctx.flags.steps ?? "1";
    const steps = Number(raw);
    if (!Number.isInteger(steps) || steps < 1)
      throw new CliError(`closql rollback: --steps takes a whole number of migrations, 1 or more (got "${raw}")`, 2);
    const files = readMigrations(migrationsDir(ctx));
    return withSession(ctx.flags.url as string | undefined, async (session) => {
      const done = await rollBack(session, files, steps, {
        allowDestructive: ctx.flags["allow-destructive"] === true,
        out: ctx.out,
      });
      if (done.length > 0)
        ctx.out(`closql rollback: rolled back ${done.length} migration${done.length === 1 ? "" : "s"}`);
      return 0;
    });
  },
};
