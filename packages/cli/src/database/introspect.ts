import type {
  CheckModel,
  ColumnModel,
  ForeignKeyModel,
  IndexModel,
  IndexPart,
  KeyModel,
  ReferentialActionSql,
  SchemaModel,
  TableModel,
} from "closql";
import { CliError } from "../command";
import type { Session } from "./connect";

/** The table where `closql migrate` records what it applied; never part of a schema's model. */
export const MIGRATIONS_TABLE = "closql_migrations";

/** What introspection read from one namespace (PostgreSQL schema). */
export interface Introspected {
  /** The namespace: the session's `current_schema()`, the first existing schema of its search_path. */
  readonly namespace: string;
  readonly model: SchemaModel;
  /** The server's keywords that `quote_ident` quotes: how the server prints an identifier. */
  readonly reservedWords: ReadonlySet<string>;
}

/**
 * Reads the model of the session's current schema from pg_catalog: enums with their labels in
 * order; tables with their columns (types as `format_type` prints them, defaults as `pg_get_expr`
 * does, a column filling itself from a sequence it owns as `serial`); primary, unique, foreign-key
 * and check constraints; and the other indexes (method, keys with their opclass, collation and
 * order, predicate). Names of constraints the server chose itself are kept: the printer leaves out
 * those that equal the default. The migrations table and what extensions created are left out.
 */
export async function introspect(session: Session): Promise<Introspected> {
  const ns = (
    await session.query<{ name: string | null; oid: number | null }>(
      "SELECT current_schema() AS name, (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AS oid",
    )
  ).rows[0];
  if (ns.name === null || ns.oid === null)
    throw new CliError(
      "closql: the session has no current schema: no schema of its search_path exists (SHOW search_path)",
    );
  const oid = ns.oid;

  const enums = await session.query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE t.typnamespace = $1 AND NOT ${memberOfExtension("pg_type", "t.oid")}
      GROUP BY t.typname ORDER BY t.typname`,
    [oid],
  );

  const tables = await session.query<{ oid: number; name: string }>(
    `SELECT c.oid, c.relname AS name FROM pg_class c
      WHERE c.relnamespace = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> $2
        AND NOT ${memberOfExtension("pg_class", "c.oid")}
      ORDER BY c.relname`,
    [oid, MIGRATIONS_TABLE],
  );
  const oids = tables.rows.map((t) => t.oid);

  const columns = await session.query<{
    table: number;
    name: string;
    type: string;
    notnull: boolean;
    default: string | null;
    owns_sequence: boolean;
  }>(
    `SELECT a.attrelid AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS default,
            EXISTS (SELECT 1 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
                     WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
                       AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'a')
              AS owns_sequence
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attrelid, a.attnum`,
    [oids],
  );

  const constraints = await session.query<{
    table: number;
    name: string;
    type: "p" | "u" | "f" | "c" | "x";
    columns: string[];
    ref_table: string | null;
    ref_namespace: string | null;
    ref_columns: string[] | null;
    on_delete: string;
    on_update: string;
    expression: string | null;
  }>(
    `SELECT co.conrelid AS table, co.conname AS name, co.contype AS type,
            ARRAY(SELECT a.attname::text FROM unnest(co.conkey) WITH ORDINALITY k(num, i)
                    JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.num ORDER BY k.i) AS columns,
            fc.relname AS ref_table, fn.nspname AS ref_namespace,
            ARRAY(SELECT a.attname::text FROM unnest(co.confkey) WITH ORDINALITY k(num, i)
                    JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.num ORDER BY k.i) AS ref_columns,
            co.confdeltype AS on_delete, co.confupdtype AS on_update,
            CASE WHEN co.contype = 'c' THEN pg_get_expr(co.conbin, co.conrelid) END AS expression
       FROM pg_constraint co
       LEFT JOIN pg_class fc ON fc.oid = co.confrelid
       LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
      WHERE co.conrelid = ANY($1::oid[]) AND co.contype IN ('p', 'u', 'f', 'c')
      ORDER BY co.conrelid, co.conname`,
    [oids],
  );

  // Indexes that do not back a primary key, unique or exclusion constraint of their own table.
  const indexes = await session.query<{
    table: number;
    name: string;
    unique: boolean;
    method: string;
    keys: { column: string | null; key: string; options: string }[];
    predicate: string | null;
  }>(
    `SELECT i.indrelid AS table, ic.relname AS name, i.indisunique AS unique, am.amname AS method,
            (SELECT json_agg(json_build_object(
                       'column', CASE WHEN i.indkey[k - 1] <> 0 THEN
                                   (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1])
                                 END,
                       'key', pg_get_indexdef(i.indexrelid, k, false),
                       'options', concat_ws(' ',
                         CASE WHEN i.indcollation[k - 1] <> 0
                               AND i.indcollation[k - 1] IS DISTINCT FROM
                                   (SELECT t.typcollation FROM pg_type t
                                     WHERE t.oid = COALESCE((SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = i.indexrelid AND a.attnum = k), 0))
                              THEN 'COLLATE ' || (SELECT quote_ident(cl.collname) FROM pg_collation cl WHERE cl.oid = i.indcollation[k - 1]) END,
                         CASE WHEN NOT opc.opcdefault THEN quote_ident(opc.opcname) END,
                         CASE WHEN am.amname = 'btree' AND (i.indoption[k - 1] & 1) = 1 THEN 'DESC' END,
                         CASE WHEN am.amname = 'btree' AND (i.indoption[k - 1] & 1) = 1 AND (i.indoption[k - 1] & 2) = 0 THEN 'NULLS LAST' END,
                         CASE WHEN am.amname = 'btree' AND (i.indoption[k - 1] & 1) = 0 AND (i.indoption[k - 1] & 2) = 2 THEN 'NULLS FIRST' END))
                      ORDER BY k)
               FROM generate_series(1, i.indnkeyatts) k
               JOIN pg_opclass opc ON opc.oid = i.indclass[k - 1]) AS keys,
            pg_get_expr(i.indpred, i.indrelid) AS predicate
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_am am ON am.oid = ic.relam
      WHERE i.indrelid = ANY($1::oid[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint co
                         WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x'))
      ORDER BY i.indrelid, ic.relname`,
    [oids],
  );

  const keywords = await session.query<{ word: string }>("SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'");

  const model: SchemaModel = {
    enums: enums.rows.map((e) => ({ name: e.name, values: e.labels })),
    tables: tables.rows.map((t): TableModel => {
      const own = constraints.rows.filter((c) => c.table === t.oid);
      const pk = own.find((c) => c.type === "p");
      return {
        name: t.name,
        columns: columns.rows.filter((c) => c.table === t.oid).map(columnModel),
        ...(pk ? { primaryKey: key(pk) } : {}),
        uniques: own.filter((c) => c.type === "u").map(key),
        foreignKeys: own
          .filter((c) => c.type === "f")
          .map((c): ForeignKeyModel => ({
            ...key(c),
            table: c.ref_namespace === ns.name ? c.ref_table! : `${c.ref_namespace}.${c.ref_table}`,
            references: c.ref_columns ?? [],
            ...action("onDelete", c.on_delete),
            ...action("onUpdate", c.on_update),
          })),
        checks: own.filter((c) => c.type === "c").map((c): CheckModel => ({ name: c.name, expression: c.expression! })),
        indexes: indexes.rows
          .filter((i) => i.table === t.oid)
          .map((i): IndexModel => ({
            name: i.name,
            unique: i.unique,
            ...(i.method !== "btree" ? { method: i.method } : {}),
            parts: i.keys.map((k): IndexPart =>
              k.column !== null
                ? { column: k.column, ...(k.options ? { options: k.options } : {}) }
                : { expression: k.key, ...(k.options ? { options: k.options } : {}) },
            ),
            ...(i.predicate !== null ? { where: i.predicate } : {}),
          })),
      };
    }),
  };
  return { namespace: ns.name, model, reservedWords: new Set(keywords.rows.map((k) => k.word)) };
}

/** An object an extension created (PostGIS's spatial_ref_sys, …): the extension owns it, not the declaration. */
function memberOfExtension(catalog: string, oid: string): string {
  return `EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;
}

function columnModel(c: {
  name: string;
  type: string;
  notnull: boolean;
  default: string | null;
  owns_sequence: boolean;
}): ColumnModel {
  const serial =
    c.owns_sequence &&
    c.default !== null &&
    c.default.startsWith("nextval(") &&
    ["integer", "bigint", "smallint"].includes(c.type);
  return {
    name: c.name,
    type: c.type,
    nullable: !c.notnull,
    ...(c.default !== null && !serial ? { default: c.default } : {}),
    ...(serial ? { serial: true } : {}),
  };
}

function key(c: { name: string; columns: string[] }): KeyModel {
  return { name: c.name, columns: c.columns };
}

const ACTIONS: Record<string, ReferentialActionSql | undefined> = {
  a: undefined,
  r: "RESTRICT",
  c: "CASCADE",
  n: "SET NULL",
  d: "SET DEFAULT",
};

function action(field: "onDelete" | "onUpdate", code: string): Partial<ForeignKeyModel> {
  const sql = ACTIONS[code];
  return sql ? { [field]: sql } : {};
}
