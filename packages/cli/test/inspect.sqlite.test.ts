/**
 * `status` (live stage state) and `explain` of live runs, as child processes on a temporary
 * SQLite file.
 */
import { sqliteDatabase } from "./support/databases.js";
import { inspectSuite } from "./support/inspect-suite.js";

inspectSuite("status and explain of live runs (child process, SQLite)", () =>
  sqliteDatabase("cli-inspect"),
);
