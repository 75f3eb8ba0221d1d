/**
 * The built Worker (dist/worker.js, one neutral ES module) under Miniflare, i.e. in workerd,
 * Cloudflare's runtime: no Node built-ins, real `queue` / `scheduled` event dispatch. `npm
 * test` builds it first (`tsup && vitest run`).
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const WORKER = fileURLToPath(new URL("../dist/worker.js", import.meta.url));
const QUEUE = "ratchet-jobs";

const feed = (name: string) => ({
  feed: name,
  entries: [{ title: "Edge workflows resume", tags: ["Workers", "Ratchet"] }],
});

/** The Worker's console output, as workerd reports it. */
const logs: Array<{ level: string; message: string }> = [];

function start(bindings: Record<string, string>): Miniflare {
  return new Miniflare({
    modules: true,
    scriptPath: WORKER,
    compatibilityDate: "2025-09-01",
    queueConsumers: { [QUEUE]: { maxBatchSize: 10 } },
    bindings: { RATCHET_WORKER_ID: "miniflare", ...bindings },
    structuredWorkerdLogs: true,
    handleStructuredLogs: ({ level, message }: { level: string; message: string }) => {
      logs.push({ level, message });
    },
  });
}

/**
 * The event methods of `mf.getWorker()` (a workerd `Fetcher`). Miniflare types them through
 * `@cloudflare/workers-types`, which this package does not install, so they are named here.
 */
interface WorkerEvents {
  queue(
    queue: string,
    messages: Array<{ id: string; timestamp: Date; body: unknown; attempts: number }>,
  ): Promise<{ outcome: string; explicitAcks: string[]; retryMessages: Array<{ msgId: string }> }>;
  scheduled(options?: { cron?: string; scheduledTime?: Date }): Promise<{
    outcome: string;
    noRetry: boolean;
  }>;
}

async function events(mf: Miniflare): Promise<WorkerEvents> {
  return (await mf.getWorker()) as unknown as WorkerEvents;
}

async function post(mf: Miniflare, body: unknown): Promise<string> {
  const response = await mf.dispatchFetch("http://worker.test/runs", {
    method: "POST",
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { workflowRunId: string }).workflowRunId;
}

async function get<T>(mf: Miniflare, path: string): Promise<T> {
  const response = await mf.dispatchFetch(`http://worker.test${path}`);
  return (await response.json()) as T;
}

beforeAll(() => {
  if (!existsSync(WORKER)) {
    throw new Error(
      "[ratchet] [serverless] [test] dist/worker.js is missing: run `npm test` (it builds first) or `npx tsup`",
    );
  }
});

describe("the built Worker under Miniflare (workerd)", () => {
  it("is one self-contained module: no imports left for the runtime to resolve", () => {
    const code = readFileSync(WORKER, "utf8");
    expect(code).not.toMatch(/^\s*import\s|\bimport\(\s*["']|\brequire\(\s*["']/m);
  });

  describe("scheduled()", () => {
    let mf: Miniflare;
    beforeAll(async () => {
      mf = start({});
      await mf.ready;
    });
    afterAll(async () => {
      await mf.dispose();
    });

    it("completes runs from a cron tick alone", async () => {
      const ids = [await post(mf, feed("a")), await post(mf, feed("b"))];
      const worker = await events(mf);
      const result = await worker.scheduled({ cron: "* * * * *", scheduledTime: new Date() });
      expect(result).toEqual({ outcome: "ok", noRetry: false });
      for (const id of ids) {
        expect(await get(mf, `/runs/${id}`)).toEqual({
          status: "COMPLETED",
          output: {
            headline: "3 words about ratchet, workers",
            words: 3,
            tags: ["ratchet", "workers"],
          },
        });
      }
      expect(await get(mf, "/stats")).toMatchObject({
        workerId: "miniflare",
        maintenanceTicks: 1,
        jobsProcessed: 8,
        errors: 0,
      });
    });
  });

  describe("queue()", () => {
    let mf: Miniflare;
    beforeAll(async () => {
      mf = start({ RATCHET_MAX_JOBS: "0" }); // cron only ticks: messages run the jobs
      await mf.ready;
    });
    afterAll(async () => {
      await mf.dispose();
    });

    it("acks every message: jobs run once, duplicates and bad messages are acked", async () => {
      const id = await post(mf, feed("c"));
      const worker = await events(mf);
      await worker.scheduled({ cron: "* * * * *" }); // claims the run
      let delivered = 0;
      for (let round = 0; round < 3; round++) {
        const { jobIds } = await get<{ jobIds: string[] }>(mf, `/runs/${id}/jobs`);
        expect(jobIds.length).toBe(round === 1 ? 2 : 1);
        const messages = jobIds.map((jobId) => ({
          id: `msg-${delivered++}`,
          timestamp: new Date(),
          attempts: 1,
          body: { jobId },
        }));
        // Each job's message comes twice (at-least-once delivery), plus one malformed message.
        const duplicates = messages.map((m) => ({ ...m, id: `${m.id}-dup` }));
        const bad = { id: `bad-${round}`, timestamp: new Date(), attempts: 1, body: "{oops" };
        const result = await worker.queue(QUEUE, [...messages, ...duplicates, bad]);
        expect(result.outcome).toBe("ok");
        expect(result.retryMessages).toEqual([]);
        expect(result.explicitAcks.sort()).toEqual(
          [...messages, ...duplicates, bad].map((m) => m.id).sort(),
        );
      }
      expect(await get(mf, `/runs/${id}`)).toMatchObject({ status: "COMPLETED" });
      const dropped = logs.filter((l) => l.message.includes("job message is text, not JSON"));
      expect(dropped.map((l) => JSON.parse(l.message).messageId)).toEqual([
        "bad-0",
        "bad-1",
        "bad-2",
      ]);
      const stats = await get<{ outcomes: Record<string, number> }>(mf, "/stats");
      expect(stats.outcomes).toMatchObject({ completed: 4, skipped: 4, failed: 0 });
    });
  });

  describe("queue(), publishing events", () => {
    let mf: Miniflare;
    beforeAll(async () => {
      mf = start({ RATCHET_MAX_JOBS: "0", RATCHET_LOG_EVENTS: "true" }); // events → log lines
      await mf.ready;
    });
    afterAll(async () => {
      await mf.dispose();
    });

    it("publishes the events of runs its messages completed, with no cron tick", async () => {
      const ids = [await post(mf, feed("p")), await post(mf, feed("q"))];
      const worker = await events(mf);
      // The messages the after-commit publisher sends: one per new run, then one per job.
      let bodies: unknown[] = ids.map((pendingRunId) => ({ pendingRunId }));
      for (let round = 0; bodies.length > 0 && round < 5; round++) {
        const messages = bodies.map((body, i) => ({
          id: `pub-${round}-${i}`,
          timestamp: new Date(),
          attempts: 1,
          body,
        }));
        const result = await worker.queue(QUEUE, messages);
        expect(result.outcome).toBe("ok");
        expect(result.retryMessages).toEqual([]);
        bodies = [];
        for (const id of ids) {
          const { jobIds } = await get<{ jobIds: string[] }>(mf, `/runs/${id}/jobs`);
          bodies.push(...jobIds.map((jobId) => ({ jobId })));
        }
      }
      const published = logs
        .filter((l) => l.message.startsWith('{"event":'))
        .map((l) => JSON.parse(l.message) as { event: string; run: string; seq: number });
      for (const id of ids) {
        expect(await get(mf, `/runs/${id}`)).toMatchObject({ status: "COMPLETED" });
        const types = published.filter((e) => e.run === id).map((e) => e.event);
        expect(types[0]).toBe("workflow.created");
        expect(types.at(-1)).toBe("workflow.completed");
      }
      expect(await get(mf, "/stats")).toMatchObject({
        maintenanceTicks: 0,
        eventsPublished: published.length,
      });
    });
  });
});
