import { test } from "node:test";
import assert from "node:assert/strict";
import { typeChange } from "@closql/cli/dist/diff/type-change";

test("type changes: no rewrite, widening (rewrite, nothing lost), narrowing (destructive)", () => {
  const cases: [string, string, string][] = [
    ["character varying(10)", "character varying(20)", "relabel"],
    ["character varying(20)", "character varying(10)", "narrow"],
    ["character varying(20)", "text", "relabel"],
    ["text", "character varying", "relabel"],
    ["text", "character varying(10)", "narrow"],
    ["numeric(10,2)", "numeric(12,2)", "relabel"],
    ["numeric(10,2)", "numeric", "relabel"],
    ["numeric(10,2)", "numeric(12,4)", "widen"],
    ["numeric(10,2)", "numeric(10,1)", "narrow"],
    ["numeric", "numeric(10,2)", "narrow"],
    ["integer", "bigint", "widen"],
    ["bigint", "integer", "narrow"],
    ["smallint", "double precision", "widen"],
    ["bigint", "double precision", "narrow"],
    ["integer", "numeric", "widen"],
    ["integer", "text", "widen"],
    ["text", "integer", "narrow"],
    ["real", "double precision", "widen"],
    ["double precision", "real", "narrow"],
    ["timestamp without time zone", "timestamp with time zone", "widen"],
    ["timestamp with time zone", "date", "narrow"],
    ["integer[]", "bigint[]", "widen"],
    ["integer", "integer[]", "narrow"],
    ["role", "text", "widen"],
  ];
  for (const [from, to, expected] of cases) assert.equal(typeChange(from, to), expected, `${from} → ${to}`);
});
