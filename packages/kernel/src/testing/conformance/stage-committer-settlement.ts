/**
 * Stage committer conformance: completions that settle only their job (a duplicate delivery,
 * a run that ended, a group the run has left), and what a settled stage record keeps.
 */
import { expect, it } from "vitest";
import type { NewStage } from "../../records.js";
import { at, uniqueId } from "./shared.js";
import {
  completion,
  LEASE,
  runningRun,
  type StageCommitterFixture,
  WORKFLOW,
} from "./stage-committer-fixture.js";

/** Registers the duplicate and stale completion tests, and the stage record test. */
export function settlementTests(fixture: () => StageCommitterFixture): void {
  it("a second delivery of a settled stage is a duplicate: only its job is settled", async () => {
    const f = fixture();
    const { run, stages, jobOf } = await runningRun(f, ["a", "b"]);
    const stage = stages[0] as NewStage;
    await f.committer.commit(completion(stage, { job: jobOf("a") }));
    const before = await f.persistence.getRun(run.id);
    // A second attempt of the same stage, on a job that is running again.
    await f.jobTransport.enqueue([
      {
        jobId: uniqueId("job"),
        workflowRunId: run.id,
        workflowId: WORKFLOW,
        route: WORKFLOW,
        stageId: "a",
        priority: 3,
        maxAttempts: 3,
        payload: {},
        availableAt: at(1),
      },
    ]);
    const [again] = await f.jobTransport.dequeue({ ...LEASE, limit: 1, now: at(20) });
    const ref = { jobId: again?.jobId ?? "", attempt: again?.attempt ?? 0 };
    const result = await f.committer.commit(
      completion(stage, { job: ref, attempt: 2, output: { value: "second" } }),
    );
    expect(result).toEqual({ kind: "duplicate" });
    expect(await f.persistence.getRun(run.id)).toEqual(before);
    expect((await f.jobTransport.getJob(ref.jobId))?.status).toBe("COMPLETED");
    const outputs = await f.persistence.getStageOutputs([{ runId: run.id, stageId: "a" }]);
    expect(outputs.get(`${run.id}:a`)).toEqual({ value: "a done", nested: [1, { deep: true }] });
  });

  it("a completion for a run that ended is stale: only its job is settled", async () => {
    const f = fixture();
    const { run, stages, jobOf } = await runningRun(f, ["slow"]);
    await f.persistence.updateRun(run.id, { status: "CANCELLED" }, { now: at(3) });
    const job = jobOf("slow");
    const result = await f.committer.commit(completion(stages[0] as NewStage, { job }));
    expect(result).toEqual({ kind: "stale", status: "CANCELLED" });
    expect((await f.persistence.getStage(run.id, "slow"))?.status).toBe("PENDING");
    expect((await f.jobTransport.getJob(job.jobId))?.status).toBe("COMPLETED");
    expect(await f.queries.listEvents(run.id)).toEqual([]);
  });

  it("a completion for a group the run has left is stale", async () => {
    const f = fixture();
    const { run, stages } = await runningRun(f, ["old"], { groupIndex: 0 });
    await f.persistence.updateRun(run.id, { currentGroup: 1 }, { now: at(3) });
    const result = await f.committer.commit(completion(stages[0] as NewStage));
    expect(result).toEqual({ kind: "stale", status: "RUNNING" });
    expect((await f.persistence.getStage(run.id, "old"))?.status).toBe("PENDING");
  });

  it("keeps a start time the record already has and stores a blob reference without inline output", async () => {
    const f = fixture();
    const { run, stages } = await runningRun(f, ["big", "other"]);
    const stage = stages[0] as NewStage;
    await f.persistence.updateStage(
      stage.id,
      { status: "RUNNING", startedAt: at(3) },
      { now: at(3) },
    );
    const ref = { kind: "blob" as const, key: `runs/${run.id}/outputs/big.json` };
    const result = await f.committer.commit(
      completion(stage, { output: null, outputRef: ref, startedAt: at(6) }),
    );
    expect(result.kind).toBe("committed");
    expect(await f.persistence.getStage(run.id, "big")).toMatchObject({
      status: "COMPLETED",
      outputRef: ref,
      startedAt: at(3),
    });
    const outputs = await f.persistence.getStageOutputs([{ runId: run.id, stageId: "big" }]);
    expect(outputs.has(`${run.id}:big`)).toBe(false);
  });
}
