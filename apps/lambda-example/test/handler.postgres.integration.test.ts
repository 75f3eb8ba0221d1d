import { createPostgresDatabase, type TestDatabase } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getRuntime, handler, setRuntimeFactory } from "../src/handler.js";
import { postgresRuntime } from "../src/runtime.js";
import type { ScheduledResult } from "../src/scheduled.js";
import { lambdaContext, scheduledEvent, sqsEvent, sqsRecord } from "./support/events.js";

let db: TestDatabase | undefined;
const previousUrl = process.env.DATABASE_URL;

beforeAll(async () => {
  db = await createPostgresDatabase("lambda_example");
  process.env.DATABASE_URL = db.url;
  await setRuntimeFactory(postgresRuntime);
});

afterAll(async () => {
  // Swapping the factory closes the container's runtime and its connection pool.
  await setRuntimeFactory(postgresRuntime);
  if (previousUrl === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = previousUrl;
  await db?.drop();
});

describe("lambda handler on its default runtime (PostgreSQL at DATABASE_URL)", () => {
  it("migrates on cold start and completes runs from SQS messages and the schedule", async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => {
      lines.push(line);
    });
    try {
      const { kernel, host, ports } = await getRuntime();
      const runIds: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { workflowRunId } = await kernel.dispatch({
          type: "run.create",
          workflowId: "invoice-order",
          input: { orderId: `pg-${i}`, customer: "c", lines: [{ sku: "fig", quantity: i + 1 }] },
        });
        runIds.push(workflowRunId);
      }
      await host.runMaintenanceTick(); // claims the runs: their first jobs are queued

      // Messages, one per queued job (as a publisher sends them), drive each group.
      for (let round = 0; round < 3; round++) {
        const records = [];
        for (const runId of runIds) {
          for (const job of await ports.jobTransport.activeJobsForRun(runId)) {
            records.push(sqsRecord(JSON.stringify({ jobId: job.jobId })));
          }
        }
        expect(records.length).toBe(round === 1 ? 10 : 5);
        expect(await handler(sqsEvent(records), lambdaContext(30_000))).toEqual({
          batchItemFailures: [],
        });
      }
      const runs = await Promise.all(runIds.map((id) => ports.persistence.getRun(id)));
      expect(runs.map((r) => r?.status)).toEqual(Array(5).fill("COMPLETED"));
      // Each SQS invocation published the events its batch wrote (here: JSON log lines).
      const completed = lines.filter((l) => JSON.parse(l).type === "workflow.completed");
      expect(completed).toHaveLength(5);

      // The schedule finds nothing to run and nothing left to publish.
      const tick = (await handler(scheduledEvent(), lambdaContext(60_000))) as ScheduledResult;
      expect(tick.tick.eventsFlushed).toBe(0);
      expect(tick.jobs?.processed).toBe(0);
    } finally {
      log.mockRestore();
    }
  });

  it("publishes the events of runs SQS messages completed, with no scheduled event at all", async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => {
      lines.push(line);
    });
    try {
      const { kernel, ports } = await getRuntime();
      const runIds: string[] = [];
      for (let i = 0; i < 4; i++) {
        const { workflowRunId } = await kernel.dispatch({
          type: "run.create",
          workflowId: "invoice-order",
          input: { orderId: `ev-${i}`, customer: "c", lines: [{ sku: "pear", quantity: i + 1 }] },
        });
        runIds.push(workflowRunId);
      }
      // The messages the after-commit publisher sends: one per new run, then one per job.
      let records = runIds.map((id) => sqsRecord(JSON.stringify({ pendingRunId: id })));
      for (let round = 0; records.length > 0 && round < 5; round++) {
        expect(await handler(sqsEvent(records), lambdaContext(30_000))).toEqual({
          batchItemFailures: [],
        });
        records = [];
        for (const runId of runIds) {
          for (const job of await ports.jobTransport.activeJobsForRun(runId)) {
            records.push(sqsRecord(JSON.stringify({ jobId: job.jobId })));
          }
        }
      }
      const runs = await Promise.all(runIds.map((id) => ports.persistence.getRun(id)));
      expect(runs.map((r) => r?.status)).toEqual(Array(4).fill("COMPLETED"));

      // Every event of every run went out, in order, from the SQS invocations alone.
      const events = lines.map((l) => JSON.parse(l)).filter((e) => e.message === "workflow event");
      for (const runId of runIds) {
        const sequences = events.filter((e) => e.workflowRunId === runId).map((e) => e.sequence);
        expect(sequences.length).toBeGreaterThan(2);
        expect(sequences).toEqual(sequences.map((_, i) => (sequences[0] as number) + i));
        const types = events.filter((e) => e.workflowRunId === runId).map((e) => e.type);
        expect(types[0]).toBe("workflow.created");
        expect(types.at(-1)).toBe("workflow.completed");
      }
      // Nothing is left in the outbox for a tick to publish.
      const left = await ports.persistence.claimOutboxEvents({
        now: new Date(Date.now() + 3_600_000),
        limit: 1_000,
        leaseMs: 1,
      });
      expect(left.filter((e) => runIds.includes(e.runId))).toEqual([]);
    } finally {
      log.mockRestore();
    }
  });
});
