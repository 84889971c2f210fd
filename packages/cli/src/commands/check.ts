import type { Command, FlagSpec } from "../command";
import { openSession, Session } from "../database/connect";
import { CHECKS } from "../checks";

export const check: Command = {
  summary: "fail (exit 1) on drift, pending migrations or statements that do not prepare",
  usage: "[--explain | --embedded | --closures [-p tsconfig.json]]",
  help: `
For CI and deploys. Exits 1, saying why, when:
  - a migration of the folder is not applied, was edited after it was applied, or the database
    applied one the folder lacks;
  - the database's schema differs from the declaration (what "closql diff" would print);
  - with --explain: a compiled statement of the manifest does not PREPARE on the database (each
    one's generic plan is printed);
  - with --embedded: a compiled statement does not PREPARE on the declared schema, created in
    PostgreSQL running in-process (PGlite): no server and no URL needed, only this check runs;
  - with --closures: a query of the project does not compile (an unsupported closure, reported at
    file:line:col), compiled as a build would with nothing written: no database needed (the
    migration and drift checks are off with it).

Examples:
  npx closql check --schema dist/schema.js
  npx closql check --schema dist/schema.js --explain
  npx closql check --schema dist/schema.js --embedded
  npx closql check --closures -p tsconfig.json`,
  flags: Object.assign({}, ...Object.values(CHECKS).map((c) => c.flags ?? {})) as Record<string, FlagSpec>,
  async run(ctx) {
    let session: Session | undefined;
    let failed = 0;
    try {
      for (const c of Object.values(CHECKS)) {
        if (!c.enabled(ctx.flags)) continue;
        const outcome = await c.run({
          command: ctx,
          session: async () => (session ??= await openSession(ctx.flags.url as string | undefined)),
        });
        if (!outcome.ok) failed++;
        // One report, in order, on stdout; the exit code says whether it passed.
        ctx.out(`${outcome.ok ? "✓" : "✗"} ${c.title}`);
        for (const line of outcome.lines) ctx.out(`  ${line}`);
      }
    } finally {
      await session?.end().catch(() => {});
    }
    return failed === 0 ? 0 : 1;
  },
};
