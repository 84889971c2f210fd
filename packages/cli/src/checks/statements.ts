import { renderDdl } from "closql";
import type { ManifestStatement } from "closql/sql";
import { withEmbedded } from "../database/embedded";
import { loadManifest, loadSchema, shown } from "../project";
import type { Check, CheckOutcome } from "./check";

/** The few calls the check makes, on a live session or on embedded PGlite. */
interface Target {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

/**
 * Every statement of the manifest PREPAREs against the schema: on the live database
 * (`--explain`, which also prints each one's generic plan) or, with `--embedded`, on PGlite
 * in-process where the declared schema was just created: no server at all. A statement that names a
 * column or table the schema no longer has, or no longer type-checks, fails here instead of in
 * production.
 */
export const statements: Check = {
  title: "every compiled statement prepares",
  flags: {
    explain: { type: "boolean", description: "PREPARE and EXPLAIN every compiled statement on the database" },
    embedded: {
      type: "boolean",
      description: "PREPARE every compiled statement on the declared schema in embedded PGlite (no server)",
    },
    extension: {
      type: "string",
      multiple: true,
      description: "with --embedded: a PGlite contrib extension the schema needs (pg_trgm is always loaded)",
    },
    manifest: { type: "string", description: "the statement manifest (default: found next to --schema, or dist/)" },
  },
  enabled: (flags) => flags.explain === true || flags.embedded === true,
  async run(ctx) {
    const flags = ctx.command.flags;
    const { manifest, file } = loadManifest(ctx.command);
    const explain = flags.explain === true;
    if (flags.embedded === true) {
      const { schema } = await loadSchema(ctx.command);
      const extensions = (flags.extension as string[] | undefined) ?? [];
      return withEmbedded(ctx.command.cwd, extensions, async (db) => {
        for (const statement of renderDdl(schema)) await db.query(statement);
        const where = `on the declared schema in embedded PGlite (${shown(ctx.command, file)})`;
        return check(db, manifest.statements, explain, where);
      });
    }
    return check(await ctx.session(), manifest.statements, explain, `on the database (${shown(ctx.command, file)})`);
  },
};

async function check(
  target: Target,
  list: readonly ManifestStatement[],
  explain: boolean,
  where: string,
): Promise<CheckOutcome> {
  const lines: string[] = [];
  let failed = 0;
  // The plan of a prepared statement for any parameter values, as the runtime's reuse would get.
  if (explain) await target.query("SET plan_cache_mode = force_generic_plan");
  for (const [i, s] of list.entries()) {
    const name = `closql_check_${i}`;
    try {
      await target.query(`PREPARE ${name} AS ${s.sql}`);
    } catch (e) {
      failed++;
      lines.push(`✗ ${s.source} ${s.kind}: ${(e as Error).message}`, `    ${s.sql}`);
      continue;
    }
    if (!explain) {
      await target.query(`DEALLOCATE ${name}`);
      continue;
    }
    try {
      const types = await target.query<{ types: string; n: number }>(
        "SELECT array_to_string(parameter_types::text[], ', ') AS types, cardinality(parameter_types) AS n FROM pg_prepared_statements WHERE name = $1",
        [name],
      );
      const n = types.rows[0].n;
      const plan = await target.query<{ "QUERY PLAN": string }>(
        `EXPLAIN EXECUTE ${name}${n > 0 ? `(${Array(n).fill("NULL").join(", ")})` : ""}`,
      );
      lines.push(`${s.source} ${s.kind}${types.rows[0].types ? ` (${types.rows[0].types})` : ""}`, `    ${s.sql}`);
      for (const row of plan.rows) lines.push(`      ${row["QUERY PLAN"]}`);
    } catch (e) {
      failed++;
      lines.push(`✗ ${s.source} ${s.kind}: prepares, but EXPLAIN fails: ${(e as Error).message}`, `    ${s.sql}`);
    } finally {
      await target.query(`DEALLOCATE ${name}`);
    }
  }
  if (explain) await target.query("RESET plan_cache_mode");
  lines.push(
    failed === 0
      ? `${list.length} statement${list.length === 1 ? "" : "s"} prepared ${where}`
      : `${failed} of ${list.length} statements do not prepare ${where}`,
  );
  return { ok: failed === 0, lines };
}
