/**
 * What `ratchet explain` does (its definition is `commands/explain.ts`): `explainRun` of
 * `@ratchet/kernel` over the run's inspection.
 */
import { explainRun, loadRunInspection, RunNotFoundError } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import { explanationLines } from "../render/inspection.js";

/** Runs `ratchet explain`; resolves to the exit code. */
export async function runExplain(context: CommandContext): Promise<number> {
  const runId = context.positionals[0] ?? "";
  const { out, globals } = context;
  const inspection = await withDatabase(context, async (stack) => {
    // The stack's clock: on PostgreSQL the server's, which leases are written on.
    const found = await loadRunInspection(stack.queries, runId, stack.clock.now());
    if (!found) throw new RunNotFoundError(runId);
    return found;
  });
  const explanation = explainRun(inspection, inspection.now);
  if (globals.json) out.json({ ...explanation, inspection });
  else if (globals.quiet) out.line(explanation.summary);
  else for (const line of explanationLines(explanation, out.style)) out.line(line);
  return ExitCode.OK;
}
