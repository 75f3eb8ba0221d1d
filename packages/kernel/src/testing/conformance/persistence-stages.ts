/** Persistence conformance: stage records, inline outputs, compare-and-set and poll leases. */
import { expect, it } from "vitest";
import type { NewStage, StagePatch, StageRecord } from "../../records.js";
import { buildRun, buildStage, type PersistenceFixture } from "./persistence-fixture.js";
import { at, SECOND, sampleJson, uniqueId } from "./shared.js";

/** The record `createStages` must produce for `stage`. */
function freshStage(stage: NewStage): StageRecord {
  return {
    ...stage,
    status: "PENDING",
    attempt: 0,
    outputRef: null,
    suspendedState: null,
    pollConfig: null,
    nextPollAt: null,
    pollLeaseUntil: null,
    progress: null,
    error: null,
    updatedAt: stage.createdAt,
    startedAt: null,
    completedAt: null,
  };
}

/** Registers the stage tests. */
export function stageTests(fixture: () => PersistenceFixture): void {
  it("createStages creates PENDING stages that getStage and listStages return", async () => {
    const { persistence, backdoor } = fixture();
    const run = await persistence.createRun(buildRun());
    const other = await persistence.createRun(buildRun());
    const stages = [
      buildStage(run.id, "fetch", 0, 10),
      buildStage(run.id, "left", 1, 20),
      buildStage(run.id, "right", 1, 20),
      buildStage(run.id, "merge", 2, 30),
    ];
    await persistence.createStages(stages);
    await persistence.createStages([buildStage(other.id, "fetch", 0)]);

    const fetch = await persistence.getStage(run.id, "fetch");
    expect(fetch).toEqual(freshStage(stages[0] as NewStage));
    expect(fetch?.createdAt).toBeInstanceOf(Date);
    expect(fetch?.updatedAt).toBeInstanceOf(Date);
    const listed = await persistence.listStages(run.id);
    expect([...listed].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      stages.map(freshStage).sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(listed.map((stage) => stage.groupIndex)).toEqual([0, 1, 1, 2]);
    if (backdoor) {
      expect(await backdoor.readStage(run.id, "merge")).toEqual({
        ...freshStage(stages[3] as NewStage),
        output: null,
      });
    }
  });

  it("getRunWithStages (when offered) returns exactly what getRun and listStages return", async () => {
    const { persistence } = fixture();
    if (!persistence.getRunWithStages) return expect(persistence.getRunWithStages).toBeUndefined();
    const run = await persistence.createRun(buildRun());
    const lonely = await persistence.createRun(buildRun());
    await persistence.createStages([
      buildStage(run.id, "b", 1, 2),
      buildStage(run.id, "a", 0, 1),
      buildStage(run.id, "c", 1, 3),
    ]);
    await persistence.updateStage(
      (await persistence.getStage(run.id, "a"))?.id ?? "",
      { status: "COMPLETED", output: { x: 1 }, outputRef: { kind: "inline" } },
      { now: at(SECOND) },
    );
    expect(await persistence.getRunWithStages(run.id)).toEqual({
      run: await persistence.getRun(run.id),
      stages: await persistence.listStages(run.id),
    });
    expect(await persistence.getRunWithStages(lonely.id)).toEqual({
      run: await persistence.getRun(lonely.id),
      stages: [],
    });
    expect(await persistence.getRunWithStages(uniqueId("missing"))).toBeNull();
  });

  it("getStage of an unknown run or stage resolves null", async () => {
    const { persistence } = fixture();
    const run = await persistence.createRun(buildRun());
    await persistence.createStages([buildStage(run.id, "fetch", 0)]);
    expect(await persistence.getStage(run.id, "missing")).toBeNull();
    expect(await persistence.getStage(uniqueId("missing"), "fetch")).toBeNull();
    expect(await persistence.listStages(uniqueId("missing"))).toEqual([]);
  });

  it("updateStage applies a patch and round-trips every field", async () => {
    const { persistence, backdoor } = fixture();
    const run = await persistence.createRun(buildRun());
    const stage = buildStage(run.id, "batch", 0);
    await persistence.createStages([stage]);
    const patch = {
      status: "SUSPENDED",
      attempt: 2,
      outputRef: { kind: "blob", key: `runs/${run.id}/outputs/batch/1.json` },
      suspendedState: sampleJson(),
      pollConfig: { intervalMs: 5_000, backoff: { factor: 2, maxMs: 60_000 } },
      nextPollAt: at(100),
      pollLeaseUntil: at(90),
      progress: { percent: 50, note: "half way" },
      error: { code: "E_TRANSIENT", message: "try again" },
      startedAt: at(5),
      completedAt: null,
    } satisfies StagePatch;
    expect(await persistence.updateStage(stage.id, patch, { now: at(50) })).toBe(true);
    const expected: StageRecord = { ...freshStage(stage), ...patch, updatedAt: at(50) };
    const read = await persistence.getStage(run.id, "batch");
    expect(read).toEqual(expected);
    for (const date of [read?.nextPollAt, read?.pollLeaseUntil, read?.startedAt, read?.updatedAt]) {
      expect(date).toBeInstanceOf(Date);
    }
    if (backdoor)
      expect(await backdoor.readStage(run.id, "batch")).toEqual({ ...expected, output: null });
  });

  it("updateStage is a compare-and-set on status and attempt", async () => {
    const { persistence, backdoor } = fixture();
    const run = await persistence.createRun(buildRun());
    const stage = buildStage(run.id, "fetch", 0);
    await persistence.createStages([stage]);
    const unchanged = await persistence.getStage(run.id, "fetch");

    const wrongStatus = await persistence.updateStage(
      stage.id,
      { status: "COMPLETED" },
      { expected: { status: ["RUNNING"] }, now: at(10) },
    );
    expect(wrongStatus).toBe(false);
    const wrongAttempt = await persistence.updateStage(
      stage.id,
      { status: "COMPLETED" },
      { expected: { status: ["PENDING"], attempt: 3 }, now: at(10) },
    );
    expect(wrongAttempt).toBe(false);
    expect(await persistence.getStage(run.id, "fetch")).toEqual(unchanged);
    if (backdoor)
      expect(await backdoor.readStage(run.id, "fetch")).toEqual({ ...unchanged, output: null });

    const started = await persistence.updateStage(
      stage.id,
      { status: "RUNNING", attempt: 1 },
      { expected: { status: ["PENDING", "RUNNING"], attempt: 0 }, now: at(20) },
    );
    expect(started).toBe(true);
    // A duplicate delivery of attempt 0 must not apply again.
    const duplicate = await persistence.updateStage(
      stage.id,
      { status: "RUNNING", attempt: 1 },
      { expected: { status: ["PENDING", "RUNNING"], attempt: 0 }, now: at(30) },
    );
    expect(duplicate).toBe(false);
    const completed = await persistence.updateStage(
      stage.id,
      { status: "COMPLETED", completedAt: at(40) },
      { expected: { attempt: 1 }, now: at(40) },
    );
    expect(completed).toBe(true);
    const read = await persistence.getStage(run.id, "fetch");
    expect(read).toMatchObject({
      status: "COMPLETED",
      attempt: 1,
      completedAt: at(40),
      updatedAt: at(40),
    });
  });

  it("updateStage of an unknown id returns false", async () => {
    const { persistence } = fixture();
    expect(
      await persistence.updateStage(uniqueId("missing"), { status: "RUNNING" }, { now: at(0) }),
    ).toBe(false);
  });

  it("getStageOutputs returns inline outputs, keyed runId:stageId, only for stages that have one", async () => {
    const { persistence, backdoor } = fixture();
    const run = await persistence.createRun(buildRun());
    const other = await persistence.createRun(buildRun());
    const stages = {
      inline: buildStage(run.id, "inline", 0),
      inlineNull: buildStage(run.id, "inline-null", 0),
      blob: buildStage(run.id, "blob", 0),
      none: buildStage(run.id, "none", 0),
      otherRun: buildStage(other.id, "inline", 0),
    };
    await persistence.createStages(Object.values(stages));
    const complete = (id: string, patch: StagePatch) =>
      persistence.updateStage(
        id,
        { status: "COMPLETED", completedAt: at(10), ...patch },
        { now: at(10) },
      );
    const value = sampleJson();
    await complete(stages.inline.id, { outputRef: { kind: "inline" }, output: value });
    await complete(stages.inlineNull.id, { outputRef: { kind: "inline" }, output: null });
    await complete(stages.blob.id, {
      outputRef: { kind: "blob", key: "runs/x/outputs/blob/1.json" },
    });
    await complete(stages.otherRun.id, { outputRef: { kind: "inline" }, output: ["other", 1] });

    const outputs = await persistence.getStageOutputs([
      { runId: run.id, stageId: "inline" },
      { runId: run.id, stageId: "inline-null" },
      { runId: run.id, stageId: "blob" },
      { runId: run.id, stageId: "none" },
      { runId: run.id, stageId: "missing" },
      { runId: other.id, stageId: "inline" },
    ]);
    expect(outputs).toEqual(
      new Map<string, unknown>([
        [`${run.id}:inline`, value],
        [`${run.id}:inline-null`, null],
        [`${other.id}:inline`, ["other", 1]],
      ]),
    );
    expect((await persistence.getStage(run.id, "inline"))?.outputRef).toEqual({ kind: "inline" });
    if (backdoor) {
      expect((await backdoor.readStage(run.id, "inline"))?.output).toEqual(value);
      expect((await backdoor.readStage(run.id, "blob"))?.output).toBeNull();
    }
    expect(await persistence.getStageOutputs([])).toEqual(new Map());
  });

  it("deleteStagesFrom deletes a run's stages from a group on and returns how many", async () => {
    const { persistence, backdoor } = fixture();
    const run = await persistence.createRun(buildRun());
    const other = await persistence.createRun(buildRun());
    await persistence.createStages([
      buildStage(run.id, "a", 0),
      buildStage(run.id, "b", 1),
      buildStage(run.id, "c", 1),
      buildStage(run.id, "d", 2),
      buildStage(other.id, "b", 1),
    ]);
    expect(await persistence.deleteStagesFrom(run.id, 1)).toBe(3);
    expect((await persistence.listStages(run.id)).map((stage) => stage.stageId)).toEqual(["a"]);
    expect((await persistence.listStages(other.id)).map((stage) => stage.stageId)).toEqual(["b"]);
    if (backdoor) expect(await backdoor.readStage(run.id, "d")).toBeNull();
    expect(await persistence.deleteStagesFrom(run.id, 5)).toBe(0);
    // A deleted stage can be created again (rerun-from).
    await persistence.createStages([buildStage(run.id, "b", 1)]);
    expect((await persistence.getStage(run.id, "b"))?.status).toBe("PENDING");
  });

  it("deleteStagesFrom with throughGroup deletes only the groups in that range", async () => {
    const { persistence } = fixture();
    const run = await persistence.createRun(buildRun());
    await persistence.createStages([
      buildStage(run.id, "a", 0),
      buildStage(run.id, "b", 1),
      buildStage(run.id, "c", 2),
      buildStage(run.id, "d", 3),
    ]);
    expect(await persistence.deleteStagesFrom(run.id, 1, 1)).toBe(1);
    expect(await persistence.deleteStagesFrom(run.id, 2, 2)).toBe(1);
    expect((await persistence.listStages(run.id)).map((stage) => stage.stageId)).toEqual([
      "a",
      "d",
    ]);
  });

  it("claimSuspendedStages returns only due SUSPENDED stages and leases them", async () => {
    const { persistence } = fixture();
    const run = await persistence.createRun(buildRun());
    const stages = {
      due: buildStage(run.id, "due", 0),
      dueEarlier: buildStage(run.id, "due-earlier", 0),
      future: buildStage(run.id, "future", 0),
      running: buildStage(run.id, "running", 0),
      pending: buildStage(run.id, "pending", 0),
    };
    await persistence.createStages(Object.values(stages));
    const suspend = (id: string, nextPollAt: Date) =>
      persistence.updateStage(id, { status: "SUSPENDED", nextPollAt }, { now: at(0) });
    await suspend(stages.due.id, at(1 * SECOND));
    await suspend(stages.dueEarlier.id, at(500));
    await suspend(stages.future.id, at(60 * SECOND));
    await persistence.updateStage(
      stages.running.id,
      { status: "RUNNING", nextPollAt: at(0) },
      { now: at(0) },
    );

    const leaseMs = 10 * SECOND;
    const claimed = await persistence.claimSuspendedStages({
      now: at(2 * SECOND),
      limit: 10,
      leaseMs,
    });
    expect(claimed.map((stage) => stage.stageId)).toEqual(["due-earlier", "due"]);
    expect(claimed.every((stage) => stage.status === "SUSPENDED")).toBe(true);
    // Within the lease, nobody else gets them.
    expect(
      await persistence.claimSuspendedStages({ now: at(3 * SECOND), limit: 10, leaseMs }),
    ).toEqual([]);
    // Once the lease has expired, they are handed out again.
    const again = await persistence.claimSuspendedStages({
      now: at(12 * SECOND + 1),
      limit: 1,
      leaseMs,
    });
    expect(again.map((stage) => stage.stageId)).toEqual(["due-earlier"]);
  });

  it("concurrent claimSuspendedStages callers never claim the same stage", async () => {
    const { persistence } = fixture();
    const run = await persistence.createRun(buildRun());
    const stages = Array.from({ length: 20 }, (_, i) => buildStage(run.id, `poll-${i}`, 0));
    await persistence.createStages(stages);
    for (const stage of stages) {
      await persistence.updateStage(
        stage.id,
        { status: "SUSPENDED", nextPollAt: at(0) },
        { now: at(0) },
      );
    }
    const batches = await Promise.all(
      Array.from({ length: 5 }, () =>
        persistence.claimSuspendedStages({ now: at(SECOND), limit: 5, leaseMs: 30 * SECOND }),
      ),
    );
    const ids = batches.flat().map((stage) => stage.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(stages.map((stage) => stage.id).sort());
  });
}
