/** `ratchet dashboard` as a child process on a temporary SQLite file. */
import { dashboardSuite } from "./support/dashboard-suite.js";
import { sqliteDatabase } from "./support/databases.js";

dashboardSuite("ratchet dashboard (child process, SQLite)", () => sqliteDatabase("cli-dashboard"));
