/**
 * Work that comes due between ticks: a sleep's wake-up, a poll's next check and a retry's
 * back-off are handled when they come due, not at the next (backed-off) maintenance tick or
 * job poll. The regular intervals here are a minute, so a host that waited for them would
 * not finish these runs within the test's time limit.
 */
import {
  createKernel,
  createRegistry,
  defineStage,
  defineWorkflow,
  type Kernel,
  systemClock,
} from "@ratchet/kernel";
import { CollectingEventSink, createInMemoryStack } from "@ratchet/kernel/testing";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createNodeHost, type NodeHost } from "../src/index.js";

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const quiet = { warn: () => {}, error: () => {} };
let host: NodeHost | undefined;

afterEach(async () => {
  await host?.stop();
  host = undefined;
});

/** A host whose regular intervals are a minute: only due times can make it act sooner. */
function slowHost(kernel: Kernel, stack: ReturnType<typeof createInMemoryStack>): NodeHost {
  return createNodeHost({
    kernel,
    jobTransport: stack.jobTransport,
    orchestrationIntervalMs: 60_000,
    jobPollIntervalMs: 60_000,
    maxIdlePollIntervalMs: 60_000,
    logger: quiet,
  });
}

async function ended(stack: ReturnType<typeof createInMemoryStack>, workflowRunId: string) {
  for (;;) {
    const run = await stack.persistence.getRun(workflowRunId);
    if (run && ["COMPLETED", "FAILED"].includes(run.status)) return run;
    await pause(10);
  }
}

async function runOnHost(
  kernel: Kernel,
  stack: ReturnType<typeof createInMemoryStack>,
  workflowId: string,
) {
  host = slowHost(kernel, stack);
  await host.start();
  const { workflowRunId } = await kernel.dispatch({ type: "run.create", workflowId, input: {} });
  // The run was created after the first tick and poll: only a wake-up can start it.
  host.wake();
  return ended(stack, workflowRunId);
}

type AnyWorkflow = ReturnType<typeof defineWorkflow>["build"] extends () => infer W ? W : never;

/** A kernel (a process, as far as the store can tell) over `stack`. */
function kernelOver(stack: ReturnType<typeof createInMemoryStack>, workflow: AnyWorkflow): Kernel {
  return createKernel({
    ...stack,
    eventSink: new CollectingEventSink(),
    clock: systemClock,
    registry: createRegistry([workflow]),
  });
}

function kernelFor(workflow: AnyWorkflow) {
  const stack = createInMemoryStack();
  return { stack, kernel: kernelOver(stack, workflow) };
}

const done = defineStage({
  id: "done",
  name: "Done",
  schemas: { input: z.any(), output: z.object({ ok: z.boolean() }) },
  execute: () => ({ ok: true }),
});

describe("node host: work that comes due between ticks", () => {
  it("wakes a sleep when it ends", async () => {
    const workflow = defineWorkflow({ id: "nap", name: "Nap", input: z.any(), output: z.any() })
      .sleep("nap", 150)
      .pipe(done)
      .build();
    const { stack, kernel } = kernelFor(workflow);
    const run = await runOnHost(kernel, stack, workflow.id);
    expect(run.status).toBe("COMPLETED");
  }, 20_000);

  it("wakes a sleep another host started, after that host stopped (restart)", async () => {
    const workflow = defineWorkflow({
      id: "handover",
      name: "Nap",
      input: z.any(),
      output: z.any(),
    })
      .sleep("nap", 1_000)
      .pipe(done)
      .build();
    const { stack, kernel } = kernelFor(workflow);
    const first = createNodeHost({ kernel, jobTransport: stack.jobTransport, logger: quiet });
    await first.start();
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: workflow.id,
      input: {},
    });
    first.wake();
    while ((await stack.persistence.getStage(workflowRunId, "nap"))?.status !== "SUSPENDED")
      await pause(10);
    await first.stop();

    // A new process: a new kernel over the same store, knowing of no timers. Its regular
    // intervals are a minute; only the scheduler's next due time can wake it in time.
    host = slowHost(kernelOver(stack, workflow), stack);
    await host.start();
    expect((await ended(stack, workflowRunId)).status).toBe("COMPLETED");
  }, 20_000);

  it("checks a poll at its interval", async () => {
    let checks = 0;
    const workflow = defineWorkflow({
      id: "poller",
      name: "Poller",
      input: z.any(),
      output: z.any(),
    })
      .poll("wait", {
        intervalMs: 100,
        check: async () => (++checks >= 4 ? { done: true, result: { checks } } : { done: false }),
      })
      .build();
    const { stack, kernel } = kernelFor(workflow);
    const run = await runOnHost(kernel, stack, workflow.id);
    expect(run.status).toBe("COMPLETED");
    expect(checks).toBe(4);
  }, 20_000);

  it("runs a retry when its back-off ends", async () => {
    let attempts = 0;
    const flaky = defineStage({
      id: "flaky",
      name: "Flaky",
      retry: { maxAttempts: 3, intervalMs: 100 },
      schemas: { input: z.any(), output: z.object({ attempts: z.number() }) },
      execute: () => {
        if (++attempts < 3) throw new Error("not yet");
        return { attempts };
      },
    });
    const workflow = defineWorkflow({
      id: "retrier",
      name: "Retrier",
      input: z.any(),
      output: z.any(),
    })
      .pipe(flaky)
      .build();
    const { stack, kernel } = kernelFor(workflow);
    const run = await runOnHost(kernel, stack, workflow.id);
    expect(run.status).toBe("COMPLETED");
    expect(attempts).toBe(3);
  }, 20_000);
});
