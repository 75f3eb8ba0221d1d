/**
 * The host reads the time from its `clock` option only: every time it hands the kernel or the
 * job transport, the waits for due work and `uptimeMs` follow that clock, so a host and kernel
 * on a clock far from the wall clock (a fake one in tests, a skewed one in production) agree.
 * The checks read what was written to the job transport (the stored job, and the `now` of each
 * call), not what the host reports.
 */
import {
  type Clock,
  createKernel,
  createRegistry,
  defineStage,
  defineWorkflow,
  type JobTransport,
  type Kernel,
} from "@ratchet/kernel";
import { CollectingEventSink, createInMemoryStack, FakeClock } from "@ratchet/kernel/testing";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createNodeHost, type NodeHost } from "../src/index.js";

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const quiet = { warn: () => {}, error: () => {} };
const HOUR = 3_600_000;
const YEAR = 365 * 24 * HOUR;

let host: NodeHost | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await pause(5);
  }
}

type AnyWorkflow = ReturnType<typeof defineWorkflow>["build"] extends () => infer W ? W : never;

/** The in-memory stack, its transport wrapped to record the `now` of dequeues and releases. */
function recordedStack() {
  const stack = createInMemoryStack();
  const seen = { dequeues: [] as Date[], releases: [] as Date[] };
  const inner = stack.jobTransport;
  const jobTransport: JobTransport = Object.create(inner);
  jobTransport.dequeue = (options) => {
    seen.dequeues.push(options.now);
    return inner.dequeue(options);
  };
  jobTransport.release = (jobId, workerId, now, scope) => {
    seen.releases.push(now);
    return inner.release(jobId, workerId, now, scope);
  };
  return { stack, jobTransport, seen };
}

function kernelOn(
  clock: Clock,
  workflow: AnyWorkflow,
  ports: ReturnType<typeof recordedStack>,
): Kernel {
  return createKernel({
    ...ports.stack,
    jobTransport: ports.jobTransport,
    eventSink: new CollectingEventSink(),
    clock,
    registry: createRegistry([workflow]),
  });
}

/** A one-stage workflow whose stage runs until it is aborted. */
function blockingWorkflow() {
  const started = { count: 0 };
  const stage = defineStage({
    id: "block",
    name: "Block",
    schemas: { input: z.any(), output: z.any() },
    execute: (ctx) =>
      new Promise((_, reject) => {
        started.count++;
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
      }),
  });
  const workflow = defineWorkflow({ id: "block", name: "Block", input: z.any(), output: z.any() })
    .pipe(stage)
    .build();
  return { workflow, started };
}

describe("node host: the clock option", () => {
  const starts: Array<[string, number]> = [
    ["far in the past", Date.UTC(2001, 0, 1)],
    ["far in the future", Date.UTC(2101, 0, 1)],
  ];
  for (const [label, start] of starts) {
    it(`leases, releases and uptime follow a clock ${label}, not the wall clock`, async () => {
      const clock = new FakeClock(start);
      const { workflow, started } = blockingWorkflow();
      const ports = recordedStack();
      const kernel = kernelOn(clock, workflow, ports);
      host = createNodeHost({
        kernel,
        jobTransport: ports.jobTransport,
        clock,
        concurrency: 1,
        leaseMs: 60_000,
        // Through the queue, so the host's own dequeue takes the lease.
        continueRunsLocally: false,
        shutdownTimeoutMs: 50,
        logger: quiet,
      });
      await host.start();
      const { workflowRunId } = await kernel.dispatch({
        type: "run.create",
        workflowId: workflow.id,
        input: {},
      });
      host.wake();
      await until("the stage runs (dequeued with the host's now)", () => started.count === 1);

      const [job] = await ports.stack.jobTransport.activeJobsForRun(workflowRunId);
      expect(job?.lockedUntil).toEqual(new Date(start + 60_000));

      clock.advance(HOUR);
      expect(host.getStats().uptimeMs).toBe(HOUR);

      // Past the shutdown deadline, the running job is handed back at the clock's now.
      expect(await host.stop()).toEqual({ released: 1 });
      expect(ports.seen.releases).toEqual([new Date(start + HOUR)]);
      const released = await ports.stack.jobTransport.getJob(job?.jobId as string);
      expect(released).toMatchObject({ status: "PENDING", availableAt: new Date(start + HOUR) });
      for (const now of ports.seen.dequeues) expect(now).toEqual(new Date(start));
    }, 20_000);
  }

  it("waits for due work by the clock: a sleep ends on time on a clock years ahead", async () => {
    // Runs at real speed, 80 years ahead: a wait measured from the wall clock would be decades.
    const clock: Clock = { now: () => new Date(Date.now() + 80 * YEAR) };
    const done = defineStage({
      id: "done",
      name: "Done",
      schemas: { input: z.any(), output: z.any() },
      execute: () => ({ ok: true }),
    });
    const workflow = defineWorkflow({ id: "nap", name: "Nap", input: z.any(), output: z.any() })
      .sleep("nap", 150)
      .pipe(done)
      .build();
    const ports = recordedStack();
    const kernel = kernelOn(clock, workflow, ports);
    // Regular intervals of a minute: only the due timer can end the sleep in time.
    host = createNodeHost({
      kernel,
      jobTransport: ports.jobTransport,
      clock,
      orchestrationIntervalMs: 60_000,
      jobPollIntervalMs: 60_000,
      maxIdlePollIntervalMs: 60_000,
      logger: quiet,
    });
    await host.start();
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: workflow.id,
      input: {},
    });
    host.wake();
    await until("the run completes", async () => {
      const run = await ports.stack.persistence.getRun(workflowRunId);
      return run?.status === "COMPLETED";
    });
  }, 20_000);

  it("rejects a clock without now() with INVALID_HOST_OPTIONS", () => {
    const ports = recordedStack();
    const kernel = kernelOn(new FakeClock(), blockingWorkflow().workflow, ports);
    expect(() =>
      createNodeHost({ kernel, jobTransport: ports.jobTransport, clock: {} as Clock }),
    ).toThrow(expect.objectContaining({ code: "INVALID_HOST_OPTIONS", field: "clock" }));
  });
});
