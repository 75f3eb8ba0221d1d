/**
 * `watchRuns` (behind `run --wait` and the demo) ends the wait when the awaited result comes,
 * not when a read happens to see it: with reads that never see the run end and a refresh
 * interval far longer than the test, the awaited end still ends the wait at once.
 */
import type { RunQueries } from "@ratchet/kernel";
import { describe, expect, it } from "vitest";
import { ProgressTracker } from "../src/progress/tracker.js";
import { watchRuns } from "../src/runtime/watch.js";
import { runRecord } from "./support/records.js";

/** Queries whose reads always find the run RUNNING. */
const stuckQueries = {
  getRun: async (id: string) => ({ run: runRecord(id, { status: "RUNNING" }), stages: [] }),
  listJobs: async () => [],
} as unknown as RunQueries;

describe("watchRuns", () => {
  it("ends as soon as every awaited run has ended, between display refreshes", async () => {
    let end: () => void = () => {};
    const awaited = new Promise<void>((resolve) => {
      end = resolve;
    });
    const started = Date.now();
    const watching = watchRuns({
      queries: stuckQueries,
      tracker: new ProgressTracker(),
      runIds: ["r1"],
      intervalMs: 60_000,
      awaitEnd: () => awaited,
    });
    setTimeout(() => end(), 50);
    const result = await watching;
    expect(result.outcome).toBe("ended");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("keeps waiting while an await is pending, and stops the awaits when interrupted", async () => {
    const interrupt = new AbortController();
    let awaitSignal: AbortSignal | undefined;
    const watching = watchRuns({
      queries: stuckQueries,
      tracker: new ProgressTracker(),
      runIds: ["r1"],
      intervalMs: 10,
      signal: interrupt.signal,
      awaitEnd: (_id, signal) => {
        awaitSignal = signal;
        return new Promise(() => {});
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    interrupt.abort();
    const result = await watching;
    expect(result.outcome).toBe("aborted");
    expect(awaitSignal?.aborted).toBe(true);
  });
});
