import pg from "pg";
import { CliError } from "../command";

/** A database session for one command. */
export type Session = pg.Client;

/**
 * Connects to `url`, turning every way that fails into one clear line: no URL, a string that is not
 * a PostgreSQL URL, a server that cannot be reached, a refused login, a missing database.
 */
export async function openSession(url: string | undefined): Promise<Session> {
  if (!url)
    throw new CliError(
      'closql: no database: set DATABASE_URL, pass --url postgres://user@host:5432/db, or put "url" in closql.config.json',
    );
  const shown = redact(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(
      `closql: "${shown}" is not a database URL: expected postgres://user:password@host:5432/database`,
      2,
    );
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:")
    throw new CliError(
      `closql: "${shown}" is not a PostgreSQL URL (it starts with ${parsed.protocol}//): expected postgres://user:password@host:5432/database`,
      2,
    );
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // A connection lost later surfaces through the failing query; nothing must crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw new CliError(`closql: cannot connect to ${shown}: ${connectFailure(e as Error & { code?: string })}`);
  }
  return client;
}

function connectFailure(e: Error & { code?: string }): string {
  switch (e.code) {
    case "ECONNREFUSED":
      return "connection refused (is PostgreSQL running there, on that port?)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "unknown host";
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "the server does not answer (host or network unreachable)";
    case "28P01":
    case "28000":
      return `login refused: ${e.message}`;
    case "3D000":
      return `${e.message} (create it first: createdb <name>)`;
    default:
      return e.message === "timeout expired" || e.message.includes("timeout")
        ? "the server did not answer within 10 s"
        : e.message;
  }
}

/** The URL with its password hidden, for messages. */
export function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@/]*@/i, "$1***@");
}

/** Runs `work` with a session, closing it afterwards whatever happens. */
export async function withSession<T>(url: string | undefined, work: (s: Session) => Promise<T>): Promise<T> {
  const session = await openSession(url);
  try {
    return await work(session);
  } finally {
    await session.end().catch(() => {});
  }
}
