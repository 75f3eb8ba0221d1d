/**
 * What `ratchet migrate` does (its definition is `commands/migrate.ts`): applies the pending
 * migrations and prints what was applied.
 */
import { migrate } from "@ratchet/prisma";
import { ExitCode } from "../cli/exit-codes.js";
import type { CommandContext } from "../commands/spec.js";
import { describeTarget } from "../db/target.js";
import { withDatabase } from "../db/with-database.js";

/** Runs `ratchet migrate`; resolves to the exit code. */
export async function runMigrate(context: CommandContext): Promise<number> {
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
}
