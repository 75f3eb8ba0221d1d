import {
  createKernel,
  createRegistry,
  defineStage,
  defineWorkflow,
  type Kernel,
  systemClock,
} from "@ratchet/kernel";
import { CollectingEventSink, createInMemoryStack } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createNodeHost, type NodeHost, type WakeupKind } from "../src/index.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(5);
  }
}

function setup(initialStageMs = 0) {
  const executions: string[] = [];
  const control = { stageMs: initialStageMs };
  const step = (id: string) =>
    defineStage({
      id,
      name: id,
      schemas: { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) },
      execute: async (ctx) => {
        executions.push(`${ctx.workflowRunId}:${id}`);
        const stageMs = control.stageMs;
        if (stageMs > 0)
          await new Promise((resolve, reject) => {
            const t = setTimeout(resolve, stageMs);
            ctx.signal.addEventListener("abort", () => {
              clearTimeout(t);
              reject(ctx.signal.reason);
            });
          });
        return { n: ctx.input.n + 1 };
      },
    });
  const workflow = defineWorkflow({
    id: "chain",
    name: "Chain",
    input: z.object({ n: z.number() }),
    output: z.object({ n: z.number() }),
  })
    .pipe(step("a"))
    .pipe(step("b"))
    .pipe(step("c"))
    .build();
  const stack = createInMemoryStack();
  const events = new CollectingEventSink();
  const kernel: Kernel = createKernel({
    ...stack,
    eventSink: events,
    clock: systemClock,
    registry: createRegistry([workflow]),
  });
  const listeners = new Set<(kind: WakeupKind) => void>();
  const wakeups = {
    subscribe: (listener: (kind: WakeupKind) => void) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    emit: (kind: WakeupKind) => {
      for (const listener of listeners) listener(kind);
    },
  };
  return { stack, kernel, executions, wakeups, control, events };
}

const quiet = { warn: () => {}, error: () => {} };

/**
 * A started host that ticks and polls only a minute apart, so only a wake-up makes it act
 * within a test; resolves after its first tick.
 */
async function startedWithWakeupsOnly() {
  const parts = setup();
  const host = createNodeHost({
    kernel: parts.kernel,
    jobTransport: parts.stack.jobTransport,
    orchestrationIntervalMs: 60_000,
    jobPollIntervalMs: 60_000,
    wakeups: parts.wakeups,
    logger: quiet,
  });
  await host.start();
  await until(() => host.getStats().orchestrationTicks === 1);
  return { ...parts, host };
}

describe("createNodeHost", () => {
  it("runs many runs to completion with every stage executed once", async () => {
    const { stack, kernel, executions } = setup();
    const ids = [];
    for (let i = 0; i < 50; i++)
      ids.push(
        (await kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: i } }))
          .workflowRunId,
      );
    const host = createNodeHost({
      kernel,
      jobTransport: stack.jobTransport,
      concurrency: 5,
      orchestrationIntervalMs: 50,
      jobPollIntervalMs: 20,
      logger: quiet,
    });
    await host.start();
    await until(
      async () =>
        (await stack.persistence.listRuns({ status: "COMPLETED", limit: 100 })).length === 50,
    );
    await host.stop();
    expect(executions).toHaveLength(150);
    expect(new Set(executions).size).toBe(150);
    const stats = host.getStats();
    expect(stats).toMatchObject({ jobsProcessed: 150, inFlight: 0, isRunning: false });
    expect(stats.outcomes.completed).toBe(150);
  });

  it("ticks at once on a 'due' wake-up (a schedule created elsewhere) instead of at the next tick", async () => {
    const { wakeups, host } = await startedWithWakeupsOnly();
    wakeups.emit("due");
    await until(() => host.getStats().orchestrationTicks === 2, 2_000);
    // A "job" wake-up polls the queue; it does not tick.
    wakeups.emit("job");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(host.getStats().orchestrationTicks).toBe(2);
    await host.stop();
  });

  it("claims a new run at once on a 'run' wake-up instead of waiting for the next tick", async () => {
    const { stack, kernel, wakeups, host } = await startedWithWakeupsOnly();
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    wakeups.emit("run");
    await until(
      async () => (await stack.persistence.getRun(workflowRunId))?.status === "COMPLETED",
      5_000,
    );
    expect(host.getStats().orchestrationTicks).toBe(1);
    expect(host.getStats().wakeups).toBe(1);
    // The claim leased the first stage to this host, and each stage handed on the next: all
    // three ran without coming through the queue.
    expect(host.getStats()).toMatchObject({ jobsProcessed: 3, jobsContinued: 3 });
    await host.stop();
  });

  it("a claim with no free slot leases nothing: the run's jobs go through the queue", async () => {
    const { stack, kernel, wakeups, control } = setup(300);
    const host = createNodeHost({
      kernel,
      jobTransport: stack.jobTransport,
      concurrency: 1,
      orchestrationIntervalMs: 60_000,
      jobPollIntervalMs: 60_000,
      wakeups,
      logger: quiet,
    });
    await host.start();
    await until(() => host.getStats().orchestrationTicks === 1);
    const first = await kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    wakeups.emit("run");
    await until(() => host.getStats().inFlight === 1);
    const second = await kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 2 },
    });
    wakeups.emit("run");
    await until(
      async () => (await stack.persistence.getRun(second.workflowRunId))?.status === "RUNNING",
    );
    const queued = await stack.jobTransport.activeJobsForRun(second.workflowRunId);
    expect(queued.map((job) => [job.stageId, job.status])).toEqual([["a", "PENDING"]]);
    control.stageMs = 0;
    await until(
      async () =>
        (await stack.persistence.getRun(first.workflowRunId))?.status === "COMPLETED" &&
        (await stack.persistence.getRun(second.workflowRunId))?.status === "COMPLETED",
      10_000,
    );
    await host.stop();
  });

  it("publishes a finished run's events soon, without waiting for the next tick", async () => {
    const { stack, kernel, wakeups, events } = setup();
    const host = createNodeHost({
      kernel,
      jobTransport: stack.jobTransport,
      orchestrationIntervalMs: 60_000,
      jobPollIntervalMs: 60_000,
      wakeups,
      logger: quiet,
    });
    await host.start();
    await until(() => host.getStats().orchestrationTicks === 1);
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    wakeups.emit("run");
    await until(
      () => events.forRun(workflowRunId).some((e) => e.type === "workflow.completed"),
      5_000,
    );
    expect(host.getStats().orchestrationTicks).toBe(1);
    await host.stop();
  });

  it("keeps publishing while flushes come back full: a backlog larger than a flush goes out at once", async () => {
    const { stack, kernel, wakeups, events } = setup();
    // Runs of a workflow this host does not run: their `workflow.created` events are a backlog
    // in the shared outbox that no finished job of theirs will ask to publish.
    const other = defineWorkflow({
      id: "other",
      name: "Other",
      input: z.object({ n: z.number() }),
      output: z.object({ n: z.number() }),
    })
      .pipe(
        defineStage({
          id: "x",
          name: "x",
          schemas: { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) },
          execute: (ctx) => ctx.input,
        }),
      )
      .build();
    const elsewhere = createKernel({
      ...stack,
      eventSink: events,
      clock: systemClock,
      registry: createRegistry([other]),
    });
    for (let n = 0; n < 100; n++)
      await elsewhere.dispatch({ type: "run.create", workflowId: "other", input: { n } });
    const host = createNodeHost({
      kernel,
      jobTransport: stack.jobTransport,
      orchestrationIntervalMs: 60_000,
      jobPollIntervalMs: 60_000,
      maxOutboxFlushPerTick: 10,
      wakeups,
      logger: quiet,
    });
    await host.start();
    await until(() => host.getStats().orchestrationTicks === 1);
    await kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: 1 } });
    wakeups.emit("run");
    // 101 runs' events: the tick's flush and the few its three finished jobs asked for publish
    // 10 each; the rest goes out only because each full flush is followed by the next.
    await until(() => events.events.length === 100 + 9, 5_000);
    expect(host.getStats().orchestrationTicks).toBe(1);
    expect(new Set(events.events.map((e) => e.id)).size).toBe(109);
    await host.stop();
  });

  it("backs off maintenance ticks while idle and returns to the base interval on activity", async () => {
    const { stack, kernel, wakeups } = setup();
    const host = createNodeHost({
      kernel,
      jobTransport: stack.jobTransport,
      orchestrationIntervalMs: 5,
      maxIdleOrchestrationIntervalMs: 40,
      wakeups,
      logger: quiet,
    });
    await host.start();
    await until(() => host.getStats().maintenanceIntervalMs === 40);
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    wakeups.emit("run");
    expect(host.getStats().maintenanceIntervalMs).toBe(5);
    await until(
      async () => (await stack.persistence.getRun(workflowRunId))?.status === "COMPLETED",
    );
    await host.stop();
  });

  it("never runs two maintenance ticks at once", async () => {
    const { stack, kernel } = setup();
    let active = 0;
    let maxActive = 0;
    const slowKernel: Kernel = {
      options: kernel.options,
      routes: kernel.routes,
      dispatch: (async (command: Parameters<Kernel["dispatch"]>[0]) => {
        if (command.type === "outbox.flush") {
          active++;
          maxActive = Math.max(maxActive, active);
          await sleep(40);
          active--;
        }
        return kernel.dispatch(command);
      }) as Kernel["dispatch"],
    };
    const host = createNodeHost({
      kernel: slowKernel,
      jobTransport: stack.jobTransport,
      orchestrationIntervalMs: 1,
      logger: quiet,
    });
    await host.start();
    await until(() => host.getStats().orchestrationTicks >= 5);
    await host.stop();
    expect(maxActive).toBe(1);
  });

  it("stop() waits for a running stage within the deadline", async () => {
    const { stack, kernel } = setup(150);
    await kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n: 1 } });
    const host = createNodeHost({
      kernel,
      jobTransport: stack.jobTransport,
      orchestrationIntervalMs: 10,
      shutdownTimeoutMs: 5_000,
      logger: quiet,
    });
    await host.start();
    await until(() => host.getStats().inFlight === 1);
    expect(await host.stop()).toEqual({ released: 0 });
    expect(host.getStats().outcomes.completed).toBe(1);
  });

  it("stop() hands a stage that outlives the deadline back to the queue without using an attempt", async () => {
    const { stack, kernel, control, executions } = setup(60_000);
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    const host: NodeHost = createNodeHost({
      kernel,
      jobTransport: stack.jobTransport,
      orchestrationIntervalMs: 10,
      shutdownTimeoutMs: 100,
      logger: quiet,
    });
    await host.start();
    await until(() => host.getStats().inFlight === 1);
    expect(await host.stop()).toEqual({ released: 1 });
    const [job] = await stack.jobTransport.activeJobsForRun(workflowRunId);
    expect(job).toMatchObject({ status: "PENDING", attempt: 0, lockedBy: null });
    // Another host picks it up and finishes the run; the aborted attempt committed nothing.
    control.stageMs = 0;
    const next = createNodeHost({
      kernel,
      jobTransport: stack.jobTransport,
      orchestrationIntervalMs: 10,
      jobPollIntervalMs: 10,
      logger: quiet,
    });
    await next.start();
    await until(
      async () => (await stack.persistence.getRun(workflowRunId))?.status === "COMPLETED",
    );
    await next.stop();
    expect(executions.filter((e) => e.endsWith(":a"))).toHaveLength(2);
    expect(await stack.persistence.getStage(workflowRunId, "a")).toMatchObject({
      status: "COMPLETED",
      attempt: 1,
    });
  });

  it("stop() while a dequeue is out hands the jobs it returns back to the queue", async () => {
    const { stack, kernel, executions } = setup();
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let held = false;
    // The first dequeue that takes a job answers only when the test opens the gate.
    const jobTransport = new Proxy(stack.jobTransport, {
      get(target, property, receiver) {
        if (property === "dequeue")
          return async (options: Parameters<typeof target.dequeue>[0]) => {
            const jobs = await target.dequeue(options);
            if (jobs.length > 0 && !held) {
              held = true;
              await gate;
            }
            return jobs;
          };
        return Reflect.get(target, property, receiver);
      },
    });
    const host = createNodeHost({
      kernel,
      jobTransport,
      orchestrationIntervalMs: 10,
      jobPollIntervalMs: 10,
      continueRunsLocally: false,
      logger: quiet,
    });
    await host.start();
    await until(() => held);
    const stopping = host.stop();
    await sleep(20);
    open();
    await stopping;
    // The job the late dequeue took is back in the queue, its attempt not used; nothing ran.
    const [job] = await stack.jobTransport.activeJobsForRun(workflowRunId);
    expect(job).toMatchObject({ status: "PENDING", attempt: 0, lockedBy: null });
    await sleep(50);
    expect(executions).toEqual([]);
  });

  it("rejects invalid options with INVALID_HOST_OPTIONS naming the field", () => {
    const { stack, kernel } = setup();
    expect(() =>
      createNodeHost({ kernel, jobTransport: stack.jobTransport, concurrency: 0 }),
    ).toThrow(expect.objectContaining({ code: "INVALID_HOST_OPTIONS", field: "concurrency" }));
    expect(() => createNodeHost({ kernel, jobTransport: stack.jobTransport, leaseMs: -1 })).toThrow(
      expect.objectContaining({ field: "leaseMs" }),
    );
    expect(() =>
      createNodeHost({ kernel: undefined as unknown as Kernel, jobTransport: stack.jobTransport }),
    ).toThrow(expect.objectContaining({ field: "kernel" }));
  });
});
