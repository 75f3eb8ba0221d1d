/**
 * `jobPublisherConformance` on a real Cloudflare Queue: Miniflare's queue broker in workerd.
 * The publisher runs inside a Worker (test/fixtures/bridge-worker.ts, bundled with esbuild)
 * on its producer binding; the same Worker consumes the queue and forwards each message to
 * this process (`QueueBridge`), which acks or retries it as the suite says. A fresh Miniflare
 * and queue per test, so no test sees another's messages.
 */
import type { ReadyWork } from "@ratchet/kernel";
import { jobPublisherConformance } from "@ratchet/kernel/testing";
import { Miniflare } from "miniflare";
import { afterAll } from "vitest";
import { QueueBridge } from "./support/bridge.js";
import { type BundledWorker, bundleFixture } from "./support/bundle.js";

let bundled: Promise<BundledWorker> | undefined;
let queues = 0;

afterAll(async () => {
  (await bundled)?.remove();
});

jobPublisherConformance({
  name: "cloudflare queues (miniflare)",
  // Miniflare's broker holds each message for its `delaySeconds`, as Cloudflare does.
  delays: true,
  create: async () => {
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
  },
});
