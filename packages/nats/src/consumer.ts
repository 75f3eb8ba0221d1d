/**
 * `consumeJobMessages`: the consumer side of the NATS transport for a Node process. It pulls
 * messages of ready work from a durable JetStream pull consumer and hands each to a host
 * (`ServerlessHost.handleJob`), which claims the work in the database and runs it:
 *
 * - settled (`ack: true`) → `ack()`;
 * - not due yet (`notBefore` in the body, or in the host's result) → `nak(delay)` until then,
 *   without touching the database for a body's `notBefore`;
 * - `ack: false` or a throw → `nak(retryDelayMs)`;
 * - a body that is not a JSON object → `term()` and `INVALID_MESSAGE` reported.
 *
 * While a stage runs, the message is kept in progress (`working()`); if the process dies,
 * JetStream redelivers it after the ack wait to another consumer. The database stays the
 * truth: a redelivered or duplicate message finds its job taken or done and is skipped.
 */
import type { JsMsg } from "@nats-io/jetstream";
import type {
  ConsumeJobMessagesOptions,
  ConsumeJobMessagesStats,
  JobMessageLoop,
} from "./consumer-options.js";
import { messageOf, NatsTransportError, requireOption } from "./errors.js";

interface Settings {
  concurrency: number;
  pullExpiresMs: number;
  retryDelayMs: number;
  pullBackoffMs: number;
  now: () => number;
}

function settingsOf(options: ConsumeJobMessagesOptions): Settings {
  const s: Settings = {
    concurrency: options.concurrency ?? 4,
    pullExpiresMs: options.pullExpiresMs ?? 5_000,
    retryDelayMs: options.retryDelayMs ?? 1_000,
    pullBackoffMs: options.pullBackoffMs ?? 1_000,
    now: options.now ?? Date.now,
  };
  requireOption(typeof options.consumer?.fetch === "function", "consumer", "a pull consumer");
  requireOption(typeof options.host?.handleJob === "function", "host", "needs handleJob(message)");
  requireOption(
    Number.isInteger(s.concurrency) && s.concurrency >= 1,
    "concurrency",
    "an integer ≥ 1",
  );
  // The JetStream client refuses pulls that expire in under a second.
  requireOption(
    Number.isInteger(s.pullExpiresMs) && s.pullExpiresMs >= 1_000,
    "pullExpiresMs",
    "an integer ≥ 1000",
  );
  requireOption(s.retryDelayMs >= 0, "retryDelayMs", "must not be negative");
  requireOption(s.pullBackoffMs >= 0, "pullBackoffMs", "must not be negative");
  if (options.ackWaitMs !== undefined)
    requireOption(options.ackWaitMs > 0, "ackWaitMs", "must be positive");
  return s;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The body as a JSON object, or undefined. */
function bodyOf(msg: JsMsg): Record<string, unknown> | undefined {
  try {
    const body = msg.json<unknown>();
    return typeof body === "object" && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Milliseconds until `notBefore` (an ISO string or a Date), or 0 when due or unreadable. */
function msUntil(notBefore: unknown, now: number): number {
  const at =
    notBefore instanceof Date
      ? notBefore.getTime()
      : typeof notBefore === "string"
        ? Date.parse(notBefore)
        : Number.NaN;
  return Number.isFinite(at) && at > now ? at - now : 0;
}

/**
 * Starts the loop; it runs until `options.signal` aborts. See the module comment.
 *
 * @example
 * ```ts
 * const consumer = await jetstream(nc).consumers.get("RATCHET_JOBS", "workers");
 * const loop = consumeJobMessages({ consumer, host: createServerlessHost({ kernel, jobTransport, workerId }), signal });
 * await loop.done;
 * ```
 */
export function consumeJobMessages(options: ConsumeJobMessagesOptions): JobMessageLoop {
  const s = settingsOf(options);
  const { consumer, host, signal, onError, onHandled } = options;
  const stats: ConsumeJobMessagesStats = {
    received: 0,
    acked: 0,
    delayed: 0,
    retried: 0,
    terminated: 0,
    pullFailures: 0,
  };
  const report = (error: NatsTransportError): void => {
    try {
      onError?.(error);
    } catch {
      // A failing error handler must not stop the loop.
    }
  };

  async function ackWait(): Promise<number> {
    if (options.ackWaitMs !== undefined) return options.ackWaitMs;
    const info = await consumer.info(true);
    return Math.max(1, Math.round((info.config.ack_wait ?? 30_000_000_000) / 1_000_000));
  }

  /** Sends an ack/nak/term/in-progress; a failure (connection closed) is reported, not thrown. */
  function settle(msg: JsMsg, what: string, send: () => void): void {
    try {
      send();
    } catch (error) {
      report(
        new NatsTransportError(
          "ACK_FAILED",
          `could not ${what} message ${msg.seq} (it will be redelivered): ${messageOf(error)}`,
          { cause: error },
        ),
      );
    }
  }

  async function handle(msg: JsMsg, heartbeatMs: number): Promise<void> {
    stats.received++;
    const body = bodyOf(msg);
    if (body === undefined) {
      // No reason: nats-server 2.9 does not read "+TERM <reason>" as a termination (it redelivers).
      settle(msg, "terminate", () => msg.term());
      stats.terminated++;
      report(
        new NatsTransportError(
          "INVALID_MESSAGE",
          `message ${msg.seq} of ${msg.subject} is not a JSON object; terminated`,
        ),
      );
      return;
    }
    const early = msUntil(body.notBefore, s.now());
    if (early > 0) {
      settle(msg, "hand back", () => msg.nak(early));
      stats.delayed++;
      return;
    }
    const heartbeat = setInterval(
      () => settle(msg, "keep in progress", () => msg.working()),
      heartbeatMs,
    );
    try {
      const result = await host.handleJob(body);
      try {
        onHandled?.(body, result);
      } catch {
        // A failing listener must not turn a settled message into a retried one.
      }
      const delay = msUntil(result.notBefore, s.now());
      if (delay > 0) {
        settle(msg, "hand back", () => msg.nak(delay));
        stats.delayed++;
      } else if (result.ack) {
        settle(msg, "acknowledge", () => msg.ack());
        stats.acked++;
      } else {
        settle(msg, "hand back", () => msg.nak(s.retryDelayMs));
        stats.retried++;
      }
    } catch (error) {
      settle(msg, "hand back", () => msg.nak(s.retryDelayMs));
      stats.retried++;
      report(
        new NatsTransportError("HANDLER_FAILED", `handleJob threw: ${messageOf(error)}`, {
          cause: error,
        }),
      );
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** One slot: pulls one message at a time and handles it, until stopped. */
  async function slot(heartbeatMs: number): Promise<void> {
    while (!signal?.aborted) {
      let msg: JsMsg | null = null;
      try {
        const batch = await consumer.fetch({ max_messages: 1, expires: s.pullExpiresMs });
        const stop = (): void => batch.stop();
        signal?.addEventListener("abort", stop, { once: true });
        // Aborted while the pull was being set up: the listener will not fire.
        if (signal?.aborted) stop();
        try {
          for await (const m of batch) msg = m;
        } finally {
          signal?.removeEventListener("abort", stop);
        }
      } catch (error) {
        stats.pullFailures++;
        report(
          new NatsTransportError("PULL_FAILED", `pull failed: ${messageOf(error)}`, {
            cause: error,
          }),
        );
        await pause(s.pullBackoffMs, signal);
        continue;
      }
      if (msg === null) continue;
      if (signal?.aborted) {
        // Received while stopping: hand it back at once for another consumer.
        stats.received++;
        settle(msg, "hand back", () => msg.nak());
        stats.retried++;
        return;
      }
      await handle(msg, heartbeatMs);
    }
  }

  const done = (async () => {
    const heartbeatMs = Math.max(50, Math.floor((await ackWait()) / 3));
    await Promise.all(Array.from({ length: s.concurrency }, () => slot(heartbeatMs)));
    return { ...stats };
  })();
  return { stats, done };
}
