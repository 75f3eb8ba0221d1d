/**
 * The real NATS server the tests use (JetStream enabled), and a fresh stream + durable pull
 * consumer per test, deleted afterwards. Nothing skips: an unreachable server fails the test
 * and says how to start it.
 */
import { randomBytes } from "node:crypto";
import { type Consumer, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ensureJobConsumer, ensureJobStream } from "../../src/index.js";

/** The server: RATCHET_TEST_NATS_URL, else 127.0.0.1:4222. */
export const NATS_URL = process.env.RATCHET_TEST_NATS_URL ?? "127.0.0.1:4222";

/** Connects to the test server, or throws saying how to start it. */
export async function connectNats(name = "ratchet-test"): Promise<NatsConnection> {
  try {
    return await connect({ servers: NATS_URL, name, timeout: 5_000 });
  } catch (error) {
    throw new Error(
      `[ratchet] [test] cannot reach NATS at ${NATS_URL} (${(error as Error).message}). ` +
        "Start it with JetStream enabled (nats-server -js) or set RATCHET_TEST_NATS_URL.",
    );
  }
}

/** A fresh work-queue stream with one subject and a durable pull consumer on it. */
export interface TestQueue {
  stream: string;
  subject: string;
  consumerName: string;
  /** A handle on the durable consumer (get another per simulated process with {@link consumerOf}). */
  consumer: Consumer;
  /** Deletes the stream (and with it the consumer). */
  delete(): Promise<void>;
}

/** Creates a fresh stream + consumer named after `label`. */
export async function freshQueue(
  nc: NatsConnection,
  label: string,
  options: { ackWaitMs?: number } = {},
): Promise<TestQueue> {
  const suffix = randomBytes(4).toString("hex");
  const stream = `RT_${label.replace(/[^A-Za-z0-9]/g, "_").toUpperCase()}_${suffix}`;
  const subject = `ratchet.test.${label.replace(/[^A-Za-z0-9]/g, "_")}.${suffix}`;
  const consumerName = "workers";
  const jsm = await jetstreamManager(nc);
  await ensureJobStream({ jsm, stream, subjects: [subject], duplicateWindowMs: 30_000 });
  await ensureJobConsumer({
    jsm,
    stream,
    consumer: consumerName,
    ackWaitMs: options.ackWaitMs ?? 30_000,
  });
  return {
    stream,
    subject,
    consumerName,
    consumer: await consumerOf(nc, stream, consumerName),
    delete: async () => {
      await jsm.streams.delete(stream);
    },
  };
}

/** A handle on the durable consumer through connection `nc`. */
export function consumerOf(nc: NatsConnection, stream: string, name: string): Promise<Consumer> {
  return jetstream(nc).consumers.get(stream, name);
}
