/**
 * The pure SQL helpers shared by the runtime and the transformer. The transformer imports this
 * module only (`closql/dist/sql`), so loading it at build time does not load `pg`.
 */
export { snakeCase, quoteIdent, quoteLiteral } from "./identifiers";
export { assembleSelect } from "./select-statement";
export type { SelectParts, ReadKind } from "./select-statement";
export type { Fragment, FragmentShape } from "./fragment";
