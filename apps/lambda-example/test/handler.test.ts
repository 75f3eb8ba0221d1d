import type { JobTransport, RunStatus } from "@ratchet/kernel";
import { describe, expect, it } from "vitest";
import { getRuntime, handler, setRuntimeFactory } from "../src/handler.js";
import { postgresRuntime } from "../src/runtime.js";
import type { ScheduledResult } from "../src/scheduled.js";
import { lambdaContext, scheduledEvent, sqsEvent, sqsRecord } from "./support/events.js";
import { useSqliteRuntime } from "./support/runtime.js";

const t = useSqliteRuntime();

const order = (orderId: string, sku = "apple", quantity = 2) => ({
  orderId,
  customer: ` customer ${orderId} `,
  lines: [{ sku, quantity }],
});

/** Creates runs and claims them, so their first jobs wait in the queue; returns job ids. */
async function startRuns(orders: unknown[]): Promise<{ runIds: string[]; jobIds: string[] }> {
  const { kernel, host } = await getRuntime();
  const runIds: string[] = [];
  for (const input of orders) {
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "invoice-order",
      input,
    });
    runIds.push(workflowRunId);
  }
  await host.runMaintenanceTick();
  return { runIds, jobIds: await pendingJobs(runIds) };
}

async function pendingJobs(runIds: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const runId of runIds) {
    for (const job of await t.stack.jobTransport.activeJobsForRun(runId)) {
      if (job.status === "PENDING") ids.push(job.jobId);
    }
  }
  return ids;
}

/** Outbox events not yet published (claimed with a short lease, as a flush would). */
async function unpublished(): Promise<unknown[]> {
  const now = new Date(Date.now() + 3_600_000); // past every back-off
  return t.stack.persistence.claimOutboxEvents({ now, limit: 1_000, leaseMs: 1 });
}

async function statuses(runIds: readonly string[]): Promise<Array<RunStatus | undefined>> {
  return Promise.all(runIds.map(async (id) => (await t.stack.persistence.getRun(id))?.status));
}

describe("lambda handler: SQS event", () => {
  it("runs the job each record names and acks them all (empty batchItemFailures)", async () => {
    const { runIds, jobIds } = await startRuns([order("o-1"), order("o-2")]);
    expect(jobIds).toHaveLength(2);
    const records = jobIds.map((jobId) => sqsRecord(JSON.stringify({ jobId })));
    // SQS delivers at least once: the first message comes twice in one batch.
    const duplicate = sqsRecord(records[0]?.body as string);

    const response = await handler(sqsEvent([...records, duplicate]), lambdaContext(30_000));

    expect(response).toEqual({ batchItemFailures: [] });
    for (const runId of runIds) {
      const stages = await t.stack.persistence.listStages(runId);
      expect(stages.find((s) => s.stageId === "parse-order")?.status).toBe("COMPLETED");
    }
    // The next group's jobs (price-lines ∥ check-fraud) are queued for their own messages.
    expect(await pendingJobs(runIds)).toHaveLength(4);
    // The events the batch wrote were published before the invocation ended.
    expect(await unpublished()).toEqual([]);
    const stats = (await getRuntime()).host.getStats();
    expect(stats.outcomes).toMatchObject({ completed: 2, skipped: 1 });
  });

  it("publishes nothing after a batch that ends within the margin of the Lambda timeout", async () => {
    const { jobIds } = await startRuns([order("o-14")]);
    expect(await unpublished()).toEqual([]); // the tick published what the claim wrote
    const records = jobIds.map((jobId) => sqsRecord(JSON.stringify({ jobId })));
    expect(await handler(sqsEvent(records), lambdaContext(5_000))).toEqual({
      batchItemFailures: [],
    });
    // Under DEFAULT_CRON.marginMs (15 s) left: the next invocation or the schedule publishes.
    expect((await unpublished()).length).toBeGreaterThan(0);
  });

  it("completes whole runs from SQS messages alone", async () => {
    const { runIds } = await startRuns([order("o-3", "fig", 3)]);
    for (let round = 0; round < 3; round++) {
      const records = (await pendingJobs(runIds)).map((jobId) =>
        sqsRecord(JSON.stringify({ jobId })),
      );
      expect(await handler(sqsEvent(records))).toEqual({ batchItemFailures: [] });
    }
    const run = await t.stack.persistence.getRun(runIds[0] as string);
    expect(run?.status).toBe("COMPLETED");
  });

  it("reports and acks a body that is not JSON or not a job message (it would never succeed)", async () => {
    const notJson = sqsRecord("{jobId: oops", "m-not-json");
    const notAMessage = sqsRecord(JSON.stringify({ job: "x" }), "m-invalid");
    const wrongType = sqsRecord(JSON.stringify({ jobId: 12 }), "m-wrong-type");

    const response = await handler(sqsEvent([notJson, notAMessage, wrongType]));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(t.logs.filter((l) => l.level === "error").map((l) => l.messageId)).toEqual([
      "m-not-json",
      "m-invalid",
      "m-wrong-type",
    ]);
    expect(t.logs.find((l) => l.messageId === "m-invalid")?.error).toMatchObject({
      code: "INVALID_MESSAGE",
      field: "jobId",
    });
  });

  it("returns records whose job hit a database error in batchItemFailures; redelivery succeeds", async () => {
    const { runIds, jobIds } = await startRuns([order("o-4"), order("o-5")]);
    const [badJob, goodJob] = jobIds as [string, string];
    await t.use({
      wrapTransport: (transport) => {
        const broken: JobTransport = Object.create(transport);
        broken.claimJob = async (jobId, options) => {
          if (jobId === badJob) throw new Error("Connection terminated unexpectedly");
          return transport.claimJob?.(jobId, options) ?? null;
        };
        return broken;
      },
    });
    const bad = sqsRecord(JSON.stringify({ jobId: badJob }), "m-bad");
    const good = sqsRecord(JSON.stringify({ jobId: goodJob }), "m-good");

    expect(await handler(sqsEvent([bad, good]))).toEqual({
      batchItemFailures: [{ itemIdentifier: "m-bad" }],
    });
    expect(t.logs).toContainEqual(
      expect.objectContaining({ level: "warn", messageId: "m-bad", jobId: badJob }),
    );

    await t.use(); // the database is back
    expect(await handler(sqsEvent([bad]))).toEqual({ batchItemFailures: [] });
    expect(await pendingJobs(runIds)).toHaveLength(4);
  });

  it("fails the whole batch (Lambda retries it) when the runtime cannot be built", async () => {
    let attempts = 0;
    await setRuntimeFactory(async () => {
      attempts++;
      throw new Error("getaddrinfo ENOTFOUND db");
    });
    const event = sqsEvent([sqsRecord(JSON.stringify({ jobId: "j" }))]);
    await expect(handler(event)).rejects.toThrow("ENOTFOUND");
    await expect(handler(event)).rejects.toThrow("ENOTFOUND");
    expect(attempts).toBe(2); // a failed cold start is retried, not cached
  });
});

describe("lambda handler: EventBridge scheduled event", () => {
  it("runs a maintenance tick, then jobs within the remaining time, until every run ends", async () => {
    const { kernel } = await getRuntime();
    const runIds: string[] = [];
    for (const input of [order("o-6"), order("o-7", "pear", 200), order("o-8", "durian")]) {
      runIds.push(
        (await kernel.dispatch({ type: "run.create", workflowId: "invoice-order", input }))
          .workflowRunId,
      );
    }

    const first = (await handler(scheduledEvent(), lambdaContext(60_000))) as ScheduledResult;
    expect(first.tick).toMatchObject({ claimed: 3, failures: [] });
    expect(first.jobs).toMatchObject({ timeBudgetSpent: false, errors: [] });
    expect(first.jobs?.processed).toBeGreaterThan(0);

    for (let i = 0; i < 5 && (await pendingJobs(runIds)).length > 0; i++) {
      await handler(scheduledEvent(), lambdaContext(60_000));
    }
    expect(await statuses(runIds)).toEqual(["COMPLETED", "COMPLETED", "FAILED"]);
    const invoice = (await t.stack.persistence.getRun(runIds[1] as string))?.output;
    expect(JSON.stringify(invoice)).toContain('"needsReview":true');
  });

  it("publishes the events its jobs wrote after them, not a tick later", async () => {
    const { runIds } = await startRuns([order("o-12"), order("o-13", "fig")]);
    const result = (await handler(scheduledEvent(), lambdaContext(60_000))) as ScheduledResult;
    expect(result.jobs?.processed).toBe(8);
    expect(await statuses(runIds)).toEqual(["COMPLETED", "COMPLETED"]);
    expect(result.events).toMatchObject({ failed: 0, timeBudgetSpent: false, errors: [] });
    expect(result.events?.published).toBeGreaterThanOrEqual(2 * 8); // each stage's start and end
    expect(await unpublished()).toEqual([]);
  });

  it("starts no job when the time left is under the margin, but still ticks", async () => {
    await t.use({ cron: { marginMs: 10_000 } });
    const { kernel } = await getRuntime();
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "invoice-order",
      input: order("o-9"),
    });
    const result = (await handler(scheduledEvent(), lambdaContext(8_000))) as ScheduledResult;
    expect(result.tick.claimed).toBe(1);
    expect(result.jobs).toBeNull();
    expect(result.events).toBeNull();
    expect(await pendingJobs([workflowRunId])).toHaveLength(1);
  });

  it("honours maxJobs and uses the defaults without a context", async () => {
    await t.use({ cron: { maxJobs: 1 } });
    const { runIds } = await startRuns([order("o-10"), order("o-11")]);
    const result = (await handler(scheduledEvent())) as ScheduledResult;
    expect(result.jobs?.processed).toBe(1);
    // One first job left, plus the two next-group jobs the processed one enqueued.
    expect(await pendingJobs(runIds)).toHaveLength(3);
  });
});

describe("lambda handler: module scope", () => {
  it("builds the runtime once per container and reuses it", async () => {
    await handler(scheduledEvent());
    await handler(sqsEvent([]));
    await handler(scheduledEvent());
    expect(t.builds).toBe(1);
  });

  it("defaults to PostgreSQL at DATABASE_URL, and says so when it is missing", async () => {
    const previous = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      await setRuntimeFactory(postgresRuntime);
      await expect(handler(scheduledEvent())).rejects.toThrow(
        "[ratchet] [serverless] [lambda] DATABASE_URL is not set",
      );
    } finally {
      if (previous !== undefined) process.env.DATABASE_URL = previous;
    }
  });

  it("rejects an event it does not know", async () => {
    await expect(handler({ httpMethod: "GET" } as never)).rejects.toThrow(
      "[ratchet] [serverless] [lambda] unsupported event",
    );
  });
});
