/**
 * Stages running in this kernel instance, so `run.cancel` and `job.heartbeat` can abort their
 * `ctx.signal` at once.
 */
import type { StageAbort } from "./abort.js";

/** Why a running stage's signal was aborted. */
export type AbortCause = "cancelled" | "lease-lost" | "host";

/** Registry of running stage executions by run. */
export class InFlightRegistry {
  /**
   * Running executions by job id (a suspended stage's check: its `poll:` key), with their run.
   * One flat map: a map per run cost each stage a `Map` of its own, made and dropped; a run's
   * executions are found by a scan, which only a cancel or time-out makes, over no more entries
   * than the host runs at once.
   */
  private readonly running = new Map<
    string,
    { readonly runId: string; readonly abort: StageAbort }
  >();
  private readonly causes = new WeakMap<StageAbort, AbortCause>();

  /** Registers a running job; returns a function that unregisters it. */
  register(runId: string, jobId: string, abort: StageAbort): () => void {
    this.running.set(jobId, { runId, abort });
    return () => {
      this.running.delete(jobId);
    };
  }

  /** Aborts every running stage of a run; returns how many it holds. */
  abortRun(runId: string, cause: AbortCause, reason: unknown): number {
    let count = 0;
    for (const entry of this.running.values()) {
      if (entry.runId !== runId) continue;
      count++;
      this.abort(entry.abort, cause, reason);
    }
    return count;
  }

  /** Aborts one running job, wherever its run. */
  abortJob(jobId: string, cause: AbortCause, reason: unknown): boolean {
    const entry = this.running.get(jobId);
    if (entry === undefined) return false;
    this.abort(entry.abort, cause, reason);
    return true;
  }

  /** Why a stage was aborted by this registry, if it was. */
  causeOf(abort: StageAbort): AbortCause | undefined {
    return this.causes.get(abort);
  }

  private abort(abort: StageAbort, cause: AbortCause, reason: unknown): void {
    if (abort.aborted) return;
    this.causes.set(abort, cause);
    abort.abort(reason);
  }
}
