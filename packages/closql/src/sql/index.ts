/**
 * `closql/sql`: the pure SQL helpers shared by the runtime and the transformer. Loading it does not
 * load `pg`, so the transformer can import it at build time.
 */
export { snakeCase, quoteIdent, quoteLiteral } from "./identifiers";
export { assembleSelect, READ_KINDS } from "./select-statement";
export type { SelectParts, ReadKind } from "./select-statement";
export { STEP_KINDS, foldRead, keysetProblem, writeConditions } from "./steps";
export { WRITE_KINDS, assembleWrite, insertManyText } from "./write-statement";
export type { WriteKind, WriteParts, Assignment, Conflict, BatchColumn } from "./write-statement";
export { canonical } from "./canonical";
export { statementName } from "./statement-name";
export type { StepKind, FoldStep, WholeRow } from "./steps";
export { StatementBuilder } from "./fragment";
export type { Fragment, FragmentShape } from "./fragment";
export { MANIFEST_FILE, MANIFEST_VERSION } from "./manifest";
export type { Manifest, ManifestStatement } from "./manifest";
