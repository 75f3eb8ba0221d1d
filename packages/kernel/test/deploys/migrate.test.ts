import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineStage, defineWorkflow } from "../../src/index.js";
import { executeOneJob, orderV1, orderV1Edited, orderV2, twoHosts } from "./fixtures.js";

const order = { orderId: "o-1", amount: 12 };
type Host = ReturnType<typeof twoHosts>["a"];

/** A v1 run on host `a` that completed `reserve` and waits at `charge` (no v1 worker left). */
async function v1RunAtCharge(a: Host): Promise<string> {
  const { workflowRunId } = await a.kernel.dispatch({
    type: "run.create",
    workflowId: "order",
    input: order,
  });
  await a.kernel.dispatch({ type: "run.claimPending", workerId: "a", maxClaims: 1 });
  await executeOneJob(a);
  return workflowRunId;
}

/** Everything stored about a run, to compare before and after. */
async function stateOf(t: Host, runId: string) {
  return {
    run: await t.persistence.getRun(runId),
    stages: await t.persistence.listStages(runId),
    jobs: await t.jobTransport.activeJobsForRun(runId),
  };
}

describe("run.migrate", () => {
  it("a dry run reports the plan and writes nothing; the migration moves the run, which completes on v2", async () => {
    const v1 = orderV1();
    const v2 = orderV2();
    const { a, b } = twoHosts([v1], [v2]);
    const runId = await v1RunAtCharge(a);
    const before = await stateOf(b, runId);

    const planned = await b.kernel.dispatch({
      type: "run.migrate",
      workflowRunId: runId,
      dryRun: true,
    });
    expect(planned).toEqual({
      workflowRunId: runId,
      workflowId: "order",
      outcome: "planned",
      from: { version: "1", fingerprint: v1.fingerprint },
      to: { version: "2", fingerprint: v2.fingerprint },
      resumeAt: "bill",
      carried: ["reserve", "fraud"],
    });
    expect(await stateOf(b, runId)).toEqual(before);

    const moved = await b.kernel.dispatch({ type: "run.migrate", workflowRunId: runId });
    expect(moved).toMatchObject({ outcome: "migrated", resumeAt: "bill" });
    const run = await b.persistence.getRun(runId);
    expect(run).toMatchObject({
      workflowVersion: "2",
      fingerprint: v2.fingerprint,
      status: "RUNNING",
    });
    // The old charge job is gone; the new bill job is v2's, which the v2 host now runs.
    expect((await b.jobTransport.activeJobsForRun(runId)).map((j) => j.stageId)).toEqual(["bill"]);
    await b.driver.drain();
    expect(await b.persistence.getRun(runId)).toMatchObject({
      status: "COMPLETED",
      output: { shipped: "o-1", by: "v2" },
    });
    const stages = await b.persistence.listStages(runId);
    expect(stages.map((s) => [s.stageId, s.status])).toEqual([
      ["reserve", "COMPLETED"],
      ["fraud", "COMPLETED"],
      ["bill", "COMPLETED"],
      ["ship", "COMPLETED"],
    ]);
    await b.driver.drain();
    const types = b.events.events.filter((e) => e.workflowRunId === runId).map((e) => e.type);
    expect(types).toContain("workflow.migrated");
  });

  it("a pending run moves by its version alone and then runs from the start on v2", async () => {
    const { a, b } = twoHosts([orderV1()], [orderV2()]);
    const { workflowRunId } = await a.kernel.dispatch({
      type: "run.create",
      workflowId: "order",
      input: order,
    });
    const moved = await b.kernel.dispatch({ type: "run.migrate", workflowRunId });
    expect(moved).toMatchObject({ outcome: "migrated", carried: [] });
    expect(moved).not.toHaveProperty("resumeAt");
    await b.driver.drain();
    expect(await b.persistence.getRun(workflowRunId)).toMatchObject({
      status: "COMPLETED",
      output: { by: "v2" },
    });
  });

  it("an edit under the same version migrates by keeping outputs of the stages it still has", async () => {
    const { a, b } = twoHosts([orderV1()], [orderV1Edited()]);
    const runId = await v1RunAtCharge(a);
    const moved = await b.kernel.dispatch({ type: "run.migrate", workflowRunId: runId });
    expect(moved).toMatchObject({ outcome: "migrated", resumeAt: "charge", carried: ["reserve"] });
    await b.driver.drain();
    expect(await b.persistence.getRun(runId)).toMatchObject({
      status: "COMPLETED",
      output: { by: "v1-edited", carrier: "post" },
    });
  });

  it("refuses, changing nothing, when no migration is declared, a stage runs, or an output does not fit", async () => {
    const v3 = defineWorkflow({
      id: "order",
      name: "Order",
      input: z.any(),
      output: z.any(),
      version: 3,
    })
      .pipe(
        defineStage({
          id: "only",
          name: "Only",
          schemas: { input: z.any(), output: z.any() },
          execute: () => 1,
        }),
      )
      .build();
    const badOutput = orderV2(() => ({ outputs: { bill: { wrong: true } } }));
    const throwing = orderV2(() => {
      throw new Error("cannot map");
    });
    const cases = [
      { target: v3, reason: "declares no migration from version 1" },
      { target: badOutput, reason: 'the output carried to stage "bill" does not fit' },
      { target: throwing, reason: "the migration threw: cannot map" },
    ];
    for (const { target, reason } of cases) {
      const { a, b } = twoHosts([orderV1()], [target]);
      const runId = await v1RunAtCharge(a);
      const before = await stateOf(b, runId);
      const result = await b.kernel.dispatch({ type: "run.migrate", workflowRunId: runId });
      expect(result).toMatchObject({ outcome: "refused", code: "MIGRATION_REFUSED" });
      expect(result.reason).toContain(reason);
      expect(await stateOf(b, runId)).toEqual(before);
    }

    // A stage being executed right now (its job holds a lease).
    const { a, b } = twoHosts([orderV1()], [orderV2()]);
    const runId = await v1RunAtCharge(a);
    await a.jobTransport.dequeue({
      workerId: "busy",
      limit: 1,
      leaseMs: 60_000,
      now: a.clock.now(),
    });
    const before = await stateOf(b, runId);
    const result = await b.kernel.dispatch({ type: "run.migrate", workflowRunId: runId });
    expect(result).toMatchObject({ outcome: "refused" });
    expect(result.reason).toContain('stage "charge" is being executed (lease held by busy');
    expect(await stateOf(b, runId)).toEqual(before);
  });

  it('a run stored before versions (fingerprint "") runs on the newest version and can be pinned to one', async () => {
    const v2 = orderV2();
    const { a, b } = twoHosts([orderV1()], [v2]);
    const runId = await v1RunAtCharge(a);
    const run = await a.persistence.getRun(runId);
    // As an upgrade leaves it: no version recorded.
    await a.persistence.updateRun(
      runId,
      { workflowVersion: "", fingerprint: "" },
      { now: a.clock.now() },
    );
    expect(run?.currentGroup).toBe(1);
    const moved = await b.kernel.dispatch({ type: "run.migrate", workflowRunId: runId });
    expect(moved).toMatchObject({
      outcome: "migrated",
      from: { version: "", fingerprint: "" },
      to: { version: "2", fingerprint: v2.fingerprint },
      carried: ["reserve"],
    });
    await b.driver.drain();
    expect(await b.persistence.getRun(runId)).toMatchObject({
      status: "COMPLETED",
      workflowVersion: "2",
      output: { by: "v2" },
    });
  });

  it("a parallel group half done resumes with only its missing branch; outputs past the resume point are not carried", async () => {
    const N = z.object({ n: z.number() });
    const runs: string[] = [];
    const inc = <const Id extends string>(id: Id, tag: string) =>
      defineStage({
        id,
        name: id,
        schemas: { input: N, output: N },
        execute: (ctx) => {
          runs.push(`${tag}:${id}`);
          return { n: ctx.input.n + 1 };
        },
      });
    const join = (tag: string) =>
      defineStage({
        id: "z",
        name: "z",
        schemas: { input: z.object({ p: N, q: N }), output: N },
        execute: (ctx) => {
          runs.push(`${tag}:z`);
          return { n: ctx.input.p.n + ctx.input.q.n };
        },
      });
    const build = (version: number, tag: string) => {
      const builder = defineWorkflow({ id: "fan", name: "Fan", input: N, output: N, version })
        .pipe(inc("a", tag))
        .parallel([inc("p", tag), inc("q", tag)])
        .pipe(join(tag));
      // Version 2 also claims an output for z, past the resume point: it must not be carried.
      return (
        version === 1
          ? builder
          : builder.migrateFrom(1, (run) => ({ outputs: { ...run.outputs, z: { n: 99 } } }))
      ).build();
    };
    const { a, b } = twoHosts([build(1, "v1")], [build(2, "v2")]);
    const { workflowRunId } = await a.kernel.dispatch({
      type: "run.create",
      workflowId: "fan",
      input: { n: 1 },
    });
    await a.kernel.dispatch({ type: "run.claimPending", workerId: "a", maxClaims: 1 });
    await executeOneJob(a); // a
    await executeOneJob(a); // p (the first of the parallel group)
    expect(runs).toEqual(["v1:a", "v1:p"]);
    const moved = await b.kernel.dispatch({ type: "run.migrate", workflowRunId });
    expect(moved).toMatchObject({ outcome: "migrated", resumeAt: "q", carried: ["a", "p"] });
    await b.driver.drain();
    expect(runs).toEqual(["v1:a", "v1:p", "v2:q", "v2:z"]);
    expect(await b.persistence.getRun(workflowRunId)).toMatchObject({
      status: "COMPLETED",
      output: { n: 6 },
    });
  });

  it("skips runs that ended or are on the target already, and names a missing target version", async () => {
    const v1 = orderV1();
    const { a, b } = twoHosts([v1], [v1, orderV2()]);
    const { workflowRunId } = await a.kernel.dispatch({
      type: "run.create",
      workflowId: "order",
      input: order,
    });
    expect(
      await b.kernel.dispatch({ type: "run.migrate", workflowRunId, toVersion: "1" }),
    ).toMatchObject({
      outcome: "skipped",
      reason: "the run is on the target already",
    });
    await a.driver.drain();
    expect(await b.kernel.dispatch({ type: "run.migrate", workflowRunId })).toMatchObject({
      outcome: "skipped",
      reason: "the run has ended (COMPLETED)",
    });
    await expect(
      b.kernel.dispatch({ type: "run.migrate", workflowRunId, toVersion: "9" }),
    ).rejects.toMatchObject({ code: "WORKFLOW_NOT_FOUND" });
    await expect(
      b.kernel.dispatch({ type: "run.migrate", workflowRunId: "nope" }),
    ).rejects.toMatchObject({ code: "RUN_NOT_FOUND" });
  });
});
