/**
 * `consumeJobMessages` against the real NATS JetStream server with a scripted host: how each
 * host result settles its message (ack, nak until `notBefore`, nak for another try), malformed
 * bodies terminated and reported, a long stage kept in progress past the ack wait, and a clean
 * stop on abort.
 */
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ConsumeJobMessagesOptions,
  consumeJobMessages,
  type JobMessageHandler,
  type NatsTransportError,
} from "../src/index.js";
import { connectNats, freshQueue, type TestQueue } from "./support/nats.js";

let nc: NatsConnection;
beforeAll(async () => {
  nc = await connectNats("consumer-test");
});
afterAll(async () => {
  await nc?.close();
});

/** A host recording each body it is handed (with the time) and answering with `answer`. */
class ScriptedHost implements JobMessageHandler {
  readonly seen: { body: Record<string, unknown>; at: number }[] = [];
  constructor(
    private readonly answer: (
      body: Record<string, unknown>,
      delivery: number,
    ) => Promise<{ ack: boolean; notBefore?: Date }> | { ack: boolean; notBefore?: Date },
  ) {}
  async handleJob(message: unknown): Promise<{ ack: boolean; notBefore?: Date }> {
    const body = message as Record<string, unknown>;
    this.seen.push({ body, at: Date.now() });
    return this.answer(body, this.seen.filter((s) => s.body.jobId === body.jobId).length);
  }
  deliveries(jobId: string): number {
    return this.seen.filter((s) => s.body.jobId === jobId).length;
  }
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs a loop on a fresh queue; stops it and deletes the queue afterwards. */
async function withLoop(
  host: JobMessageHandler,
  body: (queue: TestQueue, loop: ReturnType<typeof consumeJobMessages>) => Promise<void>,
  options: Partial<ConsumeJobMessagesOptions> & { ackWaitMs?: number } = {},
): Promise<void> {
  const queue = await freshQueue(nc, "consumer", { ackWaitMs: options.ackWaitMs ?? 30_000 });
  const controller = new AbortController();
  const loop = consumeJobMessages({
    consumer: queue.consumer,
    host,
    concurrency: 2,
    pullExpiresMs: 1_000,
    retryDelayMs: 200,
    signal: controller.signal,
    ...options,
  });
  try {
    await body(queue, loop);
  } finally {
    controller.abort();
    await loop.done;
    await queue.delete();
  }
}

async function send(queue: TestQueue, ...bodies: (object | string)[]): Promise<void> {
  const js = jetstream(nc);
  for (const body of bodies)
    await js.publish(queue.subject, typeof body === "string" ? body : JSON.stringify(body));
}

describe("consumeJobMessages on NATS JetStream", () => {
  it("acknowledges what the host settled: it is not delivered again", async () => {
    const host = new ScriptedHost(() => ({ ack: true }));
    await withLoop(host, async (queue, loop) => {
      await send(queue, { jobId: "a" }, { jobId: "b" }, { pendingRunId: "r" });
      await until(() => loop.stats.acked === 3);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(
        host.seen
          .map((s) => s.body)
          .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
      ).toEqual([{ jobId: "a" }, { jobId: "b" }, { pendingRunId: "r" }]);
    });
  });

  it("hands back a message the host did not settle (ack: false) and gets it again", async () => {
    const host = new ScriptedHost((_body, delivery) => ({ ack: delivery >= 3 }));
    await withLoop(host, async (queue, loop) => {
      await send(queue, { jobId: "flaky" });
      await until(() => loop.stats.acked === 1);
      expect(host.deliveries("flaky")).toBe(3);
      expect(loop.stats.retried).toBe(2);
      const [first, , third] = host.seen;
      // Handed back with the retry delay (200 ms), not at once.
      expect((third?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(380);
    });
  });

  it("a handleJob that throws is reported (HANDLER_FAILED) and the message delivered again", async () => {
    const errors: NatsTransportError[] = [];
    const host = new ScriptedHost((_body, delivery) => {
      if (delivery === 1) throw new Error("database down");
      return { ack: true };
    });
    await withLoop(
      host,
      async (queue, loop) => {
        await send(queue, { jobId: "boom" });
        await until(() => loop.stats.acked === 1);
        expect(host.deliveries("boom")).toBe(2);
        expect(errors.map((e) => e.code)).toEqual(["HANDLER_FAILED"]);
      },
      { onError: (e) => errors.push(e) },
    );
  });

  it("holds a message with a future notBefore until then, without asking the host", async () => {
    const host = new ScriptedHost(() => ({ ack: true }));
    await withLoop(host, async (queue, loop) => {
      const due = Date.now() + 1_500;
      await send(queue, { jobId: "later", notBefore: new Date(due).toISOString() });
      await until(() => loop.stats.delayed === 1);
      expect(host.seen).toHaveLength(0);
      await until(() => loop.stats.acked === 1);
      expect(host.seen).toHaveLength(1);
      expect(host.seen[0]?.at).toBeGreaterThanOrEqual(due - 5);
    });
  });

  it("hands back until the host's notBefore (a job not due yet), even with ack: true", async () => {
    let due = 0;
    const host = new ScriptedHost((_body, delivery) => {
      if (delivery === 1) {
        due = Date.now() + 1_000;
        return { ack: true, notBefore: new Date(due) };
      }
      return { ack: true };
    });
    await withLoop(host, async (queue, loop) => {
      await send(queue, { jobId: "early" });
      await until(() => loop.stats.acked === 1);
      expect(host.deliveries("early")).toBe(2);
      expect(loop.stats.delayed).toBe(1);
      expect(host.seen[1]?.at).toBeGreaterThanOrEqual(due - 5);
    });
  });

  it("terminates and reports a body that is not a JSON object; it is never redelivered", async () => {
    const errors: NatsTransportError[] = [];
    const host = new ScriptedHost(() => ({ ack: true }));
    await withLoop(
      host,
      async (queue, loop) => {
        await send(queue, "not json", "[1,2]", "42", { jobId: "fine" });
        await until(() => loop.stats.terminated === 3 && loop.stats.acked === 1);
        await new Promise((r) => setTimeout(r, 1_500));
        expect(loop.stats.received).toBe(4);
        expect(host.seen.map((s) => s.body)).toEqual([{ jobId: "fine" }]);
        expect(errors.map((e) => e.code)).toEqual([
          "INVALID_MESSAGE",
          "INVALID_MESSAGE",
          "INVALID_MESSAGE",
        ]);
      },
      { onError: (e) => errors.push(e), ackWaitMs: 1_000 },
    );
  });

  it("keeps a long stage's message in progress past the ack wait: delivered once", async () => {
    const host = new ScriptedHost(async () => {
      await new Promise((r) => setTimeout(r, 3_500));
      return { ack: true };
    });
    await withLoop(
      host,
      async (queue, loop) => {
        await send(queue, { jobId: "long" });
        await until(() => loop.stats.acked === 1);
        await new Promise((r) => setTimeout(r, 1_500));
        // Without working() the 1 s ack wait would have redelivered it to the other slot.
        expect(host.deliveries("long")).toBe(1);
      },
      { ackWaitMs: 1_000 },
    );
  });

  it("stops on abort: the stage in flight finishes and is acknowledged, no more pulls", async () => {
    const queue = await freshQueue(nc, "abort");
    try {
      let release: () => void = () => {};
      const host = new ScriptedHost(
        () => new Promise((resolve) => (release = () => resolve({ ack: true }))),
      );
      const controller = new AbortController();
      const loop = consumeJobMessages({
        consumer: queue.consumer,
        host,
        concurrency: 1,
        pullExpiresMs: 30_000,
        signal: controller.signal,
      });
      await send(queue, { jobId: "in-flight" });
      await until(() => host.seen.length === 1);
      const stopping = Date.now();
      controller.abort();
      release();
      const stats = await loop.done;
      // Not held up by the 30 s pull: stopping ends it.
      expect(Date.now() - stopping).toBeLessThan(2_000);
      expect(stats).toMatchObject({ received: 1, acked: 1 });
      await send(queue, { jobId: "after" });
      await new Promise((r) => setTimeout(r, 500));
      expect(host.seen).toHaveLength(1);
    } finally {
      await queue.delete();
    }
  });

  it("refuses invalid options with INVALID_OPTIONS", async () => {
    const queue = await freshQueue(nc, "options");
    try {
      const host = new ScriptedHost(() => ({ ack: true }));
      expect(() => consumeJobMessages({ consumer: queue.consumer, host, concurrency: 0 })).toThrow(
        expect.objectContaining({ code: "INVALID_OPTIONS", field: "concurrency" }),
      );
      expect(() =>
        consumeJobMessages({ consumer: queue.consumer, host: {} as JobMessageHandler }),
      ).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS", field: "host" }));
    } finally {
      await queue.delete();
    }
  });
});
