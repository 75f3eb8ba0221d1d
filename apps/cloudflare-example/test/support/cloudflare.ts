/**
 * Cloudflare runtime objects in their exact shapes — a queue `MessageBatch` whose messages'
 * `ack` / `retry` are spies, a Cron Trigger's `ScheduledController`, an `ExecutionContext` —
 * so the Worker's handlers can be called directly in Node.
 */
import { randomUUID } from "node:crypto";
import { type Mock, vi } from "vitest";
import type {
  ExecutionContext,
  Message,
  MessageBatch,
  QueueRetryOptions,
  ScheduledController,
} from "../../src/cloudflare.js";

/** A message whose `ack` / `retry` are spies. */
export interface SpiedMessage extends Message {
  ack: Mock<() => void>;
  retry: Mock<(options?: QueueRetryOptions) => void>;
}

/** One queue message carrying `body`. */
export function queueMessage(body: unknown, id: string = randomUUID()): SpiedMessage {
  return {
    id,
    timestamp: new Date(),
    body,
    attempts: 1,
    ack: vi.fn<() => void>(),
    retry: vi.fn<(options?: QueueRetryOptions) => void>(),
  };
}

/** A batch of `messages` from `queue`. */
export function messageBatch(
  messages: SpiedMessage[],
  queue = "ratchet-jobs",
): MessageBatch & { messages: SpiedMessage[]; ackAll: Mock; retryAll: Mock } {
  return { queue, messages, ackAll: vi.fn(), retryAll: vi.fn() };
}

/** A Cron Trigger's controller. */
export function scheduledController(cron = "* * * * *"): ScheduledController & { noRetry: Mock } {
  return { cron, scheduledTime: Date.now(), type: "scheduled", noRetry: vi.fn() };
}

/** An execution context collecting `waitUntil` promises. */
export function executionContext(): ExecutionContext & { waited: Promise<unknown>[] } {
  const waited: Promise<unknown>[] = [];
  return {
    waited,
    waitUntil: (promise) => {
      waited.push(promise);
    },
    passThroughOnException: () => {},
  };
}
