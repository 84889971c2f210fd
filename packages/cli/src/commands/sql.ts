import type { Command } from "../command";
import { loadManifest, shown } from "../project";

export const sql: Command = {
  summary: "print every statement the build compiled, with its source location",
  usage: "[--manifest <file>] [--json]",
  help: `
Prints the statement manifest the closql transformer writes at build time (closql.manifest.json in
the build's outDir): for each statement, the file:line of the query in your TypeScript, what kind of
call runs it, the TypeScript types of its parameters, and its SQL exactly as it ships. Statements of
chains built across ifs are assembled at run time from compiled fragments and are not listed.

Examples:
  npx closql sql --schema dist/schema.js
  npx closql sql --manifest dist/closql.manifest.json --json`,
  flags: {
    manifest: { type: "string", description: "the manifest file (default: found next to --schema, or dist/)" },
    json: { type: "boolean", description: "print the manifest as JSON" },
  },
  async run(ctx) {
    const { manifest, file } = loadManifest(ctx);
    if (ctx.flags.json === true) {
      ctx.out(JSON.stringify(manifest, null, 2));
      return 0;
    }
    for (const s of manifest.statements) {
      const params = s.params.map((p, i) => `$${i + 1} ${p}`).join(", ");
      ctx.out(`${s.source}  ${s.kind}${params ? `  (${params})` : ""}`);
      ctx.out(`  ${s.sql}`);
    }
    ctx.out(
      `-- ${manifest.statements.length} statement${manifest.statements.length === 1 ? "" : "s"} (${shown(ctx, file)})`,
    );
    return 0;
  },
};
