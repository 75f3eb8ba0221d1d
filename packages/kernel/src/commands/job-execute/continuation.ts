import type { StartedGroup } from "../../internal/run/progression.js";
import {
  type DequeuedJob,
  type NewJob,
  type NewStage,
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
 * The jobs this worker claimed for itself when the stage started the next group, each with an
 * exact snapshot of the run when `exact`: the stage records (see {@link exactRecords}; earlier
 * groups do not change while a later one runs), this stage completed, and the new group's
 * records. Otherwise (a parallel group whose other members' records this worker read before
 * they completed) the jobs carry no snapshot, and `job.execute` reads the run.
 *
 * Built in one pass with one array each (this runs after every stage that hands on work):
 * no filtered, mapped and spread copies in between.
 */
export function continuedJobs(
  run: RunRecord,
  records: readonly StageRecord[],
  completed: StageRecord,
  started: StartedGroup,
  exact = true,
): DequeuedJob[] {
  const next: DequeuedJob[] = [];
  let stages: StageRecord[] | undefined;
  for (const job of started.jobs) {
    if (!job.claimedBy) continue;
    if (!exact) {
      next.push(handedJob(job, undefined));
      continue;
    }
    stages ??= snapshotStages(records, completed, started.stages);
    next.push(handedJob(job, { run, stages }));
  }
  return next;
}

/**
 * A job leased to this worker as it gets it back (attempt 1), with `snapshot` when given: one
 * object literal for each shape, so every handed-on job of a shape shares one hidden class.
 */
export function handedJob(job: NewJob, snapshot: DequeuedJob["snapshot"]): DequeuedJob {
  return snapshot === undefined
    ? {
        jobId: job.jobId,
        workflowRunId: job.workflowRunId,
        workflowId: job.workflowId,
        stageId: job.stageId,
        priority: job.priority,
        attempt: 1,
        maxAttempts: job.maxAttempts,
        payload: job.payload,
      }
    : {
        jobId: job.jobId,
        workflowRunId: job.workflowRunId,
        workflowId: job.workflowId,
        stageId: job.stageId,
        priority: job.priority,
        attempt: 1,
        maxAttempts: job.maxAttempts,
        payload: job.payload,
        snapshot,
      };
}

/** The run's stage records after the commit: `records` with `completed` in place, then `created`. */
function snapshotStages(
  records: readonly StageRecord[],
  completed: StageRecord,
  created: readonly NewStage[],
): StageRecord[] {
  const stages: StageRecord[] = [];
  for (const record of records) stages.push(record.id === completed.id ? completed : record);
  for (const stage of created) stages.push(newStageRecord(stage));
  return stages;
}

/**
 * The stage records a continuation can hand on as an exact snapshot once `completed` closed
 * its group, or `undefined` when the worker cannot know them: after a single-stage group its
 * own `records`; after a parallel group `records` with the group's block replaced by
 * `closedGroup`'s members, in the store's order (the store's read in the commit that closed
 * it), when it holds every member and every other member reads `COMPLETED` — a member that does
 * not was read before its completion committed. `records` need not hold the other members (a
 * snapshot that omits them); every record of another group it holds stays as it is.
 */
export function exactRecords(
  records: readonly StageRecord[],
  completed: StageRecord,
  groupSize: number,
  closedGroup: readonly StageRecord[] | undefined,
): readonly StageRecord[] | undefined {
  if (groupSize === 1) return records;
  if (!closedGroup) return undefined;
  const group = completed.groupIndex;
  const members: StageRecord[] = [];
  for (const r of closedGroup) {
    if (r.groupIndex !== group) continue;
    if (r.id !== completed.id && r.status !== "COMPLETED") return undefined;
    members.push(r);
  }
  if (members.length !== groupSize || !members.some((r) => r.id === completed.id)) return undefined;
  // Records are in group order: the members go where the group's block is (or would be).
  const view: StageRecord[] = [];
  let placed = false;
  for (const r of records) {
    if (!placed && r.groupIndex >= group) {
      for (const member of members) view.push(member);
      placed = true;
    }
    if (r.groupIndex !== group) view.push(r);
  }
  if (!placed) for (const member of members) view.push(member);
  return view;
}
