/**
 * Decoding a `ratchet_run_ended` payload (`runEndNoticeOf`): the row as JSON becomes the record
 * `runFromRow` reads (dates, numbers, JSON text columns); anything short of a complete, ended,
 * readable row names its run only, and a payload that is no JSON object is a run id (the old
 * trigger's payload).
 */
import { describe, expect, it } from "vitest";
import { runEndNoticeOf } from "../src/sql/run-ends.js";

/** A run row as the trigger's `row_to_json` writes it (timestamps in UTC). */
const row = (overrides: Record<string, unknown> = {}) => ({
  id: "run-1",
  workflow_id: "wf",
  workflow_version: "1",
  fingerprint: "fp",
  route: "wf@1#fp",
  status: "COMPLETED",
  version: 5,
  priority: 0,
  input: '{"n":1}',
  config: "{}",
  metadata: '{"k":"v"}',
  control: "{}",
  concurrency_key: null,
  output: '{"n":2}',
  error: null,
  current_group: 1,
  group_remaining: 0,
  event_seq: 4,
  idempotency_key: null,
  parent_run_id: null,
  waiting: false,
  created_at: "2026-12-07T18:38:51.677+00:00",
  updated_at: "2026-12-07T18:38:52.001+00:00",
  started_at: "2026-12-07T18:38:51.7+00:00",
  completed_at: "2026-12-07T18:38:52.001+00:00",
  ...overrides,
});

describe("runEndNoticeOf", () => {
  it("decodes an ended run's row into its record", () => {
    const notice = runEndNoticeOf(JSON.stringify(row()));
    expect(notice).toStrictEqual({
      id: "run-1",
      workflowId: "wf",
      workflowVersion: "1",
      fingerprint: "fp",
      status: "COMPLETED",
      version: 5,
      priority: 0,
      input: { n: 1 },
      config: {},
      metadata: { k: "v" },
      control: {},
      concurrencyKey: null,
      output: { n: 2 },
      error: null,
      currentGroup: 1,
      groupRemaining: 0,
      eventSeq: 4,
      idempotencyKey: null,
      parentRunId: null,
      waiting: false,
      createdAt: new Date("2026-12-07T18:38:51.677Z"),
      updatedAt: new Date("2026-12-07T18:38:52.001Z"),
      startedAt: new Date("2026-12-07T18:38:51.700Z"),
      completedAt: new Date("2026-12-07T18:38:52.001Z"),
    });
  });

  it("takes a payload that is no JSON object for a run id", () => {
    expect(runEndNoticeOf("run-1")).toBe("run-1");
    expect(runEndNoticeOf("{not json")).toBe("{not json");
    expect(runEndNoticeOf('{"no":"id"}')).toBe('{"no":"id"}');
  });

  it("names the run only when its row is incomplete, not ended or unreadable", () => {
    const { waiting: _, ...missing } = row();
    expect(runEndNoticeOf(JSON.stringify(missing))).toBe("run-1");
    expect(runEndNoticeOf(JSON.stringify(row({ status: "RUNNING" })))).toBe("run-1");
    expect(runEndNoticeOf(JSON.stringify(row({ output: "{corrupt" })))).toBe("run-1");
    expect(runEndNoticeOf(JSON.stringify(row({ created_at: "yesterday" })))).toBe("run-1");
    expect(runEndNoticeOf(JSON.stringify(row({ version: true })))).toBe("run-1");
  });
});
