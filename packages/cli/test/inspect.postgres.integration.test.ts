/**
 * `status` (live stage state) and `explain` of live runs, as child processes on PostgreSQL: a
 * fresh database on RATCHET_TEST_DATABASE_URL's server for this file, dropped afterwards
 * (fails when the server is unreachable).
 */
import { postgresDatabase } from "./support/databases.js";
import { inspectSuite } from "./support/inspect-suite.js";

inspectSuite("status and explain of live runs (child process, PostgreSQL)", () =>
  postgresDatabase("cli_inspect"),
);
