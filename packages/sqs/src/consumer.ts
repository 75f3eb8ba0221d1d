/**
 * `consumeSqsJobs`: job messages from SQS for a long-running process (a container, a VM — not
 * Lambda, whose event source mapping polls for you: see `handleSqsBatch`). It long-polls
 * `ReceiveMessage`, hands each body to `ServerlessHost.handleJob`, and settles the message:
 *
 * - handled (ran, skipped, or a body that can never be handled) → `DeleteMessage`;
 * - not due yet (`result.notBefore`) → `ChangeMessageVisibility` until then (at most 12 h,
 *   SQS's limit; a later due time comes back early and is handed back again);
 * - an unexpected failure (the database is unreachable) → `ChangeMessageVisibility` to
 *   `retryDelaySeconds` (default 0: at once), so another attempt need not wait for the
 *   visibility timeout.
 *
 * At most `concurrency` messages are handled at once. It stops when `signal` aborts: the long
 * poll in flight is cancelled, messages being handled are finished and settled, and the
 * promise resolves with the consumer's counters. SQS errors go to `onError` and never stop it.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";
import { InvalidSqsOptionsError, SqsConsumeError } from "./errors.js";
import { jsonLog } from "./lambda.js";
import type { SqsClientLike } from "./publisher.js";
import { type JobHandler, type SqsLog, settleMessage } from "./settle.js";

/** SQS's longest visibility timeout (12 hours). */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;

/** Options of {@link consumeSqsJobs}. */
export interface ConsumeSqsJobsOptions {
  /** An AWS SDK v3 `SQSClient` (or anything with its `send`). */
  client: SqsClientLike;
  queueUrl: string;
  /** The serverless host whose `handleJob` runs each message. */
  host: JobHandler;
  /** Messages handled at once (default 4). */
  concurrency?: number;
  /** Long-poll wait of each `ReceiveMessage`, 0–20 s (default 20). */
  waitTimeSeconds?: number;
  /**
   * Visibility timeout of received messages, in seconds (default: the queue's). Make it longer
   * than the slowest stage, or the message comes back while its job runs (harmless: the
   * redelivery finds the job taken and is skipped).
   */
  visibilityTimeout?: number;
  /** Visibility of a message whose handling failed unexpectedly, in seconds (default 0). */
  retryDelaySeconds?: number;
  /** Stops the consumer. */
  signal: AbortSignal;
  /** Hears failed SQS calls (default: logged). A failed receive is retried after 1 s. */
  onError?: (error: SqsConsumeError) => void;
  /** Where log lines about messages go (default: one JSON line on stdout / stderr). */
  log?: SqsLog;
}

/** What a consumer did, as `consumeSqsJobs` resolves it. */
export interface SqsConsumerStats {
  received: number;
  deleted: number;
  /** Handed back until their work is due. */
  delayed: number;
  /** Handed back after an unexpected failure. */
  retried: number;
  /** SQS calls that failed. */
  errors: number;
}

function check(value: number, min: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new InvalidSqsOptionsError(`${field} must be an integer from ${min} to ${max}`, field);
  return value;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Consumes job messages from `queueUrl` until `signal` aborts; resolves with its counters.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * process.once("SIGTERM", () => stop.abort());
 * await consumeSqsJobs({ client: new SQSClient({}), queueUrl, host, concurrency: 8, signal: stop.signal });
 * ```
 */
export async function consumeSqsJobs(options: ConsumeSqsJobsOptions): Promise<SqsConsumerStats> {
  const { client, queueUrl, host, signal } = options;
  if (typeof client?.send !== "function")
    throw new InvalidSqsOptionsError("client must be an SQSClient (something with send)", "client");
  if (typeof queueUrl !== "string" || queueUrl === "")
    throw new InvalidSqsOptionsError("queueUrl must be the queue's URL", "queueUrl");
  if (typeof host?.handleJob !== "function")
    throw new InvalidSqsOptionsError("host must be a serverless host (with handleJob)", "host");
  if (!(signal instanceof AbortSignal))
    throw new InvalidSqsOptionsError("signal must be an AbortSignal", "signal");
  const concurrency = check(options.concurrency ?? 4, 1, 1000, "concurrency");
  const waitTimeSeconds = check(options.waitTimeSeconds ?? 20, 0, 20, "waitTimeSeconds");
  const visibilityTimeout =
    options.visibilityTimeout === undefined
      ? undefined
      : check(options.visibilityTimeout, 0, SQS_MAX_VISIBILITY_SECONDS, "visibilityTimeout");
  const retryDelaySeconds = check(
    options.retryDelaySeconds ?? 0,
    0,
    SQS_MAX_VISIBILITY_SECONDS,
    "retryDelaySeconds",
  );
  const log = options.log ?? jsonLog;
  const stats: SqsConsumerStats = { received: 0, deleted: 0, delayed: 0, retried: 0, errors: 0 };
  const onError = (error: SqsConsumeError) => {
    stats.errors++;
    try {
      (options.onError ?? ((e) => log({ level: "error", message: e.message, code: e.code })))(
        error,
      );
    } catch {
      // onError must not throw; the consumer goes on all the same.
    }
  };

  const changeVisibility = async (message: Message, seconds: number) => {
    try {
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (error) {
      // The message comes back after its visibility timeout all the same.
      onError(new SqsConsumeError("ChangeMessageVisibility", error));
    }
  };

  const handle = async (message: Message) => {
    const settled = await settleMessage(host, message.Body, message.MessageId, log);
    if (settled.action === "delete") {
      try {
        await client.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        stats.deleted++;
      } catch (error) {
        // Redelivered later and skipped as a duplicate: harmless.
        onError(new SqsConsumeError("DeleteMessage", error));
      }
    } else if (settled.action === "delay") {
      const seconds = Math.ceil((settled.until.getTime() - Date.now()) / 1000);
      await changeVisibility(message, Math.min(Math.max(seconds, 0), SQS_MAX_VISIBILITY_SECONDS));
      stats.delayed++;
    } else {
      await changeVisibility(message, retryDelaySeconds);
      stats.retried++;
    }
  };

  const inFlight = new Set<Promise<void>>();
  while (!signal.aborted) {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    let messages: Message[];
    try {
      const output = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, concurrency - inFlight.size),
          WaitTimeSeconds: waitTimeSeconds,
          ...(visibilityTimeout === undefined ? {} : { VisibilityTimeout: visibilityTimeout }),
        }),
        { abortSignal: signal },
      );
      messages = output.Messages ?? [];
    } catch (error) {
      if (signal.aborted) break;
      onError(new SqsConsumeError("ReceiveMessage", error));
      await pause(1_000, signal);
      continue;
    }
    stats.received += messages.length;
    for (const message of messages) {
      const task: Promise<void> = handle(message).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  }
  await Promise.all(inFlight);
  return stats;
}
