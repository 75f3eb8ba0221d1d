/**
 * `ratchet status <runId> --follow`: shows the run's progress as it goes — redrawn in place on
 * a terminal (the live view of `run --wait`), a line per step forward otherwise — polling its
 * records until it ends, then prints its status as `ratchet status` does.
 */
import { isTerminalRunStatus, RunNotFoundError, type RunStatus } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { stringOption } from "../cli/values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import { ProgressTracker } from "../progress/tracker.js";
import { createRenderer, progressKind } from "../render/renderer.js";
import { followRequestOf, followRun } from "../runtime/follow.js";
import { snapshot } from "../runtime/watch.js";
import { definitionOf, resolveWorkflows, stageIdsOf } from "../runtime/workflows.js";

/**
 * Follows the run until it ends (or Ctrl-C), then calls `show` to print its status. Exits 0
 * when the run completed, 1 when it ended otherwise, 130 when interrupted.
 */
export async function followStatus(
  context: CommandContext,
  show: () => Promise<number>,
): Promise<number> {
  const { out, io, globals } = context;
  const runId = context.positionals[0] ?? "";
  const request = { ...followRequestOf(context), follow: true };
  const workflows = await resolveWorkflows(stringOption(context.options, "workflows"), io.cwd);
  let status: RunStatus | undefined;
  const outcome = await withDatabase(context, async (stack) => {
    const found = await stack.queries.getRun(runId);
    if (!found) throw new RunNotFoundError(runId);
    const tracker = new ProgressTracker();
    tracker.track(runId, {
      workflowId: found.run.workflowId,
      stageIds: stageIdsOf(definitionOf(found.run, workflows)),
    });
    const renderer = createRenderer(progressKind(out, io, globals), out, tracker);
    renderer.start();
    try {
      return await followRun(request, async () => {
        const [details] = await snapshot(stack.queries, tracker, [runId]);
        if (!details) throw new RunNotFoundError(runId);
        status = details.run.status;
        return isTerminalRunStatus(status);
      });
    } finally {
      renderer.stop();
    }
  });
  if (!globals.json && !globals.quiet) out.line();
  await show();
  if (outcome === "aborted") return ExitCode.INTERRUPTED;
  return status === "COMPLETED" ? ExitCode.OK : ExitCode.FAILURE;
}
