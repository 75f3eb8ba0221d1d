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

      // The schedule publishes the outbox (here: JSON log lines) and finds nothing to run.
      const tick = (await handler(scheduledEvent(), lambdaContext(60_000))) as ScheduledResult;
      expect(tick.tick.eventsFlushed).toBeGreaterThan(0);
      expect(tick.jobs?.processed).toBe(0);
      const completed = lines.filter((l) => JSON.parse(l).type === "workflow.completed");
      expect(completed).toHaveLength(5);
    } finally {
      log.mockRestore();
    }
  });
});
