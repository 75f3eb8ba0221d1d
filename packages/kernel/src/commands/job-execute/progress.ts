import type { ProgressUpdate } from "../../dsl/context.js";
import type { KernelDeps } from "../../internal/kernel-deps.js";
import type { AttemptTarget } from "../../internal/stage/outcome.js";
import { startedEvent } from "../../internal/stage/outcome.js";
import { inTransaction } from "../../internal/tx/unit-of-work.js";

/**
 * Live progress: at most one write per `progressThrottleMs`, each a small transaction that
 * marks the stage `RUNNING`, stores the progress and queues `workflow.progress` (the first one
 * also `workflow.step.started`). Writes are chained and awaited before the result commits.
 *
 * A class, not a set of closures: every attempt makes one, and most never report progress, so
 * only `report` (handed to the stage's `ctx.onProgress`) is a closure of its own, and the
 * chain of writes is started by the first report.
 */
export class ProgressWriter {
  private chain: Promise<void> | undefined;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private started = false;

  constructor(
    private readonly deps: KernelDeps,
    private readonly target: AttemptTarget,
  ) {}

  /** Records a progress report, writing it unless the last write is too recent. */
  readonly report = (update: ProgressUpdate): void => {
    const now = this.deps.clock.now().getTime();
    if (now - this.lastWriteAt < this.deps.options.progressThrottleMs) return;
    this.lastWriteAt = now;
    this.chain = (this.chain ?? Promise.resolve())
      .then(() => this.write(update))
      .catch(() => {
        // Progress is advisory: a failed write must not fail the stage.
      });
  };

  /** Settles when every queued write has ended. */
  settled(): Promise<void> {
    return this.chain ?? Promise.resolve();
  }

  /** Whether a progress write was ever queued (else {@link settled} has nothing to wait for). */
  writing(): boolean {
    return this.lastWriteAt !== Number.NEGATIVE_INFINITY;
  }

  /** Whether a write stored `workflow.step.started`. */
  startedWritten(): boolean {
    return this.started;
  }

  private write(update: ProgressUpdate): Promise<void> {
    const { deps, target } = this;
    return inTransaction(deps, async (uow) => {
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
      if (!this.started) uow.append(run, startedEvent(target, deps.newId));
      uow.event(run, "workflow.progress", {
        stageId: target.record.stageId,
        progress: update.progress,
        ...(update.message === undefined ? {} : { message: update.message }),
      });
      const eventSeq = await uow.flushEvents(run);
      await uow.tx.updateRun(run.id, { eventSeq }, { expectedVersion: run.version, now: uow.now });
      this.started = true;
    });
  }
}

/** The progress writer of one attempt at `target`. */
export function progressWriter(deps: KernelDeps, target: AttemptTarget): ProgressWriter {
  return new ProgressWriter(deps, target);
}
