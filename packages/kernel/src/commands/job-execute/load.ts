import { compensatedStageId } from "../../dsl/compensation.js";
import { HOOK_PREFIX } from "../../dsl/hooks.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { RatchetError } from "../../errors.js";
import type { KernelDeps } from "../../internal/kernel-deps.js";
import type { AttemptTarget } from "../../internal/stage/outcome.js";
import type { DequeuedJob, RunRecord, StageRecord, StoredError } from "../../records.js";
import type { JobExecuteResult } from "./command.js";

/**
 * The run and its stage records from the job's snapshot, when it carries one of its run that
 * is enough for it. A snapshot that omits the other members of the job's group serves a stage
 * of a running run that entered its group in order; a hook, a compensation, a run that is not
 * running (its job is only settled) or one that jumped (its input group may be its own, whose
 * other members' outputs are then its input) reads the run.
 */
export function snapshotOf(
  job: Pick<DequeuedJob, "snapshot" | "workflowRunId" | "stageId">,
): { run: RunRecord; records: StageRecord[] } | undefined {
  const snapshot = job.snapshot;
  if (!snapshot || snapshot.run.id !== job.workflowRunId) return undefined;
  if (snapshot.omitsGroupMembers && !servesWithoutGroupMembers(job.stageId, snapshot.run))
    return undefined;
  return { run: snapshot.run, records: snapshot.stages };
}

/** Whether a snapshot without the other members of the job's group serves `stageId` of `run`. */
function servesWithoutGroupMembers(stageId: string, run: RunRecord): boolean {
  return (
    run.status === "RUNNING" &&
    typeof run.control.from !== "number" &&
    !stageId.startsWith(HOOK_PREFIX) &&
    compensatedStageId(stageId) === undefined
  );
}

/** The run and its stage records: from the job's snapshot, else in one read when the adapter offers it. */
export async function loadRun(
  deps: KernelDeps,
  snapshot: DequeuedJob["snapshot"],
  runId: string,
): Promise<{ run: RunRecord | null; records: StageRecord[] }> {
  if (snapshot && snapshot.run.id === runId && !snapshot.omitsGroupMembers)
    return { run: snapshot.run, records: snapshot.stages };
  if (deps.persistence.getRunWithStages) {
    const loaded = await deps.persistence.getRunWithStages(runId);
    return loaded ? { run: loaded.run, records: loaded.stages } : { run: null, records: [] };
  }
  const [run, records] = await Promise.all([
    deps.persistence.getRun(runId),
    deps.persistence.listStages(runId),
  ]);
  return { run, records };
}

/** Whether `error` says the run's rows cannot be read, and the store can fail such a run. */
export function isUnreadable(deps: KernelDeps, error: unknown): error is RatchetError {
  return (
    (error as { code?: unknown } | null)?.code === "CORRUPT_ROW" &&
    deps.persistence.failUnreadableRun !== undefined
  );
}

/**
 * The run's rows (the run, its stages, or an earlier stage's output) cannot be read
 * (`CORRUPT_ROW`, from the adapter): no attempt of any of its stages can run, now or later.
 * The run is failed where it stands (with `workflow.failed`), this job fails without retries
 * and the run's other jobs are cancelled, instead of each job using up its attempts one lease
 * at a time and the run staying `RUNNING`. Repair the row, then `run.rerunFrom` to go on.
 */
export async function failUnreadableRun(
  deps: KernelDeps,
  job: DequeuedJob,
  cause: RatchetError,
  ids: { workflowRunId: string; stageId: string },
): Promise<JobExecuteResult> {
  const error: StoredError = { code: cause.code, message: cause.message, stageId: job.stageId };
  const now = deps.clock.now();
  await deps.persistence.failUnreadableRun?.(job.workflowRunId, error, now);
  await deps.jobTransport.fail(job, { error, now });
  // The run's other jobs could not run either.
  await deps.jobTransport.cancelForRun(job.workflowRunId, now);
  deps.inFlight.abortRun(job.workflowRunId, "cancelled", cause);
  return { outcome: "failed", ...ids, error: { code: error.code, message: error.message } };
}

/** The attempt `job` makes at `record`: what its commit checks and writes. */
export function targetFor(
  job: DequeuedJob,
  workflow: AnyWorkflow,
  run: RunRecord,
  record: StageRecord,
  startedAt: Date,
): AttemptTarget {
  return {
    workflow,
    run,
    record,
    attempt: job.attempt,
    jobId: job.jobId,
    fromStatuses: ["PENDING", "RUNNING"],
    reports: { logs: [], progress: undefined, metadata: undefined },
    startedAt,
    emitStarted: true,
  };
}

/**
 * A workflow with no stages, standing in for one this worker lacks, so the failure of a job it
 * cannot run is committed like any other.
 */
export function workflowStub(workflowId: string): AnyWorkflow {
  return {
    id: workflowId,
    groups: [],
    flow: [],
    branching: false,
    getStage: () => undefined,
    retryOf: () => undefined,
  } as unknown as AnyWorkflow;
}
