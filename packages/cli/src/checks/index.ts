import type { Check } from "./check";
import { closures } from "./closures";
import { drift } from "./drift";
import { migrations } from "./migrations";
import { statements } from "./statements";

/**
 * The checks of `closql check`, in the order they run and report: one file each. A check says
 * which flags enable it and may add flags of its own.
 */
export const CHECKS: Readonly<Record<string, Check>> = {
  closures,
  migrations,
  drift,
  statements,
};
