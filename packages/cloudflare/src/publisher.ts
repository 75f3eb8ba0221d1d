/**
 * `queueJobPublisher`: the kernel's `JobPublisher` on a Cloudflare Queue producer binding.
 * After each commit, every unit of ready work becomes one JSON message (`{ jobId }` or
 * `{ pendingRunId }`, see `readyWorkMessage`), delayed by the queue until the work is due
 * (`delaySeconds`, capped at Cloudflare's 12 hours), sent with `sendBatch` in calls of at most
 * 100 messages and 256 KB.
 *
 * Best effort, as the port asks: a failed call is reported to `onError` and the other calls
 * are still made; `publish` then rejects (the kernel ignores it — the maintenance tick
 * recovers the work), and never throws synchronously.
 */
import {
  type JobPublisher,
  type JsonObject,
  publishDelaySeconds,
  type ReadyWork,
  readyWorkMessage,
} from "@ratchet/kernel";
import { chunkBySize, utf8Length } from "./chunks.js";
import { checkInteger, platformConsole, QueueSendError } from "./errors.js";
import { MAX_DELAY_SECONDS, type QueueProducer, type QueueSendRequest } from "./queue.js";

/** Options of {@link queueJobPublisher}. */
export interface QueueJobPublisherOptions {
  /**
   * Told of each failed `sendBatch` call, with the work it carried (log or count it). Default:
   * one JSON line on `console.error`, which Workers logs keep. A throw from it is ignored.
   */
  onError?: (error: QueueSendError, work: readonly ReadyWork[]) => void;
  /** Longest delay asked of the queue, in seconds (default and most: 43 200, Cloudflare's). */
  maxDelaySeconds?: number;
  /** Where `now` comes from, to compute delays (default: the system time). */
  now?: () => Date;
}

interface Outgoing {
  work: ReadyWork;
  request: QueueSendRequest<JsonObject>;
  bytes: number;
}

/**
 * A `JobPublisher` sending ready work to a Cloudflare Queue (`env.JOBS`, a producer binding).
 * Throws `INVALID_OPTIONS` for a bad `maxDelaySeconds`.
 *
 * @example
 * ```ts
 * const kernel = createKernel({ ...ports, registry, eventSink, clock: systemClock,
 *   jobPublisher: queueJobPublisher(env.JOBS, { onError: (e) => console.error(e.message) }) });
 * ```
 */
export function queueJobPublisher(
  queue: QueueProducer<JsonObject>,
  options: QueueJobPublisherOptions = {},
): JobPublisher {
  checkInteger("maxDelaySeconds", options.maxDelaySeconds, 0, MAX_DELAY_SECONDS);
  const maxDelay = options.maxDelaySeconds ?? MAX_DELAY_SECONDS;
  const now = options.now ?? (() => new Date());
  return {
    publish: async (work) => {
      if (work.length === 0) return;
      const at = now();
      const outgoing = work.map((item): Outgoing => {
        const body = readyWorkMessage(item, at);
        const delaySeconds = publishDelaySeconds(item, at, maxDelay);
        const request: QueueSendRequest<JsonObject> = {
          body,
          contentType: "json",
          ...(delaySeconds > 0 ? { delaySeconds } : {}),
        };
        return { work: item, request, bytes: utf8Length(JSON.stringify(body)) };
      });
      let firstError: QueueSendError | undefined;
      for (const chunk of chunkBySize(outgoing, (o) => o.bytes)) {
        try {
          await queue.sendBatch(chunk.map((o) => o.request));
        } catch (cause) {
          const error = new QueueSendError(chunk.length, cause);
          firstError ??= error;
          report(options.onError, error, chunk);
        }
      }
      if (firstError) throw firstError;
    },
  };
}

function report(
  onError: QueueJobPublisherOptions["onError"],
  error: QueueSendError,
  chunk: readonly Outgoing[],
): void {
  try {
    (onError ?? logError)(
      error,
      chunk.map((o) => o.work),
    );
  } catch {
    // The callback's own failure must not stop the other calls.
  }
}

/** The default `onError`: one JSON line on the platform's console, when there is one. */
function logError(error: QueueSendError, work: readonly ReadyWork[]): void {
  const line = { error: error.code, message: error.message, messages: work.length };
  platformConsole()?.error(JSON.stringify(line));
}
