/**
 * `natsJobPublisher`: the kernel's `JobPublisher` for NATS JetStream. After each commit it
 * publishes one message per ready work item (`readyWorkMessage` as JSON) to a stream subject
 * and awaits JetStream's publish acknowledgements — an acknowledged message is stored. Each
 * message carries a `Nats-Msg-Id` ({@link readyWorkMessageId}) so the stream's duplicate
 * window drops a repeat.
 *
 * JetStream on nats-server 2.9 cannot delay a message: work due later is published at once
 * with `notBefore`, and `consumeJobMessages` hands it back with `nak(delay)` until due.
 *
 * Best effort, as the port asks: a failed message is reported to `onError` and counted; the
 * returned promise then rejects (the kernel ignores that; the maintenance tick recovers).
 */

import type { JetStreamClient } from "@nats-io/jetstream";
import { type JobPublisher, type ReadyWork, readyWorkMessage } from "@ratchet/kernel";
import { messageOf, NatsTransportError, requireOption } from "./errors.js";
import { readyWorkMessageId } from "./message-id.js";

/** Options of {@link natsJobPublisher}. */
export interface NatsJobPublisherOptions {
  /** A JetStream client (`jetstream(connection)` from `@nats-io/jetstream`). */
  jetstream: JetStreamClient;
  /**
   * The subject to publish to (one the stream captures), or a function choosing it per work
   * item — e.g. by `work.route`, so deployments with different definitions consume apart.
   */
  subject: string | ((work: ReadyWork) => string);
  /** Hears each message JetStream did not store (code `PUBLISH_FAILED`). */
  onError?: (error: NatsTransportError, work: ReadyWork) => void;
  /** How long to wait for each publish acknowledgement (default 5 000 ms). */
  timeoutMs?: number;
  /** Publishes awaited at once in a large batch (default 256). */
  maxInFlight?: number;
  /** The time `notBefore` is decided against (default: the system clock). */
  now?: () => Date;
}

/** Counters of a {@link NatsJobPublisher}. */
export interface NatsJobPublisherStats {
  /** Messages JetStream stored. */
  published: number;
  /** Messages JetStream recognised as repeats within its duplicate window (not stored again). */
  duplicates: number;
  /** Messages that failed (reported to `onError`). */
  failed: number;
}

/** A `JobPublisher` that publishes to JetStream, with counters. */
export interface NatsJobPublisher extends JobPublisher {
  readonly stats: Readonly<NatsJobPublisherStats>;
}

/**
 * Creates a JetStream `JobPublisher`; see the module comment.
 *
 * @example
 * ```ts
 * const nc = await connect({ servers: "127.0.0.1:4222" });
 * const kernel = createKernel({ ...stack, jobPublisher: natsJobPublisher({ jetstream: jetstream(nc), subject: "ratchet.jobs" }) });
 * ```
 */
export function natsJobPublisher(options: NatsJobPublisherOptions): NatsJobPublisher {
  const { jetstream, subject, onError } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxInFlight = options.maxInFlight ?? 256;
  const now = options.now ?? (() => new Date());
  requireOption(
    typeof jetstream?.publish === "function",
    "jetstream",
    "a JetStream client is required",
  );
  requireOption(
    typeof subject === "function" || (typeof subject === "string" && subject !== ""),
    "subject",
    "a subject (or a function of the work) is required",
  );
  requireOption(Number.isInteger(timeoutMs) && timeoutMs > 0, "timeoutMs", "a positive integer");
  requireOption(
    Number.isInteger(maxInFlight) && maxInFlight > 0,
    "maxInFlight",
    "a positive integer",
  );
  const stats: NatsJobPublisherStats = { published: 0, duplicates: 0, failed: 0 };

  async function publishOne(work: ReadyWork, at: Date): Promise<boolean> {
    try {
      const to = typeof subject === "function" ? subject(work) : subject;
      const ack = await jetstream.publish(to, JSON.stringify(readyWorkMessage(work, at)), {
        msgID: readyWorkMessageId(work),
        timeout: timeoutMs,
      });
      if (ack.duplicate) stats.duplicates++;
      else stats.published++;
      return true;
    } catch (error) {
      stats.failed++;
      const id = work.kind === "job" ? { jobId: work.jobId } : {};
      const failure = new NatsTransportError(
        "PUBLISH_FAILED",
        `JetStream did not store the message of ${work.kind} ${work.kind === "job" ? work.jobId : work.workflowRunId}: ${messageOf(error)}`,
        { cause: error, workflowRunId: work.workflowRunId, ...id },
      );
      try {
        onError?.(failure, work);
      } catch {
        // A failing error handler must not turn a best-effort publish into a crash.
      }
      return false;
    }
  }

  return {
    stats,
    async publish(work) {
      const at = now();
      let failed = 0;
      for (let start = 0; start < work.length; start += maxInFlight) {
        const slice = work.slice(start, start + maxInFlight);
        const results = await Promise.all(slice.map((item) => publishOne(item, at)));
        failed += results.filter((ok) => !ok).length;
      }
      if (failed > 0) {
        throw new NatsTransportError(
          "PUBLISH_FAILED",
          `${failed} of ${work.length} messages of ready work were not stored`,
        );
      }
    },
  };
}
