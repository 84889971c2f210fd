import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  bigint,
  bigserial,
  boolean,
  bytea,
  ClosqlError,
  date,
  doublePrecision,
  integer,
  jsonb,
  numeric,
  pgEnum,
  PrecisionLossError,
  real,
  relations,
  serial,
  table,
  text,
  timestamp,
  timestamptz,
  uuid,
  varchar,
} from "closql";
import { openTestDatabase, TestDatabase } from "./support/database";

// ---------------------------------------------------------------------------------------------
// Compile time: `$row` and `$insert` (checked by the build: a wrong type fails `tspc`).
// ---------------------------------------------------------------------------------------------

/** True only when A and B are the same type (modifiers such as `?` included). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const role = pgEnum("role", ["user", "admin"]);
const users = table("users", {
  id: serial().primaryKey(),
  uid: bigserial(),
  uidN: bigserial({ mode: "number" }),
  email: text().unique(),
  name: varchar(100).name("full_name"),
  role: role().default("user"),
  roles: role().array().nullable(),
  age: integer().nullable(),
  score: real().default(0),
  ratio: doublePrecision(),
  balance: numeric(10, 2),
  big: bigint(),
  bigN: bigint({ mode: "number" }).nullable(),
  active: boolean().default(true),
  tags: text().array().default([]),
  lucky: integer().array().nullable(),
  bigs: bigint().array(),
  meta: jsonb<{ plan: string; seats?: number }>().nullable(),
  anyJson: jsonb(),
  avatar: bytea().nullable(),
  token: uuid().defaultRandom(),
  birthday: date().nullable(),
  seenAt: timestamp().nullable(),
  createdAt: timestamptz().defaultNow(),
  // A default given before .array() is dropped (it is a scalar default), so the column is required.
  legacy: text().default("x").array(),
});

type User = typeof users.$row;
type NewUser = typeof users.$insert;

const rowType: Equals<
  User,
  {
    id: number;
    uid: bigint;
    uidN: number;
    email: string;
    name: string;
    role: "user" | "admin";
    roles: ("user" | "admin")[] | null;
    age: number | null;
    score: number;
    ratio: number;
    balance: string;
    big: bigint;
    bigN: number | null;
    active: boolean;
    tags: string[];
    lucky: number[] | null;
    bigs: bigint[];
    meta: { plan: string; seats?: number } | null;
    anyJson: unknown;
    avatar: Uint8Array | null;
    token: string;
    birthday: string | null;
    seenAt: Date | null;
    createdAt: Date;
    legacy: string[];
  }
> = true;

const insertType: Equals<
  NewUser,
  {
    // Required: no default, not generated, not nullable.
    email: string;
    name: string;
    ratio: number;
    balance: string;
    big: bigint;
    bigs: bigint[];
    anyJson: unknown;
    legacy: string[];
    // Optional: generated, defaulted or nullable.
    id?: number;
    uid?: bigint;
    uidN?: number;
    role?: "user" | "admin";
    roles?: ("user" | "admin")[] | null;
    age?: number | null;
    score?: number;
    bigN?: number | null;
    active?: boolean;
    tags?: string[];
    lucky?: number[] | null;
    meta?: { plan: string; seats?: number } | null;
    avatar?: Uint8Array | null;
    token?: string;
    birthday?: string | null;
    seenAt?: Date | null;
    createdAt?: Date;
  }
> = true;

const minimal: NewUser = {
  email: "a@b.c",
  name: "A",
  ratio: 0.5,
  balance: "1.00",
  big: 1n,
  bigs: [],
  anyJson: null,
  legacy: [],
};
// @ts-expect-error `email` is required: it has no default and is NOT NULL.
const missingEmail: NewUser = { name: "A", ratio: 0.5, balance: "1.00", big: 1n, bigs: [], anyJson: null, legacy: [] };
// @ts-expect-error a bigint column takes a bigint, not a number.
const numberForBigint: NewUser = { ...minimal, big: 1 };
// @ts-expect-error an enum column takes only its values.
const badRole: NewUser = { ...minimal, role: "root" };
// @ts-expect-error NOT NULL columns do not take null, even when they have a default.
const nullDefaulted: NewUser = { ...minimal, active: null };
// @ts-expect-error `date` is a "YYYY-MM-DD" string, not a Date.
const dateAsDate: NewUser = { ...minimal, birthday: new Date() };

describe("$row / $insert types", () => {
  test("the type assertions above compiled", () => {
    assert.deepEqual([rowType, insertType], [true, true]);
    assert.equal(minimal.email, "a@b.c");
    assert.ok([missingEmail, numberForBigint, badRole, nullDefaulted, dateAsDate].every((x) => typeof x === "object"));
  });
});

// ---------------------------------------------------------------------------------------------
// Run time: values read through compiled queries have the JavaScript types of DESIGN §2.
// ---------------------------------------------------------------------------------------------

const status = pgEnum("status", ["draft", "live", "archived"]);
const samples = table("samples", {
  id: integer().primaryKey(),
  big: bigint().nullable(),
  bigN: bigint({ mode: "number" }).nullable(),
  num: numeric().nullable(),
  money: numeric(12, 2).nullable(),
  at: timestamptz().nullable(),
  local: timestamp().nullable(),
  day: date().nullable(),
  days: date().array().nullable(),
  doc: jsonb().nullable(),
  profile: jsonb<{ name: string; tags: string[] }>().nullable(),
  texts: text().array().nullable(),
  ints: integer().array().nullable(),
  bigs: bigint().array().nullable(),
  bigNs: bigint({ mode: "number" }).array().nullable(),
  nums: numeric().array().nullable(),
  bytes: bytea().nullable(),
  uid: uuid().nullable(),
  status: status().nullable(),
  flag: boolean().nullable(),
  r: real().nullable(),
  d: doublePrecision().nullable(),
  s: varchar(10).nullable(),
  stamps: timestamptz().array().nullable(),
});
const sampleSchema = relations({ samples });
type Sample = typeof samples.$row;

async function withDatabase(fn: (t: TestDatabase<typeof sampleSchema>) => Promise<void>): Promise<void> {
  // Embedded PGlite is one session shared by every test's pool: named statements would collide.
  const t = await openTestDatabase(sampleSchema, { prepare: process.env.CLOSQL_EMBEDDED !== "1" });
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

/** Runs `fn` with the process time zone set to `tz`. */
async function inTimeZone<T>(tz: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.TZ;
  process.env.TZ = tz;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

const allNull: Omit<Sample, "id"> = {
  big: null,
  bigN: null,
  num: null,
  money: null,
  at: null,
  local: null,
  day: null,
  days: null,
  doc: null,
  profile: null,
  texts: null,
  ints: null,
  bigs: null,
  bigNs: null,
  nums: null,
  bytes: null,
  uid: null,
  status: null,
  flag: null,
  r: null,
  d: null,
  s: null,
  stamps: null,
};

describe("runtime conversions through compiled reads", () => {
  test("NULL in every column reads as null", async () => {
    await withDatabase(async (t) => {
      await t.db.sql`INSERT INTO samples (id) VALUES (1)`;
      const row = await t.db.samples.where((r) => r.id === 1).one();
      assert.deepEqual(row, { id: 1, ...allNull });
      assert.equal(
        t.last().sql,
        `SELECT "id", "big", "big_n", "num", "money", "at", "local", "day", "days", "doc", "profile", "texts", "ints", "bigs", "big_ns", "nums", "bytes", "uid", "status", "flag", "r", "d", "s", "stamps" FROM "samples" WHERE "id" = 1 LIMIT 2`,
      );
    });
  });

  test("bigint: exact bigint values across the whole int8 range", async () => {
    await withDatabase(async (t) => {
      const values = [9007199254740993n, -9007199254740993n, 9223372036854775807n, -9223372036854775808n, 0n, 1n];
      for (const [i, v] of values.entries()) await t.db.sql`INSERT INTO samples (id, big) VALUES (${i + 1}, ${v})`;
      for (const [i, v] of values.entries()) {
        const row = await t.db.samples.where((r) => r.id === i + 1).one();
        assert.equal(typeof row.big, "bigint");
        assert.equal(row.big, v);
      }
      // Bound the other way too: a bigint parameter finds the row exactly (…993, not …992).
      const hit = await t.db.samples.where((r) => r.big === 9007199254740993n).all();
      assert.deepEqual(
        hit.map((r) => r.id),
        [1],
      );
      const max = 9223372036854775807n;
      assert.equal((await t.db.samples.where((r) => r.big === max).one()).id, 3);
      // A projection decodes the same way.
      const projected = await t.db.samples
        .where((r) => r.id <= 2)
        .orderBy((r) => r.id)
        .select((r) => ({ id: r.id, big: r.big }))
        .all();
      assert.deepEqual(projected, [
        { id: 1, big: 9007199254740993n },
        { id: 2, big: -9007199254740993n },
      ]);
    });
  });

  test("bigint({ mode: 'number' }): numbers up to MAX_SAFE_INTEGER, PrecisionLossError beyond — never rounded", async () => {
    await withDatabase(async (t) => {
      await t.db
        .sql`INSERT INTO samples (id, big_n) VALUES (1, ${"9007199254740991"}), (2, ${"-9007199254740991"}), (3, 0)`;
      await t.db.sql`INSERT INTO samples (id, big_n) VALUES (4, ${"9007199254740992"}), (5, ${"-9007199254740993"})`;
      await t.db
        .sql`INSERT INTO samples (id, big_ns) VALUES (6, ${["1", "-2", null]}), (7, ${["1", "9223372036854775807"]})`;

      const one = await t.db.samples.where((r) => r.id === 1).one();
      assert.equal(one.bigN, Number.MAX_SAFE_INTEGER);
      assert.equal(typeof one.bigN, "number");
      assert.equal((await t.db.samples.where((r) => r.id === 2).one()).bigN, -Number.MAX_SAFE_INTEGER);
      assert.equal((await t.db.samples.where((r) => r.id === 3).one()).bigN, 0);

      for (const id of [4, 5]) {
        await assert.rejects(
          () => t.db.samples.where((r) => r.id === id).one(),
          (e: unknown) =>
            e instanceof PrecisionLossError &&
            e instanceof ClosqlError &&
            /does not fit a JavaScript number exactly/.test(e.message),
        );
      }
      // A projection of the column refuses the same way; other columns of those rows are fine.
      await assert.rejects(
        () =>
          t.db.samples
            .where((r) => r.id === 4)
            .select((r) => ({ v: r.bigN }))
            .one(),
        PrecisionLossError,
      );
      assert.deepEqual(
        await t.db.samples
          .where((r) => r.id === 4)
          .select((r) => ({ id: r.id }))
          .one(),
        { id: 4 },
      );

      assert.deepEqual((await t.db.samples.where((r) => r.id === 6).one()).bigNs, [1, -2, null]);
      await assert.rejects(() => t.db.samples.where((r) => r.id === 7).one(), PrecisionLossError);
    });
  });

  test("numeric: a string with every digit, scale kept", async () => {
    await withDatabase(async (t) => {
      const values = ["12345678901234567890.123456789", "-0.000000000000000000000000000001", "1e-3", "NaN", "100"];
      for (const [i, v] of values.entries()) await t.db.sql`INSERT INTO samples (id, num) VALUES (${i + 1}, ${v})`;
      const got = await t.db.samples
        .orderBy((r) => r.id)
        .select((r) => ({ num: r.num }))
        .all();
      assert.deepEqual(
        got.map((r) => r.num),
        ["12345678901234567890.123456789", "-0.000000000000000000000000000001", "0.001", "NaN", "100"],
      );
      await t.db.sql`INSERT INTO samples (id, money) VALUES (10, ${"0.1"}), (11, ${"1234567890.125"})`;
      const money = await t.db.samples
        .where((r) => r.id >= 10)
        .orderBy((r) => r.id)
        .select((r) => ({ money: r.money }))
        .all();
      assert.deepEqual(money, [{ money: "0.10" }, { money: "1234567890.13" }]);
    });
  });

  test("numeric[]: elements are exact strings too", async () => {
    await withDatabase(async (t) => {
      await t.db
        .sql`INSERT INTO samples (id, nums) VALUES (1, ${["12345678901234567890.123456789", null, "0.10", "-1"]})`;
      const row = await t.db.samples.where((r) => r.id === 1).one();
      assert.deepEqual(row.nums, ["12345678901234567890.123456789", null, "0.10", "-1"]);
    });
  });

  test("timestamptz: Date, exact to the millisecond, whatever the process time zone", async () => {
    await withDatabase(async (t) => {
      const at = new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
      await t.db
        .sql`INSERT INTO samples (id, at) VALUES (1, ${at}), (2, '1969-07-20 20:17:40.5+00'), (3, '2024-06-01 12:00:00+02')`;
      for (const tz of ["UTC", "Pacific/Kiritimati", "America/St_Johns"]) {
        await inTimeZone(tz, async () => {
          const rows = await t.db.samples.orderBy((r) => r.id).all();
          assert.ok(rows.every((r) => r.at instanceof Date));
          assert.deepEqual(
            rows.map((r) => r.at!.toISOString()),
            ["2024-02-29T23:59:59.999Z", "1969-07-20T20:17:40.500Z", "2024-06-01T10:00:00.000Z"],
          );
        });
      }
      await t.db.sql`INSERT INTO samples (id, stamps) VALUES (4, ${[at, null]})`;
      const stamps = (await t.db.samples.where((r) => r.id === 4).one()).stamps!;
      assert.ok(stamps[0] instanceof Date);
      assert.equal(stamps[0].getTime(), at.getTime());
      assert.equal(stamps[1], null);
    });
  });

  test("timestamp (without time zone): a Date round-trips; the wall-clock time is read as UTC in any process time zone", async () => {
    await withDatabase(async (t) => {
      for (const tz of ["UTC", "Pacific/Kiritimati", "America/St_Johns"]) {
        await inTimeZone(tz, async () => {
          const at = new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
          await t.db.sql`DELETE FROM samples`;
          await t.db.sql`INSERT INTO samples (id, local) VALUES (1, ${at}), (2, '2024-02-29 12:34:56.789')`;
          const one = await t.db.samples.where((r) => r.id === 1).one();
          assert.ok(one.local instanceof Date);
          assert.equal(one.local.getTime(), at.getTime());
          const two = await t.db.samples.where((r) => r.id === 2).one();
          assert.equal(two.local!.getTime(), Date.UTC(2024, 1, 29, 12, 34, 56, 789));
        });
      }
    });
  });

  test("date: a 'YYYY-MM-DD' string, also in arrays, regardless of the process time zone", async () => {
    await withDatabase(async (t) => {
      await t.db
        .sql`INSERT INTO samples (id, day, days) VALUES (1, ${"2024-02-29"}, ${["2024-01-01", null, "1999-12-31"]}), (2, '0001-01-01', '{}')`;
      for (const tz of ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/St_Johns"]) {
        await inTimeZone(tz, async () => {
          if (tz !== "UTC")
            assert.notEqual(new Date(Date.UTC(2024, 1, 29)).getTimezoneOffset(), 0, `TZ=${tz} took effect`);
          const rows = await t.db.samples
            .orderBy((r) => r.id)
            .select((r) => ({ day: r.day, days: r.days }))
            .all();
          assert.deepEqual(rows, [
            { day: "2024-02-29", days: ["2024-01-01", null, "1999-12-31"] },
            { day: "0001-01-01", days: [] },
          ]);
          assert.equal(await t.db.samples.where((r) => r.day === "2024-02-29").count(), 1);
        });
      }
    });
  });

  test("jsonb: the parsed value — objects, arrays and scalars", async () => {
    await withDatabase(async (t) => {
      const docs: unknown[] = [
        { a: 1, b: [true, null, "x"], c: { d: "é😀" } },
        [1, "two", { three: 3 }],
        "a string",
        42.5,
        true,
        false,
        [],
        {},
      ];
      for (const [i, doc] of docs.entries())
        await t.db.sql`INSERT INTO samples (id, doc) VALUES (${i + 1}, ${JSON.stringify(doc)}::jsonb)`;
      const got = await t.db.samples
        .orderBy((r) => r.id)
        .select((r) => ({ doc: r.doc }))
        .all();
      assert.deepEqual(
        got.map((r) => r.doc),
        docs,
      );
      // JSON null and SQL NULL both read as null.
      await t.db.sql`INSERT INTO samples (id, doc) VALUES (100, 'null'::jsonb), (101, NULL)`;
      const nulls = await t.db.samples
        .where((r) => r.id >= 100)
        .orderBy((r) => r.id)
        .select((r) => ({ doc: r.doc }))
        .all();
      assert.deepEqual(nulls, [{ doc: null }, { doc: null }]);

      await t.db.sql`INSERT INTO samples (id, profile) VALUES (200, ${{ name: "Ann", tags: ["a", "b"] }})`;
      const p = (await t.db.samples.where((r) => r.id === 200).one()).profile;
      assert.deepEqual(p, { name: "Ann", tags: ["a", "b"] });
    });
  });

  test("arrays: text[], integer[], bigint[] (bigint elements), empty arrays and NULL elements", async () => {
    await withDatabase(async (t) => {
      const texts = ["a,b", '"quoted"', "NULL", "", "back\\slash", "{brace}", " spaced ", "é😀", null];
      await t.db
        .sql`INSERT INTO samples (id, texts, ints, bigs) VALUES (1, ${texts}, ${[1, -2, null, 2147483647]}, ${[9007199254740993n, null, -9223372036854775808n]})`;
      await t.db.sql`INSERT INTO samples (id, texts, ints, bigs) VALUES (2, '{}', '{}', '{}')`;
      const one = await t.db.samples.where((r) => r.id === 1).one();
      assert.deepEqual(one.texts, texts);
      assert.deepEqual(one.ints, [1, -2, null, 2147483647]);
      assert.deepEqual(one.bigs, [9007199254740993n, null, -9223372036854775808n]);
      assert.equal(typeof one.bigs![0], "bigint");
      const two = await t.db.samples.where((r) => r.id === 2).one();
      assert.deepEqual([two.texts, two.ints, two.bigs], [[], [], []]);
    });
  });

  test("bytea: a Uint8Array with the exact bytes", async () => {
    await withDatabase(async (t) => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await t.db
        .sql`INSERT INTO samples (id, bytes) VALUES (1, ${all}), (2, ${new Uint8Array(0)}), (3, '\\x00ff00'::bytea)`;
      const rows = await t.db.samples
        .orderBy((r) => r.id)
        .select((r) => ({ bytes: r.bytes }))
        .all();
      assert.ok(rows.every((r) => r.bytes instanceof Uint8Array));
      assert.deepEqual(
        rows.map((r) => Array.from(r.bytes!)),
        [Array.from(all), [], [0, 255, 0]],
      );
    });
  });

  test("uuid, enum, boolean, real, double precision and varchar", async () => {
    await withDatabase(async (t) => {
      await t.db.sql`INSERT INTO samples (id, uid, status, flag, r, d, s) VALUES
        (1, ${"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"}, ${"live"}, true, ${0.1}, ${0.1 + 0.2}, ${"abc"}),
        (2, ${"00000000-0000-0000-0000-000000000000"}, ${"archived"}, false, 'NaN', 'Infinity', ''),
        (3, NULL, NULL, NULL, '-Infinity', '-0', NULL)`;
      const rows = await t.db.samples
        .orderBy((r) => r.id)
        .select((r) => ({ uid: r.uid, status: r.status, flag: r.flag, r: r.r, d: r.d, s: r.s }))
        .all();
      assert.deepEqual(rows, [
        {
          uid: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
          status: "live",
          flag: true,
          r: 0.1,
          d: 0.30000000000000004,
          s: "abc",
        },
        { uid: "00000000-0000-0000-0000-000000000000", status: "archived", flag: false, r: NaN, d: Infinity, s: "" },
        { uid: null, status: null, flag: null, r: -Infinity, d: -0, s: null },
      ]);
      assert.equal(await t.db.samples.where((r) => r.status === "live").count(), 1);
    });
  });
});
