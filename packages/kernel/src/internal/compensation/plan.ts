/**
 * Starting a run's compensation (sagas, see `dsl/compensation.ts`): which completed stages to
 * compensate, in which order, and the stage record and job of each compensation. Workflows
 * without a `compensate` pay one cached boolean per failure or cancel, nothing per stage.
 */
import {
  compensatedStageId,
  compensationStageId,
  type StageCompensation,
} from "../../dsl/compensation.js";
import { type ResolvedRetryPolicy, resolveRetry } from "../../dsl/retry-policy.js";
import { routeKey } from "../../dsl/versioning.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { JsonObject, NewJob, RunRecord, StageRecord, StoredError } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { runCorrelationPrefix } from "../run/correlation.js";
import { commitRun, type UnitOfWork } from "../tx/unit-of-work.js";

/** Why a run compensates. */
export type CompensationCause = "FAILED" | "CANCELLED";

/** What `run.control.compensation` holds while (and after) a run compensates. */
export interface CompensationPlan {
  cause: CompensationCause;
  /** The stage ids to compensate, in the order they are compensated (newest completion first). */
  order: string[];
}

const compensable = new WeakMap<AnyWorkflow, boolean>();

/** Whether any stage of `workflow` declares a compensation (computed once per definition). */
export function hasCompensations(workflow: AnyWorkflow): boolean {
  let known = compensable.get(workflow);
  if (known === undefined) {
    known = workflow.groups.some((group) => group.some((stage) => stage.compensation));
    compensable.set(workflow, known);
  }
  return known;
}

/** The compensation `stageId` declares in `workflow`, if any. */
export function compensationOfStage(
  workflow: AnyWorkflow,
  stageId: string,
): StageCompensation | undefined {
  return workflow.getStage(stageId)?.stage.compensation;
}

/**
 * The stages to compensate: completed stages that declare a compensation, newest completion
 * first (ties: later group first, then later in its group) — so a parallel group's completed
 * branches are compensated one at a time, in reverse order of completion.
 */
export function compensationOrder(
  workflow: AnyWorkflow,
  records: readonly StageRecord[],
): string[] {
  const position = (r: StageRecord) =>
    (workflow.groups[r.groupIndex] ?? []).findIndex((s) => s.id === r.stageId);
  return records
    .filter(
      (r) =>
        r.status === "COMPLETED" &&
        compensatedStageId(r.stageId) === undefined &&
        compensationOfStage(workflow, r.stageId) !== undefined,
    )
    .sort(
      (a, b) =>
        (b.completedAt?.getTime() ?? 0) - (a.completedAt?.getTime() ?? 0) ||
        b.groupIndex - a.groupIndex ||
        position(b) - position(a),
    )
    .map((r) => r.stageId);
}

/** The retry policy of `stageId`'s compensation: its own fields over the stage's policy. */
export function compensationPolicy(
  deps: Pick<KernelDeps, "options">,
  workflow: AnyWorkflow,
  stageId: string,
): ResolvedRetryPolicy {
  const stagePolicy = resolveRetry(workflow.retryOf(stageId), {
    maxAttempts: deps.options.defaultMaxAttempts,
  });
  return resolveRetry(compensationOfStage(workflow, stageId)?.retry, stagePolicy);
}

/** The plan stored on a compensating run, if it has one. */
export function planOf(run: Pick<RunRecord, "control">): CompensationPlan | undefined {
  const plan = run.control.compensation as JsonObject | undefined;
  if (!plan || !Array.isArray(plan.order)) return undefined;
  return {
    cause: plan.cause === "CANCELLED" ? "CANCELLED" : "FAILED",
    order: plan.order.filter((s): s is string => typeof s === "string"),
  };
}

/** Creates the stage record of `stageId`'s compensation and enqueues its first job. */
export async function startCompensationOf(
  deps: KernelDeps,
  uow: UnitOfWork,
  run: RunRecord,
  workflow: AnyWorkflow,
  stageId: string,
): Promise<void> {
  const entry = workflow.getStage(stageId);
  const recordStageId = compensationStageId(stageId);
  await uow.tx.createStages([
    {
      id: deps.newId(),
      runId: run.id,
      stageId: recordStageId,
      groupIndex: entry?.groupIndex ?? run.currentGroup,
      createdAt: uow.now,
    },
  ]);
  const payload: JsonObject = { groupIndex: entry?.groupIndex ?? run.currentGroup };
  if (entry?.stage.timeoutMs !== undefined) payload.timeoutMs = entry.stage.timeoutMs;
  const job: NewJob = {
    jobId: deps.newId(),
    workflowRunId: run.id,
    workflowId: run.workflowId,
    route: routeKey(run),
    stageId: recordStageId,
    priority: run.priority,
    maxAttempts: compensationPolicy(deps, workflow, stageId).maxAttempts,
    payload,
    availableAt: uow.now,
    runCreatedAt: run.createdAt,
  };
  await uow.enqueue([job]);
}

/**
 * Instead of ending the run `cause` (its other stages already cancelled by the caller), starts
 * compensating it when completed stages declare a compensation: the run goes `COMPENSATING`
 * with its plan and `error`, its timers are dropped, and the first compensation is enqueued.
 * Returns the updated run, or `undefined` when there is nothing to compensate (the caller ends
 * the run as it would have).
 */
export async function beginCompensation(
  deps: KernelDeps,
  uow: UnitOfWork,
  run: RunRecord,
  workflow: AnyWorkflow | undefined,
  records: readonly StageRecord[],
  cause: CompensationCause,
  error: StoredError,
): Promise<RunRecord | undefined> {
  if (!workflow || !hasCompensations(workflow)) return undefined;
  const order = compensationOrder(workflow, records);
  const first = order[0];
  if (first === undefined) return undefined;
  await uow.schedule((scope) =>
    deps.scheduler.cancelByCorrelationPrefix(runCorrelationPrefix(run.id), scope),
  );
  await startCompensationOf(deps, uow, run, workflow, first);
  uow.event(run, "workflow.compensation.started", { cause, error: { ...error }, stages: order });
  return commitRun(uow, run, {
    status: "COMPENSATING",
    error,
    control: { ...run.control, compensation: { cause, order } },
  });
}
