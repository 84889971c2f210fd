import { readMigrations } from "../migrations/file";
import { migrationStatus } from "../migrations/runner";
import { appliedMigrations } from "../migrations/store";
import { migrationsDir, shown } from "../project";
import type { Check } from "./check";

/** Every migration of the folder is applied, as written, and the database ran none the folder lacks. */
export const migrations: Check = {
  title: "migrations are applied",
  // --embedded and --closures ask for checks that need no server: the database's checks stay off.
  enabled: (flags) => flags.embedded !== true && flags.closures !== true,
  async run(ctx) {
    const dir = migrationsDir(ctx.command);
    const status = migrationStatus(readMigrations(dir), await appliedMigrations(await ctx.session()));
    const problems = status.filter((s) => s.state !== "applied");
    const explain = {
      pending: "pending: not applied to this database (closql migrate)",
      edited: "edited after it was applied (restore the file; put changes in a new migration)",
      missing: `applied to this database but not in ${shown(ctx.command, dir)}`,
    } as const;
    return {
      ok: problems.length === 0,
      lines:
        problems.length === 0
          ? [`${status.length} applied`]
          : problems.map((s) => `${s.id}: ${explain[s.state as keyof typeof explain]}`),
    };
  },
};
