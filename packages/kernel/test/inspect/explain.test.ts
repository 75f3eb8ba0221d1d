/**
 * `inspectRun` / `loadRunInspection` / `explainRun`: each thing a run can wait for, explained
 * in one sentence with its facts, on the in-memory kernel driven step by step.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineStage,
  defineWorkflow,
  explainRun,
  inspectRun,
  loadRunInspection,
  type RunInspection,
} from "../../src/index.js";
import { createTestKernel, FakeClock, type TestKernel } from "../../src/testing/index.js";
import { batchWorkflow, chainWorkflow, controllable } from "../fixtures.js";

const T0 = Date.parse("2026-03-01T10:00:00Z");
const any = z.any();

async function inspect(t: TestKernel, runId: string): Promise<RunInspection> {
  const inspection = await loadRunInspection(t.queries, runId, t.clock.now());
  if (!inspection) throw new Error(`run ${runId} not found`);
  return inspection;
}

async function create(t: TestKernel, workflowId: string, input: unknown = {}): Promise<string> {
  const { workflowRunId } = await t.kernel.dispatch({ type: "run.create", workflowId, input });
  return workflowRunId;
}

/** Claims the run and leases its first job to `worker` (the stage is not executed). */
async function leaseFirstJob(t: TestKernel, worker = "w-1") {
  await t.kernel.dispatch({ type: "run.claimPending", workerId: worker });
  const [job] = await t.jobTransport.dequeue({
    workerId: worker,
    limit: 1,
    leaseMs: 30_000,
    now: t.clock.now(),
  });
  if (!job) throw new Error("no job");
  return job;
}

describe("explainRun", () => {
  it("a run not claimed: waits for a worker that has its workflow and version", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow], clock: new FakeClock(T0) });
    const runId = await create(t, "chain", { n: 0 });
    const { summary, facts } = explainRun(await inspect(t, runId), t.clock.now());
    expect(summary).toMatch(
      /^Run \S+ waits to be claimed by a worker that has workflow "chain" at version \S+ \(fingerprint \S+\); workers claim only runs of definitions they register\.$/,
    );
    expect(facts).toMatchObject({
      runId,
      status: "PENDING",
      reason: "worker",
      workflowId: "chain",
    });
    expect(facts.route).toEqual(expect.any(String));
  });

  it("a queued stage: waits for a worker to take it", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow], clock: new FakeClock(T0) });
    const runId = await create(t, "chain", { n: 0 });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w" });
    const inspection = await inspect(t, runId);
    expect(inspection.stages[0]).toMatchObject({ state: "PENDING", attempt: 0, maxAttempts: 3 });
    const { summary, facts } = explainRun(inspection, t.clock.now());
    expect(summary).toContain('to take stage "a" (attempt 1 of 3)');
    expect(facts).toMatchObject({ reason: "worker", stageId: "a", attempt: 1 });
  });

  it("a leased job: RUNNING on worker W, then its lease expired and will be reaped", async () => {
    const clock = new FakeClock(T0);
    const t = createTestKernel({ workflows: [chainWorkflow], clock });
    const runId = await create(t, "chain", { n: 0 });
    await leaseFirstJob(t, "w-7");
    clock.advance(4_000);
    const running = await inspect(t, runId);
    expect(running.stages[0]).toMatchObject({
      stageId: "a",
      state: "RUNNING",
      status: "PENDING",
      attempt: 1,
      lease: {
        workerId: "w-7",
        heartbeatAgeMs: 4_000,
        expired: false,
        until: new Date(T0 + 30_000),
      },
    });
    const explained = explainRun(running, clock.now());
    expect(explained.summary).toContain('is running stage "a" attempt 1 of 3 on worker w-7');
    expect(explained.summary).toContain("last heartbeat 4.0 s ago");
    expect(explained.facts).toMatchObject({
      reason: "running",
      workerId: "w-7",
      heartbeatAgeMs: 4_000,
    });

    clock.advance(36_000); // 10 s past the lease
    const stale = explainRun(await inspect(t, runId), clock.now());
    expect(stale.summary).toContain(
      "held by worker w-7 expired 10 s ago (last heartbeat 40 s ago)",
    );
    expect(stale.summary).toContain("will be reaped");
    expect(stale.facts).toMatchObject({ reason: "lease-expired", leaseExpiredMs: 10_000 });
  });

  it("a heartbeat renews the lease: its age is measured from the renewal", async () => {
    const clock = new FakeClock(T0);
    const t = createTestKernel({ workflows: [chainWorkflow], clock });
    const runId = await create(t, "chain", { n: 0 });
    const job = await leaseFirstJob(t, "w-1");
    clock.advance(20_000);
    await t.jobTransport.renewLeases([job.jobId], "w-1", 30_000, clock.now());
    clock.advance(2_000);
    const stage = (await inspect(t, runId)).stages[0];
    expect(stage?.lease).toEqual({
      workerId: "w-1",
      until: new Date(T0 + 50_000),
      heartbeatAgeMs: 2_000,
      expired: false,
    });
  });

  it("a failed attempt: RETRY_WAIT until its back-off ends, with the error and its stack", async () => {
    const clock = new FakeClock(T0);
    const { behaviour, workflow } = controllable("flaky");
    behaviour.run = (attempt) => {
      throw new Error(`boom ${attempt}`);
    };
    const t = createTestKernel({ workflows: [workflow], clock, random: () => 0.5 });
    const runId = await create(t, "ctl-flaky");
    const job = await leaseFirstJob(t);
    await t.kernel.dispatch({ type: "job.execute", workerId: "w-1", job });
    const inspection = await inspect(t, runId);
    const stage = inspection.stages[0];
    expect(stage?.state).toBe("RETRY_WAIT");
    expect(stage?.nextRetryAt?.getTime()).toBeGreaterThan(clock.now().getTime());
    expect(stage?.attempts).toHaveLength(1);
    expect(stage?.attempts[0]).toMatchObject({
      attempt: 1,
      outcome: "failed",
      error: { code: "STAGE_ERROR", message: "boom 1", stack: expect.stringMatching(/^at /) },
    });
    const { summary, facts } = explainRun(inspection, clock.now());
    expect(summary).toContain(
      `waits to retry stage "flaky": attempt 2 of 3 at ${stage?.nextRetryAt?.toISOString()} (in `,
    );
    expect(summary).toContain("after attempt 1 failed with STAGE_ERROR boom 1");
    expect(facts).toMatchObject({
      reason: "retry",
      errorCode: "STAGE_ERROR",
      errorMessage: "boom 1",
    });

    // The run fails after three attempts: each attempt's error is kept, the run explains its end.
    const run = await t.driver.runToCompletion(runId);
    expect(run.status).toBe("FAILED");
    const ended = await inspect(t, runId);
    expect(ended.stages[0]?.attempts.map((a) => [a.attempt, a.outcome, a.error?.message])).toEqual([
      [1, "failed", "boom 1"],
      [2, "failed", "boom 2"],
      [3, "failed", "boom 3"],
    ]);
    expect(ended.stages[0]?.state).toBe("FAILED");
    const explained = explainRun(ended, clock.now());
    expect(explained.summary).toMatch(
      / failed at \S+ after \S+ s at stage "flaky" after 3 attempts: STAGE_ERROR boom 3\.$/,
    );
    expect(explained.facts).toMatchObject({
      reason: "ended",
      status: "FAILED",
      errorCode: "STAGE_ERROR",
    });
  });

  it("a completed run says when, and its timeline lists each attempt", async () => {
    const clock = new FakeClock(T0);
    const t = createTestKernel({ workflows: [chainWorkflow], clock });
    const runId = await create(t, "chain", { n: 0 });
    await t.driver.runToCompletion(runId);
    const inspection = await inspect(t, runId);
    expect(explainRun(inspection, clock.now()).summary).toMatch(
      /^Run \S+ completed at \S+ after \d+ ms\.$/,
    );
    expect(inspection.timeline.map((e) => [e.kind, e.stageId])).toEqual([
      ["run.created", null],
      ["run.started", null],
      ["attempt.started", "a"],
      ["attempt.completed", "a"],
      ["attempt.started", "b"],
      ["attempt.completed", "b"],
      ["attempt.started", "c"],
      ["attempt.completed", "c"],
      ["run.completed", null],
    ]);
    expect(inspection.stages.map((s) => s.state)).toEqual(["COMPLETED", "COMPLETED", "COMPLETED"]);
  });

  it("a sleep: until when", async () => {
    const clock = new FakeClock(T0);
    const wf = defineWorkflow({ id: "nap", name: "nap", input: any, output: any })
      .sleep("nap", 60_000)
      .build();
    const t = createTestKernel({ workflows: [wf], clock });
    const runId = await create(t, "nap");
    for (let i = 0; i < 3; i++) await t.driver.tick();
    const inspection = await inspect(t, runId);
    expect(inspection.stages[0]).toMatchObject({ state: "SUSPENDED", suspendedFor: "sleep" });
    const { summary, facts } = explainRun(inspection, clock.now());
    expect(summary).toContain(
      `waits for stage "nap" to sleep until ${new Date(T0 + 60_000).toISOString()} (in 1 min)`,
    );
    expect(facts).toMatchObject({
      reason: "sleep",
      sleepUntil: new Date(T0 + 60_000).toISOString(),
    });
  });

  it("a suspended poll: its next check", async () => {
    const clock = new FakeClock(T0);
    const { workflow } = batchWorkflow();
    const t = createTestKernel({ workflows: [workflow], clock });
    const runId = await create(t, workflow.id, { items: 3 });
    for (let i = 0; i < 2; i++) await t.driver.tick();
    const inspection = await inspect(t, runId);
    const stage = inspection.stages[0];
    expect(stage).toMatchObject({ state: "SUSPENDED", suspendedFor: "poll" });
    const { summary, facts } = explainRun(inspection, clock.now());
    expect(summary).toContain(`suspended: next check at ${stage?.nextCheckAt?.toISOString()}`);
    expect(facts).toMatchObject({ reason: "poll", nextCheckAt: stage?.nextCheckAt?.toISOString() });
  });

  it("a signal, an approval and a child run (with its status)", async () => {
    const clock = new FakeClock(T0);
    const kid = defineWorkflow({ id: "kid", name: "kid", input: any, output: any })
      .waitForSignal("never")
      .build();
    const signal = defineWorkflow({ id: "sig", name: "sig", input: any, output: any })
      .waitForSignal("paid", { name: "payment", timeoutMs: 60_000 })
      .build();
    const approval = defineWorkflow({ id: "appr", name: "appr", input: any, output: any })
      .approval("manager", { timeoutMs: 3_600_000 })
      .build();
    const parent = defineWorkflow({ id: "par", name: "par", input: any, output: any })
      .child("kid", kid)
      .build();
    const t = createTestKernel({ workflows: [kid, signal, approval, parent], clock });
    const ids = {
      sig: await create(t, "sig"),
      appr: await create(t, "appr"),
      par: await create(t, "par"),
    };
    for (let i = 0; i < 6; i++) await t.driver.tick();
    const sig = explainRun(await inspect(t, ids.sig), clock.now());
    expect(sig.summary).toContain('waits for signal "payment" at stage "paid"');
    expect(sig.summary).toContain(`timing out at ${new Date(T0 + 60_000).toISOString()}`);
    expect(sig.facts).toMatchObject({ reason: "signal", signal: "payment", signalKey: null });
    const appr = explainRun(await inspect(t, ids.appr), clock.now());
    expect(appr.summary).toContain('waits for an approval of stage "manager"');
    expect(appr.facts).toMatchObject({ reason: "approval", signal: "approval:manager" });
    const inspection = await inspect(t, ids.par);
    const childRunId = inspection.stages[0]?.wait?.childRunId as string;
    expect(inspection.children).toEqual([{ stageId: "kid", runId: childRunId, status: "RUNNING" }]);
    const par = explainRun(inspection, clock.now());
    expect(par.summary).toContain(
      `waits for stage "kid"'s child run ${childRunId} (RUNNING) to end`,
    );
    expect(par.facts).toMatchObject({ reason: "child", childRunId, childStatus: "RUNNING" });
  });

  it("a concurrency slot: names the runs holding it", async () => {
    const slot = defineStage({
      id: "slot",
      name: "slot",
      schemas: { input: any, output: any },
      execute: () => ({}),
    });
    const limited = defineWorkflow({
      id: "limited",
      name: "limited",
      input: z.object({ tenant: z.string() }),
      output: any,
    })
      .pipe(slot)
      .concurrency({ limit: 1, key: (input: { tenant: string }) => input.tenant })
      .build();
    const t = createTestKernel({ workflows: [limited], clock: new FakeClock(T0) });
    const first = await create(t, "limited", { tenant: "acme" });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w" });
    const second = await create(t, "limited", { tenant: "acme" });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w" });
    expect((await t.persistence.getRun(second))?.status).toBe("PENDING");
    const inspection = await inspect(t, second);
    // The stored key names the workflow and the input's key.
    const key = '["limited","acme"]';
    expect(inspection.concurrency).toEqual({ key, holders: [first] });
    const { summary, facts } = explainRun(inspection, t.clock.now());
    expect(summary).toContain(
      `waits for a concurrency slot of key "${key}", held by 1 running run(s) (${first})`,
    );
    expect(facts).toMatchObject({
      reason: "concurrency",
      concurrencyKey: key,
      concurrencyHolders: first,
    });
  });

  it("a dead-lettered event is named, with its error", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow], clock: new FakeClock(T0) });
    const runId = await create(t, "chain", { n: 0 });
    const details = await t.queries.getRun(runId);
    const events = (await t.queries.listEvents(runId)).map((e) => ({
      ...e,
      dlqAt: new Date(T0 + 5),
      lastError: "sink refused",
    }));
    const inspection = inspectRun({
      run: details?.run as never,
      stages: details?.stages ?? [],
      jobs: [],
      events,
      now: t.clock.now(),
    });
    expect(inspection.deadLetters).toEqual([
      {
        id: events[0]?.id,
        type: "workflow.created",
        sequence: 1,
        dlqAt: new Date(T0 + 5),
        lastError: "sink refused",
      },
    ]);
    const { summary, facts } = explainRun(inspection, t.clock.now());
    expect(summary).toContain(
      "; 1 of its outbox events are dead-lettered (workflow.created #1: sink refused), replay them with outbox.replayDeadLetters.",
    );
    expect(facts.deadLetters).toBe(1);
    expect(inspection.timeline.map((e) => e.kind)).toContain("event.dead-lettered");
  });

  it("a delayed start and a map's items", async () => {
    const clock = new FakeClock(T0);
    const item = defineWorkflow({ id: "item", name: "item", input: any, output: any })
      .waitForSignal("go")
      .build();
    const fan = defineWorkflow({ id: "fan", name: "fan", input: any, output: any })
      .map("all", item, { items: () => [1, 2, 3], concurrency: 2 })
      .build();
    const t = createTestKernel({ workflows: [fan, item], clock });
    const { workflowRunId: later } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "fan",
      input: {},
      delayMs: 60_000,
    });
    const scheduled = explainRun(await inspect(t, later), clock.now());
    expect(scheduled.summary).toBe(
      `Run ${later} is scheduled for a later start; no worker takes it before.`,
    );
    expect(scheduled.facts).toMatchObject({ reason: "scheduled", status: "SCHEDULED" });
    const runId = await create(t, "fan");
    for (let i = 0; i < 6; i++) await t.driver.tick();
    const { summary, facts } = explainRun(await inspect(t, runId), clock.now());
    expect(summary).toContain(`waits for stage "all"'s map items: 0 of 3 ended, up to 2 at a time`);
    expect(facts).toMatchObject({ reason: "map", items: 3, ended: 0, concurrency: 2 });
  });

  it("returns null for a run that does not exist", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    expect(await loadRunInspection(t.queries, "missing", t.clock.now())).toBeNull();
  });
});
