/**
 * What `ratchet status` does (its definition is `commands/status.ts`): prints the run's
 * details (or, with `--follow`, its progress until it ends, then its details).
 */
import { loadRunInspection, RunNotFoundError } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { stringOption } from "../cli/values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import { waitingForOf } from "../deploys/waiting-for.js";
import { timelineLines } from "../render/inspection.js";
import { renderRunDetails, runJson } from "../render/run-details.js";
import type { RunChildren } from "../render/run-links.js";
import { definitionOf, resolveWorkflows, stageIdsOf } from "../runtime/workflows.js";
import { followStatus } from "./status-follow.js";

/** Most child runs shown (the newest). */
const CHILDREN_SHOWN = 50;

/** Runs `ratchet status`; resolves to the exit code. */
export async function runStatus(context: CommandContext): Promise<number> {
  if (context.options.follow === true)
    return followStatus(context, () =>
      runStatus({ ...context, options: { ...context.options, follow: false } }),
    );
  const runId = context.positionals[0] ?? "";
  const { out, globals } = context;
  const workflows = await resolveWorkflows(
    stringOption(context.options, "workflows"),
    context.io.cwd,
  );
  const { run, stages, jobs, children, inspection } = await withDatabase(context, async (stack) => {
    const found = await stack.queries.getRun(runId);
    if (!found) throw new RunNotFoundError(runId);
    // Live state from the run's jobs and events, on the stack's clock (leases are on it).
    const inspected = await loadRunInspection(stack.queries, runId, stack.clock.now());
    const active =
      found.run.status === "RUNNING" ? await stack.jobTransport.activeJobsForRun(runId) : [];
    const page = await stack.queries.listRuns({ parentRunId: runId, limit: CHILDREN_SHOWN });
    const kids: RunChildren = { runs: page.runs, more: page.nextCursor !== null };
    return { ...found, jobs: active, children: kids, inspection: inspected ?? undefined };
  });
  const order = stageIdsOf(definitionOf(run, workflows));
  // A job waiting for its retry's back-off is not waiting for a worker.
  const now = inspection?.now.getTime() ?? Date.now();
  const waitingFor = waitingForOf(
    run,
    jobs.filter((job) => job.status !== "PENDING" || job.availableAt.getTime() <= now),
  );
  if (globals.json) out.json(runJson(run, stages, order, waitingFor, children, inspection));
  else if (globals.quiet) out.line(run.status);
  else {
    for (const line of renderRunDetails(
      run,
      stages,
      out.style,
      order,
      waitingFor,
      children,
      inspection,
    ))
      out.line(line);
    if (inspection && context.options.timeline === true)
      for (const line of timelineLines(inspection, out.style)) out.line(line);
  }
  return ExitCode.OK;
}
