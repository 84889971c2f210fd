"use strict";
/**
 * Where the example app and the test suite get their PostgreSQL: DATABASE_URL when it is set,
 * otherwise an embedded PGlite started in this process behind @electric-sql/pglite-socket, so the
 * same `pg` code path runs against it. PGlite is a single Postgres session: use one connection.
 */
async function openDatabase() {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, poolSize: 10, embedded: false, close: async () => {} };
  }
  const { PGlite } = require("@electric-sql/pglite");
  const { PGLiteSocketServer } = require("@electric-sql/pglite-socket");
  // pg_trgm backs closql's similarity() marker, fuzzystrmatch the README's sqlFunction example;
  // PGlite ships both as loadable extensions (CREATE EXTENSION still needed, as on a server).
  const { pg_trgm } = require("@electric-sql/pglite/contrib/pg_trgm");
  const { fuzzystrmatch } = require("@electric-sql/pglite/contrib/fuzzystrmatch");
  const pglite = await PGlite.create({ extensions: { pg_trgm, fuzzystrmatch } });
  const server = new PGLiteSocketServer({ db: pglite, host: "127.0.0.1", port: 0, maxConnections: 4 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    poolSize: 1,
    embedded: true,
    close: async () => {
      await server.stop();
      await pglite.close();
    },
  };
}

module.exports = { openDatabase };
