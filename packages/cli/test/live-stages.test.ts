import { type JobRecord, newStageRecord, type StageRecord } from "@ratchet/kernel";
import { describe, expect, it } from "vitest";
import { withLiveStages } from "../src/runtime/live-stages.js";

const now = new Date("2026-12-07T10:00:00Z");
const stage = (stageId: string, status: StageRecord["status"] = "PENDING"): StageRecord => ({
  ...newStageRecord({ id: `r.${stageId}`, runId: "r", stageId, groupIndex: 0, createdAt: now }),
  status,
});
const job = (stageId: string, patch: Partial<JobRecord>): JobRecord => ({
  jobId: `j-${stageId}`,
  workflowRunId: "r",
  workflowId: "w",
  stageId,
  priority: 0,
  attempt: 1,
  maxAttempts: 3,
  payload: {},
  route: "w",
  status: "RUNNING",
  availableAt: now,
  lockedBy: "worker-1",
  lockedUntil: new Date(now.getTime() + 30_000),
  lastError: null,
  createdAt: now,
  updatedAt: new Date(now.getTime() - 2_000),
  ...patch,
});

describe("withLiveStages", () => {
  it("shows a PENDING stage whose job holds a live lease as RUNNING, started when its job became available", () => {
    const [a, b] = withLiveStages([stage("a"), stage("b")], [job("a", {})], now);
    expect(a).toMatchObject({
      stageId: "a",
      status: "RUNNING",
      startedAt: job("a", {}).availableAt,
    });
    expect(b).toMatchObject({ stageId: "b", status: "PENDING", startedAt: null });
  });

  it("leaves stages alone when the lease is over, the job is queued, or the stage has settled", () => {
    const stale = job("a", { lockedUntil: new Date(now.getTime() - 1) });
    const queued = job("b", { status: "PENDING", lockedBy: null, lockedUntil: null });
    const settled = job("c", {});
    const out = withLiveStages(
      [stage("a"), stage("b"), stage("c", "COMPLETED")],
      [stale, queued, settled],
      now,
    );
    expect(out.map((s) => s.status)).toEqual(["PENDING", "PENDING", "COMPLETED"]);
  });
});
