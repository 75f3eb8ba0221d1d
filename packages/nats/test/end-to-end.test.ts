/**
 * NATS JetStream end to end: a kernel on a real store (an SQLite file; a fresh PostgreSQL
 * database) publishes ready work to a JetStream stream with `natsJobPublisher`; worker loops
 * (`consumeJobMessages` + a serverless host, each on its own NATS connection) complete every
 * run from those messages alone — no maintenance tick, no `processAvailableJobs` — each stage
 * exactly once. A worker killed with a message in hand (its connection gone, never acking)
 * loses nothing: JetStream redelivers the message after the ack wait to another worker; real
 * duplicates (every third job message sent twice) are skipped. The first test measures
 * create → first-stage-start latency (p50/p95/p99), and how much of it is NATS's delivery.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobMessageHandler } from "../src/index.js";
import { connectNats, freshQueue } from "./support/nats.js";
import { STORES, type System, startSystem, waitFor } from "./support/system.js";
import { percentile, STAGES } from "./support/workflow.js";

let nc: NatsConnection;
beforeAll(async () => {
  nc = await connectNats("e2e-admin");
});
afterAll(async () => {
  await nc?.close();
});

/** Every run COMPLETED with its output, every stage of it executed exactly once. */
async function expectEachStageOnce(
  system: System,
  store: {
    ports: {
      persistence: { getRun(id: string): Promise<{ status: string; output?: unknown } | null> };
    };
  },
  runIds: readonly string[],
): Promise<void> {
  for (const [i, runId] of runIds.entries()) {
    const run = await store.ports.persistence.getRun(runId);
    expect(run?.status).toBe("COMPLETED");
    expect(run?.output).toEqual({ summary: `2: R${i} X` });
    for (const stage of STAGES) expect(system.executions.of(runId, stage)).toBe(1);
  }
  expect(system.executions.total()).toBe(runIds.length * STAGES.length);
}

async function allCompleted(
  persistence: { getRun(id: string): Promise<{ status: string } | null> },
  runIds: readonly string[],
): Promise<boolean> {
  for (const id of runIds) if ((await persistence.getRun(id))?.status !== "COMPLETED") return false;
  return true;
}

describe.each(Object.entries(STORES))(
  "NATS JetStream feeds serverless workers (%s)",
  (storeName, open) => {
    it("completes 120 runs from NATS messages alone, each stage exactly once; measures create → first stage", async () => {
      const store = await open();
      const queue = await freshQueue(nc, "e2e");
      const system = await startSystem(store.ports, queue);
      try {
        const workers = [await system.startWorker("a"), await system.startWorker("b")];
        const runIds: string[] = [];
        const createdAt = new Map<string, number>();
        const createdEnd = new Map<string, number>();
        const dispatchMs: number[] = [];
        const started = Date.now();
        for (let i = 0; i < 120; i++) {
          const t0 = Date.now();
          const { workflowRunId } = await system.kernel.dispatch({
            type: "run.create",
            workflowId: "pipeline",
            input: { text: `r${i} x` },
          });
          createdAt.set(workflowRunId, t0);
          createdEnd.set(workflowRunId, Date.now());
          dispatchMs.push(Date.now() - t0);
          runIds.push(workflowRunId);
          // A steady arrival rate (about 40 runs/s), not one burst: latency, not backlog.
          await new Promise((r) => setTimeout(r, 25));
        }
        await waitFor(
          () => allCompleted(store.ports.persistence, runIds),
          90_000,
          "every run to complete",
        );
        const elapsed = Date.now() - started;
        await expectEachStageOnce(system, store, runIds);
        // Both workers took part; the stream is drained (work-queue: acked messages are deleted).
        for (const worker of workers) expect(worker.handled.length).toBeGreaterThan(0);
        await waitFor(
          async () =>
            (await (await jetstreamManager(nc)).streams.info(queue.stream)).state.messages === 0,
          10_000,
          "the stream to drain",
        );
        expect(system.errors).toEqual([]);
        expect(system.publisher.stats.failed).toBe(0);
        const latencies = runIds.map(
          (id) => (system.executions.started.get(id) ?? Number.NaN) - (createdAt.get(id) ?? 0),
        );
        // From run.create's return to a worker's host receiving its { pendingRunId } message.
        const handled = workers.flatMap((w) => w.handled);
        const deliveryMs = runIds.map((id) => {
          const message = handled.find(
            (h) => (h.body as { pendingRunId?: string }).pendingRunId === id,
          );
          return (message?.receivedAt ?? Number.NaN) - (createdEnd.get(id) ?? 0);
        });
        expect(deliveryMs.every((ms) => Number.isFinite(ms))).toBe(true);
        const summary = {
          store: storeName,
          runs: runIds.length,
          p50: percentile(latencies, 50),
          p95: percentile(latencies, 95),
          p99: percentile(latencies, 99),
          max: Math.max(...latencies),
          // Of which run.create itself (its commit, then the publish and JetStream's ack).
          createP50: percentile(dispatchMs, 50),
          createP95: percentile(dispatchMs, 95),
          // Of which NATS: the message's way from the publisher to a worker's handleJob.
          deliveryP50: percentile(deliveryMs, 50),
          deliveryP95: percentile(deliveryMs, 95),
          published: system.publisher.stats.published,
          handled: workers.map((w) => w.handled.length),
          elapsedMs: elapsed,
        };
        console.log(`[nats e2e latency] ${JSON.stringify(summary)}`);
        expect(latencies.every((ms) => Number.isFinite(ms) && ms >= 0)).toBe(true);
      } finally {
        await system.stop();
        await queue.delete();
        await store.close();
      }
    });

    it("a worker killed with a message in hand: redelivered after the ack wait to the others; duplicates skipped; exactly once", async () => {
      const store = await open();
      const queue = await freshQueue(nc, "e2e-kill", { ackWaitMs: 2_000 });
      // Every third job message is also sent a second time: real duplicates, stored and delivered.
      const system = await startSystem(store.ports, queue, { duplicateEvery: 3 });
      let unfreeze: () => void = () => {};
      try {
        // The doomed worker starts alone: it takes the first message, then its process "dies" —
        // its NATS connection closes and it never acks, naks or reports progress again.
        const taken: unknown[] = [];
        const doomed = await system.startWorker("doomed", {
          concurrency: 1,
          wrap: (_host: JobMessageHandler, worker) => ({
            handleJob: async (message) => {
              taken.push(message);
              // It dies a moment into handling (whatever it sent before is on the wire).
              await new Promise((r) => setTimeout(r, 200));
              await worker.nc.close();
              await new Promise<void>((resolve) => (unfreeze = resolve));
              return { ack: false };
            },
          }),
        });
        const runIds: string[] = [];
        for (let i = 0; i < 30; i++) {
          const { workflowRunId } = await system.kernel.dispatch({
            type: "run.create",
            workflowId: "pipeline",
            input: { text: `r${i} x` },
          });
          runIds.push(workflowRunId);
        }
        await waitFor(
          () => taken.length === 1 && doomed.nc.isClosed(),
          10_000,
          "the doomed worker to take a message",
        );
        const killedAt = Date.now();
        const workers = [await system.startWorker("a"), await system.startWorker("b")];
        await waitFor(
          () => allCompleted(store.ports.persistence, runIds),
          60_000,
          "every run to complete",
        );
        // Thirty runs need thirty pending-run messages: the swallowed one came back, after the ack wait.
        const redelivered = workers
          .flatMap((w) => w.handled)
          .filter((h) => JSON.stringify(h.body) === JSON.stringify(taken[0]));
        expect(redelivered.length).toBeGreaterThanOrEqual(1);
        expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1_500);
        await expectEachStageOnce(system, store, runIds);
        expect(system.publisher.stats.failed).toBe(0);
        // Each stage ran from exactly one message; every other message (duplicates, the late
        // redelivery) was skipped, acknowledged, harmless.
        await waitFor(
          async () =>
            (await (await jetstreamManager(nc)).streams.info(queue.stream)).state.messages === 0,
          10_000,
          "the stream to drain",
        );
        const handled = workers.flatMap((w) => w.handled);
        const count = (outcome: string) => handled.filter((h) => h.outcome === outcome).length;
        expect(system.duplicates()).toBeGreaterThanOrEqual(20);
        expect(count("completed")).toBe(30 * STAGES.length);
        expect(count("completed") + count("skipped")).toBe(handled.length);
        expect(handled.length).toBe(system.publisher.stats.published + system.duplicates());
        expect(handled.every((h) => h.ack)).toBe(true);
      } finally {
        // Lets the dead worker's frozen handler return, so its loop can stop.
        unfreeze();
        await system.stop();
        await queue.delete();
        await store.close();
      }
    });
  },
);
