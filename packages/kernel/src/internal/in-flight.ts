/**
 * Stages running in this kernel instance, so `run.cancel` and `job.heartbeat` can abort their
 * `ctx.signal` at once.
 */

/** Why a running stage's signal was aborted. */
export type AbortCause = "cancelled" | "lease-lost" | "host";

/** Registry of running stage executions by run. */
export class InFlightRegistry {
  private readonly byRun = new Map<string, Map<string, AbortController>>();
  private readonly causes = new WeakMap<AbortController, AbortCause>();

  /** Registers a running job; returns a function that unregisters it. */
  register(runId: string, jobId: string, controller: AbortController): () => void {
    let jobs = this.byRun.get(runId);
    if (!jobs) {
      jobs = new Map();
      this.byRun.set(runId, jobs);
    }
    jobs.set(jobId, controller);
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
    for (const controller of jobs.values()) this.abort(controller, cause, reason);
    return jobs.size;
  }

  /** Aborts one running job, wherever its run. */
  abortJob(jobId: string, cause: AbortCause, reason: unknown): boolean {
    for (const jobs of this.byRun.values()) {
      const controller = jobs.get(jobId);
      if (controller) {
        this.abort(controller, cause, reason);
        return true;
      }
    }
    return false;
  }

  /** Why a controller was aborted by this registry, if it was. */
  causeOf(controller: AbortController): AbortCause | undefined {
    return this.causes.get(controller);
  }

  private abort(controller: AbortController, cause: AbortCause, reason: unknown): void {
    if (controller.signal.aborted) return;
    this.causes.set(controller, cause);
    controller.abort(reason);
  }
}

/** Aborts `controller` when `signal` aborts; returns a function that undoes the link. */
export function linkSignal(
  signal: AbortSignal | undefined,
  controller: AbortController,
): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => {};
  }
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}
