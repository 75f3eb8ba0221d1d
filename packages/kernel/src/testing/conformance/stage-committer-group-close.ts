/**
 * Stage committer conformance: the completion that closes its group (writing the stage, its
 * job, events, and the next group or the run's end), and the ones that only count it down.
 */
import { expect, it } from "vitest";
import type { NewStage } from "../../records.js";
import { at, uniqueId } from "./shared.js";
import {
  closeToNext,
  completion,
  event,
  LEASE,
  runningRun,
  type StageCommitterFixture,
} from "./stage-committer-fixture.js";

/** Registers the group close tests. */
export function groupCloseTests(fixture: () => StageCommitterFixture): void {
  it("a completion that closes a single-stage group writes the stage, job, events, and starts the next group", async () => {
    const f = fixture();
    const { run, stages, jobOf } = await runningRun(f, ["fetch"], { eventSeq: 4 });
    const stage = stages[0] as NewStage;
    const close = closeToNext(run.id, 1, ["parse", "index"]);
    const job = jobOf("fetch");
    const result = await f.committer.commit(
      completion(stage, {
        job,
        close,
        progress: { progress: 100, message: "done" },
        logs: [
          {
            id: uniqueId("log"),
            runId: run.id,
            stageId: "fetch",
            level: "info",
            message: "fetched",
            data: { bytes: 3 },
            createdAt: at(8),
          },
        ],
      }),
    );
    expect(result).toEqual({
      kind: "committed",
      closed: true,
      run: {
        status: "RUNNING",
        version: run.version + 1,
        eventSeq: 6,
        currentGroup: 1,
        groupRemaining: 2,
        updatedAt: at(10),
      },
    });
    const stored = await f.persistence.getStage(run.id, "fetch");
    expect(stored).toMatchObject({
      status: "COMPLETED",
      attempt: 1,
      outputRef: { kind: "inline" },
      error: null,
      startedAt: at(5),
      completedAt: at(10),
      progress: { progress: 100, message: "done" },
    });
    const outputs = await f.persistence.getStageOutputs([{ runId: run.id, stageId: "fetch" }]);
    expect(outputs.get(`${run.id}:fetch`)).toEqual({
      value: "fetch done",
      nested: [1, { deep: true }],
    });
    expect((await f.jobTransport.getJob(job.jobId))?.status).toBe("COMPLETED");
    const events = await f.queries.listEvents(run.id);
    expect(events.map((e) => [e.sequence, e.type])).toEqual([
      [5, "workflow.step.started"],
      [6, "workflow.step.completed"],
    ]);
    expect((await f.queries.listLogs(run.id)).map((l) => l.message)).toEqual(["fetched"]);
    const next = (await f.persistence.listStages(run.id)).filter((s) => s.groupIndex === 1);
    expect(next.map((s) => [s.stageId, s.status]).sort()).toEqual([
      ["index", "PENDING"],
      ["parse", "PENDING"],
    ]);
    const [leased, queued] = close.nextGroup?.jobs ?? [];
    expect(await f.jobTransport.getJob(leased?.jobId ?? "")).toMatchObject({
      status: "RUNNING",
      attempt: 1,
      lockedBy: LEASE.workerId,
      lockedUntil: at(70_000),
    });
    expect(await f.jobTransport.getJob(queued?.jobId ?? "")).toMatchObject({
      status: "PENDING",
      attempt: 0,
      lockedBy: null,
    });
    if (f.backdoor) {
      expect(await f.backdoor.readRun(run.id)).toMatchObject({
        currentGroup: 1,
        groupRemaining: 2,
        eventSeq: 6,
        version: run.version + 1,
      });
      expect((await f.backdoor.readStage(run.id, "fetch"))?.output).toEqual({
        value: "fetch done",
        nested: [1, { deep: true }],
      });
      expect((await f.backdoor.readJob(job.jobId))?.status).toBe("COMPLETED");
    }
  });

  it("the last group's close completes the run with its output and events", async () => {
    const f = fixture();
    const { run, stages, jobOf } = await runningRun(f, ["publish"], { groupIndex: 2 });
    const result = await f.committer.commit(
      completion(stages[0] as NewStage, {
        job: jobOf("publish"),
        close: {
          events: [event("workflow.completed", 10)],
          run: {
            status: "COMPLETED",
            output: { url: "/x" },
            completedAt: at(10),
            currentGroup: 2,
          },
        },
      }),
    );
    expect(result).toMatchObject({
      kind: "committed",
      closed: true,
      run: { status: "COMPLETED", currentGroup: 2, groupRemaining: 0, eventSeq: 5 },
    });
    expect(await f.persistence.getRun(run.id)).toMatchObject({
      status: "COMPLETED",
      output: { url: "/x" },
      completedAt: at(10),
    });
    expect((await f.queries.listEvents(run.id)).map((e) => [e.sequence, e.type])).toEqual([
      [3, "workflow.step.started"],
      [4, "workflow.step.completed"],
      [5, "workflow.completed"],
    ]);
  });

  it("concurrent completions of a parallel group: exactly one closes it, events stay gapless", async () => {
    const f = fixture();
    const ids = ["p0", "p1", "p2", "p3", "p4", "p5"];
    const { run, stages, jobOf } = await runningRun(f, ids, { groupIndex: 1, eventSeq: 0 });
    const results = await Promise.all(
      stages.map((stage) =>
        f.committer.commit(
          completion(stage, {
            job: jobOf(stage.stageId),
            close: closeToNext(run.id, 2, ["join"]),
          }),
        ),
      ),
    );
    const closing = results.filter((r) => r.kind === "committed" && r.closed);
    expect(results.every((r) => r.kind === "committed")).toBe(true);
    expect(closing).toHaveLength(1);
    const after = await f.persistence.getRun(run.id);
    expect(after).toMatchObject({ currentGroup: 2, groupRemaining: 1, eventSeq: 12 });
    const sequences = (await f.queries.listEvents(run.id)).map((e) => e.sequence);
    expect(sequences).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const joins = (await f.persistence.listStages(run.id)).filter((s) => s.stageId === "join");
    expect(joins).toHaveLength(1);
    expect((await f.jobTransport.activeJobsForRun(run.id)).map((j) => j.stageId)).toEqual(["join"]);
  });

  it("a completion that leaves stages of its group to go closes nothing and counts down", async () => {
    const f = fixture();
    const { run, stages, jobOf } = await runningRun(f, ["left", "right"], { eventSeq: 1 });
    const result = await f.committer.commit(
      completion(stages[0] as NewStage, {
        job: jobOf("left"),
        close: closeToNext(run.id, 1, ["merge"]),
      }),
    );
    expect(result).toMatchObject({
      kind: "committed",
      closed: false,
      run: { currentGroup: 0, groupRemaining: 1, eventSeq: 3 },
    });
    expect((await f.persistence.listStages(run.id)).map((s) => s.stageId).sort()).toEqual([
      "left",
      "right",
    ]);
  });

  it("a group closed without a prepared close reports closed and writes no next step", async () => {
    const f = fixture();
    const { run, stages, jobOf } = await runningRun(f, ["only"], { groupIndex: 3 });
    const result = await f.committer.commit(
      completion(stages[0] as NewStage, { job: jobOf("only"), close: null }),
    );
    expect(result).toMatchObject({
      kind: "committed",
      closed: true,
      run: { status: "RUNNING", currentGroup: 3, groupRemaining: 0 },
    });
    expect((await f.persistence.getRun(run.id))?.output).toBeNull();
  });
}
