/**
 * Stages running in this kernel instance, so `run.cancel` and `job.heartbeat` can abort their
 * `ctx.signal` at once.
 */
import type { StageAbort } from "./abort.js";

/** Why a running stage's signal was aborted. */
export type AbortCause = "cancelled" | "lease-lost" | "host";

/** One registered execution and its place in {@link InFlightRegistry}'s list. */
interface Running {
  readonly runId: string;
  readonly jobId: string;
  readonly abort: StageAbort;
  /** Its index in the list; `-1` once unregistered. */
  index: number;
}

/** Registry of running stage executions by run. */
export class InFlightRegistry {
  /**
   * Running executions (a suspended stage's check under its `poll:` key), in no particular
   * order. A list, not a map by job id: every stage registers and unregisters once, and a map
   * going from one entry to none shrinks its table each time (a runtime call and a new table
   * per stage, about 2% of W4's CPU profile), while a list takes a push and a swap with its
   * last entry. Lookups are scans, which only a cancel, a time-out or a lost lease makes, over
   * no more entries than the host runs at once.
   */
  private readonly running: Running[] = [];
  private readonly causes = new WeakMap<StageAbort, AbortCause>();

  /** Registers a running job; returns a function that unregisters it. */
  register(runId: string, jobId: string, abort: StageAbort): () => void {
    const entry: Running = { runId, jobId, abort, index: this.running.length };
    this.running.push(entry);
    return () => this.unregister(entry);
  }

  /** Aborts every running stage of a run; returns how many it holds. */
  abortRun(runId: string, cause: AbortCause, reason: unknown): number {
    let count = 0;
    for (const entry of [...this.running]) {
      if (entry.runId !== runId) continue;
      count++;
      this.abort(entry.abort, cause, reason);
    }
    return count;
  }

  /**
   * Aborts one running job, wherever its run: every execution registered under `jobId` (a
   * duplicate delivery may run beside the first); whether there was one.
   */
  abortJob(jobId: string, cause: AbortCause, reason: unknown): boolean {
    let found = false;
    for (const entry of [...this.running]) {
      if (entry.jobId !== jobId) continue;
      found = true;
      this.abort(entry.abort, cause, reason);
    }
    return found;
  }

  /** How many executions are registered. */
  get size(): number {
    return this.running.length;
  }

  /** Removes `entry` (once): the last entry takes its place. */
  private unregister(entry: Running): void {
    const running = this.running;
    const at = entry.index;
    if (at < 0) return;
    const last = running.pop() as Running;
    if (last !== entry) {
      running[at] = last;
      last.index = at;
    }
    entry.index = -1;
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
