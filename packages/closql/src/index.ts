export * from "./schema/column";
export { pgEnum } from "./schema/enum";
export type { PgEnum, AnyPgEnum } from "./schema/enum";
export { table, index, uniqueIndex, primaryKey, check, columnName } from "./schema/table";
export type { Table, ColumnKey, AnyTable, RowOf, InsertOf, IndexSpec, PrimaryKeySpec, CheckSpec } from "./schema/table";
export { relations } from "./schema/relations";
export type {
  Schema,
  Relation,
  RelationKind,
  RelationBuilders,
  RelationDefinitions,
  RelationsOf,
  ResolvedRelation,
  Through,
} from "./schema/relations";
export type {
  RowWith,
  RelationAccessor,
  RelationAccessors,
  RelationPath,
  PathRow,
  PreloadOptions,
  WithPreload,
} from "./runtime/relation-types";
export { renderDdl, renderDrop } from "./schema/ddl";
/** The schema as plain data and the DDL printer over it: what `@closql/cli` builds migrations with. */
export * as ddl from "./schema/ddl";
export { schemaModel, dependencyOrder } from "./schema/model";
export type {
  SchemaModel,
  EnumModel,
  TableModel,
  ColumnModel,
  KeyModel,
  ForeignKeyModel,
  CheckModel,
  IndexModel,
  IndexPart,
  ReferentialActionSql,
} from "./schema/model";
export { columnValueProblem, columnChecker, valueChecker, assertColumnValue } from "./schema/validate";
export type { ParseOptions, ColumnFacts } from "./schema/validate";
export type { JsonSchema, JsonSchemaOptions } from "./schema/json-schema";
export { connect } from "./runtime/connect";
export type { ConnectOptions, Database, DatabaseMethods } from "./runtime/connect";
export { Query, TableQuery } from "./runtime/query";
export type { JoinedQuery } from "./runtime/query";
export type {
  SortDirection,
  OrderByOptions,
  Cursor,
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
export type { CompiledRead, CompiledStep, CompiledReadPlan, CompiledPreload, RowMapper } from "./runtime/compiled";
export * from "./runtime/errors";
export * from "./runtime/markers";
/** @internal Helpers that compiled queries call. */
export { decode as $decode } from "./runtime/decode";
export { like as $like } from "./runtime/like";
export { bind as $bind } from "./runtime/bind";
export { encode as $encode } from "./runtime/encode";
export * as $preload from "./runtime/preload-json";
export { streamRows as $streamRows, DEFAULT_BATCH_SIZE } from "./runtime/stream";
export type { StreamOptions } from "./runtime/stream";
export { snakeCase, quoteIdent, quoteLiteral } from "./sql/identifiers";
export { assembleSelect } from "./sql/select-statement";
export type { SelectParts, ReadKind } from "./sql/select-statement";
export type { Fragment, FragmentShape } from "./sql/fragment";
