/**
 * The kernel's own {@link StageCommitter}: a completion written through
 * `Persistence.withTransaction` and the ports' transaction scopes, for stores that offer no
 * committer of their own. It is the reference for what a completion means (see
 * `ports/stage-committer.ts`); store-specific committers must behave the same.
 */

import {
  commitRun,
  inTransaction,
  type TransactionDeps,
  type UnitOfWork,
} from "../internal/tx/unit-of-work.js";
import type { RunPatch } from "../records.js";
import type { StageCommitter, StageCompletion, StageCompletionResult } from "./stage-committer.js";

/**
 * The committer a kernel over these ports uses: the persistence's own when it offers one for
 * this job transport, else {@link transactionalCommitter}.
 */
export function stageCommitterFor(deps: TransactionDeps): StageCommitter {
  return deps.persistence.stageCommitter?.(deps.jobTransport) ?? transactionalCommitter(deps);
}

/** A {@link StageCommitter} that can also write several completions in one transaction. */
export interface TransactionalCommitter extends StageCommitter {
  /**
   * Writes `completions` in one transaction, in order (a later one sees what an earlier one
   * wrote, so two completions of one run count its group down twice). If any throws, none is
   * written.
   */
  commitMany(completions: readonly StageCompletion[]): Promise<StageCompletionResult[]>;
}

/** A committer over the kernel's ports, through `Persistence.withTransaction`. */
export function transactionalCommitter(deps: TransactionDeps): TransactionalCommitter {
  return {
    commit: (completion) =>
      inTransaction(deps, (uow) => commitIn(deps, uow, completion), completion.now),
    commitMany: (completions) =>
      inTransaction(deps, async (uow) => {
        const results: StageCompletionResult[] = [];
        for (const completion of completions) {
          results.push(await commitIn(deps, { ...uow, now: completion.now }, completion));
        }
        return results;
      }),
  };
}

/** One completion inside an open transaction (see `ports/stage-committer.ts`). */
async function commitIn(
  deps: TransactionDeps,
  uow: UnitOfWork,
  completion: StageCompletion,
): Promise<StageCompletionResult> {
  const { job } = completion;
  const run = await uow.tx.getRun(completion.runId, { forUpdate: true });
  if (job) await uow.jobs((scope) => deps.jobTransport.complete(job, uow.now, scope));
  if (run?.status !== "RUNNING" || run.currentGroup !== completion.groupIndex)
    return { kind: "stale", status: run?.status ?? null };
  const current = await uow.tx.getStage(completion.runId, completion.stageId);
  if (current?.id !== completion.stageRecordId) return { kind: "duplicate" };
  const written = await uow.tx.updateStage(
    completion.stageRecordId,
    {
      status: "COMPLETED",
      attempt: completion.attempt,
      output: completion.output,
      outputRef: completion.outputRef,
      error: null,
      suspendedState: null,
      nextPollAt: null,
      pollLeaseUntil: null,
      startedAt: current.startedAt ?? completion.startedAt,
      completedAt: completion.now,
      ...(completion.progress ? { progress: completion.progress } : {}),
    },
    { expected: { status: completion.fromStatuses }, now: completion.now },
  );
  if (!written) return { kind: "duplicate" };
  if (completion.logs.length > 0) await uow.tx.appendLogs(completion.logs);

  const remaining = run.groupRemaining - 1;
  const closed = remaining <= 0;
  const close = closed ? completion.close : null;
  const events = close ? [...completion.events, ...close.events] : completion.events;
  for (const event of events) uow.append(run, event);
  let patch: RunPatch = { groupRemaining: Math.max(0, remaining) };
  const update = completion.runUpdate;
  if (update?.metadata) patch.metadata = { ...run.metadata, ...update.metadata };
  if (update?.control) patch.control = update.control;
  if (update?.waiting !== undefined) patch.waiting = update.waiting;
  if (close) {
    patch = { ...patch, ...close.run };
    if (close.skipped) await uow.tx.createStages(close.skipped);
    if (close.nextGroup) {
      await uow.tx.createStages(close.nextGroup.stages);
      await uow.enqueue(close.nextGroup.jobs);
      patch.groupRemaining = close.nextGroup.stages.length;
    }
  }
  const updated = await commitRun(uow, run, patch);
  return {
    kind: "committed",
    closed,
    run: {
      status: updated.status,
      version: updated.version,
      eventSeq: updated.eventSeq,
      currentGroup: updated.currentGroup,
      groupRemaining: updated.groupRemaining,
      updatedAt: updated.updatedAt,
    },
  };
}
