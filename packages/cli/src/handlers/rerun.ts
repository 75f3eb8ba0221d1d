/**
 * What `ratchet rerun` does (its definition is `commands/rerun.ts`): `run.rerunFrom`; and the
 * lines saying a run starts again, which `ratchet retry` prints too.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { stringOption } from "../cli/values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import type { Printer } from "../render/printer.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { resolveWorkflows } from "../runtime/workflows.js";

/** The lines saying a run starts again from a stage (shared by `rerun` and `retry`). */
export function printRestarted(
  out: Printer,
  verb: string,
  result: { workflowRunId: string; fromStageId: string; jobIds: readonly string[] },
): void {
  const { style } = out;
  out.line(
    `${style.green(verb)} run ${style.bold(result.workflowRunId)} from stage ${style.bold(result.fromStageId)} (RUNNING, ${result.jobIds.length} job${result.jobIds.length === 1 ? "" : "s"} queued)`,
  );
  out.line(
    style.dim(
      `A worker executes it (ratchet worker); follow it with: ratchet status ${result.workflowRunId} --follow`,
    ),
  );
}

/** Runs `ratchet rerun`; resolves to the exit code. */
export async function runRerun(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const workflowRunId = context.positionals[0] ?? "";
  const fromStageId = stringOption(options, "from") ?? "";
  const workflows = await resolveWorkflows(stringOption(options, "workflows"), context.io.cwd);
  const result = await withDatabase(context, (stack) =>
    createCommandKernel(stack, workflows).dispatch({
      type: "run.rerunFrom",
      workflowRunId,
      fromStageId,
    }),
  );
  if (globals.json) out.json(result);
  else if (globals.quiet) out.line(result.workflowRunId);
  else printRestarted(out, "rerunning", result);
  return ExitCode.OK;
}
