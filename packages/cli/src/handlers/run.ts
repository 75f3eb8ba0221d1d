/**
 * What `ratchet run` does (its definition is `commands/run.ts`): `run.create`; with `--wait`,
 * also executes the run on a host in this process and shows its progress until it ends.
 */
import type { AnyWorkflow } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { integerOption, jsonOption, stringOption } from "../cli/values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import { ProgressTracker } from "../progress/tracker.js";
import { renderRunDetails, runJson } from "../render/run-details.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { runAndWatch } from "../runtime/session.js";
import { newestVersionOf, resolveWorkflows, stageIdsOf } from "../runtime/workflows.js";

interface RunRequest {
  workflowId: string;
  input: unknown;
  priority: number | undefined;
  idempotencyKey: string | undefined;
}

function requestOf(context: CommandContext): RunRequest {
  const { options } = context;
  return {
    workflowId: context.positionals[0] ?? "",
    input: jsonOption(options, "input", {}),
    priority: integerOption(options, "priority", {
      min: -1_000_000,
      max: 1_000_000,
      fallback: undefined,
    }),
    idempotencyKey: stringOption(options, "idempotency-key"),
  };
}

function createCommand(request: RunRequest) {
  return {
    type: "run.create" as const,
    workflowId: request.workflowId,
    input: request.input,
    metadata: { createdBy: "ratchet run" },
    ...(request.priority === undefined ? {} : { priority: request.priority }),
    ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
  };
}

async function createOnly(
  context: CommandContext,
  request: RunRequest,
  workflows: readonly AnyWorkflow[],
): Promise<number> {
  const { out, globals } = context;
  const result = await withDatabase(context, (stack) =>
    createCommandKernel(stack, workflows).dispatch(createCommand(request)),
  );
  if (globals.json) out.json(result);
  else if (globals.quiet) out.line(result.workflowRunId);
  else {
    const verb = result.replayed ? "found existing run" : "created run";
    out.line(
      `${verb} ${out.style.bold(result.workflowRunId)} (${request.workflowId}, ${result.status})`,
    );
    out.line(
      out.style.dim(
        `A worker executes it (ratchet worker); follow it with: ratchet status ${result.workflowRunId}`,
      ),
    );
  }
  return ExitCode.OK;
}

async function runAndWait(
  context: CommandContext,
  request: RunRequest,
  workflows: readonly AnyWorkflow[],
): Promise<number> {
  const { out, globals } = context;
  const tracker = new ProgressTracker();
  const workflow = newestVersionOf(request.workflowId, workflows);
  return withDatabase(context, async (stack) => {
    const session = await runAndWatch({
      context,
      stack,
      workflows,
      tracker,
      workerId: `cli-run-${process.pid}`,
      async create(kernel) {
        const { workflowRunId } = await kernel.dispatch(createCommand(request));
        tracker.track(workflowRunId, {
          workflowId: request.workflowId,
          stageIds: stageIdsOf(workflow),
        });
        return [workflowRunId];
      },
    });
    const runId = session.runIds[0] ?? "";
    const run = session.runs[0];
    const stages = session.stagesByRun.get(runId) ?? [];
    const order = stageIdsOf(workflow);
    if (globals.json && run) out.json(runJson(run, stages, order));
    else if (globals.quiet) out.line(runId);
    else if (run) {
      out.line();
      for (const line of renderRunDetails(run, stages, out.style, order)) out.line(line);
    }
    if (session.outcome === "aborted") {
      context.err.line(
        `interrupted (${session.interruptedBy ?? "signal"}): run ${runId} is ${run?.status ?? "unknown"}; a worker will finish it`,
      );
      return ExitCode.INTERRUPTED;
    }
    return run?.status === "COMPLETED" ? ExitCode.OK : ExitCode.FAILURE;
  });
}

/** Runs `ratchet run`; resolves to the exit code. */
export async function runRun(context: CommandContext): Promise<number> {
  const request = requestOf(context);
  const workflows = await resolveWorkflows(
    stringOption(context.options, "workflows"),
    context.io.cwd,
  );
  return context.options.wait === true
    ? runAndWait(context, request, workflows)
    : createOnly(context, request, workflows);
}
