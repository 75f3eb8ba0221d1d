/**
 * The in-memory store's own stage committer: a completion written as one synchronous
 * operation on the store (see `ports/stage-committer.ts`), with no intermediate copies of the
 * run and stage rows it reads. It undoes its writes if anything throws, like a failed
 * statement.
 */
import type {
  StageCommitter,
  StageCompletion,
  StageCompletionResult,
} from "../ports/stage-committer.js";
import type { RunRecord } from "../records.js";
import { cloneJson, copyDate, storedOutputRef } from "./copy.js";
import { completeJob, enqueue } from "./job-transport.js";
import { appendLogs } from "./logs.js";
import { appendRunEvents } from "./outbox.js";
import { createStages } from "./stages.js";
import type { InMemoryStore, StageRow } from "./store.js";
import type { StoreTransaction } from "./table.js";

/** A committer that writes completions straight into `store`. */
export function inMemoryStageCommitter(store: InMemoryStore): StageCommitter {
  return {
    commit: (completion) =>
      store.execute(undefined, (tx) => commitCompletion(store, tx, completion)),
  };
}

/**
 * The stage row `stage` becomes with completion `c`: written here as one literal from the row
 * just read, as `updateStage` would write it from the equivalent patch, without a patch object
 * or a second lookup of the row.
 */
function completedStage(tx: StoreTransaction, stage: StageRow, c: StageCompletion): StageRow {
  const now = tx.date(c.now);
  return {
    id: stage.id,
    runId: stage.runId,
    stageId: stage.stageId,
    groupIndex: stage.groupIndex,
    status: "COMPLETED",
    attempt: c.attempt,
    outputRef: storedOutputRef(c.outputRef),
    suspendedState: null,
    pollConfig: stage.pollConfig,
    nextPollAt: null,
    pollLeaseUntil: null,
    progress: c.progress ? cloneJson(c.progress) : stage.progress,
    error: null,
    createdAt: stage.createdAt,
    updatedAt: now,
    startedAt: stage.startedAt ?? tx.date(c.startedAt),
    completedAt: now,
    output:
      c.output !== undefined
        ? cloneJson(c.output)
        : c.outputRef.kind !== "inline"
          ? undefined
          : stage.output,
    seq: stage.seq,
  };
}

function commitCompletion(
  store: InMemoryStore,
  tx: StoreTransaction,
  c: StageCompletion,
): StageCompletionResult {
  if (c.job) completeJob(store, tx, c.job, c.now);
  const run = store.runs.get(c.runId);
  if (run?.status !== "RUNNING" || run.currentGroup !== c.groupIndex)
    return { kind: "stale", status: run?.status ?? null };
  const stage = store.stages.get(c.stageRecordId);
  if (!stage || !c.fromStatuses.includes(stage.status)) return { kind: "duplicate" };
  store.stages.replace(tx, stage.id, stage, completedStage(tx, stage, c));
  if (c.logs.length > 0) appendLogs(store, tx, c.logs);

  const remaining = run.groupRemaining - 1;
  const closed = remaining <= 0;
  const close = closed ? c.close : null;
  let eventSeq = appendRunEvents(store, tx, run.id, run.eventSeq, c.events);
  if (close) eventSeq = appendRunEvents(store, tx, run.id, eventSeq, close.events);
  let groupRemaining = Math.max(0, remaining);
  const closing = close?.run;
  if (close?.skipped) createStages(store, tx, close.skipped);
  if (close?.nextGroup) {
    createStages(store, tx, close.nextGroup.stages);
    // A job's dequeue key is usually its run's creation time: store the run's own date.
    tx.share(run.createdAt);
    enqueue(store, tx, close.nextGroup.jobs);
    groupRemaining = close.nextGroup.stages.length;
  }
  // The run row written directly (one literal, nothing copied that does not change): the
  // result needs only its counters, not a copy of its input and config.
  const updated: RunRecord = {
    id: run.id,
    workflowId: run.workflowId,
    workflowVersion: run.workflowVersion,
    fingerprint: run.fingerprint,
    status: closing?.status ?? run.status,
    version: run.version + 1,
    priority: run.priority,
    input: run.input,
    config: run.config,
    metadata: c.runUpdate?.metadata
      ? { ...run.metadata, ...cloneJson(c.runUpdate.metadata) }
      : run.metadata,
    control: closing?.control
      ? cloneJson(closing.control)
      : c.runUpdate?.control
        ? cloneJson(c.runUpdate.control)
        : run.control,
    concurrencyKey: run.concurrencyKey,
    output: closing?.output !== undefined ? cloneJson(closing.output) : run.output,
    error: run.error,
    currentGroup: closing?.currentGroup ?? run.currentGroup,
    groupRemaining,
    eventSeq,
    idempotencyKey: run.idempotencyKey,
    parentRunId: run.parentRunId,
    waiting: c.runUpdate?.waiting ?? run.waiting,
    createdAt: run.createdAt,
    updatedAt: tx.date(c.now),
    startedAt: run.startedAt,
    completedAt:
      closing?.completedAt !== undefined ? tx.nullableDate(closing.completedAt) : run.completedAt,
  };
  store.runs.replace(tx, run.id, run, updated);
  return {
    kind: "committed",
    closed,
    run: {
      status: updated.status,
      version: updated.version,
      eventSeq: updated.eventSeq,
      currentGroup: updated.currentGroup,
      groupRemaining: updated.groupRemaining,
      updatedAt: copyDate(c.now),
    },
  };
}
