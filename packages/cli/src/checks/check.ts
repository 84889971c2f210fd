import type { CommandContext, FlagSpec } from "../command";
import type { Session } from "../database/connect";

/**
 * One check of `closql check`. Each lives in its own file and is listed once in checks/index.ts;
 * the command runs those enabled by its flags and exits 1 when any fails.
 */
export interface Check {
  /** What it checks, for the report: `migrations are applied`. */
  readonly title: string;
  /** Flags of `closql check` this check adds (listed in its --help). */
  readonly flags?: Record<string, FlagSpec>;
  /** Whether it runs, given the flags of this `closql check`. */
  enabled(flags: CommandContext["flags"]): boolean;
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

export interface CheckContext {
  readonly command: CommandContext;
  /** The database session, opened once on first use and shared by the checks. */
  session(): Promise<Session>;
}

export interface CheckOutcome {
  readonly ok: boolean;
  /** What to show under the check's title (why it failed, or what it saw). */
  readonly lines: readonly string[];
}
