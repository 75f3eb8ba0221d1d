/** The demo's summary: counted from the final records. */
import { describe, expect, it } from "vitest";
import { renderSummary, summarize } from "../src/demo/summary.js";
import { createStyle } from "../src/render/style.js";
import { runRecord, stageRecord } from "./support/records.js";

describe("demo summary", () => {
  it("counts runs, completed stages, attempts, retries and resumed batches", () => {
    const runs = [runRecord("a", { status: "COMPLETED" }), runRecord("b", { status: "FAILED" })];
    const stages = new Map([
      [
        "a",
        [
          stageRecord("a", "fetch", { status: "COMPLETED", attempt: 2 }),
          stageRecord("a", "embed", { status: "COMPLETED", attempt: 1 }),
        ],
      ],
      [
        "b",
        [
          stageRecord("b", "fetch", { status: "FAILED", attempt: 3 }),
          stageRecord("b", "embed", { status: "CANCELLED", attempt: 0 }),
        ],
      ],
    ]);
    const summary = summarize(runs, stages, {
      asyncStageIds: new Set(["embed"]),
      events: 21,
      totalMs: 3_456,
    });
    expect(summary).toEqual({
      runs: 2,
      completed: 1,
      failed: 1,
      unfinished: 0,
      stagesCompleted: 2,
      attempts: 6,
      retries: 3,
      batchesResumed: 1,
      eventsPublished: 21,
      totalMs: 3_456,
    });
    const lines = renderSummary(summary, "SQLite ./ratchet-demo.db", createStyle(false));
    expect(lines).toEqual([
      "Summary",
      "  runs       1 completed, 1 failed (of 2)",
      "  stages     2 completed; 6 attempts executed, 3 retries",
      "  batches    1 async batch stage suspended and resumed",
      "  events     21 published through the outbox",
      "  database   SQLite ./ratchet-demo.db",
      "  total      3.46 s",
    ]);
  });
});
