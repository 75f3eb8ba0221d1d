/**
 * The operator commands (graph, cancel, retry, rerun, logs and events --follow, status
 * --follow, replay-dead-letters, the runs filters) in process on a temporary SQLite file.
 */
import { sqliteDatabase } from "./support/databases.js";
import { operationsSuite } from "./support/operations-suite.js";

operationsSuite("operator commands (in process, SQLite)", () => sqliteDatabase("cli-ops"));
