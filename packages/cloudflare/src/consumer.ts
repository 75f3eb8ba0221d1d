/**
 * `handleQueueBatch`: the body of a Worker's `queue()` handler. Each message is a job message
 * (`{ jobId }` / `{ pendingRunId }`, as `queueJobPublisher` sends them) for the serverless
 * host's `handleJob`, run a few at a time; each is then settled on its own:
 *
 * | `handleJob` says                                  | the message                          |
 * | ------------------------------------------------- | ------------------------------------ |
 * | `notBefore` (a job not due yet: an early message) | `retry({ delaySeconds })` until then |
 * | `ack: true` (ran, duplicate, settled in the DB)   | `ack()`                              |
 * | `ack: true` with `INVALID_MESSAGE`                | `ack()` and reported                 |
 * | `ack: false` (storage unreachable)                | `retry({ delaySeconds: retryDelay })`|
 *
 * A body that is text and not JSON is acked and reported (it would never succeed). Never
 * throws: a report goes to `onError`.
 */
import type { HandleJobOutcome, HandleJobResult, ServerlessHost } from "@ratchet/host-serverless";
import { checkInteger, type ErrorReport, PREFIX, platformConsole, reportError } from "./errors.js";
import { MAX_DELAY_SECONDS, type QueueMessage, type QueueMessageBatch } from "./queue.js";

/** Messages handled at once by default. */
export const DEFAULT_MESSAGE_CONCURRENCY = 4;

/** Delay before a message that failed unexpectedly (storage down) comes back, by default. */
export const DEFAULT_RETRY_DELAY_SECONDS = 10;

/** A message `handleQueueBatch` could not simply acknowledge, for logs. */
export interface QueueMessageReport {
  queue: string;
  messageId: string;
  attempts: number;
  /** What became of the message. */
  action: "acked" | "retried";
  error: ErrorReport;
}

/** Options of {@link handleQueueBatch}. */
export interface HandleQueueBatchOptions {
  /** Messages handled at once (default 4; 1 – 100). */
  concurrency?: number;
  /** Delay of a message retried after an unexpected error, in seconds (default 10). */
  retryDelaySeconds?: number;
  /** Longest delay asked of the queue, in seconds (default and most: 43 200). */
  maxDelaySeconds?: number;
  /** Where `now` comes from, to compute delays (default: the system time). */
  now?: () => Date;
  /**
   * Told of each malformed message (acked) and each unexpected error (retried). Default:
   * one JSON line on `console.error`, which Workers logs keep. A throw from it is ignored.
   */
  onError?: (report: QueueMessageReport) => void;
}

/** What {@link handleQueueBatch} did with a batch. */
export interface QueueBatchResult {
  messages: number;
  acked: number;
  /** Handed back after an unexpected error (`ack: false`). */
  retried: number;
  /** Handed back until the job is due (`notBefore`). */
  delayed: number;
  /** Malformed messages (acked and reported). */
  invalid: number;
  /** `handleJob`'s outcomes, counted. */
  outcomes: Partial<Record<HandleJobOutcome, number>>;
}

/** The part of a serverless host a queue consumer needs. */
export type JobHandler = Pick<ServerlessHost, "handleJob">;

interface Settings {
  retryDelaySeconds: number;
  maxDelaySeconds: number;
  now: () => Date;
  onError: (report: QueueMessageReport) => void;
}

/**
 * Runs a Worker's queue batch on a serverless host, acking or retrying each message (see the
 * module table), at most `concurrency` at once. Rejects with `INVALID_OPTIONS` for a bad
 * option; otherwise never fails.
 *
 * @example
 * ```ts
 * export default {
 *   async queue(batch, env) {
 *     await handleQueueBatch((await runtime(env)).host, batch);
 *   },
 * };
 * ```
 */
export async function handleQueueBatch(
  host: JobHandler,
  batch: QueueMessageBatch,
  options: HandleQueueBatchOptions = {},
): Promise<QueueBatchResult> {
  checkInteger("concurrency", options.concurrency, 1, 100);
  checkInteger("retryDelaySeconds", options.retryDelaySeconds, 0, MAX_DELAY_SECONDS);
  checkInteger("maxDelaySeconds", options.maxDelaySeconds, 0, MAX_DELAY_SECONDS);
  const maxDelaySeconds = options.maxDelaySeconds ?? MAX_DELAY_SECONDS;
  const settings: Settings = {
    retryDelaySeconds: Math.min(
      options.retryDelaySeconds ?? DEFAULT_RETRY_DELAY_SECONDS,
      maxDelaySeconds,
    ),
    maxDelaySeconds,
    now: options.now ?? (() => new Date()),
    onError: options.onError ?? logReport,
  };
  const result: QueueBatchResult = {
    messages: batch.messages.length,
    acked: 0,
    retried: 0,
    delayed: 0,
    invalid: 0,
    outcomes: {},
  };
  const pending = [...batch.messages];
  const worker = async () => {
    for (let message = pending.shift(); message; message = pending.shift()) {
      await settle(host, batch.queue, message, settings, result);
    }
  };
  const workers = Math.min(options.concurrency ?? DEFAULT_MESSAGE_CONCURRENCY, pending.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return result;
}

async function settle(
  host: JobHandler,
  queue: string,
  message: QueueMessage,
  settings: Settings,
  result: QueueBatchResult,
): Promise<void> {
  const tell = (action: QueueMessageReport["action"], error: ErrorReport) => {
    try {
      settings.onError({ queue, messageId: message.id, attempts: message.attempts, action, error });
    } catch {
      // A failing logger must not leave the message unsettled.
    }
  };
  const decoded = decodeBody(message.body);
  if (!decoded.ok) {
    result.invalid++;
    result.acked++;
    tell("acked", decoded.error);
    message.ack();
    return;
  }
  let handled: HandleJobResult;
  try {
    handled = await host.handleJob(decoded.body);
  } catch (error) {
    // handleJob settles every message; should it throw all the same, only this one retries.
    result.retried++;
    tell("retried", reportError(error));
    message.retry({ delaySeconds: settings.retryDelaySeconds });
    return;
  }
  result.outcomes[handled.outcome] = (result.outcomes[handled.outcome] ?? 0) + 1;
  if (handled.notBefore !== undefined) {
    result.delayed++;
    message.retry({ delaySeconds: delayUntil(handled.notBefore, settings) });
  } else if (handled.ack) {
    if (handled.error?.code === "INVALID_MESSAGE") {
      result.invalid++;
      tell("acked", { code: handled.error.code, message: handled.error.message });
    }
    result.acked++;
    message.ack();
  } else {
    result.retried++;
    tell("retried", handled.error ?? reportError(undefined));
    message.retry({ delaySeconds: settings.retryDelaySeconds });
  }
}

/** Seconds until `notBefore`, rounded up, within `[0, maxDelaySeconds]`. */
function delayUntil(notBefore: Date, settings: Settings): number {
  const ms = notBefore.getTime() - settings.now().getTime();
  return ms > 0 ? Math.min(Math.ceil(ms / 1000), settings.maxDelaySeconds) : 0;
}

type Decoded = { ok: true; body: unknown } | { ok: false; error: ErrorReport };

/** A `"json"` message arrives parsed; a `"text"` one is parsed here. */
function decodeBody(body: unknown): Decoded {
  if (typeof body !== "string") return { ok: true, body };
  try {
    return { ok: true, body: JSON.parse(body) as unknown };
  } catch {
    return {
      ok: false,
      error: { code: "INVALID_MESSAGE", message: `${PREFIX} job message is text, not JSON` },
    };
  }
}

/** The default `onError`: one JSON line on the platform's console, when there is one. */
function logReport(report: QueueMessageReport): void {
  platformConsole()?.error(JSON.stringify(report));
}
