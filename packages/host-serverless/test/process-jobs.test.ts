import type { JobTransport } from "@ratchet/kernel";
import { describe, expect, it } from "vitest";
import { inMemoryHarness, pendingJobIds } from "./support/in-memory.js";
import { Executions, taskWorkflow } from "./support/workflows.js";

function setup(wrapTransport?: (transport: JobTransport) => JobTransport) {
  const executions = new Executions();
  const t = inMemoryHarness({
    workflows: [taskWorkflow(executions)],
    ...(wrapTransport ? { wrapTransport } : {}),
  });
  return { t, executions };
}

describe("processAvailableJobs", () => {
  it("runs available jobs up to maxJobs and reports each outcome", async () => {
    const { t, executions } = setup();
    const ids = await t.startRuns("task", [{}, {}, { fail: true }, { flaky: true }, {}, {}]);

    const result = await t.host.processAvailableJobs({ maxJobs: 10, concurrency: 3 });

    expect(result).toMatchObject({
      processed: 6,
      succeeded: 4,
      failed: 1,
      retrying: 1,
      suspended: 0,
      cancelled: 0,
      skipped: 0,
      released: 0,
      timeBudgetSpent: false,
      errors: [],
    });
    for (const id of ids) expect(executions.of(id, "task")).toBe(1);
    expect(t.host.getStats()).toMatchObject({ jobsProcessed: 6, running: 0 });
  });

  it("stops at maxJobs and leaves the rest in the queue", async () => {
    const { t, executions } = setup();
    const ids = await t.startRuns("task", [{}, {}, {}, {}, {}]);
    const result = await t.host.processAvailableJobs({ maxJobs: 2, concurrency: 4 });
    expect(result.processed).toBe(2);
    expect(executions.total()).toBe(2);
    expect(await pendingJobIds(t, ids)).toHaveLength(3);
  });

  it("keeps going when one job's stage throws or one job hits an unexpected error", async () => {
    const { t, executions } = setup((transport) => {
      const flaky: JobTransport = Object.create(transport);
      let broke = false;
      flaky.complete = async (job, now, scope) => {
        if (!broke) {
          broke = true;
          throw new Error("connection reset while committing");
        }
        return transport.complete(job, now, scope);
      };
      return flaky;
    });
    const ids = await t.startRuns("task", [{}, { fail: true }, {}, {}, {}]);

    const result = await t.host.processAvailableJobs({ maxJobs: 10 });

    expect(result.processed).toBe(5);
    expect(result.succeeded).toBe(3);
    expect(result.failed).toBe(2);
    expect(result.errors).toEqual([
      expect.objectContaining({
        code: "UNEXPECTED_ERROR",
        message: "connection reset while committing",
      }),
    ]);
    expect(result.errors[0]?.jobId).toEqual(expect.any(String));
    for (const id of ids) expect(executions.of(id, "task")).toBe(1);
    const statuses = await Promise.all(
      ids.map(async (id) => (await t.persistence.getRun(id))?.status),
    );
    expect(statuses.filter((s) => s === "FAILED")).toHaveLength(1);
  });

  it("runs jobs concurrently, up to `concurrency` at once, from one batched dequeue", async () => {
    const limits: number[] = [];
    const { t } = setup((transport) => {
      const counting: JobTransport = Object.create(transport);
      counting.dequeue = (options) => {
        limits.push(options.limit);
        return transport.dequeue(options);
      };
      return counting;
    });
    await t.startRuns(
      "task",
      Array.from({ length: 6 }, () => ({ delayMs: 80 })),
    );
    const started = Date.now();
    const result = await t.host.processAvailableJobs({ maxJobs: 6, concurrency: 3 });
    const elapsed = Date.now() - started;
    expect(result.succeeded).toBe(6);
    // Two waves of three: ≈ 160 ms, well under the 480 ms one at a time would take.
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(400);
    // The three idle lanes share the first dequeue; later ones ask for the lanes then idle.
    expect(limits[0]).toBe(3);
    expect(limits.every((limit) => limit >= 1 && limit <= 3)).toBe(true);
  });

  it("stops starting jobs when the time budget is spent; the rest stay dequeuable", async () => {
    const { t, executions } = setup();
    const ids = await t.startRuns("task", [{ delayMs: 120 }, { delayMs: 120 }, { delayMs: 120 }]);

    const result = await t.host.processAvailableJobs({ maxJobs: 10, timeBudgetMs: 30 });

    expect(result).toMatchObject({ processed: 1, succeeded: 1, timeBudgetSpent: true });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(120);
    expect(executions.total()).toBe(1);
    const rest = await t.jobTransport.dequeue({
      workerId: "next-invocation",
      limit: 10,
      leaseMs: 30_000,
      now: t.clock.now(),
    });
    expect(rest).toHaveLength(2);
    expect(rest.map((j) => j.attempt)).toEqual([1, 1]);
    const ran = ids.filter((id) => executions.of(id, "task") === 1);
    expect(new Set([...ran, ...rest.map((j) => j.workflowRunId)])).toEqual(new Set(ids));
  });

  it("gives back jobs dequeued but not started when the budget runs out meanwhile", async () => {
    // The dequeue itself outlasts the budget (a slow database): the batch it returns must
    // not start, and must go back to the queue without using up an attempt.
    const { t, executions } = setup((transport) => {
      const slow: JobTransport = Object.create(transport);
      slow.dequeue = async (options) => {
        const jobs = await transport.dequeue(options);
        await new Promise((r) => setTimeout(r, 60));
        return jobs;
      };
      return slow;
    });
    const ids = await t.startRuns("task", [{}, {}, {}]);

    const result = await t.host.processAvailableJobs({
      maxJobs: 3,
      concurrency: 3,
      timeBudgetMs: 20,
    });

    expect(result).toMatchObject({ processed: 0, released: 3, timeBudgetSpent: true });
    expect(executions.total()).toBe(0);
    expect(t.host.getStats().jobsReleased).toBe(3);
    for (const id of ids) {
      const [job] = await t.jobTransport.activeJobsForRun(id);
      expect(job).toMatchObject({ status: "PENDING", attempt: 0, lockedBy: null });
    }
    const again = await t.host.processAvailableJobs({ maxJobs: 3, concurrency: 3 });
    expect(again).toMatchObject({ processed: 3, succeeded: 3, released: 0 });
  });

  it("picks up the next group's jobs that its own jobs enqueue", async () => {
    const executions = new Executions();
    const { pipelineWorkflow } = await import("./support/workflows.js");
    const t = inMemoryHarness({ workflows: [pipelineWorkflow(executions)] });
    const [runId] = await t.startRuns("pipeline", [{ text: "a b" }]);
    const result = await t.host.processAvailableJobs({ maxJobs: 10, concurrency: 2 });
    expect(result).toMatchObject({ processed: 4, succeeded: 4 });
    expect((await t.persistence.getRun(runId as string))?.status).toBe("COMPLETED");
  });

  it("reports a failing dequeue instead of throwing", async () => {
    const { t } = setup((transport) => {
      const broken: JobTransport = Object.create(transport);
      broken.dequeue = async () => {
        throw Object.assign(new Error("too many connections"), { code: "P2037" });
      };
      return broken;
    });
    const result = await t.host.processAvailableJobs({ maxJobs: 5, concurrency: 2 });
    expect(result).toMatchObject({
      processed: 0,
      errors: [{ code: "P2037", message: "too many connections" }],
    });
  });

  it("returns at once when the queue is empty, and rejects invalid options", async () => {
    const { t } = setup();
    expect(await t.host.processAvailableJobs({ maxJobs: 5 })).toMatchObject({ processed: 0 });
    expect(await t.host.processAvailableJobs({ maxJobs: 0 })).toMatchObject({ processed: 0 });
    await expect(t.host.processAvailableJobs({ maxJobs: -1 })).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
      field: "maxJobs",
    });
    await expect(t.host.processAvailableJobs({ maxJobs: 1, concurrency: 0 })).rejects.toMatchObject(
      { code: "INVALID_OPTIONS", field: "concurrency" },
    );
  });
});
