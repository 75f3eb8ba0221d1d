/**
 * What `ratchet retry` does (its definition is `commands/retry.ts`): `run.retry`.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { stringOption } from "../cli/values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { resolveWorkflows } from "../runtime/workflows.js";
import { printRestarted } from "./rerun.js";

/** Runs `ratchet retry`; resolves to the exit code. */
export async function runRetry(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const workflowRunId = context.positionals[0] ?? "";
  const workflows = await resolveWorkflows(stringOption(options, "workflows"), context.io.cwd);
  const result = await withDatabase(context, (stack) =>
    createCommandKernel(stack, workflows).dispatch({ type: "run.retry", workflowRunId }),
  );
  if (globals.json) out.json(result);
  else if (globals.quiet) out.line(result.workflowRunId);
  else printRestarted(out, `retrying (was ${result.previousStatus})`, result);
  return ExitCode.OK;
}
