/**
 * A wake-up that arrives while a claim holds every free slot (on SQLite, a file change sends
 * "run" then "job": the claim's reservation is out when the job wake-up comes) polls nothing;
 * the loop must poll as soon as the claim gives the slots back, not a poll interval later.
 */
import { createKernel, createRegistry, defineStage, defineWorkflow } from "@ratchet/kernel";
import {
  CollectingEventSink,
  createInMemoryStack,
  type InMemoryStack,
} from "@ratchet/kernel/testing";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { JobLoop } from "../src/job-loop.js";
import { type NodeHostOptions, resolveOptions } from "../src/options.js";
import { RepeatedWarnings } from "../src/repeated-warnings.js";

const quiet = { warn: () => {}, error: () => {} };
let loop: JobLoop | undefined;

afterEach(async () => {
  await loop?.stop(1_000);
  loop = undefined;
});

/** A started job loop that polls on its own only a minute apart (wake-ups poll at once). */
function startLoop(options: Omit<NodeHostOptions, "logger">): JobLoop {
  const started = new JobLoop(
    resolveOptions({
      jobPollIntervalMs: 60_000,
      maxIdlePollIntervalMs: 60_000,
      ...options,
      logger: quiet,
    }),
    new RepeatedWarnings(quiet, { intervalMs: 60_000, prefix: "[test]" }),
  );
  started.start();
  return started;
}

/** Waits (up to 5 s) for run `id` to complete. */
async function completed(stack: InMemoryStack, id: string): Promise<void> {
  const started = Date.now();
  while ((await stack.persistence.getRun(id))?.status !== "COMPLETED") {
    expect(Date.now() - started).toBeLessThan(5_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("JobLoop slots", () => {
  it("polls once a claim frees the slots a wake-up found taken", async () => {
    const stack = createInMemoryStack();
    const done = defineWorkflow({ id: "one", name: "one", input: z.any(), output: z.any() })
      .pipe(
        defineStage({
          id: "s",
          name: "s",
          schemas: { input: z.any(), output: z.any() },
          execute: () => "ok",
        }),
      )
      .build();
    const kernel = createKernel({
      ...stack,
      eventSink: new CollectingEventSink(),
      registry: createRegistry([done]),
    });
    // A poll a minute apart: only a wake-up can run the job within the test.
    loop = startLoop({ kernel, jobTransport: stack.jobTransport, concurrency: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20)); // its first poll: nothing queued
    // A claim is out, holding the only slot.
    const held = loop.reserve(1);
    expect(held).toBe(1);
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "one",
      input: {},
    });
    await kernel.dispatch({ type: "run.claimPending", workerId: "other", maxClaims: 1 });
    loop.wake(); // the "job" wake-up: no free slot
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await stack.persistence.getRun(workflowRunId))?.status).toBe("RUNNING");
    loop.adopt([], held); // the claim came back empty
    await completed(stack, workflowRunId);
  });

  it("slots freed in the same turn go out in one dequeue", async () => {
    const stack = createInMemoryStack();
    const stage = (id: string) =>
      defineStage({
        id,
        name: id,
        schemas: { input: z.any(), output: z.any() },
        execute: () => id,
      });
    const fan = defineWorkflow({ id: "fan", name: "fan", input: z.any(), output: z.any() })
      .parallel([stage("a"), stage("b"), stage("c"), stage("d"), stage("e"), stage("f")])
      .build();
    const kernel = createKernel({
      ...stack,
      eventSink: new CollectingEventSink(),
      registry: createRegistry([fan]),
    });
    const limits: number[] = [];
    const jobTransport = {
      ...stack.jobTransport,
      dequeue: (request: Parameters<typeof stack.jobTransport.dequeue>[0]) => {
        limits.push(request.limit);
        return stack.jobTransport.dequeue(request);
      },
    };
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "fan",
      input: {},
    });
    await kernel.dispatch({ type: "run.claimPending", workerId: "claimer", maxClaims: 1 });
    loop = startLoop({ kernel, jobTransport, concurrency: 3, continueRunsLocally: false });
    await completed(stack, workflowRunId);
    // Six jobs, three slots: the first dequeue takes three; the three that finish together free
    // their slots in one turn, and one dequeue takes the other three.
    expect(limits.slice(0, 2)).toEqual([3, 3]);
  });
});
