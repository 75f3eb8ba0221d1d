/**
 * Stage committer conformance: a close that carries `skipped` (a choice's untaken branches)
 * creates those records `SKIPPED` — terminal, completed at their creation, no job — in the same
 * commit, without counting them in the next group's `groupRemaining`; and
 * `Persistence.createStages` does the same for `status: "SKIPPED"`.
 */
import { expect, it } from "vitest";
import type { NewStage } from "../../records.js";
import { at, uniqueId } from "./shared.js";
import {
  closeToNext,
  completion,
  runningRun,
  type StageCommitterFixture,
} from "./stage-committer-fixture.js";

/** Registers the skipped-records tests. */
export function skippedCloseTests(fixture: () => StageCommitterFixture): void {
  it("a close with skipped records creates them SKIPPED with the next group, not counted", async () => {
    const f = fixture();
    const { run, stages, jobOf } = await runningRun(f, ["route"], { eventSeq: 0 });
    const stage = stages[0] as NewStage;
    const skipped: NewStage[] = ["review", "escalate"].map((stageId, i) => ({
      id: uniqueId("stage"),
      runId: run.id,
      stageId,
      groupIndex: 2 + i,
      createdAt: at(10),
      status: "SKIPPED",
    }));
    const close = { ...closeToNext(run.id, 1, ["standard"]), skipped };
    const result = await f.committer.commit(completion(stage, { job: jobOf("route"), close }));
    expect(result).toMatchObject({
      kind: "committed",
      closed: true,
      run: { currentGroup: 1, groupRemaining: 1 },
    });
    const records = await f.persistence.listStages(run.id);
    expect(records.map((r) => [r.stageId, r.status, r.groupIndex])).toEqual([
      ["route", "COMPLETED", 0],
      ["standard", "PENDING", 1],
      ["review", "SKIPPED", 2],
      ["escalate", "SKIPPED", 3],
    ]);
    const review = records.find((r) => r.stageId === "review");
    expect(review).toMatchObject({ attempt: 0, startedAt: null, completedAt: at(10) });
    expect(
      (await f.queries.listJobs(run.id)).map((j) => j.stageId).sort((a, b) => a.localeCompare(b)),
    ).toEqual(["route", "standard"]);
  });

  it("createStages with status SKIPPED stores a terminal record completed at its creation", async () => {
    const f = fixture();
    const { run } = await runningRun(f, ["route"], { eventSeq: 0 });
    await f.persistence.createStages([
      {
        id: uniqueId("stage"),
        runId: run.id,
        stageId: "other",
        groupIndex: 1,
        createdAt: at(20),
        status: "SKIPPED",
      },
      { id: uniqueId("stage"), runId: run.id, stageId: "next", groupIndex: 2, createdAt: at(20) },
    ]);
    expect(await f.persistence.getStage(run.id, "other")).toMatchObject({
      status: "SKIPPED",
      attempt: 0,
      completedAt: at(20),
      updatedAt: at(20),
    });
    expect(await f.persistence.getStage(run.id, "next")).toMatchObject({
      status: "PENDING",
      completedAt: null,
    });
  });
}
