import type { Command } from "../command";
import { redact, withSession } from "../database/connect";
import { plan } from "../diff/plan";
import { renderSection } from "../migrations/file";
import { loadSchema } from "../project";

export const diff: Command = {
  summary: "print the SQL that brings the database to the declared schema",
  usage: "",
  help: `
Compares the database (the first schema of its search_path, usually public) with the declaration in
the --schema module and prints the statements that would bring the database to it, in a safe order.
Nothing is changed. Statements that lose data are marked "-- closql:destructive"; statements that
rewrite or lock an existing table carry a "-- closql:warning" with a safer sequence. Renames happen
only where the declaration says .renamedFrom("old").

Example:
  npx closql diff --schema dist/schema.js`,
  async run(ctx) {
    const { schema, name } = await loadSchema(ctx);
    const url = ctx.flags.url as string | undefined;
    return withSession(url, async (session) => {
      const p = await plan(session, schema);
      for (const note of p.notes) ctx.err(`closql: note: ${note}`);
      ctx.out(`-- closql diff: schema "${p.live.namespace}" of ${redact(url!)} → the declaration in ${name}`);
      if (p.up.length === 0) {
        ctx.out("-- no changes: the database matches the declaration");
        return 0;
      }
      ctx.out("");
      ctx.out(renderSection(p.up));
      return 0;
    });
  },
};
