import type {
  CompletionRunUpdate,
  GroupClose,
  PendingEvent,
  QueueRefill,
  StageCompletion,
} from "../../ports/stage-committer.js";
import { isTerminalRunStatus, type RunRecord } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { writeControl } from "../run/flow-control.js";
import { type ClosingFlow, finishClosedGroup, groupClose } from "../run/group-close.js";
import type { Continuation } from "../run/progression.js";
import { pendingEvent, publishReady, readyJob } from "../tx/unit-of-work.js";
import { customEvents } from "./emit.js";
import { type AttemptTarget, type CommitOutcome, progressOf, startedEvent } from "./outcome.js";
import type { PreparedOutput } from "./outputs.js";

/**
 * The events of a completed attempt: `workflow.step.started` (unless written already), the
 * custom events it emitted (`workflow.custom`), `.completed`.
 */
function completionEvents(deps: KernelDeps, target: AttemptTarget, now: Date): PendingEvent[] {
  const { run, record } = target;
  // Payloads spelled out (no spreads): this runs for every stage.
  const started = target.emitStarted ? startedEvent(target, deps.newId) : undefined;
  const completed: PendingEvent = {
    id: deps.newId(),
    type: "workflow.step.completed",
    payload: {
      workflowId: run.workflowId,
      stageId: record.stageId,
      attempt: target.attempt,
      durationMs: now.getTime() - target.startedAt.getTime(),
    },
    occurredAt: now,
  };
  const emitted = target.reports.events;
  if (emitted !== undefined) {
    const custom = customEvents(deps, run, record.stageId, target.attempt, emitted);
    return started ? [started, ...custom, completed] : [...custom, completed];
  }
  return started ? [started, completed] : [completed];
}

/**
 * Commits a completed stage and, if it closes its group, the run's next step — through the
 * kernel's stage committer, in one atomic step. When the group closes without a `close` the
 * kernel could prepare (the last group is parallel, or the run's output is invalid), the run
 * is finished by `run.transition`'s logic right after. With `refill`, the commit may also lease
 * queued jobs to the worker (see `QueueRefill`); they come back in `refilled`.
 */
export async function commitCompleted(
  deps: KernelDeps,
  target: AttemptTarget,
  output: PreparedOutput,
  decoded: unknown,
  continuation?: Continuation,
  flow?: ClosingFlow,
  refill?: QueueRefill,
): Promise<CommitOutcome> {
  const now = deps.clock.now();
  const { record, workflow, run } = target;
  const progress = progressOf(target);
  const close: GroupClose | null = groupClose(
    deps,
    run,
    workflow,
    record,
    decoded,
    now,
    continuation,
    flow,
  );
  const runUpdate = completionRunUpdate(target, workflow, close, flow);
  let events = completionEvents(deps, target, now);
  if (flow && flow.step.events.length > 0)
    events = events.concat(
      flow.step.events.map((e) => pendingEvent(deps, run, e.type, e.payload, now)),
    );
  // The optional fields are added only when present (one object, no spread of an empty
  // literal for each absent one: this runs for every stage).
  const completion: StageCompletion = {
    runId: record.runId,
    groupIndex: record.groupIndex,
    stageRecordId: record.id,
    stageId: record.stageId,
    fromStatuses: target.fromStatuses,
    attempt: target.attempt,
    output: output.inline,
    outputRef: output.ref,
    startedAt: record.startedAt ?? target.startedAt,
    logs: target.reports.logs,
    events,
    close,
    now,
  };
  if (progress) completion.progress = progress;
  if (target.jobId !== undefined) completion.job = { jobId: target.jobId, attempt: target.attempt };
  if (runUpdate) completion.runUpdate = runUpdate;
  if (refill) completion.refill = refill;
  if (continuation && close?.nextGroup && (workflow.groups[record.groupIndex]?.length ?? 0) > 1)
    completion.wantsClosedGroup = true;
  const result = await deps.committer.commit(completion);
  if (result.kind !== "committed") return result;
  if (result.closed && close === null) {
    const finished = await finishClosedGroup(deps, run.id);
    const outcome: CommitOutcome = {
      kind: "committed",
      run: finished ?? { ...run, ...result.run },
    };
    if (result.refilled?.length) outcome.refilled = result.refilled;
    return outcome;
  }
  const closing = result.closed && close ? close.run : undefined;
  const state = result.run;
  // Spelled out rather than spread: one shape for every run record (see in-memory/runs.ts).
  const committed: RunRecord = {
    id: run.id,
    workflowId: run.workflowId,
    workflowVersion: run.workflowVersion,
    fingerprint: run.fingerprint,
    status: state.status,
    version: state.version,
    priority: run.priority,
    input: run.input,
    config: run.config,
    metadata: target.reports.metadata
      ? { ...run.metadata, ...target.reports.metadata }
      : run.metadata,
    control: closing?.control ?? runUpdate?.control ?? run.control,
    concurrencyKey: run.concurrencyKey,
    output: closing?.output !== undefined ? closing.output : run.output,
    error: run.error,
    currentGroup: state.currentGroup,
    groupRemaining: state.groupRemaining,
    eventSeq: state.eventSeq,
    idempotencyKey: run.idempotencyKey,
    parentRunId: run.parentRunId,
    waiting: runUpdate?.waiting ?? run.waiting,
    createdAt: run.createdAt,
    updatedAt: state.updatedAt,
    startedAt: run.startedAt,
    completedAt: closing?.completedAt !== undefined ? closing.completedAt : run.completedAt,
  };
  // The committer's write ends the run without commitRun (whose runEnded tells the telemetry
  // otherwise; the transactional committer's ports carry no telemetry, so it is told once).
  if (closing && deps.telemetry && isTerminalRunStatus(committed.status))
    deps.telemetry.runEnded(committed, true);
  // The committer wrote the next group's jobs in its own transaction: announce the queued ones.
  if (deps.jobPublisher && result.closed && close?.nextGroup) {
    const queued = close.nextGroup.jobs.filter((job) => !job.claimedBy).map(readyJob);
    if (queued.length > 0) await publishReady(deps.jobPublisher, queued);
  }
  const outcome: CommitOutcome = { kind: "committed", run: committed };
  if (result.closed && close?.nextGroup) {
    outcome.started = { stages: [...close.nextGroup.stages], jobs: [...close.nextGroup.jobs] };
  }
  if (result.refilled?.length) outcome.refilled = result.refilled;
  if (result.closed && close?.nextGroup && result.closedGroup)
    outcome.closedGroup = result.closedGroup;
  return outcome;
}

/**
 * What the completion changes on the run besides its counters, or `undefined` when nothing:
 * the metadata keys the stage set; for a step alone in its group whose decision the kernel
 * applies after the commit, the decision in the run's control state (so a crash in between
 * resumes the same way); `waiting: false` for a stage that was suspended (the run no longer
 * waits, see `RunRecord.waiting`).
 */
function completionRunUpdate(
  target: AttemptTarget,
  workflow: AttemptTarget["workflow"],
  close: GroupClose | null,
  flow: ClosingFlow | undefined,
): CompletionRunUpdate | undefined {
  const metadata = target.reports.metadata;
  const control =
    flow && close === null && (workflow.groups[target.record.groupIndex]?.length ?? 0) === 1
      ? writeControl(flow.step.decided)
      : undefined;
  const resumes = target.fromStatuses.includes("SUSPENDED");
  if (!metadata && !control && !resumes) return undefined;
  const update: CompletionRunUpdate = {};
  if (metadata) update.metadata = metadata;
  if (control) update.control = control;
  if (resumes) update.waiting = false;
  return update;
}
