export * from "./schema/column";
export { pgEnum } from "./schema/enum";
export type { PgEnum, AnyPgEnum } from "./schema/enum";
export { table, index, uniqueIndex, primaryKey, check, columnName } from "./schema/table";
export type { Table, AnyTable, RowOf, InsertOf, IndexSpec, PrimaryKeySpec, CheckSpec } from "./schema/table";
export { relations } from "./schema/relations";
export type { Schema, Relation } from "./schema/relations";
export { renderDdl, renderDrop } from "./schema/ddl";
export { columnValueProblem, columnChecker, valueChecker, assertColumnValue } from "./schema/validate";
export type { ParseOptions, ColumnFacts } from "./schema/validate";
export type { JsonSchema, JsonSchemaOptions } from "./schema/json-schema";
export { connect } from "./runtime/connect";
export type { ConnectOptions, Database, DatabaseMethods } from "./runtime/connect";
export { Query, TableQuery } from "./runtime/query";
export type {
  SortDirection,
  OrderByOptions,
  QueryOptions,
  LockOptions,
  UpdateValues,
  WriteResult,
  UpsertOptions,
} from "./runtime/query";
export type { CompiledWrite, CompiledInsertMany, WritePlanParts, PlannedAssignment } from "./runtime/write";
export { ColumnValueError } from "./runtime/encode";
export { SqlIdentifier } from "./runtime/raw-sql";
export type { RawSql } from "./runtime/raw-sql";
export type { ColumnCodec } from "./runtime/encode";
export type { QueryEvent, RunOptions, TransactionMisuse } from "./runtime/executor";
export type { TransactionOptions, RetryOptions } from "./runtime/transaction";
export { Listener } from "./runtime/listen";
export type { ListenOptions, ListenErrorContext, ListenNotification, NotificationHandler } from "./runtime/listen";
export type { CompiledRead, CompiledStep, CompiledReadPlan, RowMapper } from "./runtime/compiled";
export * from "./runtime/errors";
export * from "./runtime/markers";
/** @internal Helpers that compiled queries call. */
export { decode as $decode } from "./runtime/decode";
export { like as $like } from "./runtime/like";
export { bind as $bind } from "./runtime/bind";
export { encode as $encode } from "./runtime/encode";
export { streamRows as $streamRows, DEFAULT_BATCH_SIZE } from "./runtime/stream";
export type { StreamOptions } from "./runtime/stream";
export { snakeCase, quoteIdent, quoteLiteral } from "./sql/identifiers";
export { assembleSelect } from "./sql/select-statement";
export type { SelectParts, ReadKind } from "./sql/select-statement";
export type { Fragment, FragmentShape } from "./sql/fragment";
