/**
 * Starting a run's end hook (see `dsl/hooks.ts`): in the transaction that ends the run, the
 * stage record `hook:<name>` and its job. Runs of workflows without hooks never come here.
 */
import { endHookFor, HOOK_PREFIX, START_HOOK_STAGE_ID } from "../../dsl/hooks.js";
import { resolveRetry } from "../../dsl/retry-policy.js";
import { routeKey } from "../../dsl/versioning.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { PersistenceTransaction } from "../../ports/persistence/index.js";
import type { JsonObject, NewJob, RunRecord } from "../../records.js";
import type { IdGenerator } from "../ids.js";

/** Creates the record and job of the hook that follows `run`'s end, if its workflow has one. */
export async function startEndHook(
  uow: {
    tx: Pick<PersistenceTransaction, "createStages">;
    now: Date;
    enqueue(jobs: readonly NewJob[]): Promise<void>;
  },
  deps: { newId: IdGenerator },
  run: RunRecord,
  workflow: AnyWorkflow,
): Promise<void> {
  const cause = (run.control.compensation as JsonObject | undefined)?.cause;
  const name = endHookFor(run.status, typeof cause === "string" ? cause : undefined);
  if (!name || !workflow.hooks?.[name]) return;
  const stageId = `${HOOK_PREFIX}${name}`;
  await uow.tx.createStages([
    { id: deps.newId(), runId: run.id, stageId, groupIndex: run.currentGroup, createdAt: uow.now },
  ]);
  await uow.enqueue([
    {
      jobId: deps.newId(),
      workflowRunId: run.id,
      workflowId: run.workflowId,
      route: routeKey(run),
      stageId,
      priority: run.priority,
      maxAttempts: resolveRetry(workflow.hooks.retry).maxAttempts,
      payload: { groupIndex: run.currentGroup },
      availableAt: uow.now,
      runCreatedAt: run.createdAt,
    },
  ]);
}

/**
 * Instead of a run's first group, in the claim's transaction: the record of its start hooks
 * (`hook:onStart`, outside every group) and their job; the job starts the first group.
 */
export async function startStartHook(
  uow: {
    tx: Pick<PersistenceTransaction, "createStages">;
    now: Date;
    enqueue(jobs: readonly NewJob[]): Promise<void>;
  },
  deps: { newId: IdGenerator },
  run: RunRecord,
  workflow: AnyWorkflow,
): Promise<void> {
  await uow.tx.createStages([
    {
      id: deps.newId(),
      runId: run.id,
      stageId: START_HOOK_STAGE_ID,
      groupIndex: -1,
      createdAt: uow.now,
    },
  ]);
  await uow.enqueue([startHookJob(deps, run, workflow, uow.now)]);
}

/** The job of a run's start hooks. */
export function startHookJob(
  deps: { newId: IdGenerator },
  run: RunRecord,
  workflow: AnyWorkflow,
  now: Date,
): NewJob {
  return {
    jobId: deps.newId(),
    workflowRunId: run.id,
    workflowId: run.workflowId,
    route: routeKey(run),
    stageId: START_HOOK_STAGE_ID,
    priority: run.priority,
    maxAttempts: resolveRetry(workflow.hooks?.retry).maxAttempts,
    payload: { groupIndex: -1 },
    availableAt: now,
    runCreatedAt: run.createdAt,
  };
}
