/**
 * The operator commands (graph, cancel, retry, rerun, logs and events --follow, status
 * --follow, replay-dead-letters, the runs filters) in process on PostgreSQL: a fresh database
 * on RATCHET_TEST_DATABASE_URL's server for this file, dropped afterwards (fails when the
 * server is unreachable).
 */
import { postgresDatabase } from "./support/databases.js";
import { operationsSuite } from "./support/operations-suite.js";

operationsSuite("operator commands (in process, PostgreSQL)", () => postgresDatabase("cli_ops"));
