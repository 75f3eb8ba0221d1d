/**
 * `ratchet migrate`: applies pending migrations and prints what was applied.
 */
import { migrate } from "@ratchet/prisma";
import { ExitCode } from "../cli/exit-codes.js";
import { describeTarget } from "../db/target.js";
import { withDatabase } from "./shared.js";
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
    const { out, globals } = context;
    const result = await withDatabase(
      context,
      async (stack, target) => ({
        target,
        ...(await migrate(stack.prisma, { provider: stack.provider })),
      }),
      { migrate: false },
    );
    if (globals.json) {
      out.json({
        database: result.target.display,
        provider: result.target.provider,
        applied: result.applied,
        alreadyApplied: result.alreadyApplied,
      });
      return ExitCode.OK;
    }
    if (globals.quiet) return ExitCode.OK;
    const { style } = out;
    out.line(`database  ${describeTarget(result.target)}`);
    for (const id of result.applied) out.line(`${style.green("✓")} applied ${id}`);
    out.line(
      result.applied.length === 0
        ? `up to date: ${result.alreadyApplied.length} migration(s) already applied, nothing to do`
        : `applied ${result.applied.length} migration(s); ${result.alreadyApplied.length} were already applied`,
    );
    return ExitCode.OK;
  },
};
