/**
 * Waiting for runs to end while showing them: the end is awaited (`awaitEnd`, the stack's
 * `awaitRunResult`, woken by the store's run-end notice), and meanwhile the run and stage
 * records are read every `intervalMs` into the tracker for the progress display (events arrive
 * through the event sink too) — until every run has ended, the time is up, or `signal` aborts.
 */
import {
  isTerminalRunStatus,
  type RunDetails,
  type RunQueries,
  type RunRecord,
} from "@ratchet/kernel";
import type { ProgressTracker } from "../progress/tracker.js";
import { withLiveStages } from "./live-stages.js";

/** Options of {@link watchRuns}. */
export interface WatchOptions {
  queries: RunQueries;
  tracker: ProgressTracker;
  runIds: readonly string[];
  /** Between polls (default 150 ms). */
  intervalMs?: number;
  /** Give up after this long (default: never). */
  timeoutMs?: number;
  /** Stops waiting (e.g. on SIGINT). */
  signal?: AbortSignal;
  /**
   * Resolves once run `runId` has ended (`PrismaStack.awaitRunResult`); rejects, or stays
   * pending, when `signal` aborts. What wakes the wait at the end; the reads between only
   * refresh the display.
   */
  awaitEnd: (runId: string, signal: AbortSignal) => Promise<unknown>;
}

/** How waiting ended, with the runs' last records. */
export interface WatchResult {
  outcome: "ended" | "timeout" | "aborted";
  runs: RunRecord[];
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** Reads each run with its stages once into the tracker; returns what it read (runs that exist). */
export async function snapshot(
  queries: RunQueries,
  tracker: ProgressTracker,
  runIds: readonly string[],
): Promise<RunDetails[]> {
  const found: RunDetails[] = [];
  for (const id of runIds) {
    const read = await queries.getRun(id);
    if (!read) continue;
    const details =
      read.run.status === "RUNNING"
        ? { ...read, stages: withLiveStages(read.stages, await queries.listJobs(id), new Date()) }
        : read;
    tracker.applySnapshot(details.run, details.stages);
    found.push(details);
  }
  return found;
}

/** Waits until every run has ended (or time is up, or `signal` aborts), showing progress. */
export async function watchRuns(options: WatchOptions): Promise<WatchResult> {
  const deadline =
    options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
  // Stops the awaits and the sleeps when the caller's signal aborts or the wait is over.
  const stop = new AbortController();
  const forward = () => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) forward();
  else options.signal?.addEventListener("abort", forward, { once: true });
  let ended = false;
  const allEnded = Promise.all(options.runIds.map((id) => options.awaitEnd(id, stop.signal))).then(
    () => {
      ended = true;
    },
    // An await that stopped (abort) or failed (the run is gone) leaves the reads to decide.
    () => new Promise<void>(() => {}),
  );
  try {
    for (;;) {
      const runs = (await snapshot(options.queries, options.tracker, options.runIds)).map(
        (details) => details.run,
      );
      const allTerminal =
        runs.length === options.runIds.length && runs.every((r) => isTerminalRunStatus(r.status));
      if (ended || allTerminal) return { outcome: "ended", runs };
      if (options.signal?.aborted) return { outcome: "aborted", runs };
      if (Date.now() >= deadline) return { outcome: "timeout", runs };
      // The next display refresh, or at once when the awaited end comes.
      await Promise.race([sleep(options.intervalMs ?? 150, stop.signal), allEnded]);
    }
  } finally {
    options.signal?.removeEventListener("abort", forward);
    stop.abort();
  }
}
