/**
 * `onAfterStep` (see `dsl/hooks.ts`): run by `outbox.flush` for each `workflow.step.completed`
 * event of a workflow that has the hook, before the event is published — so after the stage's
 * commit, at least once (a throw fails the event's delivery, which is retried with the
 * outbox's back-off, and dead-lettered after `outboxMaxRetries`). No write of its own.
 */
import type { OutboxRecord } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";

/** Calls the workflow's `onAfterStep` for `event` when it is a stage's completion. */
export async function afterStep(deps: KernelDeps, event: OutboxRecord): Promise<void> {
  if (event.type !== "workflow.step.completed") return;
  const { workflowId, stageId, attempt } = event.payload;
  if (typeof workflowId !== "string" || typeof stageId !== "string") return;
  const hook = deps.registry.getWorkflow(workflowId)?.hooks?.onAfterStep;
  if (!hook) return;
  await hook({
    workflowRunId: event.runId,
    workflowId,
    stageId,
    attempt: typeof attempt === "number" ? attempt : 0,
    eventId: event.id,
  });
}
