/**
 * `sqsJobPublisher`: the kernel's after-commit `JobPublisher` on Amazon SQS. Each unit of ready
 * work becomes one message whose body is `readyWorkMessage(work, now)` as JSON, sent with
 * `SendMessageBatch` in requests of at most 10 entries (SQS's limit). Work due later is
 * delayed by the queue (`DelaySeconds`, up to SQS's 900 s); the body carries `notBefore` too.
 *
 * Best effort, as the port asks: `publish` never rejects. Entries the batch reports as failed
 * by SQS's fault (throttling, an internal error) are sent again, up to `retries` times; the
 * rest (and a request that threw after the SDK's own retries) go to `onError`. Lost messages
 * are recovered by the maintenance tick; the database stays the source of truth.
 *
 * FIFO queues (a URL ending in `.fifo`) are supported: `MessageGroupId` is the run's id (a run's
 * messages are delivered in order, one at a time), `MessageDeduplicationId` names the work and
 * when it is due, and no per-message delay is sent (FIFO queues refuse one): the body's
 * `notBefore` lets `consumeSqsJobs` hand an early message back until it is due.
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import {
  type JobPublisher,
  publishDelaySeconds,
  type ReadyWork,
  readyWorkMessage,
} from "@ratchet/kernel";
import { InvalidSqsOptionsError, SqsPublishError } from "./errors.js";

/** The part of an `SQSClient` (AWS SDK v3) this package uses. */
export interface SqsClientLike {
  send: SQSClient["send"];
}

/** SQS's limit of entries in one `SendMessageBatch`. */
export const SQS_MAX_BATCH = 10;

/** SQS's longest `DelaySeconds` (15 minutes). */
export const SQS_MAX_DELAY_SECONDS = 900;

/** Options of {@link sqsJobPublisher}. */
export interface SqsJobPublisherOptions {
  /** An AWS SDK v3 `SQSClient` (or anything with its `send`). */
  client: SqsClientLike;
  /** The queue's URL. A URL ending in `.fifo` is a FIFO queue (see the module comment). */
  queueUrl: string;
  /**
   * Hears each failure to send (the work not sent, why). Default: one JSON line on stderr.
   * Must not throw; what it throws is ignored.
   */
  onError?: (error: SqsPublishError) => void;
  /** How many times entries SQS reports as failed by its own fault are sent again (default 2). */
  retries?: number;
  /** The time messages are stamped with (default: the system clock). */
  now?: () => Date;
}

/** What a publisher has sent so far (for metrics and tests). */
export interface SqsPublisherStats {
  /** Messages SQS accepted. */
  sent: number;
  /** Entries sent again after SQS reported them failed. */
  retried: number;
  /** Messages given up on (reported to `onError`). */
  failed: number;
  /** `SendMessageBatch` requests made. */
  requests: number;
}

/** A `JobPublisher` on SQS, with its counters. */
export interface SqsJobPublisher extends JobPublisher {
  stats(): SqsPublisherStats;
}

function defaultOnError(error: SqsPublishError): void {
  console.error(
    JSON.stringify({
      level: "error",
      message: error.message,
      code: error.code,
      sqsCode: error.sqsCode,
      count: error.work.length,
    }),
  );
}

/** One message to send and the work it stands for. */
interface Pending {
  work: ReadyWork;
  entry: SendMessageBatchRequestEntry;
}

function entryFor(work: ReadyWork, now: Date, index: number, fifo: boolean): Pending {
  const entry: SendMessageBatchRequestEntry = {
    Id: `m${index}`,
    MessageBody: JSON.stringify(readyWorkMessage(work, now)),
  };
  if (fifo) {
    const id = work.kind === "job" ? `job-${work.jobId}` : `run-${work.workflowRunId}`;
    entry.MessageGroupId = work.workflowRunId;
    // The same work due at the same time is one message; a retry (a later availableAt) is not.
    entry.MessageDeduplicationId = `${id}-${work.availableAt.getTime()}`.slice(0, 128);
  } else {
    const delay = publishDelaySeconds(work, now, SQS_MAX_DELAY_SECONDS);
    if (delay > 0) entry.DelaySeconds = delay;
  }
  return { work, entry };
}

/**
 * Creates an SQS `JobPublisher` for `KernelConfig.jobPublisher`.
 *
 * @example
 * ```ts
 * const client = new SQSClient({});
 * const kernel = createKernel({
 *   ...stack,
 *   jobPublisher: sqsJobPublisher({ client, queueUrl: process.env.RATCHET_JOB_QUEUE_URL! }),
 *   // …
 * });
 * ```
 */
export function sqsJobPublisher(options: SqsJobPublisherOptions): SqsJobPublisher {
  if (typeof options.client?.send !== "function")
    throw new InvalidSqsOptionsError("client must be an SQSClient (something with send)", "client");
  if (typeof options.queueUrl !== "string" || !/^https?:\/\/\S+$/.test(options.queueUrl))
    throw new InvalidSqsOptionsError(
      `queueUrl must be the queue's http(s) URL, got ${JSON.stringify(options.queueUrl)}`,
      "queueUrl",
    );
  const retries = options.retries ?? 2;
  if (!Number.isInteger(retries) || retries < 0 || retries > 10)
    throw new InvalidSqsOptionsError("retries must be an integer from 0 to 10", "retries");
  const { client, queueUrl } = options;
  const fifo = queueUrl.endsWith(".fifo");
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? defaultOnError;
  const stats: SqsPublisherStats = { sent: 0, retried: 0, failed: 0, requests: 0 };

  const report = (error: SqsPublishError) => {
    stats.failed += error.work.length;
    try {
      onError(error);
    } catch {
      // onError must not throw; publishing stays best effort all the same.
    }
  };

  /** Sends one chunk (≤ 10 entries), retrying the entries SQS failed by its own fault. */
  const sendChunk = async (chunk: Pending[]): Promise<void> => {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let output: Awaited<ReturnType<typeof send>>;
      try {
        stats.requests++;
        output = await send(pending);
      } catch (error) {
        // The SDK already retried the request; the tick recovers the work.
        const name = error instanceof Error ? error.name : "Error";
        report(
          new SqsPublishError(
            `SendMessageBatch failed (${name}); ${pending.length} message(s) not sent`,
            pending.map((p) => p.work),
            name,
            error,
          ),
        );
        return;
      }
      stats.sent += output.Successful?.length ?? 0;
      const byId = new Map(pending.map((p) => [p.entry.Id, p]));
      const again: Pending[] = [];
      const givenUp = new Map<string, Pending[]>();
      for (const failed of output.Failed ?? []) {
        const item = byId.get(failed.Id ?? "");
        if (!item) continue;
        if (!failed.SenderFault && attempt < retries) again.push(item);
        else {
          const code = failed.Code ?? "Unknown";
          givenUp.set(code, [...(givenUp.get(code) ?? []), item]);
        }
      }
      for (const [code, items] of givenUp) {
        report(
          new SqsPublishError(
            `SendMessageBatch refused ${items.length} message(s) (${code}${attempt > 0 ? `, after ${attempt} retr${attempt === 1 ? "y" : "ies"}` : ""})`,
            items.map((p) => p.work),
            code,
          ),
        );
      }
      stats.retried += again.length;
      pending = again;
    }
  };

  const send = (pending: Pending[]) =>
    client.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending.map((p) => p.entry) }),
    );

  return {
    async publish(work) {
      try {
        if (work.length === 0) return;
        const stamp = now();
        const all = work.map((w, i) => entryFor(w, stamp, i, fifo));
        const chunks: Pending[][] = [];
        for (let i = 0; i < all.length; i += SQS_MAX_BATCH)
          chunks.push(all.slice(i, i + SQS_MAX_BATCH));
        await Promise.all(chunks.map(sendChunk));
      } catch (error) {
        // Nothing above should throw; if it does, the work is still in the database.
        report(
          new SqsPublishError(
            `publishing failed unexpectedly: ${String(error)}`,
            work,
            "Unexpected",
            error,
          ),
        );
      }
    },
    stats: () => ({ ...stats }),
  };
}
