"use strict";
/**
 * Where the example app and the test suite get their PostgreSQL: DATABASE_URL when it is set,
 * otherwise closql/embedded, the same in-process PGlite a user's project gets (README, Quickstart):
 * one session, so the pool has one connection.
 */
async function openDatabase() {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, poolSize: 10, embedded: false, close: async () => {} };
  }
  const { embeddedPostgres } = require("closql/embedded");
  // pg_trgm backs closql's similarity() marker, fuzzystrmatch the README's sqlFunction example.
  const server = await embeddedPostgres({ extensions: ["pg_trgm", "fuzzystrmatch"] });
  return { url: server.url, poolSize: server.poolSize, embedded: true, close: () => server.close() };
}

module.exports = { openDatabase };
