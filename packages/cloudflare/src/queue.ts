/**
 * The Cloudflare Queues shapes this package touches, typed structurally (the subset of
 * `@cloudflare/workers-types` it uses), so it needs no global type package and a test can
 * pass its own objects. A Worker's real bindings (`env.JOBS`, the `queue()` handler's batch)
 * fit them as they are.
 */

/** Cloudflare's limit on the messages of one `sendBatch` call. */
export const MAX_BATCH_MESSAGES = 100;

/** Cloudflare's limit on the total size of one `sendBatch` call, in bytes (256 KB). */
export const MAX_BATCH_BYTES = 256_000;

/** Cloudflare's limit on `delaySeconds` (12 hours), for sends and retries alike. */
export const MAX_DELAY_SECONDS = 43_200;

/** One message of a `sendBatch` call (`MessageSendRequest`). */
export interface QueueSendRequest<Body = unknown> {
  body: Body;
  /** Deliver no sooner than this (0 – 43 200 s). */
  delaySeconds?: number;
  /** How the body is serialised: `"json"` keeps it readable by any consumer. */
  contentType?: "text" | "bytes" | "json" | "v8";
}

/** A queue producer binding (`Queue` in workers-types): all this package needs of it. */
export interface QueueProducer<Body = unknown> {
  sendBatch(messages: Iterable<QueueSendRequest<Body>>): Promise<unknown>;
}

/** Options of `Message.retry`. */
export interface QueueRetryOptions {
  /** Redeliver no sooner than this (0 – 43 200 s). */
  delaySeconds?: number;
}

/** One message the `queue()` handler receives. */
export interface QueueMessage<Body = unknown> {
  readonly id: string;
  readonly body: Body;
  /** Deliveries so far, this one included. */
  readonly attempts: number;
  ack(): void;
  retry(options?: QueueRetryOptions): void;
}

/** What a Worker's `queue()` handler receives (`MessageBatch`). */
export interface QueueMessageBatch<Body = unknown> {
  readonly queue: string;
  readonly messages: readonly QueueMessage<Body>[];
}
