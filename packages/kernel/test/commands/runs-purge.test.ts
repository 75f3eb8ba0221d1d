/**
 * `runs.purge` and the `purge` duty on the in-memory stack: finished runs go with their stages,
 * jobs, events, logs and blobs (outputs and `ctx.storage`), by explicit age or by retention (the
 * kernel's default, a workflow's own over it, per final status); running and young runs stay;
 * a dry run deletes nothing; the duty sweeps at most once per interval unless a batch was full;
 * idempotency keys expire.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type AnyWorkflow,
  DUTIES,
  defineStage,
  defineWorkflow,
  dutyCommand,
  InvalidCommandError,
  type KernelOptions,
  RatchetError,
  WorkflowDefinitionError,
  workflow,
} from "../../src/index.js";
import { createTestKernel, type TestKernel } from "../../src/testing/index.js";

const MINUTE = 60_000;

/** A stage whose output is big enough for the blob store, and that keeps a file in ctx.storage. */
const write = defineStage({
  id: "write",
  name: "Write",
  schemas: { input: z.object({ tag: z.string() }), output: z.object({ text: z.string() }) },
  execute: async (ctx) => {
    ctx.log.info("writing", { tag: ctx.input.tag });
    await ctx.storage.put("note.txt", new TextEncoder().encode(ctx.input.tag));
    return { text: ctx.input.tag.repeat(50) };
  },
});
const fail = defineStage({
  id: "fail",
  name: "Fail",
  schemas: { input: z.object({ tag: z.string() }), output: z.object({}) },
  retry: { maxAttempts: 1 },
  execute: () => {
    throw new Error("no");
  },
});

function flow(id: string, retention?: Parameters<typeof defineWorkflow>[0]["retention"]) {
  return defineWorkflow({
    id,
    name: id,
    input: z.object({ tag: z.string() }),
    output: z.object({ text: z.string() }),
    ...(retention ? { retention } : {}),
  })
    .pipe(write)
    .build();
}
const failing = defineWorkflow({
  id: "failing",
  name: "failing",
  input: z.object({ tag: z.string() }),
  output: z.object({}),
}).pipe(fail);

function kernelWith(workflows: AnyWorkflow[], options: Partial<KernelOptions> = {}): TestKernel {
  return createTestKernel({ workflows, options: { inlineOutputLimitBytes: 64, ...options } });
}

async function finish(t: TestKernel, workflowId: string, tag = "x"): Promise<string> {
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId,
    input: { tag },
  });
  await t.driver.runToCompletion(workflowRunId);
  await t.driver.tick(); // publish the end's events
  return workflowRunId;
}

async function exists(t: TestKernel, runId: string): Promise<boolean> {
  return (await t.persistence.getRun(runId)) !== null;
}

describe("runs.purge, explicit age", () => {
  it("deletes finished runs older than olderThanMs with stages, jobs, logs, events and blobs", async () => {
    const t = kernelWith([flow("docs")]);
    const old = await finish(t, "docs", "old");
    expect(await t.blobStore.list(`runs/${old}/`)).toHaveLength(2); // output + storage file
    expect(await t.queries.listJobs(old)).not.toEqual([]);
    t.clock.advance(30 * MINUTE);
    const young = await finish(t, "docs", "young");
    const waiting = (
      await t.kernel.dispatch({ type: "run.create", workflowId: "docs", input: { tag: "p" } })
    ).workflowRunId;

    const dry = await t.kernel.dispatch({
      type: "runs.purge",
      olderThanMs: 10 * MINUTE,
      dryRun: true,
    });
    expect(dry).toMatchObject({ purged: 1, runIds: [old], matched: 1, blobsDeleted: 0 });
    expect(await exists(t, old)).toBe(true);

    const result = await t.kernel.dispatch({ type: "runs.purge", olderThanMs: 10 * MINUTE });
    expect(result).toMatchObject({ purged: 1, runIds: [old], blobsDeleted: 2, more: false });
    expect(result.jobsDeleted).toBeGreaterThan(0);
    expect(await exists(t, old)).toBe(false);
    expect(await t.persistence.listStages(old)).toEqual([]);
    expect(await t.queries.listJobs(old)).toEqual([]);
    expect(await t.queries.listLogs(old)).toEqual([]);
    expect(await t.queries.listEvents(old)).toEqual([]);
    expect(await t.blobStore.list(`runs/${old}/`)).toEqual([]);
    // The young run and the pending one keep everything.
    expect(await t.blobStore.list(`runs/${young}/`)).toHaveLength(2);
    expect(await t.queries.listLogs(young)).not.toEqual([]);
    expect((await t.persistence.getRun(waiting))?.status).toBe("PENDING");
  });

  it("filters by status and workflow, and says more while a batch is full", async () => {
    const t = kernelWith([flow("docs"), flow("other"), failing.build()]);
    const docs = [await finish(t, "docs"), await finish(t, "docs"), await finish(t, "docs")];
    const other = await finish(t, "other");
    const failed = await finish(t, "failing");
    t.clock.advance(MINUTE);
    const base = { type: "runs.purge", olderThanMs: 0, workflowId: "docs", maxRuns: 2 } as const;
    expect(await t.kernel.dispatch(base)).toMatchObject({ runIds: docs.slice(0, 2), more: true });
    expect(await t.kernel.dispatch(base)).toMatchObject({ runIds: docs.slice(2), more: false });
    expect(await exists(t, other)).toBe(true);
    const onlyFailed = await t.kernel.dispatch({
      type: "runs.purge",
      olderThanMs: 0,
      statuses: ["FAILED", "TIMED_OUT"],
    });
    expect(onlyFailed.runIds).toEqual([failed]);
    expect(await exists(t, other)).toBe(true);
  });

  it("refuses statuses or workflowId without olderThanMs", async () => {
    const t = kernelWith([flow("docs")]);
    await expect(
      t.kernel.dispatch({ type: "runs.purge", statuses: ["COMPLETED"] }),
    ).rejects.toBeInstanceOf(InvalidCommandError);
    await expect(
      t.kernel.dispatch({ type: "runs.purge", statuses: ["RUNNING" as "FAILED"], olderThanMs: 1 }),
    ).rejects.toMatchObject({ code: "INVALID_COMMAND", field: "statuses.0" });
  });
});

describe("runs.purge by retention", () => {
  it("applies the kernel's default and each workflow's own retention, status by status", async () => {
    const t = kernelWith([flow("short", { completed: "10m" }), flow("default"), failing.build()], {
      retention: { completed: "1h", failed: 2 * 60 * MINUTE },
    });
    const short = await finish(t, "short");
    const plain = await finish(t, "default");
    const failed = await finish(t, "failing");
    t.clock.advance(20 * MINUTE);
    expect((await t.kernel.dispatch({ type: "runs.purge" })).runIds).toEqual([short]);
    t.clock.advance(45 * MINUTE);
    expect((await t.kernel.dispatch({ type: "runs.purge" })).runIds).toEqual([plain]);
    expect(await exists(t, failed)).toBe(true);
    t.clock.advance(60 * MINUTE);
    expect((await t.kernel.dispatch({ type: "runs.purge" })).runIds).toEqual([failed]);
  });

  it("keeps everything when nothing is configured, and a workflow's Infinity overrides the default", async () => {
    const none = kernelWith([flow("docs")]);
    const run = await finish(none, "docs");
    none.clock.advance(365 * 24 * 60 * MINUTE);
    expect(await none.kernel.dispatch({ type: "runs.purge" })).toMatchObject({ purged: 0 });
    expect(await exists(none, run)).toBe(true);

    const t = kernelWith([flow("kept", { completed: Number.POSITIVE_INFINITY }), flow("docs")], {
      retention: { completed: "1d" },
    });
    const kept = await finish(t, "kept");
    const docs = await finish(t, "docs");
    t.clock.advance(2 * 24 * 60 * MINUTE);
    expect((await t.kernel.dispatch({ type: "runs.purge" })).runIds).toEqual([docs]);
    expect(await exists(t, kept)).toBe(true);
  });

  it("expires idempotency keys after idempotencyKeyTtlMs; a run's key goes with its run", async () => {
    const t = kernelWith([flow("docs")], { idempotencyKeyTtlMs: 60 * MINUTE });
    const create = () =>
      t.kernel.dispatch({
        type: "run.create",
        workflowId: "docs",
        input: { tag: "a" },
        idempotencyKey: "k",
      });
    const first = await create();
    expect((await create()).workflowRunId).toBe(first.workflowRunId);
    t.clock.advance(30 * MINUTE);
    expect(await t.kernel.dispatch({ type: "runs.purge" })).toMatchObject({
      idempotencyKeysDeleted: 0,
    });
    t.clock.advance(31 * MINUTE);
    expect(await t.kernel.dispatch({ type: "runs.purge" })).toMatchObject({
      idempotencyKeysDeleted: 1,
    });
    const again = await create();
    expect(again.replayed).toBe(false);
    expect(again.workflowRunId).not.toBe(first.workflowRunId);
  });
});

describe("the purge duty", () => {
  it("is the last duty, off with maxPurgePerTick 0, and carries the interval", () => {
    expect(DUTIES.at(-1)?.name).toBe("purge");
    expect(dutyCommand("purge", { workerId: "w", maxPurgePerTick: 0 })).toBeUndefined();
    expect(dutyCommand("purge", { workerId: "w", purgeIntervalMs: 5_000 })).toEqual({
      type: "runs.purge",
      maxRuns: 500,
      everyMs: 5_000,
    });
  });

  it("sweeps again at once after a full batch, then not before the interval has passed", async () => {
    const t = kernelWith([flow("docs")], { retention: { completed: "1m" } });
    const runs = [await finish(t, "docs"), await finish(t, "docs"), await finish(t, "docs")];
    t.clock.advance(2 * MINUTE);
    const sweep = { type: "runs.purge", maxRuns: 2, everyMs: 10 * MINUTE } as const;
    expect(await t.kernel.dispatch(sweep)).toMatchObject({ runIds: runs.slice(0, 2), more: true });
    expect(await t.kernel.dispatch(sweep)).toMatchObject({ runIds: runs.slice(2), more: false });
    const late = await finish(t, "docs");
    t.clock.advance(2 * MINUTE);
    expect(await t.kernel.dispatch(sweep)).toMatchObject({ skipped: true, purged: 0 });
    expect(await exists(t, late)).toBe(true);
    t.clock.advance(10 * MINUTE);
    expect(await t.kernel.dispatch(sweep)).toMatchObject({ runIds: [late] });
  });

  it("runs in the driver's rounds: old runs disappear while the host ticks", async () => {
    const t = kernelWith([flow("docs")], { retention: { completed: "5m" } });
    const run = await finish(t, "docs");
    t.clock.advance(6 * MINUTE);
    await t.driver.tick();
    expect(await exists(t, run)).toBe(false);
  });
});

describe("retention settings", () => {
  it("refuses an invalid kernel retention or TTL with INVALID_OPTIONS naming the field", () => {
    expect(() => kernelWith([], { retention: { completed: "1y" } })).toThrow(
      expect.objectContaining({
        code: "INVALID_OPTIONS",
        field: "options.retention.completed",
      }),
    );
    expect(() => kernelWith([], { retention: { done: "1d" } as never })).toThrow(RatchetError);
    expect(() => kernelWith([], { idempotencyKeyTtlMs: 0 })).toThrow(
      expect.objectContaining({ code: "INVALID_OPTIONS" }),
    );
  });

  it("refuses an invalid workflow retention with INVALID_RETENTION, in both builders", () => {
    expect(() => flow("bad", { failed: -5 })).toThrow(WorkflowDefinitionError);
    expect(() => flow("bad", { failed: "soon" })).toThrow(
      expect.objectContaining({
        code: "INVALID_RETENTION",
        workflowId: "bad",
        field: "retention.failed",
      }),
    );
    const step = workflow("steps")
      .task("one", { handler: async () => 1 })
      .retention({ completed: "7d", failed: "30d" })
      .build();
    expect(step.retention).toEqual({
      COMPLETED: 7 * 24 * 60 * MINUTE,
      FAILED: 30 * 24 * 60 * MINUTE,
      TIMED_OUT: 30 * 24 * 60 * MINUTE,
      COMPENSATED: 30 * 24 * 60 * MINUTE,
      COMPENSATION_FAILED: 30 * 24 * 60 * MINUTE,
    });
    expect(() =>
      workflow("steps")
        .task("one", { handler: async () => 1 })
        .retention({ cancelled: "x" })
        .build(),
    ).toThrow(expect.objectContaining({ code: "INVALID_RETENTION" }));
  });
});
