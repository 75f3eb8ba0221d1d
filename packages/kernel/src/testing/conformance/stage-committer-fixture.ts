/**
 * The fixture of the stage committer conformance suite, and builders of the runs, completions
 * and group closes its tests commit.
 */
import type { JobTransport } from "../../ports/job-transport.js";
import type { Persistence } from "../../ports/persistence/index.js";
import type { RunQueries } from "../../ports/run-queries.js";
import type {
  GroupClose,
  PendingEvent,
  StageCommitter,
  StageCompletion,
} from "../../ports/stage-committer.js";
import type { NewJob, NewStage, StageStatus } from "../../records.js";
import type { JobTransportBackdoor } from "./job-transport-fixture.js";
import type { PersistenceBackdoor } from "./persistence-fixture.js";
import { at, type ConformanceFixture, type ConformanceOptions, uniqueId } from "./shared.js";

/** What `stageCommitterConformance` tests: a committer over an empty store. */
export interface StageCommitterFixture extends ConformanceFixture {
  committer: StageCommitter;
  persistence: Persistence;
  /** Run queries over the same store: the suite reads logs and events back through them. */
  queries: RunQueries;
  jobTransport: JobTransport;
  backdoor?: PersistenceBackdoor & JobTransportBackdoor;
}

/** Options of `stageCommitterConformance`. */
export type StageCommitterConformanceOptions = ConformanceOptions<StageCommitterFixture>;

/** The workflow id of every run the suite creates. */
export const WORKFLOW = "wf-commit";

/** The lease of the suite's worker. */
export const LEASE = { workerId: "w-conformance", leaseMs: 60_000 };

/** A run `RUNNING` at `groupIndex` with one stage record (and a dequeued job) per stage id. */
export async function runningRun(
  f: StageCommitterFixture,
  stageIds: readonly string[],
  options: { groupIndex?: number; eventSeq?: number } = {},
) {
  const groupIndex = options.groupIndex ?? 0;
  const run = await f.persistence.createRun({
    id: uniqueId("run"),
    workflowId: WORKFLOW,
    workflowVersion: "1",
    fingerprint: "",
    priority: 3,
    input: { n: 1 },
    config: {},
    metadata: {},
    idempotencyKey: null,
    eventSeq: options.eventSeq ?? 2,
    createdAt: at(0),
  });
  const started = await f.persistence.updateRun(
    run.id,
    { status: "RUNNING", currentGroup: groupIndex, groupRemaining: stageIds.length },
    { now: at(1) },
  );
  const stages: NewStage[] = stageIds.map((stageId) => ({
    id: uniqueId("stage"),
    runId: run.id,
    stageId,
    groupIndex,
    createdAt: at(1),
  }));
  await f.persistence.createStages(stages);
  const jobs: NewJob[] = stageIds.map((stageId) => ({
    jobId: uniqueId("job"),
    workflowRunId: run.id,
    workflowId: WORKFLOW,
    route: WORKFLOW,
    stageId,
    priority: 3,
    maxAttempts: 3,
    payload: { groupIndex },
    availableAt: at(1),
  }));
  await f.jobTransport.enqueue(jobs);
  const dequeued = await f.jobTransport.dequeue({ ...LEASE, limit: 100, now: at(2) });
  const jobOf = (stageId: string) => {
    const job = dequeued.find((j) => j.workflowRunId === run.id && j.stageId === stageId);
    if (!job) throw new Error(`[ratchet] [conformance] job of ${stageId} was not dequeued`);
    return { jobId: job.jobId, attempt: job.attempt };
  };
  return { run: started ?? run, stages, jobOf };
}

/** A pending event of `type`, at `T0 + ms`. */
export function event(type: string, ms: number): PendingEvent {
  return {
    id: uniqueId("event"),
    type,
    payload: { workflowId: WORKFLOW, note: type },
    occurredAt: at(ms),
  };
}

/** The close of a group followed by `nextStageIds`, the first job leased to the worker. */
export function closeToNext(
  runId: string,
  nextGroup: number,
  nextStageIds: readonly string[],
): GroupClose {
  return {
    events: [],
    run: { currentGroup: nextGroup },
    nextGroup: {
      stages: nextStageIds.map((stageId) => ({
        id: uniqueId("stage"),
        runId,
        stageId,
        groupIndex: nextGroup,
        createdAt: at(10),
      })),
      jobs: nextStageIds.map((stageId, i) => ({
        jobId: uniqueId("job"),
        workflowRunId: runId,
        workflowId: WORKFLOW,
        route: WORKFLOW,
        stageId,
        priority: 3,
        maxAttempts: 2,
        payload: { groupIndex: nextGroup },
        availableAt: at(10),
        ...(i === 0 ? { claimedBy: { workerId: LEASE.workerId, leaseUntil: at(70_000) } } : {}),
      })),
    },
  };
}

/** A completion of `stage`'s first attempt, with an inline output, at `T0 + 10 ms`; no close. */
export function completion(
  stage: NewStage,
  overrides: Partial<StageCompletion> = {},
): StageCompletion {
  return {
    runId: stage.runId,
    groupIndex: stage.groupIndex,
    stageRecordId: stage.id,
    stageId: stage.stageId,
    fromStatuses: ["PENDING", "RUNNING"] satisfies StageStatus[],
    attempt: 1,
    output: { value: `${stage.stageId} done`, nested: [1, { deep: true }] },
    outputRef: { kind: "inline" },
    startedAt: at(5),
    logs: [],
    events: [event("workflow.step.started", 10), event("workflow.step.completed", 10)],
    close: null,
    now: at(10),
    ...overrides,
  };
}
