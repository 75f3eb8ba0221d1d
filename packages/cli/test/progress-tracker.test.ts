/** The progress tracker: events and polled records merged, only ever forward, each step once. */
import { describe, expect, it } from "vitest";
import { ProgressTracker } from "../src/progress/tracker.js";
import type { ProgressChange } from "../src/progress/view.js";
import { event, runRecord, stageRecord } from "./support/records.js";

function tracked(options: ConstructorParameters<typeof ProgressTracker>[0] = {}) {
  const tracker = new ProgressTracker(options);
  const changes: string[] = [];
  tracker.onChange((change: ProgressChange) => {
    changes.push(
      change.kind === "run"
        ? `run:${change.status}`
        : `${change.stageId}:${change.phase}@${change.attempt}`,
    );
  });
  return { tracker, changes };
}

describe("ProgressTracker", () => {
  it("follows a run through its events, with durations and output", () => {
    const { tracker, changes } = tracked();
    tracker.track("r1", { label: "doc", stageIds: ["fetch", "publish"] });
    tracker.applyEvent(event("r1", "workflow.created", { workflowId: "wf" }, 0));
    tracker.applyEvent(event("r1", "workflow.started", {}, 10));
    tracker.applyEvent(
      event(
        "r1",
        "workflow.step.started",
        { stageId: "fetch", attempt: 1, startedAt: "2026-01-01T00:00:00.020Z" },
        20,
      ),
    );
    tracker.applyEvent(
      event("r1", "workflow.progress", { stageId: "fetch", progress: 0, message: "GET /x" }, 21),
    );
    expect(tracker.get("r1")?.stages[0]?.message).toBe("GET /x");
    tracker.applyEvent(
      event(
        "r1",
        "workflow.step.completed",
        { stageId: "fetch", attempt: 1, durationMs: 200 },
        220,
      ),
    );
    tracker.applyEvent(event("r1", "workflow.completed", { output: { title: "T" } }, 400));

    expect(changes).toEqual([
      "run:RUNNING",
      "fetch:running@1",
      "fetch:completed@1",
      "run:COMPLETED",
    ]);
    const view = tracker.get("r1");
    expect(view).toMatchObject({
      label: "doc",
      workflowId: "wf",
      status: "COMPLETED",
      startedAt: Date.parse("2026-01-01T00:00:00.010Z"),
      output: { title: "T" },
    });
    expect(view?.stages.map((s) => [s.stageId, s.phase])).toEqual([
      ["fetch", "completed"],
      ["publish", "pending"],
    ]);
    const fetch = view?.stages[0];
    expect((fetch?.endedAt ?? 0) - (fetch?.startedAt ?? 0)).toBe(200);
    expect(tracker.allEnded()).toBe(true);
  });

  it("shows retries and suspensions, attempt by attempt", () => {
    const { tracker, changes } = tracked();
    tracker.track("r1");
    tracker.applyEvent(event("r1", "workflow.step.started", { stageId: "fetch", attempt: 1 }, 1));
    tracker.applyEvent(
      event(
        "r1",
        "workflow.step.retry",
        {
          stageId: "fetch",
          attempt: 1,
          retryAt: "2026-01-01T00:00:01Z",
          error: { code: "STAGE_ERROR", message: "503" },
        },
        2,
      ),
    );
    expect(tracker.get("r1")?.stages[0]?.error).toEqual({ code: "STAGE_ERROR", message: "503" });
    tracker.applyEvent(event("r1", "workflow.step.started", { stageId: "fetch", attempt: 2 }, 3));
    tracker.applyEvent(event("r1", "workflow.step.completed", { stageId: "fetch", attempt: 2 }, 4));
    tracker.applyEvent(event("r1", "workflow.step.suspended", { stageId: "embed", attempt: 1 }, 5));
    tracker.applyEvent(event("r1", "workflow.step.completed", { stageId: "embed", attempt: 1 }, 6));
    expect(changes).toEqual([
      "fetch:running@1",
      "fetch:retrying@1",
      "fetch:running@2",
      "fetch:completed@2",
      "embed:suspended@1",
      "embed:completed@1",
    ]);
    expect(tracker.get("r1")?.stages[0]?.error).toBeUndefined();
  });

  it("reads the same steps from polled records", () => {
    const { tracker, changes } = tracked();
    tracker.track("r1", { stageIds: ["fetch", "embed"] });
    tracker.applySnapshot(runRecord("r1"), [
      stageRecord("r1", "fetch", {
        status: "RUNNING",
        attempt: 0,
        progress: { progress: 0, message: "GET" },
      }),
    ]);
    tracker.applySnapshot(runRecord("r1"), [
      stageRecord("r1", "fetch", {
        status: "PENDING",
        attempt: 1,
        error: { code: "E", message: "503" },
      }),
    ]);
    tracker.applySnapshot(runRecord("r1"), [
      stageRecord("r1", "fetch", { status: "COMPLETED", attempt: 2 }),
      stageRecord("r1", "embed", { groupIndex: 1, status: "SUSPENDED", attempt: 1 }),
    ]);
    tracker.applySnapshot(
      runRecord("r1", {
        status: "FAILED",
        completedAt: null,
        error: { code: "SUSPEND_TIMEOUT", message: "late", stageId: "embed" },
      }),
      [
        stageRecord("r1", "fetch", { status: "COMPLETED", attempt: 2 }),
        stageRecord("r1", "embed", {
          groupIndex: 1,
          status: "FAILED",
          attempt: 1,
          error: { code: "SUSPEND_TIMEOUT", message: "late" },
        }),
      ],
    );
    expect(changes).toEqual([
      "run:RUNNING",
      "fetch:running@1",
      "fetch:retrying@1",
      "fetch:completed@2",
      "embed:suspended@1",
      "embed:failed@1",
      "run:FAILED",
    ]);
    expect(tracker.get("r1")?.error).toMatchObject({ code: "SUSPEND_TIMEOUT", stageId: "embed" });
  });

  it("never moves backwards: a late event after a newer snapshot changes nothing", () => {
    const { tracker, changes } = tracked();
    tracker.track("r1");
    tracker.applySnapshot(
      runRecord("r1", { status: "COMPLETED", completedAt: runRecord("r1").startedAt }),
      [stageRecord("r1", "fetch", { status: "COMPLETED", attempt: 1 })],
    );
    tracker.applyEvent(event("r1", "workflow.started", {}, 10));
    tracker.applyEvent(event("r1", "workflow.step.started", { stageId: "fetch", attempt: 1 }, 20));
    tracker.applyEvent(
      event("r1", "workflow.step.completed", { stageId: "fetch", attempt: 1 }, 30),
    );
    tracker.applyEvent(event("r1", "workflow.completed", { output: null }, 40));
    expect(changes).toEqual(["fetch:completed@1", "run:COMPLETED"]);
    expect(tracker.get("r1")?.stages[0]?.phase).toBe("completed");
  });

  it("ignores runs it does not track, unless auto-tracking; can forget ended runs", () => {
    const quiet = tracked();
    quiet.tracker.applyEvent(event("other", "workflow.started", {}));
    expect(quiet.tracker.list()).toEqual([]);

    const auto = tracked({ autoTrack: true, forgetFinished: true });
    auto.tracker.applyEvent(event("0193aaaa-bbbb-cccc-dddd-eeee12345678", "workflow.started", {}));
    expect(auto.tracker.list().map((r) => r.label)).toEqual(["12345678"]);
    auto.tracker.applyEvent(
      event("0193aaaa-bbbb-cccc-dddd-eeee12345678", "workflow.cancelled", {}),
    );
    expect(auto.changes).toEqual(["run:RUNNING", "run:CANCELLED"]);
    expect(auto.tracker.list()).toEqual([]);
  });
});
