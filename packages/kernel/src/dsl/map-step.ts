/**
 * Dynamic fan-out: a map step runs a child workflow — or a stage, wrapped in a one-stage
 * workflow — once per item of a list its `items` function returns at run time, at most
 * `concurrency` at a time, and hands on the results in input order. Each item is a child run
 * (durable, retried by its own policy, visible in `ratchet status`); a failure either fails
 * the step at once and cancels the rest (`fail-fast`, the default) or is reported with the
 * others once all have ended (`wait-all`).
 */
import { z } from "zod";
import { WorkflowDefinitionError } from "../errors.js";
import type { StepView } from "./context.js";
import type { AnyStage } from "./stage.js";
import { anything, checkId, flowStage, needFunction, stepView } from "./steps.js";
import {
  type MapItemResult,
  unexpectedResolution,
  type WaitOutcome,
  type WaitResolution,
  waitFor,
} from "./waits.js";
import { buildWorkflow } from "./workflow-graph.js";
import type { AnyWorkflow } from "./workflow-model.js";

/** Options of a map step. */
export interface MapStepOptions<TPrev = unknown, TItem = unknown> {
  /** The items, computed when the step runs (each is one child run's input). At most 10,000. */
  items: (ctx: StepView<TPrev>) => readonly TItem[] | Promise<readonly TItem[]>;
  /** Most items running at once (default 10, at most 1,000). */
  concurrency?: number;
  /** `fail-fast` (default): the first failure fails the step and cancels the rest; `wait-all`. */
  onError?: "fail-fast" | "wait-all";
  /**
   * Mapping a stage: the id of the one-stage workflow it is wrapped in (default
   * `<step id>.<stage id>`); registered with the workflow that uses it.
   */
  workflowId?: string;
}

/** One item's end in a `wait-all` map's output. */
export type MapSettled<T> =
  | { ok: true; output: T }
  | { ok: false; status: string; childRunId: string; error: { code: string; message: string } };

const MAX_CONCURRENCY = 1_000;

/** A map step (see `WorkflowBuilder.map`). */
export function mapStep<TPrev>(
  id: string,
  target: AnyWorkflow | AnyStage,
  options: MapStepOptions<TPrev>,
): AnyStage {
  checkId(id, "map");
  needFunction(id, "items", options?.items);
  const concurrency = options.concurrency ?? 10;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] map "${id}": concurrency must be an integer from 1 to ${MAX_CONCURRENCY}`,
      { stageId: id, field: "concurrency" },
    );
  }
  const onError = options.onError ?? "fail-fast";
  if (onError !== "fail-fast" && onError !== "wait-all") {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] map "${id}": onError must be "fail-fast" or "wait-all"`,
      { stageId: id, field: "onError" },
    );
  }
  const workflow = isWorkflow(target) ? target : wrapStage(id, target, options.workflowId);
  const waitOutput = (resolution: WaitResolution): WaitOutcome => {
    if (resolution.kind !== "map") return unexpectedResolution(id, resolution.kind);
    if (resolution.failed) return { error: itemError(id, resolution.failed), retryable: false };
    const results = resolution.results ?? [];
    if (onError === "wait-all") return { output: results.map(settled) };
    const failed = results.find((r) => r.status !== "COMPLETED");
    if (failed) return { error: itemError(id, failed), retryable: false };
    return { output: results.map((r) => r.output) };
  };
  return flowStage(
    id,
    "map",
    undefined,
    false,
    async (ctx) => {
      const items = await options.items(stepView<TPrev>(ctx));
      if (!Array.isArray(items)) {
        throw new WorkflowDefinitionError(
          "INVALID_STEP",
          `[ratchet] map "${id}": items must return an array`,
          { stageId: id, field: "items" },
        );
      }
      return waitFor({ kind: "map", workflowId: workflow.id, items, concurrency, onError });
    },
    {
      waitOutput,
      childWorkflow: workflow,
      childWorkflowId: workflow.id,
      schemas: {
        input: anything,
        output: onError === "wait-all" ? z.array(anything) : z.array(workflow.outputSchema),
        config: z.object({}),
      },
    },
  );
}

function isWorkflow(target: AnyWorkflow | AnyStage): target is AnyWorkflow {
  return typeof (target as AnyWorkflow).getStage === "function";
}

/** A stage as a one-stage workflow, so each item can run as a child run. */
function wrapStage(stepId: string, stage: AnyStage, workflowId?: string): AnyWorkflow {
  if (stage?.kind !== "stage" && stage?.kind !== "async-batch") {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] map "${stepId}": map a workflow or a stage`,
      { stageId: stepId, field: "target" },
    );
  }
  return buildWorkflow({
    id: workflowId ?? `${stepId}.${stage.id}`,
    name: `${stepId}: ${stage.name}`,
    description: `One item of map step "${stepId}"`,
    inputSchema: stage.schemas.input,
    outputSchema: stage.schemas.output,
    groups: [[stage]],
  });
}

function settled(result: MapItemResult): MapSettled<unknown> {
  if (result.status === "COMPLETED") return { ok: true, output: result.output };
  return {
    ok: false,
    status: result.status,
    childRunId: result.childRunId,
    error: {
      code: result.error?.code ?? result.status,
      message: result.error?.message ?? `item ended ${result.status}`,
    },
  };
}

function itemError(id: string, item: MapItemResult) {
  return {
    code: "MAP_ITEM_FAILED",
    message: `[ratchet] map "${id}": item ${item.index} (run ${item.childRunId}) ended ${item.status}${item.error ? `: [${item.error.code}] ${item.error.message}` : ""}`,
    stageId: id,
  };
}
