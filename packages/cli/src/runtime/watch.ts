/**
 * Waiting for runs to end while showing them: polls the run and stage records every
 * `intervalMs` into the tracker (events arrive through the event sink meanwhile) until every
 * run has ended, the time is up, or `signal` aborts.
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

/** Polls until every run has ended (or time is up, or `signal` aborts). */
export async function watchRuns(options: WatchOptions): Promise<WatchResult> {
  const deadline =
    options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
  for (;;) {
    const runs = (await snapshot(options.queries, options.tracker, options.runIds)).map(
      (details) => details.run,
    );
    if (runs.length === options.runIds.length && runs.every((r) => isTerminalRunStatus(r.status)))
      return { outcome: "ended", runs };
    if (options.signal?.aborted) return { outcome: "aborted", runs };
    if (Date.now() >= deadline) return { outcome: "timeout", runs };
    await sleep(options.intervalMs ?? 150, options.signal);
  }
}
