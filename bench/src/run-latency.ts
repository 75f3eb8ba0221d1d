/**
 * Per-run latency under a backlog (W1, W2): from each run's creation, its first stage's start and
 * its completion, as the system recorded them, to percentiles the results file keeps (the runs'
 * times themselves are not kept: 2,000 per repetition).
 */
import type { LatencyPercentiles, RunLatency } from "./spec.js";
import { percentile } from "./stats.js";

/** One run's times, in ms since the epoch (NaN where the system has no such time). */
export interface RunTimes {
  createdMs: number;
  startedMs: number;
  doneMs: number;
}

function percentilesOf(values: number[]): LatencyPercentiles {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    p50: percentile(finite, 50),
    p90: percentile(finite, 90),
    p99: percentile(finite, 99),
    max: finite.length > 0 ? Math.max(...finite) : Number.NaN,
  };
}

/**
 * The latencies of `runs`: created → completed, counted from `workerStartedMs` for a run created
 * before the worker started (the enqueue phase and the harness's wait before the worker are not
 * the system's doing), and first stage started → completed.
 */
export function runLatency(runs: readonly RunTimes[], workerStartedMs: number): RunLatency {
  return {
    runs: runs.length,
    createToDoneMs: percentilesOf(
      runs.map((r) => r.doneMs - Math.max(r.createdMs, workerStartedMs)),
    ),
    startToDoneMs: percentilesOf(runs.map((r) => r.doneMs - r.startedMs)),
  };
}
