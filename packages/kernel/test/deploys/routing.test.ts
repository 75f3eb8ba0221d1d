import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type AnyWorkflow, defineWorkflow, workflow } from "../../src/index.js";
import { chainWorkflow } from "../fixtures.js";
import { executeOneJob, orderV1, orderV2, twoHosts } from "./fixtures.js";

const order = { orderId: "o-1", amount: 12 };

async function createOrders(t: ReturnType<typeof twoHosts>["a"], n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "order",
      input: { ...order, orderId: `o-${i}` },
    });
    ids.push(workflowRunId);
  }
  return ids;
}

/** Claims one run and executes exactly one of its jobs on host `t`. */
async function runFirstStage(t: ReturnType<typeof twoHosts>["a"]): Promise<void> {
  await t.kernel.dispatch({ type: "run.claimPending", workerId: "solo", maxClaims: 1 });
  await executeOneJob(t);
}

describe("routing: a worker takes only runs and jobs of definitions it registered", () => {
  it("a worker without workflow X leaves X's pending runs PENDING and untouched", async () => {
    const { a, b } = twoHosts([chainWorkflow], [orderV1()]);
    const ids = await createOrders(b, 3);
    const before = await Promise.all(ids.map((id) => a.persistence.getRun(id)));
    await a.driver.drain();
    for (const [i, id] of ids.entries()) {
      expect(await a.persistence.getRun(id)).toEqual(before[i]);
    }
    // The host that has it runs them.
    await b.driver.drain();
    for (const id of ids)
      expect(await b.persistence.getRun(id)).toMatchObject({ status: "COMPLETED" });
  });

  it("a run continues on the version it started on when the new worker registers both", async () => {
    const v1 = orderV1();
    const v2 = orderV2();
    const { a, b } = twoHosts([v1], [v1, v2]);
    const [old] = await createOrders(a, 1);
    await runFirstStage(a);
    // The v1 host is gone; the new host registered both versions.
    const fresh = await b.kernel.dispatch({
      type: "run.create",
      workflowId: "order",
      input: order,
    });
    await b.driver.drain();
    const oldRun = await b.persistence.getRun(old as string);
    expect(oldRun).toMatchObject({
      status: "COMPLETED",
      workflowVersion: "1",
      fingerprint: v1.fingerprint,
      output: { shipped: "o-0", by: "v1" },
    });
    const newRun = await b.persistence.getRun(fresh.workflowRunId);
    expect(newRun).toMatchObject({
      status: "COMPLETED",
      workflowVersion: "2",
      output: { by: "v2" },
    });
    const stages = (await b.persistence.listStages(fresh.workflowRunId)).map((s) => s.stageId);
    expect(stages).toEqual(["reserve", "fraud", "bill", "ship"]);
  });

  it("a worker with only v2 never touches v1 runs, pending or mid-flight: they wait", async () => {
    const v1 = orderV1();
    const { a, b } = twoHosts([v1], [orderV2()]);
    const [midFlight, pending] = await createOrders(a, 2);
    await runFirstStage(a);
    const snapshot = async () => ({
      runs: await Promise.all([midFlight, pending].map((id) => b.persistence.getRun(id as string))),
      jobs: await b.jobTransport.activeJobsForRun(midFlight as string),
    });
    const before = await snapshot();
    expect(before.runs.map((r) => r?.status)).toEqual(["RUNNING", "PENDING"]);
    b.clock.advance(10 * 60_000);
    await b.driver.drain();
    const after = await snapshot();
    expect(after).toEqual(before);
    // A job handed to the v2 worker anyway (a tool's dequeue without routes) is given back,
    // its attempt not used up, and the stage is not run.
    const [job] = await b.jobTransport.dequeue({
      workerId: "b",
      limit: 1,
      leaseMs: 1_000,
      now: b.clock.now(),
    });
    if (!job) throw new Error("no job");
    const result = await b.kernel.dispatch({ type: "job.execute", workerId: "b", job });
    expect(result).toMatchObject({ outcome: "skipped" });
    expect((result as { reason: string }).reason).toContain('workflow "order" version 1');
    expect(await b.jobTransport.getJob(job.jobId)).toMatchObject({ status: "PENDING", attempt: 0 });
    // The v1 worker comes back and finishes both.
    await a.driver.drain();
    for (const id of [midFlight, pending])
      expect(await a.persistence.getRun(id as string)).toMatchObject({
        status: "COMPLETED",
        output: { by: "v1" },
      });
  });

  it("a timer of a run (a sleep) fired on a worker without its version waits for one that has it", async () => {
    const napV1 = workflow("nap")
      .task("a", { handler: () => ({ a: 1 }) })
      .sleep("rest", 60_000)
      .task("b", { handler: () => "v1" })
      .build();
    const napV2 = workflow("nap")
      .version(2)
      .task("a", { handler: () => ({ a: 1 }) })
      .task("b", { handler: () => "v2" })
      .build();
    const { a, b } = twoHosts([napV1], [napV2]);
    const { workflowRunId } = await a.kernel.dispatch({
      type: "run.create",
      workflowId: "nap",
      input: {},
    });
    // Tick host a until the run sleeps.
    const asleep = async () =>
      (await a.persistence.listStages(workflowRunId)).some((s) => s.status === "SUSPENDED");
    for (let i = 0; i < 10 && !(await asleep()); i++) await a.driver.tick();
    expect(await asleep()).toBe(true);
    b.clock.advance(61_000);
    const fired = await b.kernel.dispatch({ type: "schedule.fireDue", workerId: "b" });
    expect(fired).toMatchObject({ fired: 0, failed: 1 });
    expect(await b.persistence.getRun(workflowRunId)).toMatchObject({ status: "RUNNING" });
    // Handed out again once its lease ends, to the host that has v1.
    a.clock.advance(a.kernel.options.jobLeaseMs + 1);
    await a.driver.drain();
    expect(await a.persistence.getRun(workflowRunId)).toMatchObject({
      status: "COMPLETED",
      output: "v1",
    });
  });

  it("the claim stays correct when many other workflows have pending runs", async () => {
    const many: AnyWorkflow[] = Array.from({ length: 30 }, (_, i) =>
      defineWorkflow({ id: `other-${i}`, name: "o", input: z.any(), output: z.any() })
        .pipe(chainWorkflow.groups[0]?.[0] as never)
        .build(),
    );
    const { a, b } = twoHosts([orderV1()], many);
    for (let i = 0; i < 30; i++)
      for (let j = 0; j < 5; j++)
        await b.kernel.dispatch({
          type: "run.create",
          workflowId: `other-${i}`,
          input: { n: j },
          priority: 5,
        });
    const [mine] = await createOrders(a, 1);
    const claim = await a.kernel.dispatch({
      type: "run.claimPending",
      workerId: "a",
      maxClaims: 10,
    });
    expect(claim.claimed.map((c) => c.workflowRunId)).toEqual([mine]);
  });
});

describe("idempotency keys with another request", () => {
  it("are refused with IDEMPOTENCY_KEY_CONFLICT naming the first run; the same request replays", async () => {
    const { a } = twoHosts([orderV1()], []);
    const first = await a.kernel.dispatch({
      type: "run.create",
      workflowId: "order",
      input: order,
      idempotencyKey: "pay-1",
    });
    const again = await a.kernel.dispatch({
      type: "run.create",
      workflowId: "order",
      input: order,
      idempotencyKey: "pay-1",
    });
    expect(again).toEqual({ ...first, replayed: true });
    let error: unknown;
    try {
      await a.kernel.dispatch({
        type: "run.create",
        workflowId: "order",
        input: { ...order, amount: 99 },
        idempotencyKey: "pay-1",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: "IDEMPOTENCY_KEY_CONFLICT",
      existingRunId: first.workflowRunId,
      field: "idempotencyKey",
    });
    expect((error as { toJSON(): unknown }).toJSON()).toMatchObject({
      existingRunId: first.workflowRunId,
    });
    expect((await a.queries.listRuns({ limit: 10 })).runs).toHaveLength(1);
  });
});
