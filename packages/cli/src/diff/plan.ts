import { ddl, quoteIdent, Schema, SchemaModel } from "closql";
import type { Session } from "../database/connect";
import { introspect, Introspected } from "../database/introspect";
import { declaredModel } from "../database/normalize";
import { diffModels, DiffOptions, Step } from "./diff";
import { invertRenames, NO_RENAMES, Renames, renamesFromHints } from "./renames";

/** What it takes to bring the database to the declaration, and back. */
export interface Plan {
  readonly live: Introspected;
  readonly declared: Introspected;
  /** Brings the database to the declaration. */
  readonly up: readonly Step[];
  /** Brings it back: the same comparison the other way, with the renames reversed. */
  readonly down: readonly Step[];
  /** Hints that did not apply, and why. */
  readonly notes: readonly string[];
  readonly renames: Renames;
  readonly printIdentifier: DiffOptions["printIdentifier"];
}

export async function plan(session: Session, schema: Schema): Promise<Plan> {
  const live = await introspect(session);
  const declared = await declaredModel(session, schema);
  const { renames, notes } = renamesFromHints(live.model, declared.model);
  const printIdentifier = identifierPrinter(live.reservedWords);
  return {
    live,
    declared,
    up: diffModels(live.model, declared.model, { renames, printIdentifier }),
    down: diffModels(declared.model, live.model, { renames: invertRenames(renames), printIdentifier }),
    notes,
    renames,
    printIdentifier,
  };
}

/** One migration file's worth of a plan. */
export interface PlannedMigration {
  /** Added to the migration's name. */
  readonly suffix: string;
  readonly up: readonly Step[];
  readonly down: readonly Step[];
  /** False: the file runs statement by statement, outside a transaction (-- closql:no-transaction). */
  readonly transaction: boolean;
}

export interface PlanOptions {
  /**
   * Build indexes on existing tables with CREATE INDEX CONCURRENTLY (writes go on while they build),
   * in a last migration of their own that runs outside a transaction.
   */
  readonly concurrently?: boolean;
}

/**
 * The plan as migration files. New enum labels must be committed before a statement uses them
 * (PostgreSQL refuses a label added in the same transaction), so when a plan adds labels and does
 * more, the labels get a migration of their own, first. Each file's down section is computed from the
 * state its up section leaves (the database with the new labels), so each rolls back on its own.
 */
export function planMigrations(p: Plan, options: PlanOptions = {}): PlannedMigration[] {
  const files = transactionalMigrations(p);
  return options.concurrently ? withConcurrentIndexes(files) : files;
}

function transactionalMigrations(p: Plan): PlannedMigration[] {
  const labels = p.up.filter((s) => s.phase === "addEnumValue");
  if (labels.length === 0 || labels.length === p.up.length)
    return [
      {
        suffix: "",
        up: p.up,
        down: usableLabels(p.down, p.declared.model, p.live.model, downOptions(p)),
        transaction: true,
      },
    ];
  const changed = new Set(labels.map((s) => s.enum));
  const withLabels = {
    enums: p.live.model.enums.map((e) =>
      changed.has(e.name) ? p.declared.model.enums.find((d) => d.name === e.name)! : e,
    ),
    tables: p.live.model.tables,
  };
  const options = (renames: Renames) => ({ renames, printIdentifier: p.printIdentifier });
  const down = (from: SchemaModel, to: SchemaModel, renames: Renames) =>
    usableLabels(diffModels(from, to, options(renames)), from, to, options(renames));
  return [
    {
      suffix: "_enum_labels",
      up: diffModels(p.live.model, withLabels, options(NO_RENAMES)),
      down: down(withLabels, p.live.model, NO_RENAMES),
      transaction: true,
    },
    {
      suffix: "",
      up: diffModels(withLabels, p.declared.model, options(p.renames)),
      down: down(p.declared.model, withLabels, invertRenames(p.renames)),
      transaction: true,
    },
  ];
}

const downOptions = (p: Plan): DiffOptions => ({
  renames: invertRenames(p.renames),
  printIdentifier: p.printIdentifier,
});

/**
 * A down section runs in one transaction, so labels it adds could not be used by its other
 * statements: there, the enum is recreated instead (a type created in a transaction is usable in it).
 */
function usableLabels(
  steps: readonly Step[],
  from: SchemaModel,
  to: SchemaModel,
  options: DiffOptions,
): readonly Step[] {
  const labels = steps.filter((s) => s.phase === "addEnumValue").length;
  if (labels === 0 || labels === steps.length) return steps;
  return diffModels(from, to, { ...options, enumLabels: "recreate" });
}

/** How the server prints an identifier in an expression: bare when lower case and not a keyword. */
export function identifierPrinter(reserved: ReadonlySet<string>): (name: string) => string {
  return (name) => (/^[a-z_][a-z0-9_$]*$/.test(name) && !reserved.has(name) ? name : quoteIdent(name));
}

/**
 * Moves the indexes the last migration builds on existing tables into a migration of their own,
 * after it, that runs outside a transaction: each is dropped if a failed earlier run left it INVALID,
 * then built CONCURRENTLY. Its down section drops them (CONCURRENTLY too); the last migration's down
 * section no longer does.
 */
function withConcurrentIndexes(files: PlannedMigration[]): PlannedMigration[] {
  const last = files[files.length - 1];
  const moved = last.up.filter((s) => s.concurrently !== undefined);
  if (moved.length === 0) return files;
  const names = new Set(moved.map((s) => s.index));
  const drop = (s: Step): Step => ({
    phase: "dropIndex",
    sql: ddl.dropIndex(s.index!, { concurrently: true, ifExists: true }),
    summary: `drop index "${s.index}" if it exists`,
    index: s.index,
  });
  const indexes: PlannedMigration = {
    suffix: "_indexes",
    up: moved.flatMap((s) => [drop(s), { ...s, sql: s.concurrently!, warning: undefined }]),
    down: moved.map(drop),
    transaction: false,
  };
  const rest: PlannedMigration = {
    ...last,
    up: last.up.filter((s) => s.concurrently === undefined),
    down: last.down.filter((s) => !(s.phase === "dropIndex" && names.has(s.index))),
  };
  return [...files.slice(0, -1), ...(rest.up.length > 0 ? [rest] : []), indexes];
}
