/**
 * `exactRecords`: which stage records a continuation may hand on as an exact snapshot once a
 * completion closed its group — after a parallel group, only the group as the store read it in
 * the closing commit, and only when every other member reads COMPLETED there.
 */
import { describe, expect, it } from "vitest";
import { exactRecords } from "../../src/commands/job-execute/continuation.js";
import type { StageRecord, StageStatus } from "../../src/records.js";

const T = new Date("2026-01-01T00:00:00Z");

function stage(id: string, groupIndex: number, status: StageStatus): StageRecord {
  return {
    id,
    runId: "r",
    stageId: id,
    groupIndex,
    status,
    attempt: status === "PENDING" ? 0 : 1,
    outputRef: status === "COMPLETED" ? { kind: "inline" } : null,
    suspendedState: null,
    pollConfig: null,
    nextPollAt: null,
    pollLeaseUntil: null,
    progress: null,
    error: null,
    createdAt: T,
    updatedAt: T,
    startedAt: status === "PENDING" ? null : T,
    completedAt: status === "COMPLETED" ? T : null,
  };
}

// The worker's view: `first` done, `a`, `b`, `c` of group 1 read while they ran.
const first = stage("first", 0, "COMPLETED");
const seen = [first, stage("a", 1, "RUNNING"), stage("b", 1, "RUNNING"), stage("c", 1, "RUNNING")];
const completedC = stage("c", 1, "COMPLETED");

describe("exactRecords", () => {
  it("after a single-stage group: the worker's own records", () => {
    const single = [first, stage("only", 1, "RUNNING")];
    expect(exactRecords(single, stage("only", 1, "COMPLETED"), 1, undefined)).toBe(single);
  });

  it("after a parallel group the store did not return: none", () => {
    expect(exactRecords(seen, completedC, 3, undefined)).toBeUndefined();
  });

  it("after a parallel group whose other members all read COMPLETED: the store's members", () => {
    const closed = [
      stage("a", 1, "COMPLETED"),
      stage("b", 1, "COMPLETED"),
      stage("c", 1, "RUNNING"),
    ];
    const view = exactRecords(seen, completedC, 3, closed);
    expect(view?.map((r) => [r.id, r.status])).toEqual([
      ["first", "COMPLETED"],
      ["a", "COMPLETED"],
      ["b", "COMPLETED"],
      ["c", "RUNNING"], // the caller puts its own completed record in
    ]);
  });

  it("when a member the store read predates its completion: none", () => {
    const stale = [stage("a", 1, "COMPLETED"), stage("b", 1, "RUNNING"), stage("c", 1, "RUNNING")];
    expect(exactRecords(seen, completedC, 3, stale)).toBeUndefined();
  });

  it("when the store's read misses a member: none", () => {
    const partial = [stage("a", 1, "COMPLETED"), stage("c", 1, "RUNNING")];
    expect(exactRecords(seen, completedC, 3, partial)).toBeUndefined();
  });

  it("a worker's view without the other members (a snapshot that omits them) gets the store's, in its order", () => {
    const closed = [
      stage("b", 1, "COMPLETED"),
      stage("a", 1, "COMPLETED"),
      stage("c", 1, "COMPLETED"),
    ];
    const own = seen[3] as StageRecord;
    expect(exactRecords([first, own], completedC, 3, closed)?.map((r) => r.id)).toEqual([
      "first",
      "b",
      "a",
      "c",
    ]);
    // A later group's record (a loop ran it before) keeps its place after the group.
    const later = stage("later", 2, "COMPLETED");
    expect(exactRecords([first, own, later], completedC, 3, closed)?.map((r) => r.id)).toEqual([
      "first",
      "b",
      "a",
      "c",
      "later",
    ]);
    // The group first: its members lead.
    expect(
      exactRecords([stage("c", 0, "RUNNING")], stage("c", 0, "COMPLETED"), 2, [
        stage("d", 0, "COMPLETED"),
        stage("c", 0, "RUNNING"),
      ])?.map((r) => r.id),
    ).toEqual(["d", "c"]);
  });
});
