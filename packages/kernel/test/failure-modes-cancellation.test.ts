/**
 * Failure mode 7, avoided (the number in each title is the one in ARCHITECTURE.md, "Failure
 * modes"): cancelling a run reaches its running stage — through the signal, without it, and
 * from another process at the next heartbeat.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createKernel, createRegistry, defineStage, defineWorkflow } from "../src/index.js";
import { createTestKernel } from "../src/testing/index.js";
import { controllable } from "./fixtures.js";
import { settle, startOne } from "./helpers.js";

const WORKER = "worker-1";

describe("failure modes", () => {
  it("7: cancelling a run fires the running stage's signal", async () => {
    const { behaviour, workflow } = controllable("cancellable");
    let reason: unknown;
    behaviour.run = (_attempt, signal) =>
      new Promise((_, reject) => {
        signal.addEventListener("abort", () => {
          reason = signal.reason;
          reject(signal.reason);
        });
      });
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId, job } = await startOne(t, workflow.id);
    const execution = t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job });
    await settle();
    expect(
      await t.kernel.dispatch({ type: "run.cancel", workflowRunId, reason: "user asked" }),
    ).toMatchObject({ status: "CANCELLED", cancelled: true });
    expect(reason).toMatchObject({ code: "RUN_CANCELLED" });
    expect(await execution).toMatchObject({ outcome: "cancelled" });
    expect(await t.persistence.getRun(workflowRunId)).toMatchObject({
      status: "CANCELLED",
      error: { code: "CANCELLED", message: "user asked" },
    });
    expect(await t.persistence.getStage(workflowRunId, "cancellable")).toMatchObject({
      status: "CANCELLED",
    });
  });

  it("7: a stage that never reads ctx.signal, cancelled while it runs, commits nothing", async () => {
    let finish!: () => void;
    const blocked = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const stage = defineStage({
      id: "unaware",
      name: "Unaware",
      schemas: { input: z.object({}).passthrough(), output: z.object({ ok: z.boolean() }) },
      execute: async () => {
        await blocked;
        return { ok: true };
      },
    });
    const workflow = defineWorkflow({
      id: "unaware",
      name: "Unaware",
      input: z.object({}).passthrough(),
      output: z.object({ ok: z.boolean() }),
    })
      .pipe(stage)
      .build();
    const t = createTestKernel({ workflows: [workflow] });
    const { workflowRunId, job } = await startOne(t, workflow.id);
    const execution = t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job });
    await settle();
    await t.kernel.dispatch({ type: "run.cancel", workflowRunId });
    finish();
    expect(await execution).toMatchObject({ outcome: "cancelled" });
    expect(await t.persistence.getStage(workflowRunId, "unaware")).toMatchObject({
      status: "CANCELLED",
    });
  });

  it("7: a cancel made by another process reaches the stage at its next heartbeat", async () => {
    const { behaviour, workflow } = controllable("remote");
    behaviour.run = (_attempt, signal) =>
      new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    const t = createTestKernel({ workflows: [workflow] });
    const elsewhere = createKernel({
      persistence: t.persistence,
      jobTransport: t.jobTransport,
      scheduler: t.scheduler,
      blobStore: t.blobStore,
      eventSink: t.eventSink,
      clock: t.clock,
      registry: createRegistry([workflow]),
    });
    const { workflowRunId, job } = await startOne(t, workflow.id);
    const execution = t.kernel.dispatch({ type: "job.execute", workerId: WORKER, job });
    await settle();
    await elsewhere.dispatch({ type: "run.cancel", workflowRunId });
    const beat = await t.kernel.dispatch({
      type: "job.heartbeat",
      workerId: WORKER,
      jobIds: [job.jobId],
    });
    expect(beat.cancelled.length + beat.lost.length).toBe(1);
    expect(await execution).toMatchObject({ outcome: "cancelled" });
  });
});
