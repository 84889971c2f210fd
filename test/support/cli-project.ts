import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { main, MigrationFile, readMigrations } from "@closql/cli";
import { databaseUrl } from "./database";

/** The compiled module holding the migration tests' schema versions. */
export const SCHEMAS = path.join(__dirname, "migration-schemas.js");
export const schemaRef = (name: string) => `${SCHEMAS}#${name}`;

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * A project for CLI tests: its own migrations folder and its own PostgreSQL schema (namespace) that
 * the closql command works in (the URL's search_path); the command runs in-process. On embedded
 * PGlite — one session, which ignores connection options — it works in `public`, which no other
 * test file uses while this one runs (run.js runs files one at a time there); close() drops what the
 * given schemas declare.
 */
export class CliProject {
  readonly dir: string;
  readonly url: string;
  readonly pool: pg.Pool;

  private constructor(
    readonly namespace: string,
    private readonly cleanup: () => Promise<void>,
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "closql-migrations-"));
    const url = new URL(databaseUrl());
    if (namespace !== "public") url.searchParams.set("options", `-c search_path=${namespace}`);
    this.url = url.toString();
    this.pool = new pg.Pool({ connectionString: this.url, max: 1 });
  }

  static async open(dropOnEmbedded: string[] = []): Promise<CliProject> {
    const embedded = process.env.CLOSQL_EMBEDDED === "1";
    const namespace = embedded ? "public" : `mig_${randomBytes(5).toString("hex")}`;
    const admin = new pg.Client({ connectionString: databaseUrl() });
    await admin.connect();
    const dropAll = async () => {
      if (embedded) {
        for (const s of dropOnEmbedded) await admin.query(s);
        await admin.query("DROP TABLE IF EXISTS closql_migrations");
      } else await admin.query(`DROP SCHEMA IF EXISTS ${namespace} CASCADE`);
    };
    await dropAll();
    if (!embedded) await admin.query(`CREATE SCHEMA ${namespace}`);
    return new CliProject(namespace, async () => {
      await dropAll();
      await admin.end();
    });
  }

  /** Runs `closql <args>` with this project's folder and database (unless args give another --url). */
  async cli(...args: string[]): Promise<CliResult> {
    const out: string[] = [];
    const err: string[] = [];
    const url = args.includes("--url") ? [] : ["--url", this.url];
    const code = await main([...args, "--dir", this.dir, ...url], process.cwd(), {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  /** Like cli(), but fails the test unless the command exits 0. */
  async ok(...args: string[]): Promise<CliResult> {
    const r = await this.cli(...args);
    if (r.code !== 0) throw new Error(`closql ${args.join(" ")} exited ${r.code}:\n${r.out}\n${r.err}`);
    return r;
  }

  migrations(): MigrationFile[] {
    return readMigrations(this.dir);
  }

  async query<T extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
  ): Promise<T[]> {
    // PGlite is one session: the path another test file set must not be in force.
    if (this.namespace === "public") await this.pool.query("SET search_path TO public");
    return (await this.pool.query<T>(sql, params)).rows;
  }

  async close(): Promise<void> {
    await this.pool.end();
    fs.rmSync(this.dir, { recursive: true, force: true });
    await this.cleanup();
  }
}

/** A section's statements without their comment lines (the marks and warnings). */
export function statementsOf(section: MigrationFile["up"]): string[] {
  return section.statements.map((s) =>
    s.text
      .split("\n")
      .filter((l) => !l.trim().startsWith("--"))
      .join("\n")
      .trim(),
  );
}

/** Runs `work` with DATABASE_URL unset (as a fresh shell would have it), restoring it afterwards. */
export async function withoutDatabaseUrl<T>(work: () => Promise<T>): Promise<T> {
  const saved = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  try {
    return await work();
  } finally {
    if (saved !== undefined) process.env.DATABASE_URL = saved;
  }
}
