/**
 * `queueJobPublisher` against a recording producer binding: what each `sendBatch` call
 * carries (bodies, delays, content type), how a publish is split within Cloudflare's limits,
 * and how a failed call is reported. The real queue is in conformance.miniflare.test.ts.
 */
import type { ReadyJob, ReadyWork } from "@ratchet/kernel";
import { describe, expect, it, vi } from "vitest";
import {
  chunkBySize,
  MAX_BATCH_BYTES,
  type QueueSendError,
  type QueueSendRequest,
  queueJobPublisher,
} from "../src/index.js";

const NOW = new Date("2026-01-01T00:00:00.000Z");

function job(id: string, availableAt = NOW): ReadyJob {
  return { kind: "job", jobId: id, workflowRunId: `run-${id}`, priority: 0, availableAt };
}

/** A producer binding that records each call, failing the calls `fail` says. */
function recordingQueue(fail: (call: number) => boolean = () => false) {
  const calls: QueueSendRequest[][] = [];
  return {
    calls,
    sendBatch: async (messages: Iterable<QueueSendRequest>) => {
      const batch = [...messages];
      calls.push(batch);
      if (fail(calls.length)) throw new Error(`call ${calls.length} refused`);
    },
  };
}

const bytes = (batch: QueueSendRequest[]) =>
  batch.reduce((n, m) => n + Buffer.byteLength(JSON.stringify(m.body)), 0);

describe("queueJobPublisher", () => {
  it("sends each unit of work as one JSON message, delayed until it is due", async () => {
    const queue = recordingQueue();
    const later = new Date(NOW.getTime() + 2_500);
    const farAway = new Date(NOW.getTime() + 24 * 3_600_000);
    const work: ReadyWork[] = [
      job("a"),
      { kind: "run", workflowRunId: "r1", route: "w", priority: 1, availableAt: NOW },
      job("b", later),
      job("c", farAway),
    ];
    await queueJobPublisher(queue, { now: () => NOW }).publish(work);
    expect(queue.calls).toEqual([
      [
        { body: { jobId: "a" }, contentType: "json" },
        { body: { pendingRunId: "r1" }, contentType: "json" },
        {
          body: { jobId: "b", notBefore: later.toISOString() },
          contentType: "json",
          delaySeconds: 3,
        },
        // Capped at Cloudflare's 12 hours: it arrives early, and the host hands it back.
        {
          body: { jobId: "c", notBefore: farAway.toISOString() },
          contentType: "json",
          delaySeconds: 43_200,
        },
      ],
    ]);
  });

  it("sends nothing for nothing", async () => {
    const queue = recordingQueue();
    await queueJobPublisher(queue).publish([]);
    expect(queue.calls).toEqual([]);
  });

  it("sends 250 messages in calls of at most 100, in order", async () => {
    const queue = recordingQueue();
    const work = Array.from({ length: 250 }, (_, i) => job(`j${i}`));
    await queueJobPublisher(queue, { now: () => NOW }).publish(work);
    expect(queue.calls.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(queue.calls.flat().map((m) => (m.body as { jobId: string }).jobId)).toEqual(
      work.map((w) => w.jobId),
    );
  });

  it("keeps each call within 256 KB of bodies", async () => {
    const queue = recordingQueue();
    // 30 messages of ~20 KB (multi-byte characters count as their UTF-8 bytes): 600 KB in all.
    const work = Array.from({ length: 30 }, (_, i) => job(`${i}-${"é".repeat(10_000)}`));
    await queueJobPublisher(queue, { now: () => NOW }).publish(work);
    expect(queue.calls.length).toBeGreaterThanOrEqual(3);
    for (const call of queue.calls) expect(bytes(call)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(queue.calls.flat()).toHaveLength(30);
    // Full calls: a call is cut only when the next message would not fit.
    expect(bytes(queue.calls[0] ?? []) + 20_050).toBeGreaterThan(MAX_BATCH_BYTES);
  });

  it("reports a failed call to onError, still makes the others, then rejects", async () => {
    const queue = recordingQueue((call) => call === 1);
    const reported: Array<{ error: QueueSendError; work: readonly ReadyWork[] }> = [];
    const work = Array.from({ length: 150 }, (_, i) => job(`j${i}`));
    const publishing = queueJobPublisher(queue, {
      now: () => NOW,
      onError: (error, failed) => reported.push({ error, work: failed }),
    }).publish(work);
    await expect(publishing).rejects.toMatchObject({ code: "QUEUE_SEND_FAILED", messages: 100 });
    expect(queue.calls.map((c) => c.length)).toEqual([100, 50]);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.error.message).toContain("call 1 refused");
    expect(reported[0]?.work).toEqual(work.slice(0, 100));
  });

  it("never throws synchronously, even when the binding or onError does", async () => {
    const queue = {
      sendBatch: () => {
        throw new Error("binding gone");
      },
    };
    const publisher = queueJobPublisher(queue, {
      onError: () => {
        throw new Error("logger broken");
      },
    });
    let publishing: Promise<void> | undefined;
    expect(() => {
      publishing = publisher.publish([job("a")]);
    }).not.toThrow();
    await expect(publishing).rejects.toMatchObject({ code: "QUEUE_SEND_FAILED" });
  });

  it("logs a failed call on console.error when no onError is given", async () => {
    const errors: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: string) => {
      errors.push(line);
    });
    try {
      const queue = recordingQueue(() => true);
      await expect(queueJobPublisher(queue).publish([job("a")])).rejects.toThrow(/refused/);
    } finally {
      spy.mockRestore();
    }
    expect(errors.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ error: "QUEUE_SEND_FAILED", messages: 1 }),
    ]);
  });

  it("refuses a maxDelaySeconds Cloudflare would refuse", () => {
    expect(() => queueJobPublisher(recordingQueue(), { maxDelaySeconds: 50_000 })).toThrow(
      expect.objectContaining({ code: "INVALID_OPTIONS", field: "maxDelaySeconds" }),
    );
    expect(() => queueJobPublisher(recordingQueue(), { maxDelaySeconds: 1.5 })).toThrow(
      /maxDelaySeconds/,
    );
  });
});

describe("chunkBySize", () => {
  it("puts an item larger than the limit alone in its chunk", () => {
    const chunks = chunkBySize([1, 500, 2, 3], (n) => n, { messages: 10, bytes: 100 });
    expect(chunks).toEqual([[1], [500], [2, 3]]);
  });
});
