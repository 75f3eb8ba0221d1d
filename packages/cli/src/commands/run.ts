/**
 * `ratchet run <workflowId> --input '<json>'`: creates a run; with `--wait`, also executes it
 * in this process and shows its progress until it ends.
 */
import type { AnyWorkflow } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { integerOption, jsonOption, stringOption } from "../cli/values.js";
import { ProgressTracker } from "../progress/tracker.js";
import { renderRunDetails, runJson } from "../render/run-details.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { runAndWatch } from "../runtime/session.js";
import { newestVersionOf, resolveWorkflows, stageIdsOf } from "../runtime/workflows.js";
import { WORKFLOWS_OPTION, withDatabase } from "./shared.js";
import type { CommandContext, CommandSpec } from "./spec.js";

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

/** `ratchet run`. */
export const runCommand: CommandSpec = {
  name: "run",
  summary: "Create a run (with --wait: execute it here and show its progress)",
  description:
    "Creates a run of a workflow with the given JSON input. Without --wait it only creates it (PENDING) and prints its id: a worker (`ratchet worker`) executes it. With --wait it also starts a host in this process — which works the queue like a worker, so give it the same --workflows as your workers — shows progress stage by stage until the run ends, then prints the output (exit 0) or the error (exit 1). Invalid input is INVALID_INPUT (exit 1) naming the field; input that is not JSON is a usage error (exit 2).",
  positionals: [
    {
      name: "workflowId",
      description: "the workflow to run, e.g. document-pipeline",
      required: true,
    },
  ],
  options: {
    input: {
      type: "string",
      value: "<json>",
      description: "the run's input, as JSON",
      defaultText: "{}",
    },
    wait: {
      type: "boolean",
      description: "execute the run in this process and wait for it to end",
    },
    "idempotency-key": {
      type: "string",
      value: "<key>",
      description: "a repeat with the same key returns the first run instead of creating one",
    },
    priority: { type: "string", value: "<n>", description: "higher runs first", defaultText: "0" },
    workflows: WORKFLOWS_OPTION,
  },
  exitCodes: [
    { code: ExitCode.OK, meaning: "created (with --wait: the run ended COMPLETED)" },
    {
      code: ExitCode.FAILURE,
      meaning:
        "error [CODE] (e.g. INVALID_INPUT), or with --wait the run ended FAILED, CANCELLED or TIMED_OUT (its workflow's timeout passed)",
    },
    {
      code: ExitCode.INTERRUPTED,
      meaning:
        "--wait stopped by Ctrl-C (SIGINT) or SIGTERM; the run goes on, a worker finishes it",
    },
  ],
  examples: [
    `ratchet run document-pipeline --input '{"url":"https://library.example.org/guides/durable-workflows"}' --wait`,
    `ratchet run document-pipeline --input '{"url":"https://library.example.org/papers/sqlite-wal"}' --idempotency-key wal-1`,
  ],
  async run(context) {
    const request = requestOf(context);
    const workflows = await resolveWorkflows(
      stringOption(context.options, "workflows"),
      context.io.cwd,
    );
    return context.options.wait === true
      ? runAndWait(context, request, workflows)
      : createOnly(context, request, workflows);
  },
};

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
