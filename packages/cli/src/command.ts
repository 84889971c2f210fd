import { parseArgs } from "node:util";
import fs from "node:fs";
import path from "node:path";

/**
 * One `closql <name>` command. Every command lives in its own file under `commands/` and is listed
 * once in `commands/index.ts` (the routing table): the name, its flags, its help and what it does.
 */
export interface Command {
  /** One line for `closql --help`. */
  readonly summary: string;
  /** The argument line after the command's name, e.g. `<name> [--allow-destructive]`. */
  readonly usage: string;
  /** Longer help for `closql <name> --help`: what it does, each flag, an example. */
  readonly help: string;
  /** The command's own flags; the common ones (CommonFlags) are added to every command. */
  readonly flags?: Record<string, FlagSpec>;
  /** Resolves to the process exit code (0 success, 1 a failed check, 2 bad usage). */
  run(ctx: CommandContext): Promise<number>;
}

export interface FlagSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  readonly description: string;
}

export interface CommandContext {
  /** Flags after merging closql.config.json (below the flags) and DATABASE_URL (for `url`). */
  readonly flags: Readonly<Record<string, string | boolean | string[] | undefined>>;
  /** Arguments that are not flags, after the command's name. */
  readonly positionals: readonly string[];
  /** The project root: where closql.config.json is, else the working directory. */
  readonly cwd: string;
  readonly config: ProjectConfig;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** `closql.config.json` at the project root; every key may also be given as a flag. */
export interface ProjectConfig {
  /** The compiled module that exports the schema (`relations(…)` result), e.g. `dist/schema.js`. */
  readonly schema?: string;
  /** The migrations folder (default `migrations`). */
  readonly dir?: string;
  /** The database; `DATABASE_URL` and `--url` take precedence. */
  readonly url?: string;
  /** The statement manifest the transformer writes (default: found next to the schema module). */
  readonly manifest?: string;
  readonly [key: string]: unknown;
}

/** Flags every command takes. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  schema: { type: "string", description: "the compiled module exporting the schema (e.g. dist/schema.js)" },
  dir: { type: "string", description: "the migrations folder (default: migrations)" },
  url: { type: "string", description: "the database URL (default: $DATABASE_URL)" },
  help: { type: "boolean", short: "h", description: "this help" },
};

/** A failure the user can fix: printed as one line (no stack), exit code 1 unless given. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const CONFIG_FILE = "closql.config.json";

/** Reads closql.config.json from `cwd` (the project root); none is fine, a broken one is an error. */
export function readConfig(cwd: string): ProjectConfig {
  const file = path.join(cwd, CONFIG_FILE);
  if (!fs.existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new CliError(`${file}: not valid JSON (${(e as Error).message})`, 2);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new CliError(`${file}: expected a JSON object such as { "schema": "dist/schema.js" }`, 2);
  return parsed as ProjectConfig;
}

/** Parses a command's arguments: its flags and the common ones; unknown flags are usage errors. */
export function parseCommandArgs(
  name: string,
  command: Command,
  argv: readonly string[],
): { flags: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  const specs = { ...COMMON_FLAGS, ...command.flags };
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(specs).map(([flag, s]) => [
          flag,
          { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
    return { flags: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (e) {
    throw new CliError(`closql ${name}: ${(e as Error).message} (see closql ${name} --help)`, 2);
  }
}

/** The help text of one command, flags included. */
export function commandHelp(name: string, command: Command): string {
  const specs = { ...command.flags, ...COMMON_FLAGS };
  const width = Math.max(...Object.keys(specs).map((f) => f.length)) + 4;
  const lines = Object.entries(specs).map(
    ([flag, s]) =>
      `  ${`--${flag}${s.type === "string" ? " <v>" : ""}`.padEnd(width + 6)}${s.description}${s.short ? ` (-${s.short})` : ""}`,
  );
  return [`closql ${name} ${command.usage}`.trimEnd(), "", command.help.trim(), "", "Flags:", ...lines].join("\n");
}
