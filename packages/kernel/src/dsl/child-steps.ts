/**
 * Child workflow steps: the step starts a run of another workflow — in the same transaction as
 * its own suspension, so the child exists exactly when the parent waits for it — and either
 * waits for the child's end (its output becomes the step's) or, detached, hands on the child's
 * run id at once. Cancelling the parent cancels the children it waits for.
 */
import { z } from "zod";
import { WorkflowDefinitionError } from "../errors.js";
import type { StepView } from "./context.js";
import { retryOverrides, type StageRetryPolicy } from "./retry-policy.js";
import type { AnyStage } from "./stage.js";
import { anything, checkId, flowStage, stepView } from "./steps.js";
import { unexpectedResolution, type WaitOutcome, type WaitResolution, waitFor } from "./waits.js";
import type { AnyWorkflow } from "./workflow-model.js";

/** Options of a child workflow step. */
export interface ChildStepOptions<TPrev = unknown, TChildInput = unknown> {
  /** The child's input (default: the step's input). */
  input?: (ctx: StepView<TPrev>) => TChildInput | Promise<TChildInput>;
  /** Start the child and go on at once with `{ childRunId }` (default: wait for its end). */
  detached?: boolean;
  /** The child run's priority (default: the parent's). */
  priority?: number;
  /**
   * Retry a failed (or timed-out) child by starting a new one with the same input, with this
   * policy's attempts and back-off (default: no retry — the child's stages retry on their own).
   * A cancelled child is never retried.
   */
  retry?: StageRetryPolicy;
}

/** What a detached child step hands on. */
export interface DetachedChild {
  childRunId: string;
}

/** A child workflow step (see `WorkflowBuilder.child`). */
export function childStep<TPrev>(
  id: string,
  workflow: AnyWorkflow,
  options: ChildStepOptions<TPrev> = {},
): AnyStage {
  checkId(id, "child");
  if (typeof workflow?.id !== "string" || typeof workflow.getStage !== "function") {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] child "${id}": workflow must be a built workflow`,
      { stageId: id, field: "workflow" },
    );
  }
  if (options.input !== undefined && typeof options.input !== "function") {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] child "${id}": input must be a function`,
      { stageId: id, field: "input" },
    );
  }
  const detached = options.detached === true;
  const retry = retryOverrides(options.retry ?? { maxAttempts: 1 }, `child "${id}"`, {
    stageId: id,
  });
  const waitOutput = (resolution: WaitResolution): WaitOutcome => {
    if (resolution.kind !== "child") return unexpectedResolution(id, resolution.kind);
    if (detached) return { output: { childRunId: resolution.childRunId } };
    if (resolution.status === "COMPLETED") return { output: resolution.output };
    const cause = resolution.error;
    return {
      error: {
        code:
          resolution.status === "CANCELLED" ? "CHILD_WORKFLOW_CANCELLED" : "CHILD_WORKFLOW_FAILED",
        message: `[ratchet] child run ${resolution.childRunId} of workflow "${workflow.id}" ended ${resolution.status}${cause ? `: [${cause.code}] ${cause.message}` : ""}`,
        stageId: id,
      },
      retryable: resolution.status !== "CANCELLED",
    };
  };
  return flowStage(
    id,
    "child",
    undefined,
    false,
    async (ctx) => {
      const input = options.input ? await options.input(stepView<TPrev>(ctx)) : ctx.input;
      return waitFor({
        kind: "child",
        workflowId: workflow.id,
        input,
        detached,
        ...(options.priority !== undefined ? { priority: options.priority } : {}),
      });
    },
    {
      waitOutput,
      ...(detached
        ? {}
        : { schemas: { input: anything, output: workflow.outputSchema, config: z.object({}) } }),
      childWorkflowId: workflow.id,
      childWorkflow: workflow,
      retry,
    },
  );
}
