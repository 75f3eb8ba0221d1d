/** Corrupt rows on a temporary SQLite file: typed CORRUPT_ROW errors, other runs keep completing. */
import { registerCorruptRows } from "./support/corrupt-rows.js";

registerCorruptRows("sqlite");
