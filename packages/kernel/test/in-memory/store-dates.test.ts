/**
 * The in-memory store keeps one `Date` per time a transaction writes (and reuses dates its
 * rows already hold), so rows share `Date` objects. That is safe only because stored dates
 * are never changed and never handed out: these tests pin both halves — every field keeps its
 * own time, and nothing a caller passes in or gets back aliases a stored date or output
 * reference.
 */
import { describe, expect, it } from "vitest";
import { createInMemoryStack } from "../../src/in-memory/index.js";
import { StoreTransaction } from "../../src/in-memory/table.js";
import { at } from "../../src/testing/conformance/shared.js";
import {
  closeToNext,
  completion,
  runningRun,
  type StageCommitterFixture,
} from "../../src/testing/conformance/stage-committer-fixture.js";

/** Mutates a value in place, all the way down (Dates move, objects gain and change keys). */
function scramble(value: unknown, seen = new Set<object>()): void {
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Date) {
    value.setTime(0);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) scramble(item, seen);
    value.push("scrambled");
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (typeof item === "object" && item !== null) scramble(item, seen);
    else record[key] = typeof item === "number" ? -1 : "scrambled";
  }
  record.scrambled = true;
}

describe("in-memory store transaction dates", () => {
  it("gives each time one stored copy, never the caller's date, and keeps every time apart", () => {
    const tx = new StoreTransaction();
    const times = [1, 2, 1, 3, 2, 4, 1, 5, 6, 7, 8, 1];
    const given = times.map((t) => new Date(t));
    const stored = given.map((d) => tx.date(d));
    for (const [i, date] of stored.entries()) {
      expect(date).not.toBe(given[i]);
      expect(date.getTime()).toBe(times[i]);
    }
    // Times met among the last few distinct ones come back as the same object.
    expect(stored[2]).toBe(stored[0]);
    expect(stored[4]).toBe(stored[1]);
    expect(stored[6]).toBe(stored[0]);
    // Changing what the caller passed in changes nothing stored.
    for (const date of given) date.setTime(-1);
    expect(stored.map((d) => d.getTime())).toEqual(times);
  });

  it("reuses a shared stored date for the same time, and only for the same time", () => {
    const tx = new StoreTransaction();
    const kept = new Date(42);
    tx.share(kept);
    expect(tx.date(new Date(42))).toBe(kept);
    const other = tx.date(new Date(43));
    expect(other).not.toBe(kept);
    expect(other.getTime()).toBe(43);
    expect(tx.nullableDate(null)).toBeNull();
  });

  it("a committed completion and its next group alias nothing passed in or handed back", async () => {
    const stack = createInMemoryStack();
    const committer = stack.persistence.stageCommitter?.(stack.jobTransport);
    if (!committer) throw new Error("the in-memory persistence offers a stage committer");
    const f = {
      committer,
      persistence: stack.persistence,
      queries: stack.queries,
      jobTransport: stack.jobTransport,
      close: async () => {},
    } satisfies StageCommitterFixture;
    const { run, stages, jobOf } = await runningRun(f, ["a"]);
    const [stage] = stages;
    if (!stage) throw new Error("runningRun made a stage");
    const close = closeToNext(run.id, 1, ["b"]);
    // Read before the completion is scrambled below.
    const nextJobId = close.nextGroup?.jobs[0]?.jobId;
    if (nextJobId === undefined) throw new Error("closeToNext made a job");
    const given = completion(stage, { job: jobOf("a"), close });
    const result = await committer.commit(given);
    expect(result.kind).toBe("committed");

    const snapshot = async () => ({
      run: await stack.persistence.getRun(run.id),
      stages: await stack.persistence.listStages(run.id),
      outputs: [
        ...(await stack.persistence.getStageOutputs([{ runId: run.id, stageId: "a" }])).entries(),
      ],
      events: await stack.queries.listEvents(run.id),
      jobs: await stack.jobTransport.activeJobsForRun(run.id),
      next: await stack.jobTransport.getJob(nextJobId),
    });
    const before = structuredClone(await snapshot());
    // The times each field was given, each kept apart from the others.
    const a = before.stages.find((s) => s.stageId === "a");
    expect(a).toMatchObject({
      status: "COMPLETED",
      outputRef: { kind: "inline" },
      startedAt: at(5),
      completedAt: at(10),
      updatedAt: at(10),
      createdAt: at(1),
    });
    expect(before.stages.find((s) => s.stageId === "b")).toMatchObject({
      status: "PENDING",
      createdAt: at(10),
    });
    expect(before.next).toMatchObject({
      status: "RUNNING",
      availableAt: at(10),
      lockedUntil: at(70_000),
      createdAt: at(10),
    });
    expect(before.run).toMatchObject({ createdAt: at(0), updatedAt: at(10), currentGroup: 1 });

    scramble(given);
    scramble(result);
    scramble(await snapshot());
    expect(await snapshot()).toEqual(before);
  });
});
