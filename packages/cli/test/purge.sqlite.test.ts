/** `ratchet purge` in process on a temporary SQLite file. */
import { sqliteDatabase } from "./support/databases.js";
import { purgeSuite } from "./support/purge-suite.js";

purgeSuite("ratchet purge (in process, SQLite)", () => sqliteDatabase("cli-purge"));
