/**
 * `natsJobPublisher` against the real NATS JetStream server: the shared job publisher
 * conformance suite (a fresh stream and consumer per test), then what is NATS's own — the
 * duplicate window drops a republished message, and a publish JetStream refuses is reported.
 */
import { randomUUID } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { ReadyJob } from "@ratchet/kernel";
import { jobPublisherConformance } from "@ratchet/kernel/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NatsTransportError, natsJobPublisher } from "../src/index.js";
import { connectNats, freshQueue } from "./support/nats.js";

let nc: NatsConnection;
beforeAll(async () => {
  nc = await connectNats("publisher-conformance");
});
afterAll(async () => {
  await nc?.close();
});

jobPublisherConformance({
  name: "NATS JetStream",
  delays: false,
  create: async () => {
    const queue = await freshQueue(nc, "conformance");
    return {
      publisher: natsJobPublisher({ jetstream: jetstream(nc), subject: queue.subject }),
      receive: async (max, waitMs) => {
        const batch = await queue.consumer.fetch({
          max_messages: max,
          expires: Math.max(1_000, waitMs),
        });
        const got = [];
        for await (const msg of batch) {
          got.push({
            body: msg.json<unknown>(),
            ack: async () => {
              await msg.ackAck();
            },
            retry: async () => {
              msg.nak();
            },
          });
        }
        return got;
      },
      close: queue.delete,
    };
  },
});

function job(availableAt = new Date()): ReadyJob {
  return {
    kind: "job",
    jobId: `job-${randomUUID()}`,
    workflowRunId: `run-${randomUUID()}`,
    priority: 0,
    availableAt,
  };
}

describe("natsJobPublisher on NATS JetStream", () => {
  it("stores work published twice once (Nats-Msg-Id within the duplicate window)", async () => {
    const queue = await freshQueue(nc, "dedup");
    try {
      const publisher = natsJobPublisher({ jetstream: jetstream(nc), subject: queue.subject });
      const same = job();
      await publisher.publish([same]);
      await publisher.publish([same, { ...same }]);
      // The same job due at another time (a retry) is new work: a new message.
      await publisher.publish([{ ...same, availableAt: new Date(Date.now() - 1_000) }]);
      expect(publisher.stats).toEqual({ published: 2, duplicates: 2, failed: 0 });
      const info = await (await jetstreamManager(nc)).streams.info(queue.stream);
      expect(info.state.messages).toBe(2);
    } finally {
      await queue.delete();
    }
  });

  it("reports each message JetStream did not store, and rejects", async () => {
    const errors: NatsTransportError[] = [];
    const publisher = natsJobPublisher({
      jetstream: jetstream(nc),
      // No stream captures this subject: JetStream has no responder.
      subject: `ratchet.test.nowhere.${randomUUID()}`,
      timeoutMs: 1_000,
      onError: (error) => errors.push(error),
    });
    const work = [job(), job()];
    await expect(publisher.publish(work)).rejects.toMatchObject({ code: "PUBLISH_FAILED" });
    expect(errors.map((e) => e.code)).toEqual(["PUBLISH_FAILED", "PUBLISH_FAILED"]);
    expect(errors.map((e) => e.jobId).sort()).toEqual(work.map((w) => w.jobId).sort());
    expect(publisher.stats).toEqual({ published: 0, duplicates: 0, failed: 2 });
  });

  it("publishes to the subject a function chooses per work item", async () => {
    const queue = await freshQueue(nc, "routed");
    try {
      const chosen: string[] = [];
      const publisher = natsJobPublisher({
        jetstream: jetstream(nc),
        subject: (work) => {
          chosen.push(work.kind);
          return queue.subject;
        },
      });
      await publisher.publish([job(), { ...job(), kind: "job" }]);
      expect(chosen).toEqual(["job", "job"]);
      expect(publisher.stats.published).toBe(2);
    } finally {
      await queue.delete();
    }
  });

  it("refuses invalid options with INVALID_OPTIONS", () => {
    const js = jetstream(nc);
    expect(() => natsJobPublisher({ jetstream: js, subject: "" })).toThrow(
      expect.objectContaining({ code: "INVALID_OPTIONS", field: "subject" }),
    );
    expect(() => natsJobPublisher({ jetstream: js, subject: "s", timeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: "INVALID_OPTIONS", field: "timeoutMs" }),
    );
  });
});
