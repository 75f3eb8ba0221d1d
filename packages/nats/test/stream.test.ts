/**
 * `ensureJobStream` and `ensureJobConsumer` against the real NATS JetStream server: they create
 * a work-queue stream and a durable pull consumer with the settings asked for, and a second
 * call updates them in place (idempotent for a deployment's every start).
 */
import { randomBytes } from "node:crypto";
import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureJobConsumer, ensureJobStream } from "../src/index.js";
import { connectNats } from "./support/nats.js";

let nc: NatsConnection;
beforeAll(async () => {
  nc = await connectNats("stream-test");
});
afterAll(async () => {
  await nc?.close();
});

const MS = 1_000_000;

describe("ensureJobStream / ensureJobConsumer on NATS JetStream", () => {
  it("creates a work-queue stream and consumer, and updates both on a second call", async () => {
    const jsm = await jetstreamManager(nc);
    const stream = `RT_ENSURE_${randomBytes(4).toString("hex")}`;
    const subject = `ratchet.test.ensure.${stream}`;
    try {
      const created = await ensureJobStream({ jsm, stream, subjects: [subject] });
      expect(created.config).toMatchObject({
        name: stream,
        subjects: [subject],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        max_age: 24 * 60 * 60 * 1_000 * MS,
        duplicate_window: 2 * 60 * 1_000 * MS,
      });
      const updated = await ensureJobStream({
        jsm,
        stream,
        subjects: [subject, `${subject}.more`],
        maxAgeMs: 60 * 60 * 1_000,
        duplicateWindowMs: 10_000,
      });
      expect(updated.config).toMatchObject({
        subjects: [subject, `${subject}.more`],
        retention: RetentionPolicy.Workqueue,
        max_age: 60 * 60 * 1_000 * MS,
        duplicate_window: 10_000 * MS,
      });

      const consumer = await ensureJobConsumer({ jsm, stream, consumer: "workers" });
      expect(consumer.config).toMatchObject({
        durable_name: "workers",
        ack_policy: AckPolicy.Explicit,
        ack_wait: 30_000 * MS,
        max_ack_pending: 1_000,
      });
      const again = await ensureJobConsumer({
        jsm,
        stream,
        consumer: "workers",
        ackWaitMs: 5_000,
        maxAckPending: 50,
      });
      expect(again.config).toMatchObject({ ack_wait: 5_000 * MS, max_ack_pending: 50 });

      // A message published to the stream is consumed once and deleted when acknowledged.
      await jetstream(nc).publish(subject, JSON.stringify({ jobId: "j" }));
      const msg = await (await jetstream(nc).consumers.get(stream, "workers")).next({
        expires: 2_000,
      });
      expect(msg?.json()).toEqual({ jobId: "j" });
      await msg?.ackAck();
      expect((await jsm.streams.info(stream)).state.messages).toBe(0);
    } finally {
      await jsm.streams.delete(stream).catch(() => false);
    }
  });

  it("refuses invalid options with INVALID_OPTIONS", async () => {
    const jsm = await jetstreamManager(nc);
    await expect(ensureJobStream({ jsm, stream: "", subjects: ["x"] })).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
      field: "stream",
    });
    await expect(
      ensureJobStream({ jsm, stream: "S", subjects: ["x"], duplicateWindowMs: 0 }),
    ).rejects.toMatchObject({ code: "INVALID_OPTIONS", field: "duplicateWindowMs" });
    await expect(
      ensureJobConsumer({ jsm, stream: "S", consumer: "c", ackWaitMs: 0 }),
    ).rejects.toMatchObject({ code: "INVALID_OPTIONS", field: "ackWaitMs" });
  });
});
