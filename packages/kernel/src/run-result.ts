/**
 * Awaiting a run's result: `awaitRunEnd` resolves when the run reaches a terminal status, woken
 * by a {@link RunEndSource} instead of polling the run's record. It reads the run once after
 * subscribing (so an end between the two is not missed), then again on every notice naming the
 * run or any run — unless the notice hands over the ended run's committed record, which it
 * then resolves with, without reading (see {@link awaitRunEnd}). No timers here: the timeout
 * arrives as an aborted `deadline` signal, and a source that can lose notices polls (the
 * `@ratchet/prisma` stacks' `awaitRunResult`, `@ratchet/host-node`'s `awaitRunResult`).
 */
import { decodeValue } from "./codec.js";
import type { Workflow } from "./dsl/workflow-model.js";
import { RunAwaitTimeoutError, RunNotFoundError } from "./errors.js";
import type { RunStore } from "./ports/persistence/runs.js";
import type { RunEndSource } from "./ports/run-ends.js";
import {
  isTerminalRunStatus,
  type RunRecord,
  type RunStatus,
  type StoredError,
} from "./records.js";

/** The statuses a run ends with (see `TERMINAL_RUN_STATUSES`). */
export type EndedRunStatus = Extract<
  RunStatus,
  "COMPLETED" | "FAILED" | "CANCELLED" | "TIMED_OUT" | "COMPENSATED" | "COMPENSATION_FAILED"
>;

/**
 * How a run ended: `COMPLETED` with its decoded output, or another terminal status with the
 * error it stored (`null` when it has none, e.g. a cancellation without a reason). `run` is
 * the final record.
 */
export type RunResult<Output = unknown> =
  | { status: "COMPLETED"; workflowRunId: string; output: Output; run: RunRecord }
  | {
      status: Exclude<EndedRunStatus, "COMPLETED">;
      workflowRunId: string;
      error: StoredError | null;
      run: RunRecord;
    };

/** The result of a run that has ended, or `undefined` while it has not. */
export function runResultOf<Output = unknown>(run: RunRecord): RunResult<Output> | undefined {
  if (!isTerminalRunStatus(run.status)) return undefined;
  if (run.status === "COMPLETED")
    return {
      status: "COMPLETED",
      workflowRunId: run.id,
      output: decodeValue<Output>(run.output),
      run,
    };
  return {
    status: run.status as Exclude<EndedRunStatus, "COMPLETED">,
    workflowRunId: run.id,
    error: run.error,
    run,
  };
}

/** What awaiting reads: the run's record, and the notices that say it may have ended. */
export interface RunAwaitPorts {
  persistence: Pick<RunStore, "getRun">;
  runEnds: RunEndSource;
}

/** Options of every `awaitRunResult`. */
export interface AwaitRunOptions<Output = unknown> {
  /** Stop waiting when it aborts: the promise rejects with `signal.reason` (the run goes on). */
  signal?: AbortSignal;
  /** Only types the output: `awaitRunResult(id, { workflow: counter })` gives counter's output type. */
  // biome-ignore lint/suspicious/noExplicitAny: any input type; only the output is inferred
  workflow?: Workflow<any, Output>;
}

/** Options of {@link awaitRunEnd}. */
export interface AwaitRunEndOptions<Output = unknown> extends AwaitRunOptions<Output> {
  /**
   * The caller's timeout: `signal` aborts when `timeoutMs` has passed, and the promise then
   * rejects with {@link RunAwaitTimeoutError}.
   */
  deadline?: { signal: AbortSignal; timeoutMs: number };
}

/**
 * Resolves with the run's {@link RunResult} once it has ended; rejects with
 * `RunNotFoundError` when there is no such run (or it was purged while waited for), with
 * {@link RunAwaitTimeoutError} when `deadline` aborts, with `signal.reason` when `signal`
 * aborts, and with a read's error when reading the run fails.
 *
 * A notice that hands over the run's record (the optional second argument of
 * `RunEndListener`, e.g. PostgreSQL's trigger when the record fits its payload) resolves it
 * without a read, but only when the record is this run's (`id` matches the notice and the
 * awaited run), its status is terminal, and it is newer than what this wait has read: its
 * `version` must exceed that of the last record read (every write of a run increments it). A
 * notice can be delivered after the waiter's first read even though its commit came earlier,
 * so an end the run has since been started again from (`run.retry`, `run.rerunFrom`) is
 * recognised by its older version and ignored. A record heard before the first read returned
 * is kept until it does, and compared then. Any other notice (no record, another status, a
 * stale version) is a plain "may have ended": the run is read.
 */
export async function awaitRunEnd<Output = unknown>(
  ports: RunAwaitPorts,
  runId: string,
  options: AwaitRunEndOptions<Output> = {},
): Promise<RunResult<Output>> {
  // A source that names only watched runs hears of this one from here on; the first read
  // below finds it if it ended before.
  const unwatch = ports.runEnds.watch ? await ports.runEnds.watch(runId) : undefined;
  try {
    return await waitForEnd<Output>(ports, runId, options);
  } finally {
    // Not awaited: the result does not wait for the bookkeeping, and a failed unwatch costs
    // at most one notice nobody hears.
    unwatch?.().catch(() => {});
  }
}

function waitForEnd<Output>(
  ports: RunAwaitPorts,
  runId: string,
  options: AwaitRunEndOptions<Output>,
): Promise<RunResult<Output>> {
  return new Promise<RunResult<Output>>((resolve, reject) => {
    let settled = false;
    let reading = false;
    let again = false;
    /** The version of the record the last read returned (undefined until a read returned). */
    let readVersion: number | undefined;
    /** The newest ended record a notice handed over before any read returned. */
    let early: RunRecord | undefined;
    const { signal, deadline } = options;
    const onAbort = () => finish(() => reject(signal?.reason));
    const onDeadline = () =>
      finish(() => reject(new RunAwaitTimeoutError(runId, deadline?.timeoutMs ?? 0)));
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      signal?.removeEventListener("abort", onAbort);
      deadline?.signal.removeEventListener("abort", onDeadline);
      settle();
    };
    // Reads until a read started after the newest notice finds the run running: a notice that
    // arrives mid-read is not lost, and notices never pile up reads.
    const check = async () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          const run = await ports.persistence.getRun(runId);
          if (settled) return;
          if (run === null) return finish(() => reject(new RunNotFoundError(runId)));
          const result = runResultOf<Output>(run);
          if (result) return finish(() => resolve(result));
          readVersion = run.version;
          const stashed = early;
          early = undefined;
          if (stashed !== undefined && stashed.version > run.version) return endWith(stashed);
        } while (again && !settled);
      } catch (error) {
        finish(() => reject(error));
      } finally {
        reading = false;
      }
    };
    /** Resolves with an ended record a notice handed over. */
    const endWith = (run: RunRecord) => {
      const result = runResultOf<Output>(run);
      if (result) finish(() => resolve(result));
    };
    /** A notice handed over this run's ended record: resolve with it unless it is stale. */
    const heard = (run: RunRecord) => {
      if (readVersion === undefined) {
        // A read is under way (the first one starts right after subscribing): it decides.
        if (early === undefined || run.version > early.version) early = run;
      } else if (run.version > readVersion) {
        endWith(run);
      }
      // Otherwise the record is no newer than one read that found the run running: an end
      // the run was started again from since. Its next end notifies again.
    };
    const unsubscribe = ports.runEnds.subscribe((id, run) => {
      if (settled || (id !== undefined && id !== runId)) return;
      if (run !== undefined && id === runId && run.id === runId && isTerminalRunStatus(run.status))
        return heard(run);
      void check();
    });
    if (signal?.aborted) return onAbort();
    if (deadline?.signal.aborted) return onDeadline();
    signal?.addEventListener("abort", onAbort, { once: true });
    deadline?.signal.addEventListener("abort", onDeadline, { once: true });
    void check();
  });
}
