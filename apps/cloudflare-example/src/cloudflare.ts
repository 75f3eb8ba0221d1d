/**
 * The Cloudflare Workers runtime shapes this Worker uses, declared here (the subset of
 * `@cloudflare/workers-types` it touches) so the example needs no global type package.
 */

/** Options of `Message.retry` / `MessageBatch.retryAll`. */
export interface QueueRetryOptions {
  /** Redeliver no sooner than this. */
  delaySeconds?: number;
}

/** One queue message. */
export interface Message<Body = unknown> {
  readonly id: string;
  readonly timestamp: Date;
  readonly body: Body;
  /** Deliveries so far, this one included. */
  readonly attempts: number;
  ack(): void;
  retry(options?: QueueRetryOptions): void;
}

/** What a queue consumer's `queue()` receives. */
export interface MessageBatch<Body = unknown> {
  readonly queue: string;
  readonly messages: readonly Message<Body>[];
  ackAll(): void;
  retryAll(options?: QueueRetryOptions): void;
}

/** What a Cron Trigger's `scheduled()` receives. */
export interface ScheduledController {
  readonly cron: string;
  readonly scheduledTime: number;
  readonly type?: "scheduled";
  noRetry(): void;
}

/** The third argument of every handler. */
export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
}

/** A module Worker's default export. */
export interface WorkerHandler<Env> {
  fetch?(request: Request, env: Env, ctx: ExecutionContext): Promise<Response>;
  queue(batch: MessageBatch, env: Env, ctx: ExecutionContext): Promise<void>;
  scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void>;
}
