import type { ProgressUpdate } from "../../dsl/context.js";
import type { KernelDeps } from "../../internal/kernel-deps.js";
import type { AttemptTarget } from "../../internal/stage/outcome.js";
import { startedEvent } from "../../internal/stage/outcome.js";
import { inTransaction } from "../../internal/tx/unit-of-work.js";

/**
 * Live progress: at most one write per `progressThrottleMs`, each a small transaction that
 * marks the stage `RUNNING`, stores the progress and queues `workflow.progress` (the first one
 * also `workflow.step.started`). Writes are chained and awaited before the result commits.
 */
export function progressWriter(deps: KernelDeps, target: AttemptTarget) {
  let chain: Promise<void> = Promise.resolve();
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let started = false;
  const write = (update: ProgressUpdate) =>
    inTransaction(deps, async (uow) => {
      const run = await uow.tx.getRun(target.record.runId, { forUpdate: true });
      if (run?.status !== "RUNNING") return;
      const ok = await uow.tx.updateStage(
        target.record.id,
        {
          status: "RUNNING",
          progress:
            update.message === undefined
              ? { progress: update.progress }
              : { progress: update.progress, message: update.message },
          startedAt: target.record.startedAt ?? target.startedAt,
        },
        { expected: { status: ["PENDING", "RUNNING"] }, now: uow.now },
      );
      if (!ok) return;
      if (!started) uow.append(run, startedEvent(target, deps.newId));
      uow.event(run, "workflow.progress", {
        stageId: target.record.stageId,
        progress: update.progress,
        ...(update.message === undefined ? {} : { message: update.message }),
      });
      const eventSeq = await uow.flushEvents(run);
      await uow.tx.updateRun(run.id, { eventSeq }, { expectedVersion: run.version, now: uow.now });
      started = true;
    });
  return {
    report(update: ProgressUpdate) {
      const now = deps.clock.now().getTime();
      if (now - lastWriteAt < deps.options.progressThrottleMs) return;
      lastWriteAt = now;
      chain = chain
        .then(() => write(update))
        .catch(() => {
          // Progress is advisory: a failed write must not fail the stage.
        });
    },
    settled: () => chain,
    /** Whether a progress write was ever queued (else {@link settled} has nothing to wait for). */
    writing: () => lastWriteAt !== Number.NEGATIVE_INFINITY,
    startedWritten: () => started,
  };
}
