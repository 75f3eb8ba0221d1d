/**
 * The stacks' run-end source and `awaitRunResult`: notices from the database (see
 * `../sql/run-ends.ts`), plus a poll fallback — while anyone waits, every waiter reads its run
 * again each `pollMs`, so a lost notice (a dropped LISTEN connection, a missed file event, a
 * process that crashed between commit and telling) costs at most one interval.
 */
import {
  type AwaitRunOptions,
  awaitRunEnd,
  type Persistence,
  type RunEndListener,
  type RunEndSource,
  type RunResult,
} from "@ratchet/kernel/adapter";
import type { LocalRunEnds, RunEndNotice } from "../sql/run-ends.js";

/** Options of a stack's `awaitRunResult`. */
export interface AwaitRunResultOptions<Output = unknown> extends AwaitRunOptions<Output> {
  /** Give up after this long, ms: rejects with `RunAwaitTimeoutError` (default: never). */
  timeoutMs?: number;
}

/** A {@link RunEndSource} that also polls while it has subscribers; `close` stops it. */
export interface PollingRunEnds extends RunEndSource {
  close(): void;
}

/**
 * The stack's source: `local` notices (fed by LISTEN / the file watch, which `start` starts on
 * the first subscription) and an `undefined` notice every `pollMs` while anyone subscribes. A
 * local notice that is a run's record (PostgreSQL's payload, when it fits) reaches listeners
 * as its id with the record as the second argument, so `awaitRunEnd` resolves without a read.
 * The poll's timer keeps the process alive, as a pending await should; `idle` is told when
 * the last subscriber leaves.
 */
export function pollingRunEnds(
  local: LocalRunEnds,
  start: () => void,
  pollMs: number,
  /** Called when the last subscriber leaves. */
  idle: () => void = () => {},
): PollingRunEnds {
  const listeners = new Set<RunEndListener>();
  let stopLocal: (() => void) | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const emit = (notice: RunEndNotice) => {
    // A record notice names its run and hands the record over (see RunEndListener).
    const runId = typeof notice === "object" ? notice.id : notice;
    const run = typeof notice === "object" ? notice : undefined;
    for (const listener of [...listeners]) {
      try {
        listener(runId, run);
      } catch {
        // A waiter's failure is its own; the others still hear.
      }
    }
  };
  const stop = () => {
    stopLocal?.();
    stopLocal = undefined;
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  return {
    subscribe(listener) {
      const entry: RunEndListener = (runId, run) => listener(runId, run);
      listeners.add(entry);
      if (listeners.size === 1) {
        start();
        stopLocal = local.subscribe(emit);
        timer = setInterval(() => emit(undefined), pollMs);
      }
      return () => {
        if (listeners.delete(entry) && listeners.size === 0) {
          stop();
          idle();
        }
      };
    },
    close() {
      listeners.clear();
      stop();
    },
  };
}

/**
 * Waits for run `runId` to end (see `awaitRunEnd` in `@ratchet/kernel`), giving up with
 * `RunAwaitTimeoutError` after `timeoutMs`.
 */
export async function awaitRunResultOver<Output = unknown>(
  persistence: Pick<Persistence, "getRun">,
  runEnds: RunEndSource,
  runId: string,
  options: AwaitRunResultOptions<Output> = {},
): Promise<RunResult<Output>> {
  const { timeoutMs, ...rest } = options;
  if (timeoutMs === undefined) return awaitRunEnd({ persistence, runEnds }, runId, rest);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    return await awaitRunEnd({ persistence, runEnds }, runId, {
      ...rest,
      deadline: { signal: deadline.signal, timeoutMs },
    });
  } finally {
    clearTimeout(timer);
  }
}
