/**
 * `outbox.flush`: publishes outbox events through the event sink. Events are leased first, so
 * two hosts never publish the same ones at once. Runs are published independently: a run whose
 * event fails stops at that event (its later events wait, keeping order) and backs off, while
 * every other run's events go out. After `outboxMaxRetries` failures an event is dead-lettered.
 */

import { z } from "zod";
import { afterStep } from "../internal/hooks/after-step.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { notifyParent } from "../internal/waits/child-end.js";
import type { OutboxRecord } from "../records.js";
import { defineCommand } from "./command.js";
import { id, isId, isPositiveInt, optional, positiveInt } from "./fields.js";

/** Publishes outbox events through the event sink. */
export interface OutboxFlushCommand {
  type: "outbox.flush";
  workerId: string;
  /** Most events to publish (default 100; the hosts' duty passes `maxOutboxFlushPerTick`, 400). */
  maxEvents?: number;
}

/** Result of `outbox.flush`. */
export interface OutboxFlushResult {
  published: number;
  failed: number;
  deadLettered: number;
}

const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Most runs whose events one flush publishes at once (each run's events go out one after the
 * other, in order). A flush of `maxEvents` events spans at most that many runs; this keeps a
 * large flush (the hosts drain a backlog 400 events at a time) from calling a sink — a webhook,
 * a broker — more often at once than a flush of 100 did.
 */
export const OUTBOX_PUBLISH_CONCURRENCY = 100;

/** Runs `fn` over `items`, at most `limit` at a time; resolves when every call has. */
async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Handles `outbox.flush`. */
export async function outboxFlush(
  command: OutboxFlushCommand,
  deps: KernelDeps,
): Promise<OutboxFlushResult> {
  const events = await deps.persistence.claimOutboxEvents({
    now: deps.clock.now(),
    limit: command.maxEvents ?? 100,
    leaseMs: deps.options.outboxLeaseMs,
  });
  const byRun = new Map<string, OutboxRecord[]>();
  for (const event of events) {
    const list = byRun.get(event.runId);
    if (list) list.push(event);
    else byRun.set(event.runId, [event]);
  }
  const result: OutboxFlushResult = { published: 0, failed: 0, deadLettered: 0 };
  const published: OutboxRecord[] = [];
  await forEachConcurrently([...byRun.values()], OUTBOX_PUBLISH_CONCURRENCY, async (runEvents) => {
    runEvents.sort((a, b) => a.sequence - b.sequence);
    for (const event of runEvents) {
      try {
        await notifyParent(deps, event);
        await afterStep(deps, event);
        await deps.eventSink.emit({
          id: event.id,
          type: event.type,
          workflowRunId: event.runId,
          sequence: event.sequence,
          occurredAt: event.occurredAt,
          payload: event.payload,
        });
        published.push(event);
      } catch (error) {
        const now = deps.clock.now();
        const deadLetter = event.retryCount + 1 >= deps.options.outboxMaxRetries;
        const delay = Math.min(
          MAX_BACKOFF_MS,
          deps.options.outboxRetryBaseMs * 2 ** event.retryCount,
        );
        await deps.persistence.recordOutboxFailure(event, {
          error: error instanceof Error ? error.message : String(error),
          retryAt: new Date(now.getTime() + delay),
          deadLetter,
          now,
        });
        if (deadLetter) result.deadLettered++;
        else result.failed++;
        return;
      }
    }
  });
  if (published.length > 0) {
    const now = deps.clock.now();
    await deps.persistence.markOutboxPublished(published, now);
    deps.telemetry?.eventsPublished(published, now);
  }
  result.published = published.length;
  return result;
}

/** `outbox.flush`: its schema, fast check and handler. */
export const outboxFlushModule = defineCommand<OutboxFlushCommand, OutboxFlushResult>({
  type: "outbox.flush",
  schema: z.object({
    type: z.literal("outbox.flush"),
    workerId: id,
    maxEvents: positiveInt.optional(),
  }),
  isWellFormed: (c) => isId(c.workerId) && optional(c.maxEvents, isPositiveInt),
  handle: outboxFlush,
});
