/**
 * Stages running in this kernel instance, so `run.cancel` and `job.heartbeat` can abort their
 * `ctx.signal` at once.
 */
import type { StageAbort } from "./abort.js";

/** Why a running stage's signal was aborted. */
export type AbortCause = "cancelled" | "lease-lost" | "host";

/** Registry of running stage executions by run. */
export class InFlightRegistry {
  private readonly byRun = new Map<string, Map<string, StageAbort>>();
  private readonly causes = new WeakMap<StageAbort, AbortCause>();

  /** Registers a running job; returns a function that unregisters it. */
  register(runId: string, jobId: string, abort: StageAbort): () => void {
    let jobs = this.byRun.get(runId);
    if (!jobs) {
      jobs = new Map();
      this.byRun.set(runId, jobs);
    }
    jobs.set(jobId, abort);
    return () => {
      const current = this.byRun.get(runId);
      if (!current) return;
      current.delete(jobId);
      if (current.size === 0) this.byRun.delete(runId);
    };
  }

  /** Aborts every running stage of a run. */
  abortRun(runId: string, cause: AbortCause, reason: unknown): number {
    const jobs = this.byRun.get(runId);
    if (!jobs) return 0;
    for (const abort of jobs.values()) this.abort(abort, cause, reason);
    return jobs.size;
  }

  /** Aborts one running job, wherever its run. */
  abortJob(jobId: string, cause: AbortCause, reason: unknown): boolean {
    for (const jobs of this.byRun.values()) {
      const abort = jobs.get(jobId);
      if (abort) {
        this.abort(abort, cause, reason);
        return true;
      }
    }
    return false;
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
