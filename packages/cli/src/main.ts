#!/usr/bin/env node
import { COMMANDS } from "./commands";
import { CliError, COMMON_FLAGS, commandHelp, parseCommandArgs, readConfig } from "./command";

/** Where a command's output goes: stdout and stderr, or a caller's collectors (tests, tools). */
export interface Output {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const STANDARD_OUTPUT: Output = {
  out: (line) => process.stdout.write(line + "\n"),
  err: (line) => process.stderr.write(line + "\n"),
};

/** `closql <command> [flags]`: dispatches through the routing table in commands/index.ts. */
export async function main(
  argv: readonly string[],
  cwd = process.cwd(),
  io: Output = STANDARD_OUTPUT,
): Promise<number> {
  const { out, err } = io;
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    out(overview());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    err(`closql: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  try {
    const { flags, positionals } = parseCommandArgs(name, command, rest);
    if (flags.help) {
      out(commandHelp(name, command));
      return 0;
    }
    const config = readConfig(cwd);
    const merged = {
      // Any string flag of the command may come from the config file (the flags win).
      ...pick(
        config,
        Object.entries({ ...COMMON_FLAGS, ...command.flags })
          .filter(([, spec]) => spec.type === "string")
          .map(([flag]) => flag),
      ),
      ...(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : {}),
      ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)),
    };
    return await command.run({ flags: merged, positionals, cwd, config, out, err });
  } catch (e) {
    if (e instanceof CliError) {
      err(e.message);
      return e.exitCode;
    }
    const failure = databaseFailure(e);
    if (failure === undefined) throw e;
    err(`closql ${name}: ${failure}`);
    return 1;
  }
}

/**
 * A database error no command turned into a message of its own (a privilege missing, the
 * connection lost): the server's words and code, without a stack trace.
 */
function databaseFailure(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const pg = e as Error & { code?: string; severity?: string; detail?: string; hint?: string };
  if (pg.severity !== undefined && pg.code !== undefined)
    return (
      `the database refused: ${pg.message} (SQLSTATE ${pg.code})` +
      (pg.detail ? `\n  detail: ${pg.detail}` : "") +
      (pg.hint ? `\n  hint: ${pg.hint}` : "")
    );
  if (/Connection terminated|ECONNRESET|EPIPE/.test(`${pg.message} ${pg.code ?? ""}`))
    return `the connection to the database was lost: ${pg.message}`;
  return undefined;
}

function overview(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(8, ...names.map((n) => n.length)) + 2;
  return [
    "Usage: closql <command> [flags]",
    "",
    "Commands:",
    ...names.map((n) => `  ${n.padEnd(width)}${COMMANDS[n].summary}`),
    "",
    "Common flags: --schema <compiled module exporting the schema>, --dir <migrations folder>,",
    "--url <database URL> (default $DATABASE_URL); closql.config.json at the project root may hold the same keys.",
    "`closql <command> --help` shows a command's own flags.",
  ].join("\n");
}

function pick(config: Record<string, unknown>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => typeof config[k] === "string").map((k) => [k, config[k] as string]));
}

if (require.main === module) {
  // `closql sql | head`: a reader that stops early is no error.
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(`closql: internal error (a closql bug; please report it): ${(e as Error)?.stack ?? e}`);
      process.exitCode = 70;
    },
  );
}
