import type { StartedGroup } from "../../internal/run/progression.js";
import {
  type DequeuedJob,
  newStageRecord,
  type RunRecord,
  type StageRecord,
} from "../../records.js";

/** `record` as its completion left it (spelled out: one shape for every stage record). */
export function completedRecordOf(
  record: StageRecord,
  attempt: number,
  outputRef: StageRecord["outputRef"],
  startedAt: Date,
  at: Date,
): StageRecord {
  return {
    id: record.id,
    runId: record.runId,
    stageId: record.stageId,
    groupIndex: record.groupIndex,
    status: "COMPLETED",
    attempt,
    outputRef,
    suspendedState: null,
    pollConfig: record.pollConfig,
    nextPollAt: null,
    pollLeaseUntil: null,
    progress: record.progress,
    error: null,
    createdAt: record.createdAt,
    updatedAt: at,
    startedAt: record.startedAt ?? startedAt,
    completedAt: at,
  };
}

/**
 * The jobs this worker claimed for itself when the stage started the next group. After a
 * single-stage group each carries an exact snapshot of the run: the stage records read before
 * the stage ran (earlier groups do not change while a later one runs), this stage completed,
 * and the new group's records. After a parallel group (`exact` false) the other members'
 * records this worker read may predate their completions: the jobs carry no snapshot, and
 * `job.execute` reads the run.
 */
export function continuedJobs(
  run: RunRecord,
  records: readonly StageRecord[],
  completed: StageRecord,
  started: StartedGroup,
  exact = true,
): DequeuedJob[] {
  const claimed = started.jobs.filter((job) => job.claimedBy);
  if (claimed.length === 0) return [];
  const handed = claimed.map(
    (job): DequeuedJob => ({
      jobId: job.jobId,
      workflowRunId: job.workflowRunId,
      workflowId: job.workflowId,
      stageId: job.stageId,
      priority: job.priority,
      attempt: 1,
      maxAttempts: job.maxAttempts,
      payload: job.payload,
    }),
  );
  if (!exact) return handed;
  const created = started.stages.map(newStageRecord);
  const stages = [...records.map((r) => (r.id === completed.id ? completed : r)), ...created];
  for (const job of handed) job.snapshot = { run, stages };
  return handed;
}
