export interface OpenDatabase {
  /** Connection string of the server to use. */
  readonly url: string;
  /** Connections the pool may open: 1 for embedded PGlite (a single session). */
  readonly poolSize: number;
  readonly embedded: boolean;
  close(): Promise<void>;
}
/** DATABASE_URL when set, otherwise an in-process PGlite behind a socket. */
export function openDatabase(): Promise<OpenDatabase>;
