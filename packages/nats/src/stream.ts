/**
 * `ensureJobStream` and `ensureJobConsumer`: create (or bring up to date) the work-queue stream
 * the publisher writes to and the durable pull consumer `consumeJobMessages` reads from.
 *
 * The stream keeps messages until acknowledged (`workqueue` retention: an acknowledged message
 * is deleted), on disk, for at most `maxAgeMs` (a message older than that was a wake-up nobody
 * took; the maintenance tick recovers its work), dropping repeats of a `Nats-Msg-Id` within
 * `duplicateWindowMs`.
 */
import {
  AckPolicy,
  type ConsumerInfo,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamInfo,
} from "@nats-io/jetstream";
import { requireOption } from "./errors.js";

/** Nanoseconds of `ms` milliseconds (JetStream's unit for durations). */
function nanos(ms: number): number {
  return ms * 1_000_000;
}

function isNotFound(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/** Options of {@link ensureJobStream}. */
export interface EnsureJobStreamOptions {
  /** A JetStream manager (`jetstreamManager(connection)`). */
  jsm: JetStreamManager;
  /** The stream's name. */
  stream: string;
  /** Subjects it captures (the publisher's subject, or a wildcard over per-route subjects). */
  subjects: readonly string[];
  /** Drop messages older than this (default 24 h). */
  maxAgeMs?: number;
  /** Window in which a repeated `Nats-Msg-Id` is dropped (default 2 min). Keep it below the job lease. */
  duplicateWindowMs?: number;
  /** `file` (default) or `memory`. */
  storage?: "file" | "memory";
  /** Replicas in a cluster (default 1). */
  replicas?: number;
}

/**
 * Creates the work-queue stream, or updates its subjects, age and duplicate window when it
 * exists. Returns its info.
 *
 * @example
 * ```ts
 * await ensureJobStream({ jsm: await jetstreamManager(nc), stream: "RATCHET_JOBS", subjects: ["ratchet.jobs"] });
 * ```
 */
export async function ensureJobStream(options: EnsureJobStreamOptions): Promise<StreamInfo> {
  const { jsm, stream, subjects } = options;
  const maxAgeMs = options.maxAgeMs ?? 24 * 60 * 60 * 1_000;
  const duplicateWindowMs = options.duplicateWindowMs ?? 2 * 60 * 1_000;
  requireOption(typeof stream === "string" && stream !== "", "stream", "a stream name is required");
  requireOption(Array.isArray(subjects) && subjects.length > 0, "subjects", "at least one subject");
  requireOption(maxAgeMs > 0, "maxAgeMs", "must be positive");
  requireOption(
    duplicateWindowMs > 0 && duplicateWindowMs <= maxAgeMs,
    "duplicateWindowMs",
    "must be positive and at most maxAgeMs",
  );
  const settings = {
    subjects: [...subjects],
    max_age: nanos(maxAgeMs),
    duplicate_window: nanos(duplicateWindowMs),
  };
  try {
    await jsm.streams.info(stream);
  } catch (error) {
    if (!isNotFound(error, JetStreamApiCodes.StreamNotFound)) throw error;
    return jsm.streams.add({
      name: stream,
      ...settings,
      retention: RetentionPolicy.Workqueue,
      storage: options.storage === "memory" ? StorageType.Memory : StorageType.File,
      num_replicas: options.replicas ?? 1,
    });
  }
  return jsm.streams.update(stream, settings);
}

/** Options of {@link ensureJobConsumer}. */
export interface EnsureJobConsumerOptions {
  jsm: JetStreamManager;
  stream: string;
  /** The durable consumer's name; every worker process of a deployment shares it. */
  consumer: string;
  /** Only messages of this subject (default: all the stream's). */
  filterSubject?: string;
  /**
   * How long a delivered message may go unacknowledged before JetStream redelivers it
   * (default 30 s). `consumeJobMessages` keeps a message it is working on in progress, so
   * this bounds how soon a dead consumer's messages go to another, not how long a stage runs.
   */
  ackWaitMs?: number;
  /** Messages delivered and not yet acknowledged, across all workers (default 1 000). */
  maxAckPending?: number;
}

/**
 * Creates the durable pull consumer (explicit acks, unlimited deliveries), or updates its ack
 * wait and limits when it exists. Returns its info.
 */
export async function ensureJobConsumer(options: EnsureJobConsumerOptions): Promise<ConsumerInfo> {
  const { jsm, stream, consumer } = options;
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const maxAckPending = options.maxAckPending ?? 1_000;
  requireOption(typeof consumer === "string" && consumer !== "", "consumer", "a consumer name");
  requireOption(Number.isInteger(ackWaitMs) && ackWaitMs >= 1, "ackWaitMs", "a positive integer");
  requireOption(
    Number.isInteger(maxAckPending) && maxAckPending >= 1,
    "maxAckPending",
    "a positive integer",
  );
  const settings = { ack_wait: nanos(ackWaitMs), max_ack_pending: maxAckPending, max_deliver: -1 };
  try {
    await jsm.consumers.info(stream, consumer);
  } catch (error) {
    if (!isNotFound(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
    return jsm.consumers.add(stream, {
      durable_name: consumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ...(options.filterSubject === undefined ? {} : { filter_subject: options.filterSubject }),
      ...settings,
    });
  }
  return jsm.consumers.update(stream, consumer, settings);
}
