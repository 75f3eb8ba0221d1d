/**
 * `ratchet purge` in process on PostgreSQL: a fresh database on RATCHET_TEST_DATABASE_URL's
 * server for this file, dropped afterwards (fails when the server is unreachable).
 */
import { postgresDatabase } from "./support/databases.js";
import { purgeSuite } from "./support/purge-suite.js";

purgeSuite("ratchet purge (in process, PostgreSQL)", () => postgresDatabase("cli_purge"));
