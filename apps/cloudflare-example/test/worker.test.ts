import type { JobTransport } from "@ratchet/kernel";
import { CollectingEventSink, createInMemoryStack } from "@ratchet/kernel/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../src/env.js";
import type { StoragePorts } from "../src/storage.js";
import { createWorker } from "../src/worker.js";
import {
  executionContext,
  messageBatch,
  queueMessage,
  scheduledController,
} from "./support/cloudflare.js";

const feed = (name: string) => ({
  feed: name,
  entries: [
    { title: " Durable workflows ", tags: ["Ratchet", "Queues"] },
    { title: "Crons at the edge", tags: ["workers"] },
  ],
});

afterEach(() => {
  vi.restoreAllMocks();
});

function setup(options: { env?: Env; wrap?: (t: JobTransport) => JobTransport } = {}) {
  const stack = createInMemoryStack();
  const ports: StoragePorts = {
    ...stack,
    jobTransport: options.wrap?.(stack.jobTransport) ?? stack.jobTransport,
  };
  const events = new CollectingEventSink();
  const worker = createWorker({ ports: () => ports, eventSink: events });
  const env: Env = { RATCHET_WORKER_ID: "test-isolate", ...options.env };
  const ctx = executionContext();

  const createRun = async (input: unknown) => {
    const response = await worker.fetch(
      new Request("https://worker.test/runs", { method: "POST", body: JSON.stringify(input) }),
      env,
      ctx,
    );
    expect(response.status).toBe(201);
    return ((await response.json()) as { workflowRunId: string }).workflowRunId;
  };
  const pendingJobs = async (runIds: readonly string[]) => {
    const ids: string[] = [];
    for (const runId of runIds) {
      const response = await worker.fetch(
        new Request(`https://worker.test/runs/${runId}/jobs`),
        env,
        ctx,
      );
      ids.push(...((await response.json()) as { jobIds: string[] }).jobIds);
    }
    return ids;
  };
  const runState = async (runId: string) => {
    const response = await worker.fetch(new Request(`https://worker.test/runs/${runId}`), env, ctx);
    return (await response.json()) as { status: string; output: unknown };
  };
  /** Events written to the outbox and not yet published. */
  const unpublished = () =>
    stack.persistence.claimOutboxEvents({
      now: new Date(Date.now() + 3_600_000), // past every back-off
      limit: 1_000,
      leaseMs: 1,
    });
  return { stack, worker, env, ctx, events, createRun, pendingJobs, runState, unpublished };
}

describe("cloudflare worker: queue()", () => {
  it("runs the job each message names and acks every message, duplicates included", async () => {
    const t = setup({ env: { RATCHET_MAX_JOBS: "0" } });
    const runIds = [await t.createRun(feed("a")), await t.createRun(feed("b"))];
    await t.worker.scheduled(scheduledController(), t.env, t.ctx); // claims: first jobs queued
    const jobIds = await t.pendingJobs(runIds);
    expect(jobIds).toHaveLength(2);

    const messages = [...jobIds, jobIds[0]].map((jobId) => queueMessage({ jobId }));
    const batch = messageBatch(messages);
    await t.worker.queue(batch, t.env, t.ctx);

    for (const m of messages) {
      expect(m.ack).toHaveBeenCalledTimes(1);
      expect(m.retry).not.toHaveBeenCalled();
    }
    expect(batch.ackAll).not.toHaveBeenCalled();
    expect(batch.retryAll).not.toHaveBeenCalled();
    const { host } = await t.worker.runtime(t.env);
    expect(host.getStats().outcomes).toMatchObject({ completed: 2, skipped: 1 });
    expect(await t.pendingJobs(runIds)).toHaveLength(4); // the parallel group, queued
  });

  it("completes runs from messages alone, with JSON-text bodies too", async () => {
    const t = setup({ env: { RATCHET_MAX_JOBS: "0" } });
    const runId = await t.createRun(feed("c"));
    await t.worker.scheduled(scheduledController(), t.env, t.ctx);
    for (let round = 0; round < 3; round++) {
      const messages = (await t.pendingJobs([runId])).map((jobId) =>
        queueMessage(JSON.stringify({ jobId })),
      );
      await t.worker.queue(messageBatch(messages), t.env, t.ctx);
      for (const m of messages) expect(m.ack).toHaveBeenCalledTimes(1);
    }
    expect(await t.runState(runId)).toEqual({
      status: "COMPLETED",
      output: {
        headline: "6 words about queues, ratchet, workers",
        words: 6,
        tags: ["queues", "ratchet", "workers"],
      },
    });
  });

  it("publishes the events of the runs its messages completed, with no cron tick", async () => {
    const t = setup({ env: { RATCHET_MAX_JOBS: "0" } });
    const runIds = [await t.createRun(feed("p")), await t.createRun(feed("q"))];
    // What the after-commit publisher sends: a message per new run, then one per queued job.
    let messages = runIds.map((pendingRunId) => queueMessage({ pendingRunId }));
    for (let round = 0; messages.length > 0 && round < 5; round++) {
      await t.worker.queue(messageBatch(messages), t.env, t.ctx);
      messages = (await t.pendingJobs(runIds)).map((jobId) => queueMessage({ jobId }));
    }
    for (const runId of runIds) {
      expect((await t.runState(runId)).status).toBe("COMPLETED");
      const types = t.events.forRun(runId).map((e) => e.type);
      expect(types[0]).toBe("workflow.created");
      expect(types.at(-1)).toBe("workflow.completed");
    }
    expect(await t.unpublished()).toEqual([]);
    const stats = (await t.worker.runtime(t.env)).host.getStats();
    expect(stats).toMatchObject({ maintenanceTicks: 0, eventsPublished: t.events.events.length });
  });

  it("publishes for RATCHET_PUBLISH_BUDGET_MS after a batch (0: leaves it to the cron tick)", async () => {
    const t = setup({ env: { RATCHET_MAX_JOBS: "0", RATCHET_PUBLISH_BUDGET_MS: "0" } });
    const runId = await t.createRun(feed("r"));
    await t.worker.queue(messageBatch([queueMessage({ pendingRunId: runId })]), t.env, t.ctx);
    expect(t.events.events).toEqual([]);
    expect((await t.unpublished()).length).toBeGreaterThan(0);
  });

  it("logs events the sink rejects after a batch, and still acks the messages", async () => {
    const t = setup({ env: { RATCHET_MAX_JOBS: "0" } });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    t.events.failWhen(() => true);
    const runId = await t.createRun(feed("s"));
    const message = queueMessage({ pendingRunId: runId });
    await t.worker.queue(messageBatch([message]), t.env, t.ctx);
    expect(message.ack).toHaveBeenCalledTimes(1);
    const logged = warn.mock.calls.map((c) => JSON.parse(String(c[0])));
    expect(logged).toEqual([
      { queue: "ratchet-jobs", events: expect.objectContaining({ published: 0, failed: 1 }) },
    ]);
  });

  it("acks (and reports) bodies that are not JSON or not job messages: they would never succeed", async () => {
    const t = setup();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const messages = [
      queueMessage("{not json", "m-text"),
      queueMessage({ job: "x" }, "m-object"),
      queueMessage(42, "m-number"),
      queueMessage({ jobId: "unknown-job" }, "m-unknown"),
    ];
    await t.worker.queue(messageBatch(messages), t.env, t.ctx);
    for (const m of messages) {
      expect(m.ack, m.id).toHaveBeenCalledTimes(1);
      expect(m.retry, m.id).not.toHaveBeenCalled();
    }
    const reported = errors.mock.calls.map(
      (c) => JSON.parse(String(c[0])) as { messageId: string; action: string },
    );
    expect(reported.map((r) => [r.messageId, r.action])).toEqual([
      ["m-text", "acked"],
      ["m-object", "acked"],
      ["m-number", "acked"],
    ]);
  });

  it("retries (with a delay) only messages whose job hit a storage error", async () => {
    let broken = true;
    const t = setup({
      env: { RATCHET_MAX_JOBS: "0", RATCHET_RETRY_DELAY_SECONDS: "30" },
      wrap: (transport) => {
        const flaky: JobTransport = Object.create(transport);
        flaky.claimJob = async (jobId, options) => {
          if (broken) throw new Error("D1_ERROR: database is locked");
          return transport.claimJob?.(jobId, options) ?? null;
        };
        return flaky;
      },
    });
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const runId = await t.createRun(feed("d"));
    await t.worker.scheduled(scheduledController(), t.env, t.ctx);
    const [jobId] = await t.pendingJobs([runId]);
    const invalid = queueMessage({ nope: 1 });
    vi.spyOn(console, "error").mockImplementation(() => {});

    const first = queueMessage({ jobId });
    await t.worker.queue(messageBatch([first, invalid]), t.env, t.ctx);
    expect(first.retry).toHaveBeenCalledWith({ delaySeconds: 30 });
    expect(first.ack).not.toHaveBeenCalled();
    expect(invalid.ack).toHaveBeenCalledTimes(1);

    broken = false;
    const redelivered = queueMessage({ jobId }, first.id);
    await t.worker.queue(messageBatch([redelivered]), t.env, t.ctx);
    expect(redelivered.ack).toHaveBeenCalledTimes(1);
    expect(redelivered.retry).not.toHaveBeenCalled();
  });
});

describe("cloudflare worker: scheduled()", () => {
  it("ticks, then runs available jobs until every run ends", async () => {
    const t = setup();
    const ok = await t.createRun(feed("e"));
    const empty = await t.createRun({ feed: "f", entries: [] });
    const controller = scheduledController("*/1 * * * *");

    await t.worker.scheduled(controller, t.env, t.ctx);

    expect((await t.runState(ok)).status).toBe("COMPLETED");
    expect(await t.runState(empty)).toEqual({
      status: "COMPLETED",
      output: { headline: "0 words about nothing", words: 0, tags: [] },
    });
    expect(controller.noRetry).not.toHaveBeenCalled();
    const stats = (await t.worker.runtime(t.env)).host.getStats();
    expect(stats).toMatchObject({ maintenanceTicks: 1, jobsProcessed: 8, errors: 0 });
  });

  it("publishes the events its jobs wrote after them, not a tick later", async () => {
    const t = setup();
    const runIds = [await t.createRun(feed("t")), await t.createRun(feed("u"))];
    await t.worker.scheduled(scheduledController(), t.env, t.ctx);
    for (const runId of runIds) {
      expect((await t.runState(runId)).status).toBe("COMPLETED");
      expect(t.events.forRun(runId).at(-1)?.type).toBe("workflow.completed");
    }
    expect(await t.unpublished()).toEqual([]);
  });

  it("honours RATCHET_MAX_JOBS (0: only the maintenance tick)", async () => {
    const t = setup({ env: { RATCHET_MAX_JOBS: "1" } });
    const runId = await t.createRun(feed("g"));
    await t.worker.scheduled(scheduledController(), t.env, t.ctx);
    expect(await t.pendingJobs([runId])).toHaveLength(2); // first stage ran; its group is next
  });
});

describe("cloudflare worker: isolate runtime and fetch()", () => {
  it("builds the runtime once per isolate from the ports factory", async () => {
    const stack = createInMemoryStack();
    const factory = vi.fn(() => stack);
    const worker = createWorker({ ports: factory });
    const env: Env = {};
    await worker.scheduled(scheduledController(), env, executionContext());
    await worker.queue(messageBatch([]), env, executionContext());
    await worker.fetch(new Request("https://worker.test/stats"), env, executionContext());
    expect(factory).toHaveBeenCalledTimes(1);
    expect(factory).toHaveBeenCalledWith(env);
  });

  it("defaults to the in-memory stack without a DB binding; d1 needs one; unknown storage is refused", async () => {
    const memory = createWorker();
    const response = await memory.fetch(
      new Request("https://worker.test/stats"),
      {},
      executionContext(),
    );
    expect(await response.json()).toMatchObject({ messagesHandled: 0 });

    const d1 = createWorker();
    await expect(
      d1.scheduled(scheduledController(), { RATCHET_STORAGE: "d1" }, executionContext()),
    ).rejects.toThrow("RATCHET_STORAGE=d1 needs a D1 binding named DB");
    const other = createWorker();
    await expect(
      other.scheduled(scheduledController(), { RATCHET_STORAGE: "kv" }, executionContext()),
    ).rejects.toThrow('unknown RATCHET_STORAGE "kv" (d1 or memory)');
  });

  it("answers 400 with the kernel's error for invalid input, 404 for unknown paths and runs", async () => {
    const t = setup();
    const bad = await t.worker.fetch(
      new Request("https://worker.test/runs", {
        method: "POST",
        body: JSON.stringify({ feed: "" }),
      }),
      t.env,
      t.ctx,
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "INVALID_INPUT" } });
    expect(
      (await t.worker.fetch(new Request("https://worker.test/nope"), t.env, t.ctx)).status,
    ).toBe(404);
    expect(
      (await t.worker.fetch(new Request("https://worker.test/runs/x"), t.env, t.ctx)).status,
    ).toBe(404);
  });
});
