import type { AnyColumn } from "./column";
import {
  BASE64_PATTERN,
  FLOAT4_OVERFLOW,
  FLOAT4_UNDERFLOW,
  DATE_PATTERN,
  DATE_SPECIALS,
  DATE_TIME_PATTERN,
  INT8_STRING_PATTERN,
  numericPattern,
  ScalarKind,
  TEXT_PATTERN,
  UUID_PATTERN,
  validatorOf,
} from "./validate";

export interface JsonSchemaOptions {
  /**
   * `"insert"` (default): the body `parse` accepts, with columns that have a default, are generated or
   * are nullable optional. `"row"`: a whole row (every key present) in the same JSON forms, for responses.
   */
  readonly shape?: "insert" | "row";
  /** As parse's option: `"reject"` (default) gives `additionalProperties: false`; `"strip"` allows other keys. */
  readonly unknownKeys?: "reject" | "strip";
}

/** A JSON Schema (draft 2020-12) document, as a plain JSON object. */
export type JsonSchema = { [keyword: string]: unknown };

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * The JSON Schema of a table's insert body (or row), built from the same rules and patterns as
 * `parse`, so that a body this schema accepts is one `parse` accepts (the differential test in
 * test/validate.test.ts checks it with ajv). One difference is left on purpose: strings *nested inside*
 * a jsonb value are not checked for NUL or lone surrogates (parse refuses them, PostgreSQL would
 * too), because saying so needs a recursive `$ref`, which breaks when the schema is embedded in an
 * OpenAPI document (`#/…` then points at the document). Every schema here is self-contained.
 */
export function tableJsonSchema(
  tableName: string,
  columns: Record<string, AnyColumn>,
  options: JsonSchemaOptions = {},
): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const key in columns) {
    const v = validatorOf(columns[key]);
    let schema = scalarSchema(v.scalar);
    // `{}` takes null too: a JSON null where closql would bind SQL NULL is refused unless the column
    // itself is nullable (array elements never are).
    const any = v.scalar.kind === "jsonb" || v.scalar.kind === "unknown";
    if (any && !(v.depth === 0 && v.nullable)) schema = notNull(schema);
    for (let d = 0; d < v.depth; d++) schema = { type: "array", items: schema };
    properties[key] = v.nullable && !(any && v.depth === 0) ? orNull(schema) : schema;
    if (options.shape === "row" || !v.optional) required.push(key);
  }
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: options.shape === "row" ? tableName : `${tableName} (insert)`,
    type: "object",
    properties,
    required,
    ...(options.unknownKeys === "strip" ? {} : { additionalProperties: false }),
  };
}

function scalarSchema(scalar: ScalarKind): JsonSchema {
  switch (scalar.kind) {
    case "int":
      return { type: "integer", minimum: scalar.min, maximum: scalar.max };
    case "int8":
      // JSON numbers are doubles: beyond 2^53 an int8 must come as a string (bigint mode only).
      return scalar.mode === "number"
        ? { type: "integer", minimum: -MAX_SAFE, maximum: MAX_SAFE }
        : {
            anyOf: [
              { type: "integer", minimum: -MAX_SAFE, maximum: MAX_SAFE },
              { type: "string", pattern: INT8_STRING_PATTERN },
            ],
          };
    case "float":
      // real's range: a magnitude float4 rounds to infinity or (when not 0) to 0 is an error in
      // PostgreSQL. double precision holds every JSON number.
      return scalar.sqlType === "real"
        ? {
            type: "number",
            exclusiveMinimum: -FLOAT4_OVERFLOW,
            exclusiveMaximum: FLOAT4_OVERFLOW,
            not: { type: "number", minimum: -FLOAT4_UNDERFLOW, maximum: FLOAT4_UNDERFLOW, not: { const: 0 } },
          }
        : { type: "number" };
    case "numeric":
      return { type: "string", pattern: numericPattern(scalar.precision, scalar.scale) };
    case "text":
      return scalar.maxLength === undefined
        ? { type: "string", pattern: TEXT_PATTERN }
        : { type: "string", maxLength: scalar.maxLength, pattern: TEXT_PATTERN };
    case "boolean":
      return { type: "boolean" };
    case "timestamp":
      return { type: "string", format: "date-time", pattern: DATE_TIME_PATTERN };
    case "date":
      return { type: "string", anyOf: [{ format: "date", pattern: DATE_PATTERN }, { enum: [...DATE_SPECIALS] }] };
    case "uuid":
      return { type: "string", format: "uuid", pattern: UUID_PATTERN };
    case "jsonb":
      // Any JSON: the type parameter of jsonb<T>() exists only for TypeScript, not at run time.
      return {};
    case "bytea":
      return { type: "string", contentEncoding: "base64", pattern: BASE64_PATTERN };
    case "enum":
      return { type: "string", enum: [...scalar.labels] };
    case "unknown":
      return {};
  }
}

/** Also `null`. `type: [t, "null"]` where the schema has one type (and `null` added to an enum). */
function orNull(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === "string" && schema.anyOf === undefined) {
    const out: JsonSchema = { ...schema, type: [schema.type, "null"] };
    if (Array.isArray(schema.enum)) out.enum = [...schema.enum, null];
    return out;
  }
  const alternatives = Object.keys(schema).length === 1 && Array.isArray(schema.anyOf) ? schema.anyOf : [schema];
  return { anyOf: [...alternatives, { type: "null" }] };
}

/** A NOT NULL jsonb column: closql writes JavaScript null as SQL NULL, so JSON null is refused. */
function notNull(schema: JsonSchema): JsonSchema {
  return { ...schema, not: { type: "null" } };
}
