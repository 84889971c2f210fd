import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import {
  AnyColumn,
  AnyTable,
  assertColumnValue,
  bigint,
  boolean,
  bytea,
  ClosqlError,
  columnChecker,
  columnName,
  columnValueProblem,
  date,
  doublePrecision,
  integer,
  jsonb,
  numeric,
  pgEnum,
  quoteIdent,
  real,
  relations,
  serial,
  smallint,
  table,
  text,
  timestamp,
  timestamptz,
  uuid,
  valueChecker,
  ValidationError,
  ValidationIssue,
  varchar,
} from "closql";
import * as closql from "closql";
import { openTestDatabase, TestDatabase } from "./support/database";

// ---------------------------------------------------------------------------------------------
// One table with every column type closql declares.
// ---------------------------------------------------------------------------------------------

const mood = pgEnum("v_mood", ["sad", "ok", "happy"]);
const things = table("v_things", {
  id: serial().primaryKey(),
  int: integer(),
  small: smallint().nullable(),
  big: bigint().nullable(),
  bigNum: bigint({ mode: "number" }).nullable(),
  r: real().nullable(),
  d: doublePrecision().nullable(),
  price: numeric(10, 2).nullable(),
  amount: numeric().nullable(),
  name: text(),
  code: varchar(5).nullable(),
  flag: boolean().default(false),
  at: timestamptz().defaultNow(),
  wall: timestamp().nullable(),
  day: date().nullable(),
  uid: uuid().nullable(),
  meta: jsonb<{ plan: string }>().nullable(),
  doc: jsonb().default({}),
  bytes: bytea().nullable(),
  mood: mood().nullable(),
  tags: text().array().default([]),
  stamps: timestamptz().array().nullable(),
  bigs: bigint().array().nullable(),
});
const schema = relations({ things }, () => ({}));

// Compile time: parse returns exactly the insert type.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const parseIsInsert: Equal<ReturnType<typeof things.parse>, typeof things.$insert> = true;
void parseIsInsert;

/** parse's issues for `input` (none: `[]`). */
function issues(input: unknown, options?: { unknownKeys?: "reject" | "strip" }): readonly ValidationIssue[] {
  try {
    things.parse(input, options);
    return [];
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e));
    assert.ok(e instanceof ClosqlError);
    return e.issues;
  }
}

const base = { int: 1, name: "n" };
/** The issues of one column's value in an otherwise valid body. */
const one = (key: string, value: unknown) => issues({ ...base, [key]: value });
const issue = (path: string, code: ValidationIssue["code"], message: string): ValidationIssue => ({
  path,
  code,
  message,
});

describe("parse", () => {
  test("a full body: JSON forms become the declared JS types, nothing else is added", () => {
    const parsed = things.parse({
      id: 7,
      int: -2147483648,
      small: 32767,
      big: "-9223372036854775808",
      bigNum: 9007199254740991,
      r: 0.5,
      d: -1e308,
      price: "12345678.99",
      amount: "-0.000001",
      name: "héllo 😀",
      code: "😀😀😀😀😀",
      flag: true,
      at: "2024-01-31T09:30:00.123Z",
      wall: "2024-01-31T09:30:00+02:00",
      day: "2024-02-29",
      uid: "0F8FAD5B-D9CB-469F-A165-70867728950E",
      meta: { plan: "pro", nested: [1, null, { a: true }] },
      doc: "a JSON string",
      bytes: "AAEC/w==",
      mood: "ok",
      tags: ["a", ""],
      stamps: ["2000-01-01T00:00:00Z"],
      bigs: ["1", 2, "-3"],
    });
    assert.deepStrictEqual(parsed, {
      id: 7,
      int: -2147483648,
      small: 32767,
      big: -9223372036854775808n,
      bigNum: 9007199254740991,
      r: 0.5,
      d: -1e308,
      price: "12345678.99",
      amount: "-0.000001",
      name: "héllo 😀",
      code: "😀😀😀😀😀",
      flag: true,
      at: new Date(Date.UTC(2024, 0, 31, 9, 30, 0, 123)),
      wall: new Date(Date.UTC(2024, 0, 31, 7, 30)),
      day: "2024-02-29",
      uid: "0f8fad5b-d9cb-469f-a165-70867728950e",
      meta: { plan: "pro", nested: [1, null, { a: true }] },
      doc: "a JSON string",
      bytes: Buffer.from([0, 1, 2, 255]),
      mood: "ok",
      tags: ["a", ""],
      stamps: [new Date(Date.UTC(2000, 0, 1))],
      bigs: [1n, 2n, -3n],
    });
  });

  test("the smallest body: required columns only; optional ones stay absent (undefined counts as absent)", () => {
    assert.deepStrictEqual(things.parse({ int: 1, name: "x", code: undefined }), { int: 1, name: "x" });
    assert.deepStrictEqual(things.parse({ int: 1, name: "x", small: null, meta: null }), {
      int: 1,
      name: "x",
      small: null,
      meta: null,
    });
  });

  test("every bad field is listed, in declaration order, then unknown keys", () => {
    assert.deepStrictEqual(
      issues({ small: "1", flag: "true", nmae: "typo", code: "toolong", tags: ["a", 1, null], at: "yesterday" }),
      [
        issue("int", "required", "required"),
        issue("small", "type", "expected an integer, got string"),
        issue("name", "required", "required"),
        issue("code", "too_long", "longer than varchar(5) (5 characters)"),
        issue("flag", "type", "expected a boolean, got string"),
        issue("at", "format", 'expected an RFC 3339 date-time with an offset, like "2024-01-31T09:30:00.000Z"'),
        issue("tags[1]", "type", "expected a string, got number"),
        issue("tags[2]", "null", "got null (the array's elements are not nullable)"),
        issue("nmae", "unknown_key", "not a column of v_things"),
      ],
    );
  });

  test("the input itself must be an object", () => {
    for (const [input, got] of [
      [null, "null"],
      [[], "array"],
      ["{}", "string"],
      [undefined, "undefined"],
      [1, "number"],
    ] as const)
      assert.deepStrictEqual(issues(input), [issue("", "type", `expected an object, got ${got}`)]);
  });

  test("null: only for nullable columns (a NOT NULL column with a default refuses it too)", () => {
    const notNull = "must not be null (the column is NOT NULL)";
    assert.deepStrictEqual(issues({ int: null, name: null, flag: null, doc: null, tags: null, small: null }), [
      issue("int", "null", notNull),
      issue("name", "null", notNull),
      issue("flag", "null", notNull),
      issue("doc", "null", notNull),
      issue("tags", "null", notNull),
    ]);
  });

  test("integers: type, fractions, NaN/Infinity, smallint and integer ranges", () => {
    assert.deepStrictEqual(one("int", "12"), [issue("int", "type", "expected an integer, got string")]);
    assert.deepStrictEqual(one("int", 1.5), [issue("int", "type", "expected an integer, got a fraction")]);
    assert.deepStrictEqual(one("int", NaN), [issue("int", "type", "expected an integer, got NaN")]);
    assert.deepStrictEqual(one("int", -Infinity), [issue("int", "type", "expected an integer, got -Infinity")]);
    assert.deepStrictEqual(one("int", true), [issue("int", "type", "expected an integer, got boolean")]);
    assert.deepStrictEqual(one("int", 2147483648), [
      issue("int", "range", "out of range for integer (-2147483648 to 2147483647)"),
    ]);
    assert.deepStrictEqual(one("small", -32769), [
      issue("small", "range", "out of range for smallint (-32768 to 32767)"),
    ]);
    assert.deepStrictEqual(one("small", -32768), []);
    assert.deepStrictEqual(things.parse({ ...base, int: -0 }).int, -0);
  });

  test("int8: digit strings and safe integers become bigint; precision loss and int8's range are refused", () => {
    assert.equal(things.parse({ ...base, big: "9223372036854775807" }).big, 9223372036854775807n);
    assert.equal(things.parse({ ...base, big: 9007199254740991 }).big, 9007199254740991n);
    assert.equal(things.parse({ ...base, big: "-0" }).big, 0n);
    const lost =
      "an integer beyond 2^53 may have lost digits in JSON: send int8 values beyond Number.MAX_SAFE_INTEGER as strings";
    // JSON.parse has already rounded 9007199254740993 to 9007199254740992.
    assert.deepStrictEqual(one("big", JSON.parse("9007199254740993")), [issue("big", "range", lost)]);
    assert.deepStrictEqual(one("big", "9223372036854775808"), [
      issue("big", "range", "out of range for bigint (int8)"),
    ]);
    assert.deepStrictEqual(one("big", "-9223372036854775809"), [
      issue("big", "range", "out of range for bigint (int8)"),
    ]);
    for (const s of ["+1", "1e3", " 1", "", "007", "1.0", "0x10"])
      assert.deepStrictEqual(one("big", s), [issue("big", "format", 'expected an integer string like "-123"')], s);
    assert.deepStrictEqual(one("big", 1.5), [issue("big", "type", "expected an integer, got a fraction")]);
    assert.deepStrictEqual(one("big", true), [
      issue("big", "type", "expected an integer or a string of digits, got boolean"),
    ]);
    // { mode: "number" }: safe integers only, no strings (a number is what the column's JS type is).
    assert.deepStrictEqual(one("bigNum", 9007199254740992), [
      issue(
        "bigNum",
        "range",
        'beyond Number.MAX_SAFE_INTEGER: an int8 in { mode: "number" } must be exact (use bigint mode for larger values)',
      ),
    ]);
    assert.deepStrictEqual(one("bigNum", "1"), [issue("bigNum", "type", "expected an integer, got string")]);
    assert.deepStrictEqual(one("bigs", ["1", 1.5, "x"]), [
      issue("bigs[1]", "type", "expected an integer, got a fraction"),
      issue("bigs[2]", "format", 'expected an integer string like "-123"'),
    ]);
  });

  test("floats: real's range (overflow and underflow to 0); JSON cannot mean NaN or Infinity", () => {
    assert.deepStrictEqual(one("r", 3.4028235e38), []);
    assert.deepStrictEqual(one("r", 1.5e-45), []); // a subnormal float4
    assert.deepStrictEqual(one("r", 3.5e38), [issue("r", "range", "out of range for real (float4)")]);
    assert.deepStrictEqual(one("r", -1e-46), [issue("r", "range", "out of range for real (float4)")]);
    assert.deepStrictEqual(one("d", 5e-324), []);
    assert.deepStrictEqual(one("d", JSON.parse("1e400")), [
      issue("d", "range", "Infinity is not a JSON number (beyond a double's range?)"),
    ]);
    assert.deepStrictEqual(one("r", NaN), [issue("r", "range", "NaN is not a JSON number (beyond a double's range?)")]);
    assert.deepStrictEqual(one("d", "1"), [issue("d", "type", "expected a number, got string")]);
  });

  test("numeric: decimal strings only; precision and scale are checked (rounding is a silent change)", () => {
    for (const ok of ["0", "-12345678.99", "1.5", "1.500", "00012345678.9", "NaN", "-0.0"])
      assert.deepStrictEqual(one("price", ok), [], ok);
    assert.deepStrictEqual(one("price", "1.005"), [
      issue("price", "range", "more than 2 decimal places: numeric(10, 2) would round it"),
    ]);
    assert.deepStrictEqual(one("price", "123456789"), [issue("price", "range", "too many digits for numeric(10, 2)")]);
    assert.deepStrictEqual(one("price", "Infinity"), [
      issue("price", "range", "numeric(10, 2) cannot hold an infinite value"),
    ]);
    for (const bad of [".5", "5.", "+1", "1e3", " 1", "", "1,5", "nan", "0x1"])
      assert.deepStrictEqual(one("amount", bad), [
        issue("amount", "format", 'expected a decimal string like "-12.50" (or "NaN")'),
      ]);
    assert.deepStrictEqual(one("amount", "-Infinity"), []);
    assert.deepStrictEqual(one("amount", 1.5), [issue("amount", "type", "expected a decimal string, got number")]);
    assert.deepStrictEqual(one("amount", "1." + "0".repeat(16383)), []);
    assert.deepStrictEqual(one("amount", "1." + "0".repeat(16384)), [
      issue("amount", "range", "out of range for numeric"),
    ]);
  });

  test("text: NUL and lone surrogates; varchar(n) counts code points", () => {
    assert.deepStrictEqual(one("name", "a\u0000b"), [
      issue("name", "unrepresentable", "contains a NUL character, which PostgreSQL rejects"),
    ]);
    const lone = "contains a lone UTF-16 surrogate, which PostgreSQL would store as U+FFFD (not valid Unicode)";
    assert.deepStrictEqual(one("name", "x\ud83d"), [issue("name", "unrepresentable", lone)]);
    assert.deepStrictEqual(one("name", "\ude00x"), [issue("name", "unrepresentable", lone)]);
    assert.deepStrictEqual(one("name", "😀"), []);
    assert.deepStrictEqual(one("code", "😀😀😀😀😀"), []); // 10 UTF-16 units, 5 characters
    assert.deepStrictEqual(one("code", "abcdé"), []);
    // PostgreSQL would cut "abc   " to varchar(5) silently (trailing spaces): refused like any longer string.
    for (const long of ["abcdef", "abc   ", "😀😀😀😀😀😀"])
      assert.deepStrictEqual(one("code", long), [issue("code", "too_long", "longer than varchar(5) (5 characters)")]);
    assert.deepStrictEqual(one("name", 12), [issue("name", "type", "expected a string, got number")]);
    assert.deepStrictEqual(one("tags", ["ok", "\u0000"]), [
      issue("tags[1]", "unrepresentable", "contains a NUL character, which PostgreSQL rejects"),
    ]);
  });

  test("timestamps: RFC 3339 with an offset, at most millisecond precision, real calendar dates", () => {
    const at = (s: unknown) => things.parse({ ...base, at: s }).at!;
    assert.deepStrictEqual(at("2024-01-31T09:30:00Z"), new Date(Date.UTC(2024, 0, 31, 9, 30)));
    assert.deepStrictEqual(at("2024-01-31T09:30:00.5+05:30"), new Date(Date.UTC(2024, 0, 31, 4, 0, 0, 500)));
    assert.deepStrictEqual(at("2024-01-31T09:30:00.123000Z"), new Date(Date.UTC(2024, 0, 31, 9, 30, 0, 123)));
    assert.deepStrictEqual(at("0001-01-01T00:00:00+01:00").toISOString(), "0000-12-31T23:00:00.000Z");
    assert.deepStrictEqual(at("0099-06-01T00:00:00Z").getUTCFullYear(), 99); // not 1999
    const d = new Date();
    assert.equal(at(d), d); // a Date (a JS caller) is taken as it is
    const format = 'expected an RFC 3339 date-time with an offset, like "2024-01-31T09:30:00.000Z"';
    for (const bad of [
      "2024-01-31T09:30:00", // no offset: which instant?
      "2024-01-31 09:30:00Z",
      "2024-01-31t09:30:00z",
      "2024-01-31T09:30Z",
      "2023-02-29T00:00:00Z",
      "2024-01-31T24:00:00Z",
      "2024-12-31T23:59:60Z",
      "0000-01-01T00:00:00Z",
      "2024-01-31T09:30:00+0200",
      "10000-01-01T00:00:00Z",
    ])
      assert.deepStrictEqual(one("at", bad), [issue("at", "format", format)], bad);
    assert.deepStrictEqual(one("at", "2024-01-31T09:30:00.1234Z"), [
      issue("at", "range", "sub-millisecond digits would be lost (a Date holds milliseconds)"),
    ]);
    assert.deepStrictEqual(one("at", 1706693400000), [issue("at", "type", "expected a date-time string, got number")]);
    assert.deepStrictEqual(one("at", new Date(NaN)), [issue("at", "type", "expected a Date, got an invalid Date")]);
    assert.deepStrictEqual(one("at", new Date(-8.64e15)), [
      issue("at", "range", "before timestamptz's first value (4713 BC)"),
    ]);
    assert.deepStrictEqual(one("stamps", ["2024-01-31T09:30:00Z", "x"]), [issue("stamps[1]", "format", format)]);
  });

  test("dates: YYYY-MM-DD that exists (leap years), or ±infinity", () => {
    for (const ok of ["2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31", "infinity", "-infinity"])
      assert.deepStrictEqual(one("day", ok), [], ok);
    const format = 'expected a date "YYYY-MM-DD" that exists in the calendar';
    for (const bad of ["2023-02-29", "1900-02-29", "2023-02-30", "2023-04-31", "2023-13-01", "0000-01-01", "2024-1-01"])
      assert.deepStrictEqual(one("day", bad), [issue("day", "format", format)], bad);
    // BC and five-digit years are PostgreSQL dates (the write path takes them) but not RFC 3339 ones.
    assert.deepStrictEqual(one("day", "0044-03-15 BC"), [issue("day", "format", format)]);
    assert.deepStrictEqual(one("day", "12024-01-01"), [issue("day", "format", format)]);
    assert.deepStrictEqual(one("day", 20240101), [issue("day", "type", "expected a date string, got number")]);
  });

  test("uuid: 8-4-4-4-12 hex in any case, lowercased; other spellings PostgreSQL knows are refused", () => {
    assert.equal(
      things.parse({ ...base, uid: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11" }).uid,
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    );
    for (const bad of [
      "a0eebc999c0b4ef8bb6d6bb9bd380a11",
      "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
      "urn:uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g",
    ])
      assert.deepStrictEqual(one("uid", bad), [issue("uid", "format", "expected a uuid (8-4-4-4-12 hex digits)")], bad);
  });

  test("bytea: standard base64 with padding → bytes", () => {
    assert.deepStrictEqual(things.parse({ ...base, bytes: "" }).bytes, Buffer.alloc(0));
    assert.deepStrictEqual(things.parse({ ...base, bytes: "/+8=" }).bytes, Buffer.from([0xff, 0xef]));
    for (const bad of ["AQ", "AQI", "A===", "AQID\n", "AQ-_", "AQ==" + "=", " AQID"])
      assert.deepStrictEqual(
        one("bytes", bad),
        [issue("bytes", "format", "expected standard base64 with padding")],
        bad,
      );
    assert.deepStrictEqual(one("bytes", [1, 2]), [issue("bytes", "type", "expected a base64 string, got array")]);
  });

  test("enums: the declared labels, exactly", () => {
    const labels = 'expected one of "sad", "ok", "happy"';
    assert.deepStrictEqual(one("mood", "SAD"), [issue("mood", "enum", labels)]);
    assert.deepStrictEqual(one("mood", ""), [issue("mood", "enum", labels)]);
    assert.deepStrictEqual(one("mood", 1), [issue("mood", "type", "expected a string, got number")]);
  });

  test("jsonb: any JSON that survives the trip; every bad place inside is listed with its path", () => {
    assert.deepStrictEqual(one("meta", [1, "two", { three: [] }]), []);
    assert.deepStrictEqual(one("meta", 0), []);
    assert.deepStrictEqual(
      one("meta", { a: "x\u0000", "b c": [1, { "\ud800": 2 }], d: JSON.parse("[1e400]"), e: undefined }),
      [
        issue("meta.a", "unrepresentable", "contains a NUL character, which PostgreSQL rejects"),
        issue(
          'meta["b c"][1]["\\ud800"]',
          "unrepresentable",
          "key contains a lone UTF-16 surrogate, which PostgreSQL would store as U+FFFD (not valid Unicode)",
        ),
        issue("meta.d[0]", "type", "Infinity is not a JSON value"),
      ],
    );
    // What JSON.stringify would change or throw on (a caller that is not JSON.parse).
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.deepStrictEqual(one("doc", cyclic), [issue("doc.self", "type", "a cycle is not a JSON value")]);
    assert.deepStrictEqual(one("doc", { when: new Date(0) }), [
      issue("doc.when", "type", "a Date is not a plain JSON value"),
    ]);
    assert.deepStrictEqual(one("doc", [undefined]), [issue("doc[0]", "type", "undefined is not a JSON value")]);
    assert.deepStrictEqual(one("doc", 1n), [issue("doc", "type", "bigint is not a JSON value")]);
    // Depth is bounded (this check and PostgreSQL's parser both recurse): an error, not a stack overflow.
    const deep = JSON.parse("[".repeat(100000) + "]".repeat(100000));
    const found = one("doc", deep);
    assert.equal(found.length, 1);
    assert.equal(found[0].path, "doc" + "[0]".repeat(1000));
    assert.equal(found[0].message, "nested deeper than 1000 levels");
    assert.deepStrictEqual(one("doc", JSON.parse("[".repeat(999) + "]".repeat(999))), []);
    assert.equal(columnValueProblem(things.doc, deep)?.endsWith("[0]: nested deeper than 1000 levels"), true);
    assert.deepStrictEqual(one("doc", new Map()), [issue("doc", "type", "a Map is not a plain JSON value")]);
  });

  test("unknown keys: rejected by default, stripped on request, never in the result", () => {
    const body = JSON.parse('{"int": 1, "name": "n", "__proto__": {"admin": true}, "isAdmin": true}');
    assert.deepStrictEqual(issues(body), [
      issue("__proto__", "unknown_key", "not a column of v_things"),
      issue("isAdmin", "unknown_key", "not a column of v_things"),
    ]);
    const stripped = things.parse(body, { unknownKeys: "strip" });
    assert.deepStrictEqual(stripped, { int: 1, name: "n" });
    assert.equal(Object.getPrototypeOf(stripped), Object.prototype);
    assert.deepStrictEqual(Object.keys(stripped), ["int", "name"]);
    // Inherited properties are not input.
    assert.deepStrictEqual(issues(Object.create({ int: 1, name: "n" })), [
      issue("int", "required", "required"),
      issue("name", "required", "required"),
    ]);
  });

  test("the message names each field, and never echoes input values", () => {
    const secret = "hunter2-" + "x".repeat(500);
    try {
      things.parse({ int: secret, name: 1, code: secret, [secret]: 1 });
      assert.fail("parse accepted it");
    } catch (e) {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.table, "v_things");
      assert.equal(
        e.message,
        "closql: invalid v_things: int: expected an integer, got string; name: expected a string, got number; " +
          `code: longer than varchar(5) (5 characters); ${secret.slice(0, 60)}…: not a column of v_things`,
      );
      assert.ok(!e.message.includes(secret));
    }
    // Past ten issues the message counts the rest.
    const many = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, 1]));
    try {
      things.parse({ ...base, ...many });
    } catch (e) {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.issues.length, 15);
      assert.match(e.message, /k9: not a column of v_things; and 5 more$/);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The write path's strict check (no coercion).
// ---------------------------------------------------------------------------------------------

describe("columnValueProblem: the write path's check", () => {
  const cases: [AnyColumn, unknown, string | undefined][] = [
    [things.int, 12, undefined],
    [things.int, "12", "expected an integer, got string"],
    [things.int, null, "must not be null (the column is NOT NULL)"],
    [things.int, undefined, "expected a value, got undefined"],
    [things.small, null, undefined],
    [things.small, 40000, "out of range for smallint (-32768 to 32767)"],
    [things.big, 12n, undefined],
    [things.big, 12, "expected a bigint, got number"], // no coercion: the JS type is bigint
    [things.big, "12", "expected a bigint, got string"],
    [things.big, 2n ** 63n, "out of range for bigint (int8)"],
    [
      things.bigNum,
      2 ** 53,
      'beyond Number.MAX_SAFE_INTEGER: an int8 in { mode: "number" } must be exact (use bigint mode for larger values)',
    ],
    [things.r, NaN, undefined], // PostgreSQL's real holds NaN and ±Infinity
    [things.d, -Infinity, undefined],
    [things.r, 1e39, "out of range for real (float4)"],
    [things.name, true, "expected a string, got boolean"],
    [things.name, "a\u0000", "contains a NUL character, which PostgreSQL rejects"],
    [things.code, "abcdef", "longer than varchar(5) (5 characters)"],
    [things.at, "2024-01-31T09:30:00Z", "expected a Date, got string"], // JSON forms are parse's business
    [things.at, new Date(0), undefined],
    [things.day, "0044-03-15 BC", undefined], // what closql reads back can be written again
    [things.day, "12024-01-01", undefined],
    [things.day, "2023-02-29", 'expected a date "YYYY-MM-DD" that exists in the calendar'],
    [things.uid, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", undefined],
    [things.bytes, "AQID", "expected a Uint8Array, got string"],
    [things.bytes, new Uint8Array([1]), undefined],
    [things.mood, "angry", 'expected one of "sad", "ok", "happy"'],
    [things.tags, ["a", 2], "[1]: expected a string, got number"],
    [things.tags, "a", "expected an array, got string"],
    [things.meta, [1, 2], undefined], // a JS array is a JSON array here (never an SQL array literal)
    [things.meta, { a: NaN }, ".a: NaN is not a JSON value"],
    [things.doc, null, "must not be null (the column is NOT NULL)"],
    [things.stamps, [new Date(0), null], "[1]: got null (the array's elements are not nullable)"],
    [things.price, "1.005", "more than 2 decimal places: numeric(10, 2) would round it"],
  ];
  test("exact answers", () => {
    for (const [column, value, expected] of cases)
      assert.equal(columnValueProblem(column, value), expected, `${column.config.key} ← ${String(value)}`);
  });

  test("columnChecker returns the same cached function; assertColumnValue throws naming table and column", () => {
    assert.equal(columnChecker(things.int), columnChecker(things.int));
    assert.equal(columnChecker(things.int)("x"), "expected an integer, got string");
    assert.throws(
      () => assertColumnValue(things.tags, ["a", 1]),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.message === "closql: invalid v_things: tags[1]: expected a string, got number" &&
        e.issues[0].path === "tags[1]",
    );
    // From the facts alone (a compiled write's per-column constant): the same rules.
    const facts = { sqlType: "bigint", nullable: false, int8: "number" as const };
    assert.equal(valueChecker(facts), valueChecker(facts));
    assert.equal(valueChecker(facts)(12), undefined);
    assert.equal(valueChecker(facts)(12n), "expected an integer, got bigint");
    const moods = { sqlType: '"v_mood"[]', nullable: true, labels: ["sad", "ok"] };
    assert.equal(valueChecker(moods)(["ok", "angry"]), '[1]: expected one of "sad", "ok"');
    assert.equal(valueChecker(moods)(null), undefined);
    // A column refined from a checked one does not inherit its checker.
    const plain = integer();
    assert.equal(columnValueProblem(plain, null), "must not be null (the column is NOT NULL)");
    assert.equal(columnValueProblem(plain.nullable(), null), undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// Declaration-time collisions with the table object's members.
// ---------------------------------------------------------------------------------------------

describe("reserved column keys", () => {
  test("parse, jsonSchema, $-prefixed keys and __proto__ are refused with a clear error", () => {
    assert.throws(
      () => table("t", { id: integer(), parse: text() }),
      (e: unknown) =>
        e instanceof ClosqlError &&
        e.message ===
          'closql: table "t" cannot have a column keyed "parse": "parse" is a method of the table object; use another key and .name("parse") for the SQL name',
    );
    assert.throws(() => table("t", { jsonSchema: jsonb() }), /cannot have a column keyed "jsonSchema"/);
    assert.throws(
      () => table("t", { $name: text() }),
      /cannot have a column keyed "\$name": keys starting with \$ are reserved for closql; use another key and \.name\("name"\)/,
    );
    assert.throws(() => table("t", JSON.parse('{"__proto__": 1}')), /cannot have a column keyed "__proto__"/);
  });
  test("the SQL name can still be parse, and the $ members still work", () => {
    const t = table("t", { parseKey: text().name("parse") });
    assert.equal(columnName(t.parseKey), "parse");
    assert.equal(t.$name, "t");
    assert.deepStrictEqual(Object.keys(t.$columns), ["parseKey"]);
    assert.equal(typeof t.parse, "function");
    // Not enumerable: the table's own keys are as before.
    assert.deepStrictEqual(Object.keys(t).sort(), ["$columns", "$extras", "$name", "parseKey"]);
  });
});

// ---------------------------------------------------------------------------------------------
// jsonSchema, and a differential check against ajv.
// ---------------------------------------------------------------------------------------------

function makeAjv() {
  // Strict mode: the schema must also be clean by ajv's standards (no unknown keywords, no ignored ones).
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  return ajv;
}

describe("jsonSchema", () => {
  test("the insert shape, column by column", () => {
    const s = things.jsonSchema();
    assert.equal(s.$schema, "https://json-schema.org/draft/2020-12/schema");
    assert.equal(s.type, "object");
    assert.equal(s.additionalProperties, false);
    assert.deepStrictEqual(s.required, ["int", "name"]);
    const p = s.properties as Record<string, Record<string, unknown>>;
    assert.deepStrictEqual(p.int, { type: "integer", minimum: -2147483648, maximum: 2147483647 });
    assert.deepStrictEqual(p.small, { type: ["integer", "null"], minimum: -32768, maximum: 32767 });
    assert.deepStrictEqual(p.bigNum, {
      type: ["integer", "null"],
      minimum: -9007199254740991,
      maximum: 9007199254740991,
    });
    assert.deepStrictEqual((p.big.anyOf as unknown[]).length, 3); // integer, digit string, null
    assert.deepStrictEqual(p.d, { type: ["number", "null"] });
    assert.deepStrictEqual(p.code.maxLength, 5);
    assert.deepStrictEqual(p.flag, { type: "boolean" });
    assert.equal(p.at.format, "date-time");
    assert.equal(p.uid.format, "uuid");
    assert.deepStrictEqual(p.mood, { type: ["string", "null"], enum: ["sad", "ok", "happy", null] });
    assert.deepStrictEqual(p.meta, {}); // jsonb<T>: T exists only for TypeScript
    assert.deepStrictEqual(p.doc, { not: { type: "null" } });
    assert.equal(p.bytes.contentEncoding, "base64");
    assert.deepStrictEqual(p.tags.type, "array");
    assert.deepStrictEqual(p.stamps.type, ["array", "null"]);
  });

  test("the row shape: every key required; strip allows other keys", () => {
    const row = things.jsonSchema({ shape: "row" });
    assert.deepStrictEqual(row.required, Object.keys(things.$columns));
    assert.equal(row.title, "v_things");
    assert.equal(things.jsonSchema({ unknownKeys: "strip" }).additionalProperties, undefined);
    makeAjv().compile(row);
  });

  test("differential: ajv's verdict on the schema equals parse's over generated bodies", () => {
    const ajv = makeAjv();
    for (const unknownKeys of ["reject", "strip"] as const) {
      const validate = ajv.compile(things.jsonSchema({ unknownKeys }));
      const random = rng(unknownKeys === "reject" ? 1 : 2);
      let agreed = 0;
      let accepted = 0;
      let documented = 0;
      for (let n = 0; n < 4000; n++) {
        const body = generateBody(random);
        const byAjv = validate(body);
        let byParse: Record<string, unknown> | undefined;
        let found: readonly ValidationIssue[] = [];
        try {
          byParse = things.parse(body, { unknownKeys });
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          found = e.issues;
        }
        if (byParse) {
          accepted++;
          // What parse returns passes the write path's strict check, column by column.
          for (const [key, value] of Object.entries(byParse))
            assert.equal(
              columnValueProblem(things.$columns[key as keyof typeof things.$columns], value),
              undefined,
              key,
            );
        }
        if (byAjv === (byParse !== undefined)) {
          agreed++;
          continue;
        }
        // The one documented difference: inside a jsonb value, strings with NUL or a lone surrogate
        // and numbers beyond a double's range, which the schema cannot reach without a $ref.
        const nestedJsonb = (i: ValidationIssue) =>
          /^(meta|doc)[.[]/.test(i.path) &&
          (i.code === "unrepresentable" ||
            i.message === "Infinity is not a JSON value" ||
            i.message === "-Infinity is not a JSON value");
        documented++;
        assert.ok(
          byAjv && found.length > 0 && found.every(nestedJsonb),
          `ajv ${byAjv ? "accepts" : "rejects"} but parse ${byParse ? "accepts" : "rejects"}: ${show(body)}\n` +
            `parse: ${JSON.stringify(found)}\najv: ${JSON.stringify(validate.errors)}`,
        );
      }
      // Both verdicts are common, and the documented difference did come up (so it is what was checked).
      assert.equal(agreed + documented, 4000);
      assert.ok(accepted > 800 && agreed - accepted > 800, `parse accepted ${accepted} of ${agreed} agreed`);
      assert.ok(documented > 0);
    }
  });
});

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    (typeof x === "number" && !Number.isFinite(x)) || typeof x === "bigint" ? String(x) : x,
  );
}

// ---------------------------------------------------------------------------------------------
// The generator: per column, JSON values that parse must accept (good) or refuse (bad).
// ---------------------------------------------------------------------------------------------

type Candidates = { good: unknown[]; bad: unknown[] };
const TEXT_BAD = ["a\u0000", "\ud800", "x\udc00", 1, true, [], {}];
const JSON_GOOD = [null, 0, -1.5, 1e300, "s", "😀", true, [], [1, "a", null], { plan: "pro" }, { a: { b: [{}] } }];
const JSON_NESTED_BAD = [
  ["\u0000"],
  { k: "\ud800" },
  { "\udfff": 1 },
  { a: [JSON.parse("1e400")] },
  { a: { b: "ok", c: "x\u0000y" } },
];
const TIMESTAMP = {
  good: [
    "2024-01-31T09:30:00Z",
    "2024-01-31T09:30:00.123Z",
    "2024-02-29T23:59:59.9990000+02:00",
    "0001-01-01T00:00:00-00:30",
    "9999-12-31T23:59:59.999+23:59",
    "1970-01-01T00:00:00.1-00:00",
  ],
  bad: [
    "2024-01-31T09:30:00",
    "2024-01-31 09:30:00Z",
    "2024-01-31t09:30:00Z",
    "2024-01-31T09:30:00.1234Z",
    "2023-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2024-04-31T00:00:00Z",
    "2024-01-31T23:59:60Z",
    "2024-01-31T24:00:00Z",
    "0000-06-01T00:00:00Z",
    "2024-01-31T09:30:00+24:00",
    "2024-01-31T09:30:00+02",
    "+012024-01-31T09:30:00Z",
    "",
    0,
    null,
  ],
};
const COLUMNS: Record<string, Candidates> = {
  id: { good: [1, 2147483647, -5], bad: [1.5, "1", 2147483648, null] },
  int: { good: [0, -0, -2147483648, 2147483647, 1e3], bad: [2147483648, -2147483649, 0.5, "1", true, null, 1e300] },
  small: { good: [null, 32767, -32768], bad: [32768, -32769, "1", 1.1] },
  big: {
    good: [
      null,
      0,
      "0",
      "-0",
      "9223372036854775807",
      "-9223372036854775808",
      9007199254740991,
      -9007199254740991,
      "1234",
    ],
    bad: [
      "9223372036854775808",
      "-9223372036854775809",
      "99999999999999999999",
      9007199254740992,
      1e20,
      "007",
      "+1",
      "1e3",
      "",
      " 1",
      "1.0",
      1.5,
      true,
      [],
    ],
  },
  bigNum: { good: [null, 9007199254740991, -9007199254740991, 0], bad: [9007199254740992, "1", 1.5, -1e16] },
  r: {
    good: [null, 0, -0, 0.1, 3.4028235e38, -3.4028235e38, 1.5e-45, -1.5e-45, 1e-40],
    bad: [3.5e38, -3.5e38, 1e39, 7e-46, -7e-46, 1e-50, 1e300, "1", JSON.parse("1e400")],
  },
  d: {
    good: [null, 0, 5e-324, 1.7976931348623157e308, -1e-300],
    bad: [JSON.parse("1e400"), JSON.parse("-1e400"), "0"],
  },
  price: {
    good: [null, "0", "1.5", "-1.50", "12345678.99", "00012345678.99", "1.500000", "NaN", "0.0"],
    bad: ["123456789", "1.005", "1.0051", "Infinity", "-Infinity", ".5", "5.", "+1", "1e2", "", "nan", 1.5, "1 "],
  },
  amount: {
    good: [null, "0", "-123456789012345678901234567890.123456789", "NaN", "Infinity", "-Infinity", "007"],
    bad: ["1e5", "inf", "-", "1.2.3", 1, "١٢"],
  },
  name: { good: ["", "x", "😀", "a b\nc", "\ud83d\ude00"], bad: [...TEXT_BAD, null] },
  code: { good: [null, "", "abcde", "😀😀😀😀😀", "é"], bad: ["abcdef", "abc   ", "😀😀😀😀😀😀", ...TEXT_BAD] },
  flag: { good: [true, false], bad: ["true", 0, 1, null] },
  at: TIMESTAMP,
  wall: { good: [null, ...TIMESTAMP.good], bad: TIMESTAMP.bad.filter((x) => x !== null) },
  day: {
    good: [
      null,
      "2024-02-29",
      "2000-02-29",
      "2400-02-29",
      "0004-02-29",
      "0001-01-01",
      "9999-12-31",
      "infinity",
      "-infinity",
    ],
    bad: [
      "2023-02-29",
      "1900-02-29",
      "2100-02-29",
      "0001-02-29",
      "2024-04-31",
      "2024-00-10",
      "2024-13-01",
      "2024-01-00",
      "0000-01-01",
      "0044-03-15 BC",
      "12024-01-01",
      "2024-1-1",
      "Infinity",
      "2024-01-01T00:00:00Z",
      20240101,
    ],
  },
  uid: {
    good: [
      null,
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
      "00000000-0000-0000-0000-000000000000",
    ],
    bad: [
      "a0eebc999c0b4ef8bb6d6bb9bd380a11",
      "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
      "urn:uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
      "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      1,
    ],
  },
  meta: { good: JSON_GOOD, bad: [] },
  doc: { good: JSON_GOOD.filter((x) => x !== null), bad: [null] },
  bytes: {
    good: [null, "", "AQID", "AQI=", "AQ==", "/+8=", "AAAAAAAA"],
    bad: ["AQ", "AQI", "A===", "AQ=", "AQID\n", "AQ-_", "AQ==AQ==", " AQID", 1, []],
  },
  mood: { good: [null, "sad", "ok", "happy"], bad: ["SAD", "", "angry", 1] },
  tags: { good: [[], ["a"], ["", "😀", "x"]], bad: [["a", null], ["a", 1], "a", [["a"]], ["\u0000"], null] },
  stamps: { good: [null, [], TIMESTAMP.good.slice(0, 3)], bad: [["x"], [null], TIMESTAMP.good[0], [TIMESTAMP.bad[0]]] },
  bigs: { good: [null, [], ["1", 2, "-9223372036854775808"]], bad: [["9223372036854775808"], [1.5], [null], ["a"]] },
};
const UNKNOWN_KEYS = ["extra", "__proto__", "ID", "created_at", "constructor"];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s ^= s + Math.imul(s ^ (s >>> 7), s | 61);
    return ((s ^ (s >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(random: () => number, xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];

/**
 * A body through JSON (as an HTTP body would be): mostly valid with a chosen number of faults, so
 * that both verdicts are common. Values that JSON cannot spell (Infinity from `1e400`) are made by
 * JSON.parse as well.
 */
function generateBody(random: () => number): unknown {
  if (random() < 0.01) return pick(random, [null, [], "body", 1]);
  const body: Record<string, unknown> = {};
  const faults = random() < 0.35 ? 0 : random() < 0.7 ? 1 : 3;
  const faulty = new Set(Array.from({ length: faults }, () => pick(random, [...Object.keys(COLUMNS), "?"])));
  for (const [key, { good, bad }] of Object.entries(COLUMNS)) {
    const required = key === "int" || key === "name";
    if (faulty.has(key)) {
      if (!required && random() < 0.1) continue;
      const jsonb = key === "meta" || key === "doc";
      body[key] = jsonb && random() < 0.7 ? pick(random, JSON_NESTED_BAD) : bad.length ? pick(random, bad) : undefined;
      if (body[key] === undefined && required) delete body[key];
    } else if (required || random() < 0.6) body[key] = pick(random, good);
  }
  // defineProperty: `body.__proto__ = 1` would not make a key. JSON.parse makes it an own property.
  if (faulty.has("?")) Object.defineProperty(body, pick(random, UNKNOWN_KEYS), { value: 1, enumerable: true });
  return JSON.parse(jsonText(body));
}

/** JSON text that JSON.parse turns back into `v`, with the non-finite numbers written as 1e400. */
function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? `\u0001${x}\u0001` : x)).replace(
    /"\\u0001(-?)Infinity\\u0001"/g,
    "$11e400",
  );
}

describe("generated candidates", () => {
  test("each good value alone is accepted, each bad one refused (checks the generator's labels)", () => {
    for (const [key, { good, bad }] of Object.entries(COLUMNS)) {
      for (const v of good) assert.deepStrictEqual(one(key, v), [], `${key} ← ${show(v)}`);
      for (const v of bad) assert.notDeepStrictEqual(one(key, v), [], `${key} ← ${show(v)}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Against the real server: what parse accepts reads back equal; what it refuses, PostgreSQL refuses
// too or would change silently.
// ---------------------------------------------------------------------------------------------

describe("round trip through PostgreSQL", () => {
  let t: TestDatabase<typeof schema>;
  before(async () => {
    t = await openTestDatabase(schema);
  });
  after(() => t?.close());

  /** Inserts a parsed body as the write path would bind it, and reads the row back (closql's type parsers). */
  async function roundTrip(row: Record<string, unknown>): Promise<Record<string, unknown>> {
    const keys = Object.keys(row);
    const cols = keys.map((k) => quoteIdent(columnName(things.$columns[k as keyof typeof things.$columns])));
    const values = keys.map((k) => param(row[k], (things.$columns as Record<string, AnyColumn>)[k]));
    const text =
      keys.length === 0
        ? `INSERT INTO v_things DEFAULT VALUES RETURNING id`
        : `INSERT INTO v_things (${cols.join(", ")}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING id`;
    const { rows } = await t.db.pool.query(text, values);
    const [back] = await t.db.sql<Record<string, unknown>>`SELECT * FROM v_things WHERE id = ${rows[0].id}`;
    return fromRow(things, back);
  }

  test("what parse accepts (hand-picked and generated) is stored and read back equal", async () => {
    const random = rng(3);
    let checked = 0;
    for (let n = 0; n < 400 && checked < 150; n++) {
      let parsed: Record<string, unknown>;
      try {
        parsed = things.parse(generateBody(random));
      } catch {
        continue;
      }
      checked++;
      delete parsed.id; // generated bodies repeat ids
      const back = await roundTrip(parsed);
      for (const key of Object.keys(parsed)) {
        const column = (things.$columns as Record<string, AnyColumn>)[key];
        assert.deepStrictEqual(back[key], storedForm(parsed[key], column), `${key}: ${show(parsed[key])}`);
      }
    }
    assert.ok(checked >= 100, `only ${checked} bodies`);
  });

  test("what parse accepts, the compiled insert stores and returns equal", async () => {
    const random = rng(4);
    let checked = 0;
    for (let n = 0; n < 400 && checked < 150; n++) {
      let parsed: typeof things.$insert;
      try {
        parsed = things.parse(generateBody(random));
      } catch {
        continue;
      }
      checked++;
      delete parsed.id;
      const stored: Record<string, unknown> = await t.db.things.insert(parsed);
      for (const [key, value] of Object.entries(parsed)) {
        const column = (things.$columns as Record<string, AnyColumn>)[key];
        assert.deepStrictEqual(stored[key], storedForm(value, column), `${key}: ${show(value)}`);
      }
    }
    assert.ok(checked >= 100, `only ${checked} bodies`);
  });

  test("PostgreSQL's canonical forms: what the round trip normalizes, stated", async () => {
    const back = await roundTrip(
      things.parse({ ...base, price: "007.5", amount: "-0.0", r: 0.123456789, meta: JSON.parse("[-0]") }),
    );
    assert.equal(back.price, "7.50"); // numeric(10, 2) prints its scale; leading zeros are not digits
    assert.equal(back.amount, "0.0");
    assert.equal(back.r, 0.12345679); // real is float4: that is the type, not a silent change
    assert.deepStrictEqual(back.meta, [0]); // jsonb numbers have no -0
  });

  /**
   * What parse refuses: the same values sent to PostgreSQL as the write path would send them. Each
   * is either an error there (closql's is earlier and names the column) or a silent change.
   */
  test("what parse refuses, PostgreSQL refuses or changes silently", async () => {
    const demo = async (column: string, value: unknown): Promise<{ error: string } | { stored: string }> => {
      const others = Object.entries({ int: "1", name: "'demo'" }).filter(([k]) => k !== column);
      const cols = [...others.map(([k]) => quoteIdent(k)), quoteIdent(column)].join(", ");
      const values = [...others.map(([, v]) => v), "$1"].join(", ");
      try {
        const { rows } = await t.db.pool.query(
          `INSERT INTO v_things (${cols}) VALUES (${values}) RETURNING ${quoteIdent(column)}::text AS v`,
          [value],
        );
        return { stored: rows[0].v };
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    const refused = (key: string, value: unknown) => assert.notDeepStrictEqual(one(key, value), [], key);

    // Silent changes.
    refused("int", "12");
    assert.deepStrictEqual(await demo("int", "12"), { stored: "12" }); // a string became a number
    refused("name", true);
    assert.deepStrictEqual(await demo("name", true), { stored: "true" });
    refused("code", "abc   ");
    assert.deepStrictEqual(await demo("code", "abc   "), { stored: "abc  " }); // cut to varchar(5)
    refused("price", "1.005");
    assert.deepStrictEqual(await demo("price", "1.005"), { stored: "1.01" });
    const rounded = JSON.parse("9007199254740993"); // what JSON.parse makes of 2^53 + 1
    refused("bigNum", rounded);
    refused("big", rounded);
    assert.deepStrictEqual(await demo("big", rounded), { stored: "9007199254740992" });
    refused("at", "2024-01-31T09:30:00.123456Z");
    // Kept by the server, lost by a Date on the way back.
    assert.match(((await demo("at", "2024-01-31T09:30:00.123456Z")) as { stored: string }).stored, /:00\.123456/);
    refused("at", "2024-01-31T09:30:00"); // read in the session's time zone: which instant depends on it
    assert.ok("stored" in (await demo("at", "2024-01-31T09:30:00")));
    refused("uid", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}");
    assert.deepStrictEqual(await demo("uid", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}"), {
      stored: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    });
    refused("name", "x\ud800");
    assert.deepStrictEqual(await demo("name", "x\ud800"), { stored: "x\ufffd" });

    // Errors the server would raise without naming the field the input came from.
    refused("name", "a\u0000b");
    assert.ok("error" in (await demo("name", "a\u0000b")));
    refused("day", "2023-02-29");
    assert.match(((await demo("day", "2023-02-29")) as { error: string }).error, /out of range/);
    refused("int", 2147483648);
    assert.match(((await demo("int", 2147483648)) as { error: string }).error, /out of range for type integer/);
    refused("r", 1e39);
    assert.match(((await demo("r", 1e39)) as { error: string }).error, /out of range for type real/);
    refused("mood", "SAD");
    assert.match(((await demo("mood", "SAD")) as { error: string }).error, /invalid input value for enum/);
    refused("price", "123456789");
    assert.match(((await demo("price", "123456789")) as { error: string }).error, /numeric field overflow/);
    // A JS array bound as-is to jsonb: pg sends an SQL array literal, not JSON.
    assert.match(((await demo("doc", [1, 2])) as { error: string }).error, /invalid input syntax for type json/);
    assert.equal(columnValueProblem(things.doc, [1, 2]), undefined); // fine: the write path must JSON.stringify it
  });
});

// ---------------------------------------------------------------------------------------------
// Helpers for the round trip.
// ---------------------------------------------------------------------------------------------

/** A value as a parameter the way closql's write path sends it. */
function param(v: unknown, column: AnyColumn): unknown {
  if (v === null) return null;
  if (column.config.sqlType === "jsonb") return JSON.stringify(v);
  const one = (x: unknown): unknown =>
    x instanceof Date
      ? x.toISOString()
      : typeof x === "bigint"
        ? x.toString()
        : typeof x === "number" && Object.is(x, -0)
          ? "-0"
          : x;
  return Array.isArray(v) ? v.map(one) : one(v);
}

/** A row from db.sql (SQL names, int8 as text) as the declared JS values, by key. */
function fromRow(tbl: AnyTable, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(tbl.$columns as Record<string, AnyColumn>)) {
    let v = row[columnName(column)];
    const int8 = column.config.int8;
    if (int8 && v !== null) {
      const conv = (x: unknown) => (int8 === "number" ? Number(x) : BigInt(x as string));
      v = Array.isArray(v) ? v.map(conv) : conv(v);
    }
    out[key] = v;
  }
  return out;
}

/** What PostgreSQL hands back for a value parse produced: the value itself, in the canonical text of its type. */
function storedForm(v: unknown, column: AnyColumn): unknown {
  if (v === null) return null;
  const sqlType = column.config.sqlType;
  if (sqlType === "real") return float4Text(v as number);
  if (sqlType.startsWith("numeric")) return canonicalNumeric(v as string, sqlType);
  if (sqlType === "jsonb") return JSON.parse(JSON.stringify(v), (_k, x) => (Object.is(x, -0) ? 0 : x));
  return v;
}

/** The number PostgreSQL's shortest float4 output reads back as. */
function float4Text(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

function canonicalNumeric(s: string, sqlType: string): string {
  if (s === "NaN" || s.endsWith("Infinity")) return s;
  const scale = /,\s*(\d+)\)/.exec(sqlType)?.[1];
  let [int, frac = ""] = s.replace(/^-/, "").split(".");
  int = int.replace(/^0+(?=\d)/, "");
  if (scale !== undefined) frac = frac.slice(0, Number(scale)).padEnd(Number(scale), "0");
  const negative = s.startsWith("-") && /[1-9]/.test(int + frac);
  return `${negative ? "-" : ""}${int}${frac ? `.${frac}` : ""}`;
}

// ---------------------------------------------------------------------------------------------
// The README's table of JSON forms.
// ---------------------------------------------------------------------------------------------

test("the README's validation table: each JSON form parses to what it says, each refused value is refused", () => {
  const readme = fs.readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
  const body = readme.split("<!-- validation-table:start -->")[1].split("<!-- validation-table:end -->")[0];
  const rows = body
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) =>
      l
        .split("|")
        .slice(1, -1)
        .map((c) => /^\s*`(.*)`\s*$/.exec(c)![1]),
    );
  assert.ok(rows.length >= 15);
  // The declarations and results are JavaScript written in the README: evaluated with closql's builders in scope.
  const names = Object.keys(closql).filter((k) => /^[a-z]/.test(k));
  const evaluate = (js: string) => new Function(...names, `return (${js});`)(...names.map((k) => (closql as any)[k]));
  for (const [declaration, json, gives, refused] of rows) {
    const t = table("readme_t", { c: evaluate(declaration) as AnyColumn });
    assert.deepStrictEqual(t.parse({ c: JSON.parse(json) }).c, evaluate(gives), `${declaration} ← ${json}`);
    assert.throws(() => t.parse({ c: JSON.parse(refused) }), ValidationError, `${declaration} ← ${refused}`);
    // The JSON Schema agrees on both.
    const validate = makeAjv().compile(t.jsonSchema());
    assert.equal(validate({ c: JSON.parse(json) }), true, `schema: ${declaration} ← ${json}`);
    const nested = declaration === "jsonb()"; // the documented difference: strings inside jsonb
    assert.equal(validate({ c: JSON.parse(refused) }), nested, `schema: ${declaration} ← ${refused}`);
  }
});
