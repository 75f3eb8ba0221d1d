/**
 * `awaitRunEnd` over the in-memory store's run-end notices: it resolves when a run completes,
 * fails or is cancelled (woken by the notice, with no poll), rejects typed for an unknown run,
 * a deadline and an abort — and the in-memory source passes the run-end conformance suite.
 */
import { describe, expect, it } from "vitest";
import { createInMemoryStack } from "../../src/in-memory/index.js";
import {
  awaitRunEnd,
  NonRetryableError,
  RunAwaitTimeoutError,
  type RunEndSource,
  RunNotFoundError,
} from "../../src/index.js";
import { runEndSourceConformance } from "../../src/testing/conformance/index.js";
import { createTestKernel } from "../../src/testing/index.js";
import { chainWorkflow, controllable } from "../fixtures.js";
import { settle } from "../helpers.js";

runEndSourceConformance({
  name: "in-memory",
  settle: () => settle(),
  create: async () => {
    const stack = createInMemoryStack();
    return { persistence: stack.persistence, runEnds: stack.runEnds, close: async () => {} };
  },
});

/** A kernel on one in-memory stack, whose run ends the awaits hear. */
function setup() {
  const stack = createInMemoryStack();
  const { behaviour, workflow } = controllable("work", {
    maxAttempts: 1,
    backoffMs: 1,
    maxBackoffMs: 1,
  });
  const test = createTestKernel({
    workflows: [chainWorkflow, workflow],
    persistence: stack.persistence,
    jobTransport: stack.jobTransport,
    scheduler: stack.scheduler,
    queries: stack.queries,
  });
  return { ...test, behaviour, ports: { persistence: stack.persistence, runEnds: stack.runEnds } };
}

describe("awaitRunEnd", () => {
  it("resolves with the decoded output when the run completes, typed by its workflow", async () => {
    const { kernel, driver, ports } = setup();
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    const awaited = awaitRunEnd(ports, workflowRunId, { workflow: chainWorkflow });
    await driver.runToCompletion(workflowRunId);
    const result = await awaited;
    expect(result.status).toBe("COMPLETED");
    if (result.status !== "COMPLETED") return;
    const n: number = result.output.n;
    expect(n).toBe(4);
    expect(result.workflowRunId).toBe(workflowRunId);
  });

  it("resolves FAILED with the run's error when a stage fails", async () => {
    const { kernel, driver, ports, behaviour } = setup();
    behaviour.run = () => {
      throw new NonRetryableError("broken on purpose");
    };
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "ctl-work",
      input: {},
    });
    const awaited = awaitRunEnd(ports, workflowRunId);
    await driver.runToCompletion(workflowRunId);
    const result = await awaited;
    expect(result.status).toBe("FAILED");
    if (result.status === "COMPLETED") return;
    expect(result.error?.message).toContain("broken on purpose");
  });

  it("resolves CANCELLED when the run is cancelled", async () => {
    const { kernel, ports } = setup();
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    const awaited = awaitRunEnd(ports, workflowRunId);
    await kernel.dispatch({ type: "run.cancel", workflowRunId });
    expect((await awaited).status).toBe("CANCELLED");
  });

  it("is woken by the notice alone: a source that never speaks leaves it waiting", async () => {
    const { kernel, driver, persistence } = setup();
    const silent: RunEndSource = { subscribe: () => () => {} };
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    let ended = false;
    const awaited = awaitRunEnd({ persistence, runEnds: silent }, workflowRunId).then(() => {
      ended = true;
    });
    await driver.runToCompletion(workflowRunId);
    await settle(20);
    expect(ended).toBe(false);
    void awaited;
  });

  it("resolves at once for a run that has already ended", async () => {
    const { kernel, driver, ports } = setup();
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    await driver.runToCompletion(workflowRunId);
    expect((await awaitRunEnd(ports, workflowRunId)).status).toBe("COMPLETED");
  });

  it("rejects with RunNotFoundError for an unknown run", async () => {
    const { ports } = setup();
    await expect(awaitRunEnd(ports, "no-such-run")).rejects.toBeInstanceOf(RunNotFoundError);
  });

  it("rejects with RunAwaitTimeoutError when the deadline aborts, and with the reason on abort", async () => {
    const { kernel, ports } = setup();
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    const deadline = new AbortController();
    const timing = awaitRunEnd(ports, workflowRunId, {
      deadline: { signal: deadline.signal, timeoutMs: 250 },
    });
    deadline.abort();
    const error = await timing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunAwaitTimeoutError);
    expect((error as RunAwaitTimeoutError).code).toBe("RUN_AWAIT_TIMEOUT");
    expect((error as RunAwaitTimeoutError).timeoutMs).toBe(250);
    const stop = new AbortController();
    const stopped = awaitRunEnd(ports, workflowRunId, { signal: stop.signal });
    stop.abort(new Error("user gave up"));
    await expect(stopped).rejects.toThrow("user gave up");
  });
});
