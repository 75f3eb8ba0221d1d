/**
 * `ratchet migrate`: applies pending migrations and prints what was applied.
 */
import type { CommandSpec } from "./spec.js";

/** `ratchet migrate`. */
export const migrateCommand: CommandSpec = {
  name: "migrate",
  summary: "Apply pending database migrations",
  description:
    "Brings the database up to date with the migrations bundled in this version (each in its own transaction; concurrent migrators wait for each other). Running it again applies nothing. Other commands migrate on their own; this one shows what it did.",
  positionals: [],
  options: {},
  examples: [
    "ratchet migrate",
    "ratchet migrate --database-url postgresql://postgres@127.0.0.1:5432/ratchet",
  ],
  async run(context) {
    const { runMigrate } = await import("../handlers/migrate.js");
    return runMigrate(context);
  },
};
