import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Schema } from "closql";
import { Manifest, MANIFEST_FILE, MANIFEST_VERSION } from "closql/sql";
import { CliError, CommandContext, CONFIG_FILE } from "./command";

/** What commands read from the project: the schema module, the migrations folder, the manifest. */

export interface LoadedSchema {
  readonly schema: Schema;
  /** The module's path as given (for messages and generated headers). */
  readonly name: string;
  readonly file: string;
}

/**
 * Loads the compiled module named by --schema (or "schema" in closql.config.json) and picks its
 * schema: the export named after `#` (`dist/db.js#appSchema`), else the export `schema`, else the
 * default export, else its only export that is a schema (a `relations(…)` result).
 */
export async function loadSchema(ctx: CommandContext): Promise<LoadedSchema> {
  const given = ctx.flags.schema;
  if (typeof given !== "string" || given === "")
    throw new CliError(
      `closql: which schema? Pass --schema <compiled module>, e.g. --schema dist/schema.js, or put { "schema": "dist/schema.js" } in ${CONFIG_FILE}`,
      2,
    );
  const [modulePath, exportName] = given.split("#");
  const file = path.resolve(ctx.cwd, modulePath);
  if (!fs.existsSync(file))
    throw new CliError(
      `closql: schema module ${modulePath} not found (looked for ${file}). --schema names the compiled JavaScript module that exports your schema: build the project first (npx tspc)${/\.[cm]?tsx?$/.test(modulePath) ? ", and point at the .js file the build writes, not the .ts source" : ""}.`,
    );
  if (/\.[cm]?tsx?$/.test(modulePath) && !modulePath.endsWith(".d.ts"))
    throw new CliError(
      `closql: --schema ${modulePath} is TypeScript: point it at the compiled module (e.g. dist/schema.js), which Node can load`,
      2,
    );
  let exports: Record<string, unknown>;
  try {
    exports = (await importModule(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    const err = e as Error & { code?: string };
    throw new CliError(`closql: loading the schema module ${modulePath} failed: ${err.message ?? err}`);
  }
  // A CommonJS module's `module.exports = { schema }` arrives as its default export.
  const inner = exports.default;
  if (typeof inner === "object" && inner !== null && !isSchema(inner))
    exports = { ...(inner as Record<string, unknown>), ...exports };
  const candidates = Object.entries(exports).filter(([, v]) => isSchema(v));
  let chosen: [string, unknown] | undefined;
  if (exportName !== undefined) {
    chosen = Object.entries(exports).find(([k]) => k === exportName);
    if (!chosen || !isSchema(chosen[1]))
      throw new CliError(
        `closql: ${modulePath} has no schema exported as "${exportName}"${candidates.length ? ` (its schemas: ${candidates.map(([k]) => k).join(", ")})` : ""}`,
      );
  } else {
    chosen =
      candidates.find(([k]) => k === "schema") ??
      candidates.find(([k]) => k === "default") ??
      (candidates.length === 1 ? candidates[0] : undefined);
    if (!chosen)
      throw new CliError(
        candidates.length === 0
          ? `closql: ${modulePath} exports no schema: export the result of relations({ … }) (e.g. export const schema = relations({ users, posts }))`
          : `closql: ${modulePath} exports several schemas (${candidates.map(([k]) => k).join(", ")}): name one, --schema ${modulePath}#${candidates[0][0]}, or export it as "schema"`,
        2,
      );
  }
  return { schema: chosen[1] as Schema, name: given, file };
}

function isSchema(value: unknown): value is Schema {
  if (typeof value !== "object" || value === null) return false;
  const tables = (value as { tables?: unknown }).tables;
  if (typeof tables !== "object" || tables === null || !("relations" in value)) return false;
  return Object.values(tables).every((t) => typeof t === "object" && t !== null && "$name" in t && "$columns" in t);
}

/**
 * `import()` that TypeScript leaves alone (compiled to CommonJS it would become `require`, which
 * cannot load an ES module): the schema module may be either.
 */
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

/** The migrations folder: --dir, "dir" in closql.config.json, or `migrations`. */
export function migrationsDir(ctx: CommandContext): string {
  const dir = typeof ctx.flags.dir === "string" && ctx.flags.dir !== "" ? ctx.flags.dir : "migrations";
  return path.resolve(ctx.cwd, dir);
}

/** A path for messages: relative to the project root when inside it. */
export function shown(ctx: CommandContext, file: string): string {
  const rel = path.relative(ctx.cwd, file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

export interface LoadedManifest {
  readonly manifest: Manifest;
  readonly file: string;
}

/**
 * The statement manifest: --manifest (or "manifest" in closql.config.json), else the first
 * closql.manifest.json found from the schema module's folder up to the project root, else
 * dist/closql.manifest.json.
 */
export function loadManifest(ctx: CommandContext): LoadedManifest {
  const given = typeof ctx.flags.manifest === "string" ? ctx.flags.manifest : undefined;
  const file = given ? path.resolve(ctx.cwd, given) : findManifest(ctx);
  if (!file || !fs.existsSync(file))
    throw new CliError(
      `closql: no statement manifest${file ? ` at ${shown(ctx, file)}` : ""}. The closql transformer writes ${MANIFEST_FILE} into the build's outDir ` +
        `when it compiles your queries: build the project (npx tspc), or pass --manifest <file>.`,
    );
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
  } catch (e) {
    throw new CliError(
      `closql: ${shown(ctx, file)} is not valid JSON (${(e as Error).message}): rebuild to rewrite it`,
    );
  }
  if (manifest?.version !== MANIFEST_VERSION || !Array.isArray(manifest.statements))
    throw new CliError(
      `closql: ${shown(ctx, file)} is not a closql manifest of version ${MANIFEST_VERSION}: rebuild with this version of @closql/transformer`,
    );
  return { manifest, file };
}

function findManifest(ctx: CommandContext): string | undefined {
  const schema = typeof ctx.flags.schema === "string" ? ctx.flags.schema.split("#")[0] : undefined;
  const root = path.resolve(ctx.cwd);
  if (schema) {
    let dir = path.dirname(path.resolve(ctx.cwd, schema));
    for (;;) {
      const candidate = path.join(dir, MANIFEST_FILE);
      if (fs.existsSync(candidate)) return candidate;
      if (dir === root || !dir.startsWith(root) || path.dirname(dir) === dir) break;
      dir = path.dirname(dir);
    }
  }
  return path.join(root, "dist", MANIFEST_FILE);
}
