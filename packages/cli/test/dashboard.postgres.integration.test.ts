/**
 * `ratchet dashboard` as a child process on PostgreSQL: a fresh database on
 * RATCHET_TEST_DATABASE_URL's server for this file, dropped afterwards (fails when the server
 * is unreachable).
 */
import { dashboardSuite } from "./support/dashboard-suite.js";
import { postgresDatabase } from "./support/databases.js";

dashboardSuite("ratchet dashboard (child process, PostgreSQL)", () =>
  postgresDatabase("cli_dashboard"),
);
