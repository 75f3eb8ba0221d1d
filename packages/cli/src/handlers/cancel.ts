/**
 * What `ratchet cancel` does (its definition is `commands/cancel.ts`): `run.cancel` on the run.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { stringOption } from "../cli/values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { resolveWorkflows } from "../runtime/workflows.js";

/** Runs `ratchet cancel`; resolves to the exit code. */
export async function runCancel(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const workflowRunId = context.positionals[0] ?? "";
  const reason = stringOption(options, "reason");
  const workflows = await resolveWorkflows(stringOption(options, "workflows"), context.io.cwd);
  const result = await withDatabase(context, (stack) =>
    createCommandKernel(stack, workflows).dispatch({
      type: "run.cancel",
      workflowRunId,
      ...(reason === undefined ? {} : { reason }),
    }),
  );
  if (globals.json) out.json(result);
  else if (globals.quiet) out.line(result.status);
  else if (result.cancelled)
    out.line(`${out.style.yellow("cancelled")} run ${out.style.bold(workflowRunId)}`);
  else out.line(`run ${out.style.bold(workflowRunId)} was ${out.style.dim("already cancelled")}`);
  return ExitCode.OK;
}
