/**
 * `jobPublisherConformance` on a real Cloudflare Queue: Miniflare's queue broker in workerd.
 * The publisher runs inside a Worker (test/fixtures/bridge-worker.ts, bundled with esbuild)
 * on its producer binding; the same Worker consumes the queue and forwards each message to
 * this process (`QueueBridge`), which acks or retries it as the suite says. A fresh Miniflare
 * and queue per test, so no test sees another's messages. Then what the suite does not reach:
 * a publish larger than one `sendBatch` call may carry (100 messages, 256 KB), which the
 * queue refuses whole.
 */
import type { ReadyJob, ReadyWork } from "@ratchet/kernel";
import { type JobPublisherFixture, jobPublisherConformance } from "@ratchet/kernel/testing";
import { Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { QueueBridge } from "./support/bridge.js";
import { type BundledWorker, bundleFixture } from "./support/bundle.js";

let bundled: Promise<BundledWorker> | undefined;
let queues = 0;

afterAll(async () => {
  (await bundled)?.remove();
});

/** A fresh Miniflare, queue and bridge: the publisher in the Worker, `receive` in this process. */
async function createFixture(): Promise<JobPublisherFixture> {
  bundled ??= bundleFixture("bridge-worker.ts");
  const { scriptPath, modulesRoot } = await bundled;
  const queue = `ratchet-jobs-${++queues}`;
  const bridge = new QueueBridge();
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot,
    compatibilityDate: "2025-09-01",
    queueProducers: { JOBS: { queueName: queue } },
    // Up to 100 messages a batch, dispatched as soon as they are queued.
    queueConsumers: { [queue]: { maxBatchSize: 100, maxBatchTimeout: 0, maxRetries: 10 } },
    serviceBindings: { BRIDGE: bridge.handler },
  });
  await mf.ready;
  return {
    publisher: {
      publish: async (work: readonly ReadyWork[]) => {
        const response = await mf.dispatchFetch("http://worker.test/publish", {
          method: "POST",
          body: JSON.stringify(work),
        });
        if (response.status !== 204) throw new Error(await response.text());
      },
    },
    receive: (max: number, waitMs: number) => bridge.receive(max, waitMs),
    close: async () => {
      bridge.release();
      await mf.dispose();
    },
  };
}

jobPublisherConformance({
  name: "cloudflare queues (miniflare)",
  // Miniflare's broker holds each message for its `delaySeconds`, as Cloudflare does.
  delays: true,
  create: createFixture,
});

/**
 * Receives `count` messages (or what came in 20 s), acking each as it comes — the queue sends
 * its next batch once the consumer is done with one; returns their job ids.
 */
async function receiveAcking(fixture: JobPublisherFixture, count: number): Promise<string[]> {
  const ids: string[] = [];
  const until = Date.now() + 20_000;
  while (ids.length < count && Date.now() < until) {
    for (const message of await fixture.receive(count, 1_000)) {
      await message.ack();
      ids.push((message.body as { jobId: string }).jobId);
    }
  }
  return ids;
}

describe("queueJobPublisher on Miniflare's queue (Cloudflare's limits)", () => {
  it("sends 250 messages in calls the queue accepts (at most 100 each)", async () => {
    const fixture = await createFixture();
    try {
      const jobs: ReadyJob[] = Array.from({ length: 250 }, (_, i) => ({
        kind: "job",
        jobId: `big-${i}`,
        workflowRunId: `run-${i}`,
        priority: 0,
        availableAt: new Date(),
      }));
      await fixture.publisher.publish(jobs);
      const ids = await receiveAcking(fixture, 250);
      expect(new Set(ids)).toEqual(new Set(jobs.map((j) => j.jobId)));
      expect(ids).toHaveLength(250);
    } finally {
      await fixture.close();
    }
  });

  it("keeps each call within the queue's 256 KB (30 messages of 20 KB)", async () => {
    const fixture = await createFixture();
    try {
      const jobs: ReadyJob[] = Array.from({ length: 30 }, (_, i) => ({
        kind: "job",
        jobId: `${i}-${"x".repeat(20_000)}`,
        workflowRunId: `run-${i}`,
        priority: 0,
        availableAt: new Date(),
      }));
      await fixture.publisher.publish(jobs);
      const got = await receiveAcking(fixture, 30);
      expect(new Set(got)).toEqual(new Set(jobs.map((j) => j.jobId)));
    } finally {
      await fixture.close();
    }
  });
});
