/** Corrupt rows on the real PostgreSQL server: typed CORRUPT_ROW errors, other runs keep completing. */
import { registerCorruptRows } from "./support/corrupt-rows.js";

registerCorruptRows("postgresql");
