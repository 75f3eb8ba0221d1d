/**
 * Awaiting a run's result: `awaitRunEnd` resolves when the run reaches a terminal status, woken
 * by a {@link RunEndSource} instead of polling the run's record. It reads the run once after
 * subscribing (so an end between the two is not missed), then again on every notice naming the
 * run or any run. No timers here: the timeout arrives as an aborted `deadline` signal, and a
 * source that can lose notices polls (the `@ratchet/prisma` stacks' `awaitRunResult`,
 * `@ratchet/host-node`'s `awaitRunResult`).
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
        } while (again && !settled);
      } catch (error) {
        finish(() => reject(error));
      } finally {
        reading = false;
      }
    };
    const unsubscribe = ports.runEnds.subscribe((id) => {
      if (!settled && (id === undefined || id === runId)) void check();
    });
    if (signal?.aborted) return onAbort();
    if (deadline?.signal.aborted) return onDeadline();
    signal?.addEventListener("abort", onAbort, { once: true });
    deadline?.signal.addEventListener("abort", onDeadline, { once: true });
    void check();
  });
}
