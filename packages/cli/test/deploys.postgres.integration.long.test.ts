/**
 * The deploy commands (status, runs, deploy-check, runs migrate) as child processes on
 * PostgreSQL: a fresh database per test on RATCHET_TEST_DATABASE_URL's server, dropped
 * afterwards (fails when the server is unreachable). It runs with `RATCHET_LONG=1`: the same
 * suite runs by default on SQLite (`deploys.sqlite.test.ts`), and `run.migrate` itself is in the
 * stores' conformance on PostgreSQL.
 */
import { createPostgresStack } from "@ratchet/prisma";
import { createPostgresDatabase } from "@ratchet/prisma/testing";
import { deploySuite } from "./support/deploy-suite.js";

deploySuite("deploys (child process, PostgreSQL)", async (label) => {
  const db = await createPostgresDatabase(`cli_deploys_${label}`);
  return {
    url: db.url,
    open: () => createPostgresStack({ url: db.url, poolSize: 2 }),
    cleanup: () => db.drop(),
  };
});
