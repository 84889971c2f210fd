import type { Command } from "../command";
import { withSession } from "../database/connect";
import { readMigrations } from "../migrations/file";
import { migrationStatus } from "../migrations/runner";
import { appliedMigrations } from "../migrations/store";
import { migrationsDir, shown } from "../project";

export const status: Command = {
  summary: "list the migrations: applied, pending, edited, missing",
  usage: "",
  help: `
Lists every migration with its state: applied (and when), pending (a file not yet applied),
edited (applied, but the file changed since: migrate refuses to run), missing (applied, but no
file in the folder). Always exits 0; "closql check" fails on pending, edited or missing ones.

Example:
  npx closql status`,
  async run(ctx) {
    const dir = migrationsDir(ctx);
    const files = readMigrations(dir);
    return withSession(ctx.flags.url as string | undefined, async (session) => {
      const rows = migrationStatus(files, await appliedMigrations(session));
      if (rows.length === 0) {
        ctx.out(`closql status: no migrations (none in ${shown(ctx, dir)}, none applied)`);
        return 0;
      }
      const width = Math.max(...rows.map((r) => r.id.length));
      for (const r of rows) {
        const when = r.applied ? r.applied.appliedAt.toISOString().replace("T", " ").slice(0, 19) : "";
        const note =
          r.state === "edited" ? "  (file changed since it was applied)" : r.state === "missing" ? "  (no file)" : "";
        ctx.out(`${r.state.padEnd(8)} ${r.id.padEnd(width)}  ${when}${note}`.trimEnd());
      }
      const count = (s: string) => rows.filter((r) => r.state === s).length;
      ctx.out(
        `${count("applied")} applied, ${count("pending")} pending` +
          (count("edited") ? `, ${count("edited")} edited` : "") +
          (count("missing") ? `, ${count("missing")} missing` : ""),
      );
      return 0;
    });
  },
};
