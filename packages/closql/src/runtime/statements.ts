export { statementName } from "../sql/statement-name";

/**
 * Named prepared statements, per connection.
 *
 * `pg` remembers, per connection, which names it has parsed (`connection.parsedStatements`) and
 * never parses a known name again. It cannot see the server drop a statement (`DEALLOCATE ALL`,
 * `DISCARD ALL`) or its cached plan go stale (a column's type changed), and it never drops one
 * itself. closql therefore keeps, beside pg's record, a bounded least-recently-used list of its names
 * on each connection, closes what falls off it, and after a stale-statement error closes the name and
 * forgets pg's record of it so the retry parses afresh.
 */

/** Default bound on closql's named statements per connection (`connect({ maxPreparedStatements })`). */
export const DEFAULT_MAX_PREPARED_STATEMENTS = 1000;

/** What closql reads and writes of a `pg` client (pg 8 internals, no public API exposes them). */
export interface PgClientInternals {
  readonly connection: PgConnection;
  /** Transaction status of the last ReadyForQuery: "I" idle, "T" in a transaction, "E" failed one. */
  readonly _txStatus?: string | null;
}

/** pg 8's `Connection`: the protocol messages closql writes itself (statement.ts), and pg's records of names. */
export interface PgConnection {
  /** Names pg has parsed on this connection: it sends no Parse for them. */
  readonly parsedStatements: Record<string, string>;
  /** Names whose Parse is on its way (pipelined): no second Parse for them either. */
  readonly submittedNamedStatements: Record<string, string>;
  readonly stream: { cork?(): void; uncork?(): void };
  /** Writes a Close message (the protocol's DEALLOCATE); the server's CloseComplete is ignored by pg. */
  close(message: { type: "S"; name: string }): void;
  parse(message: { text: string; name: string }): void;
  describe(message: { type: "S" | "P"; name: string }): void;
  bind(message: { statement: string; values: readonly unknown[] }): void;
  execute(message: object): void;
  sync(): void;
  query(text: string): void;
  sendCopyFail(message: string): void;
  [namesSlot]?: RecentNames;
}

/**
 * What closql knows of one named statement on one connection: the shape of its rows once the server
 * described it, so later executions send no Describe (statement.ts).
 */
export interface PreparedEntry {
  /** The row parsers of the statement's result, from its one Describe; undefined until then. */
  shape: RowShape | undefined;
}

/** How to read the rows of one statement: a parser per column (null where the text is the value), and the names. */
export interface RowShape {
  readonly parsers: readonly (((text: string) => unknown) | null)[];
  readonly names: readonly string[];
}

/**
 * Where a connection's list lives: on pg's connection object, beside pg's own record and with its
 * lifetime. A registered symbol, so that copies of the runtime sharing a pool share one list (one
 * bound); versioned, so a copy with another layout uses its own slot instead of misreading this one.
 */
const namesSlot = Symbol.for("closql.preparedStatementNames.v2");

/** closql's names on one connection, least recently used first. */
interface RecentNames {
  readonly order: Map<string, PreparedEntry>;
  /** The most recent name and its entry: running the same statement again skips reordering. */
  newest: string | undefined;
  newestEntry: PreparedEntry | undefined;
}

/**
 * Marks `name` as about to run on `client`'s connection. When it is new and the connection already
 * holds `max` of closql's names, closes the least recently used one. The Close is written before the
 * query's own messages and answered in the same round trip (its CloseComplete needs no Sync), so the
 * bound costs no extra round trip. Call right before the statement's messages are written: a Close
 * written behind statements in flight (pipelined) reaches the server after them.
 */
export function useStatement(connection: PgConnection, name: string, max: number): PreparedEntry {
  let names = connection[namesSlot];
  if (names === undefined)
    names = connection[namesSlot] = { order: new Map(), newest: undefined, newestEntry: undefined };
  if (names.newest === name) return names.newestEntry!;
  const { order } = names;
  let entry = order.get(name);
  if (entry !== undefined) order.delete(name);
  else {
    entry = { shape: undefined };
    while (order.size >= max) {
      const oldest: string = order.keys().next().value!;
      order.delete(oldest);
      closeStatement(connection, oldest);
    }
  }
  order.set(name, entry);
  names.newest = name;
  names.newestEntry = entry;
  return entry;
}

/**
 * After a stale-statement error: closes `name` on the server (a no-op if it is gone) and forgets pg's
 * record of it, so the next run of `name` on this connection parses it again.
 */
export function forgetStatement(connection: PgConnection, name: string): void {
  const names = connection[namesSlot];
  if (names !== undefined) {
    names.order.delete(name);
    if (names.newest === name) names.newest = names.newestEntry = undefined;
  }
  closeStatement(connection, name);
}

function closeStatement(connection: PgConnection, name: string): void {
  connection.close({ type: "S", name });
  delete connection.parsedStatements[name];
  // A Parse of it may be in flight (pipelined): the Close goes behind it, so the next run parses again.
  delete connection.submittedNamedStatements[name];
}

/**
 * Errors that mean the server's statement under this name is not the one pg believes it parsed, after
 * which closing and re-preparing it is right (the statement never ran, so running it again is safe):
 * - 0A000 "cached plan must not change result type": a column's type changed under the statement
 *   (DROP + CREATE of the schema, ALTER TABLE). Only that 0A000, told by the server function that
 *   raises it (not localized) or its English message; any other 0A000 is a genuine error.
 * - 26000 "prepared statement … does not exist": `DEALLOCATE ALL` / `DISCARD ALL` ran on the session.
 * - 42P05 "prepared statement … already exists": the session already had the name without pg knowing
 *   (a connection shared by several clients, e.g. embedded PGlite). Same name ⇒ same text.
 */
export function isStaleStatementError(error: unknown): boolean {
  const e = error as { code?: unknown; routine?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== "object") return false;
  switch (e.code) {
    case "26000":
    case "42P05":
      return true;
    case "0A000":
      return e.routine === "RevalidateCachedQuery" || e.message === "cached plan must not change result type";
    default:
      return false;
  }
}
