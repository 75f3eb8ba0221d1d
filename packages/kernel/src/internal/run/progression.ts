/**
 * How a run moves through its execution groups: start a group (stage records + jobs), and once
 * every stage of the group completed, start the next or finish the run.
 */
import { encodeValue } from "../../codec.js";
import { END } from "../../dsl/flow.js";
import { routeKey } from "../../dsl/versioning.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import { toStoredError } from "../../errors.js";
import type {
  NewJob,
  NewStage,
  RunPatch,
  RunRecord,
  StageRecord,
  StoredError,
} from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { loadOutputs } from "../stage/outputs.js";
import { retryPolicyOf } from "../stage/retry.js";
import type { UnitOfWork } from "../tx/unit-of-work.js";
import { zodIssues } from "../values/zod-issues.js";
import { childCancelEntry } from "../waits/correlation.js";
import { cancelMapChildren } from "../waits/map-children.js";
import { decodeWaitState } from "../waits/state.js";
import { writeControl } from "./flow-control.js";
import { nextStep } from "./routing.js";
import { skippedByChoice } from "./skipped.js";

/** Builds the job for one attempt of a stage. */
export function jobFor(
  deps: Pick<KernelDeps, "newId" | "options">,
  run: Pick<
    RunRecord,
    "id" | "workflowId" | "workflowVersion" | "fingerprint" | "priority" | "createdAt"
  >,
  workflow: AnyWorkflow,
  stageId: string,
  availableAt: Date,
): NewJob {
  const entry = workflow.getStage(stageId);
  const stage = entry?.stage;
  const payload: NewJob["payload"] = { groupIndex: entry?.groupIndex ?? 0 };
  if (stage?.timeoutMs !== undefined) payload.timeoutMs = stage.timeoutMs;
  return {
    jobId: deps.newId(),
    workflowRunId: run.id,
    workflowId: run.workflowId,
    route: routeKey(run),
    stageId,
    priority: run.priority,
    maxAttempts: retryPolicyOf(deps, workflow, stageId).maxAttempts,
    payload,
    availableAt,
    runCreatedAt: run.createdAt,
  };
}

/** A worker that will run some of the jobs it starts itself, right after the commit. */
export interface Continuation {
  workerId: string;
  /** Most jobs to claim for the worker. */
  max: number;
  /** Their lease (default: the kernel's `jobLeaseMs`). */
  leaseMs?: number;
}

/** What `startGroup` created. */
export interface StartedGroup {
  stages: NewStage[];
  jobs: NewJob[];
}

/**
 * The stage records and jobs that start a group, not yet written; with a continuation, the
 * first `max` jobs are leased to that worker.
 */
export function newGroup(
  deps: Pick<KernelDeps, "newId" | "options">,
  run: Pick<
    RunRecord,
    "id" | "workflowId" | "workflowVersion" | "fingerprint" | "priority" | "createdAt"
  >,
  workflow: AnyWorkflow,
  groupIndex: number,
  now: Date,
  continuation?: Continuation,
  availableAt: Date = now,
): StartedGroup {
  const group = workflow.groups[groupIndex] ?? [];
  const stages: NewStage[] = group.map((stage) => ({
    id: deps.newId(),
    runId: run.id,
    stageId: stage.id,
    groupIndex,
    createdAt: now,
  }));
  const leaseUntil = new Date(now.getTime() + (continuation?.leaseMs ?? deps.options.jobLeaseMs));
  const jobs = group.map((stage, i) => {
    const job = jobFor(deps, run, workflow, stage.id, availableAt);
    if (continuation && i < continuation.max && availableAt === now)
      job.claimedBy = { workerId: continuation.workerId, leaseUntil };
    return job;
  });
  return { stages, jobs };
}

/**
 * Creates the stage records of a group and enqueues one job per stage (see {@link newGroup}).
 * The caller's run patch must set `groupRemaining` to `stages.length`.
 */
export async function startGroup(
  deps: KernelDeps,
  uow: UnitOfWork,
  run: RunRecord,
  workflow: AnyWorkflow,
  groupIndex: number,
  continuation?: Continuation,
  availableAt: Date = uow.now,
): Promise<StartedGroup> {
  const started = newGroup(deps, run, workflow, groupIndex, uow.now, continuation, availableAt);
  await uow.tx.createStages(started.stages);
  await uow.enqueue(started.jobs);
  return started;
}

/** Where a group stands, from its stage records. */
export type GroupState = "completed" | "failed" | "waiting";

/** Classifies the stage records of one group. */
export function groupState(
  workflow: AnyWorkflow,
  groupIndex: number,
  records: readonly StageRecord[],
): GroupState {
  const expected = workflow.groups[groupIndex] ?? [];
  const inGroup = records.filter((r) => r.groupIndex === groupIndex);
  if (inGroup.some((r) => r.status === "FAILED" || r.status === "CANCELLED")) return "failed";
  const done = expected.every((stage) =>
    inGroup.some((r) => r.stageId === stage.id && r.status === "COMPLETED"),
  );
  return done ? "completed" : "waiting";
}

/**
 * Moves a run past a completed group: starts the group it goes to (the next one, or where the
 * group's `next` or its step's route leads, entering a group a loop ran before afresh), or
 * completes the run with the group's output (validated against the workflow's output schema).
 * Queues the events and returns the run patch to commit.
 */
export async function advancePastGroup(
  deps: KernelDeps,
  uow: UnitOfWork,
  run: RunRecord,
  workflow: AnyWorkflow,
  groupIndex: number,
  groupRecords: readonly StageRecord[],
  known?: ReadonlyMap<string, unknown>,
  continuation?: Continuation,
): Promise<{ patch: RunPatch; started?: StartedGroup }> {
  if (!workflow.branching) {
    const next = groupIndex + 1;
    if (next < workflow.groups.length) {
      const started = await startGroup(deps, uow, run, workflow, next, continuation);
      return { patch: { currentGroup: next, groupRemaining: started.stages.length }, started };
    }
    return {
      patch: await completionPatch(deps, uow, run, workflow, groupIndex, groupRecords, known),
    };
  }
  const step = nextStep(workflow, run, groupIndex, undefined, undefined, uow.now);
  if ("error" in step) return { patch: failRunPatch(uow, run, step.error) };
  await recordSkipped(deps, uow, run, workflow, groupIndex, step.to);
  if (step.to === END) {
    const patch = await completionPatch(deps, uow, run, workflow, groupIndex, groupRecords, known);
    return { patch: { ...patch, control: writeControl(step.entering) } };
  }
  // The group may have run before (a loop): its old records make way for new ones.
  await uow.tx.deleteStagesFrom(run.id, step.to, step.to);
  const availableAt = new Date(uow.now.getTime() + step.delayMs);
  const started = await startGroup(deps, uow, run, workflow, step.to, continuation, availableAt);
  return {
    patch: {
      currentGroup: step.to,
      groupRemaining: started.stages.length,
      control: writeControl(step.entering),
    },
    started,
  };
}

/** Creates the `SKIPPED` records of a choice's untaken branches (only a choice reads the run's records). */
async function recordSkipped(
  deps: KernelDeps,
  uow: UnitOfWork,
  run: RunRecord,
  workflow: AnyWorkflow,
  groupIndex: number,
  to: number,
): Promise<void> {
  if (workflow.groups[groupIndex]?.[0]?.stepType !== "choice") return;
  const records = await uow.tx.listStages(run.id);
  const skipped = skippedByChoice(deps, run, workflow, groupIndex, to, records, uow.now);
  if (skipped) await uow.tx.createStages(skipped);
}

/** The patch that completes the run with the output of group `groupIndex` (or fails it). */
async function completionPatch(
  deps: KernelDeps,
  uow: UnitOfWork,
  run: RunRecord,
  workflow: AnyWorkflow,
  groupIndex: number,
  groupRecords: readonly StageRecord[],
  known?: ReadonlyMap<string, unknown>,
): Promise<RunPatch> {
  const outputs = await loadOutputs(deps, uow.tx, groupRecords, known);
  const group = workflow.groups[groupIndex] ?? [];
  const value =
    group.length === 1
      ? outputs.get((group[0] as { id: string }).id)
      : Object.fromEntries(group.map((s) => [s.id, outputs.get(s.id)]));
  const parsed = workflow.outputSchema.safeParse(value);
  if (!parsed.success) {
    const error: StoredError = {
      code: "WORKFLOW_OUTPUT_INVALID",
      message: `[ratchet] the output of workflow "${workflow.id}" does not match its output schema: ${zodIssues(
        parsed.error,
        "output",
      )
        .map((i) => `${i.path}: ${i.message}`)
        .join("; ")}`,
    };
    return failRunPatch(uow, run, error);
  }
  let output: ReturnType<typeof encodeValue>;
  try {
    output = encodeValue(parsed.data, "output");
  } catch (error) {
    return failRunPatch(uow, run, toStoredError(error));
  }
  uow.event(run, "workflow.completed", { output });
  return { status: "COMPLETED", output, completedAt: uow.now, currentGroup: groupIndex };
}

/** Queues `workflow.failed` and returns the patch that fails the run. */
export function failRunPatch(uow: UnitOfWork, run: RunRecord, error: StoredError): RunPatch {
  uow.event(run, "workflow.failed", { error: { ...error } });
  return { status: "FAILED", error, completedAt: uow.now };
}

/**
 * Drops a cancelled stage's wait, if it was waiting (so nothing is delivered to it and it is no
 * longer listed as pending), and cancels the child run it waited for, through the scheduler
 * (each child in its own transaction, durably; a child that has ended is left alone).
 */
async function endWait(uow: UnitOfWork, deps: KernelDeps, record: StageRecord): Promise<void> {
  const state = decodeWaitState(record.suspendedState);
  if (!state) return;
  if (state.map) {
    if (!state.resolution)
      await cancelMapChildren(
        uow,
        deps,
        record.id,
        state.map.total,
        `its parent run ${record.runId} ended`,
      );
    return;
  }
  await uow.tx.deleteSignalWait(record.id);
  const child = state.wait.childRunId;
  if (!child || state.resolution) return;
  await uow.schedule((scope) =>
    deps.scheduler.schedule(
      childCancelEntry(child, `its parent run ${record.runId} ended`, uow.now),
      scope,
    ),
  );
}

/**
 * Marks the other unfinished stages of a failed run `CANCELLED` and cancels their jobs, so
 * nothing keeps running for a run that already failed.
 */
export async function cancelRemaining(
  uow: UnitOfWork,
  deps: KernelDeps,
  runId: string,
  records: readonly StageRecord[],
): Promise<void> {
  for (const record of records) {
    if (
      record.status === "PENDING" ||
      record.status === "RUNNING" ||
      record.status === "SUSPENDED"
    ) {
      await uow.tx.updateStage(
        record.id,
        { status: "CANCELLED", completedAt: uow.now },
        { expected: { status: [record.status] }, now: uow.now },
      );
      if (record.status === "SUSPENDED") await endWait(uow, deps, record);
    }
  }
  await uow.jobs((scope) => deps.jobTransport.cancelForRun(runId, uow.now, scope));
}
