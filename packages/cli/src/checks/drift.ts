import { plan } from "../diff/plan";
import { loadSchema } from "../project";
import type { Check } from "./check";

/** The database's schema equals the declaration (what `closql diff` would print is nothing). */
export const drift: Check = {
  title: "the database matches the declared schema",
  // --embedded and --closures ask for checks that need no server: the database's checks stay off.
  enabled: (flags) => flags.embedded !== true && flags.closures !== true,
  async run(ctx) {
    const { schema } = await loadSchema(ctx.command);
    const p = await plan(await ctx.session(), schema);
    if (p.up.length === 0) return { ok: true, lines: [] };
    return {
      ok: false,
      lines: [
        `${p.up.length} change${p.up.length === 1 ? "" : "s"} would bring schema "${p.live.namespace}" to the declaration:`,
        ...p.up.map((s) => `  ${s.destructive ? "! " : ""}${s.summary}`),
        "closql diff prints the SQL; closql generate <name> writes it as a migration.",
      ],
    };
  },
};
