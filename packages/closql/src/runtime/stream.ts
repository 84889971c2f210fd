import type { Executor, RunOptions } from "./executor";
import { ClosqlError } from "./errors";

/** Options of `.stream()`. */
export interface StreamOptions extends RunOptions {
  /** Rows fetched per round trip. */
  readonly batchSize?: number;
}

/** Placeholder until the cursor implementation lands: reads every row at once. */
export function streamRows(
  executor: Executor,
  text: string,
  params: () => readonly unknown[],
  map: (row: unknown[]) => unknown,
  source: string,
  options?: StreamOptions,
): AsyncIterableIterator<unknown> {
  void executor;
  void text;
  void params;
  void map;
  void options;
  throw new ClosqlError(`closql: stream() is not available yet (query at ${source})`);
}
