import type { Command } from "../command";
import { check } from "./check";
import { diff } from "./diff";
import { generate } from "./generate";
import { migrate } from "./migrate";
import { rollback } from "./rollback";
import { sql } from "./sql";
import { status } from "./status";
import { build } from "./build";

/**
 * The routing table: every `closql <name>` command, one file each. `closql --help` lists them in
 * this order.
 */
export const COMMANDS: Readonly<Record<string, Command>> = {
  diff,
  generate,
  migrate,
  rollback,
  status,
  check,
  sql,
  build,
};
