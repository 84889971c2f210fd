import { randomBytes } from "node:crypto";
import { quoteIdent, renderDdl, Schema, SchemaModel, schemaModel } from "closql";
import { CliError } from "../command";
import type { Session } from "./connect";
import { introspect, Introspected } from "./introspect";

/**
 * The declared schema as this server prints it. The declaration's DDL is run in a scratch schema
 * inside a transaction that is always rolled back, and read back with the same introspection as the
 * live database: types, defaults, check expressions, index expressions and predicates come out in
 * the server's own spelling (`'user'::role`, `(age >= 0)`, `character varying(20)`), so a diff
 * compares like with like and an applied migration diffs to nothing. Nothing is left behind and no
 * existing object is locked; the role needs the CREATE privilege on the database.
 *
 * The declaration's `.renamedFrom()` hints, which the catalog cannot hold, are carried over.
 */
export async function declaredModel(session: Session, schema: Schema): Promise<Introspected> {
  const declared = schemaModel(schema);
  const scratch = `closql_scratch_${randomBytes(6).toString("hex")}`;
  const path = (await session.query<{ search_path: string }>("SHOW search_path")).rows[0].search_path;
  await session.query("BEGIN");
  try {
    try {
      await session.query(`CREATE SCHEMA ${quoteIdent(scratch)}`);
    } catch (e) {
      throw new CliError(
        `closql: cannot create a scratch schema (${(e as Error).message}). closql reads the declaration back from the ` +
          "server in a schema it creates and rolls back in one transaction: the role needs CREATE on the database.",
      );
    }
    // The scratch schema first, then the session's path: extensions' functions and types stay visible.
    await session.query(`SET LOCAL search_path TO ${quoteIdent(scratch)}${path.trim() ? `, ${path}` : ""}`);
    for (const statement of renderDdl(schema)) {
      try {
        await session.query(statement);
      } catch (e) {
        throw new CliError(
          `closql: the declared schema does not apply to PostgreSQL:\n${statement}\n→ ${(e as Error).message}`,
        );
      }
    }
    const read = await introspect(session);
    return { ...read, namespace: read.namespace, model: withHints(read.model, declared) };
  } finally {
    await session.query("ROLLBACK");
  }
}

function withHints(model: SchemaModel, declared: SchemaModel): SchemaModel {
  const tables = new Map(declared.tables.map((t) => [t.name, t]));
  return {
    enums: model.enums,
    tables: model.tables.map((t) => {
      const d = tables.get(t.name);
      if (!d) return t;
      const columns = new Map(d.columns.map((c) => [c.name, c]));
      return {
        ...t,
        ...(d.renamedFrom !== undefined ? { renamedFrom: d.renamedFrom } : {}),
        columns: t.columns.map((c) => {
          const renamedFrom = columns.get(c.name)?.renamedFrom;
          return renamedFrom !== undefined ? { ...c, renamedFrom } : c;
        }),
      };
    }),
  };
}
