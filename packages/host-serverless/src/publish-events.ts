/**
 * `publishEvents`: drains the transactional outbox within a time budget. The maintenance tick
 * publishes one `outbox.flush` of `maxOutboxFlushPerTick` events; a deployment that ticks once
 * a minute would then publish at most that many events a minute, and a parent would wait up to
 * a minute for each child's end (delivered from the child's published end event). This runs
 * the same flush again at once while the last one came back full, as the Node host does.
 * Nothing here throws except for invalid options.
 */
import { outboxFlushWasFull } from "@ratchet/host-common";
import { dutyCommand, type OutboxFlushCommand } from "@ratchet/kernel";
import { z } from "zod";
import type { HostContext } from "./context.js";
import { DEFAULT_PUBLISH_TIME_BUDGET_MS } from "./defaults.js";
import { parseHostOptions, type ReportedError, reportError } from "./errors.js";

/** Options of `publishEvents`. */
export interface PublishEventsOptions {
  /**
   * Start no flush after this many ms (default 2,000). A flush that started runs to its end,
   * so the call may outlast the budget by one flush (one claim, up to `maxOutboxFlushPerTick`
   * sink calls, one update): keep that much under the platform's time limit. `0` publishes
   * nothing.
   */
  timeBudgetMs?: number;
}

/** What `publishEvents` did. */
export interface PublishEventsResult {
  /** Events sent to the event sink and marked published. */
  published: number;
  /** Events the sink rejected; each is retried by a later flush after a back-off. */
  failed: number;
  /** Events that failed `outboxMaxRetries` times and were dead-lettered. */
  deadLettered: number;
  /** `outbox.flush` commands dispatched (each handles up to `maxOutboxFlushPerTick` events). */
  flushes: number;
  /**
   * Whether the budget ran out while the last flush was full (or before the first): events
   * are likely still waiting, for the next call or tick.
   */
  timeBudgetSpent: boolean;
  /** A flush that threw (storage unreachable): it ends the call, and is reported here. */
  errors: ReportedError[];
  elapsedMs: number;
}

const Options = z
  .object({ timeBudgetMs: z.number().nonnegative().optional() })
  .optional()
  .transform((o) => o ?? {});

/** Publishes outbox events, flush after flush while flushes come back full, within the budget. */
export async function publishEvents(
  ctx: HostContext,
  options?: PublishEventsOptions,
): Promise<PublishEventsResult> {
  const { timeBudgetMs } = parseHostOptions(Options, options, "publishEvents option");
  const startedAt = Date.now();
  const deadline = startedAt + (timeBudgetMs ?? DEFAULT_PUBLISH_TIME_BUDGET_MS);
  const command = dutyCommand("outbox", ctx.options.maintenance) as OutboxFlushCommand;
  const result: PublishEventsResult = {
    published: 0,
    failed: 0,
    deadLettered: 0,
    flushes: 0,
    timeBudgetSpent: false,
    errors: [],
    elapsedMs: 0,
  };
  for (let full = true; full; ) {
    if (Date.now() >= deadline) {
      result.timeBudgetSpent = true;
      break;
    }
    result.flushes++;
    try {
      const flushed = await ctx.options.kernel.dispatch(command);
      result.published += flushed.published;
      result.failed += flushed.failed;
      result.deadLettered += flushed.deadLettered;
      ctx.stats.eventsPublished += flushed.published;
      ctx.stats.eventsFailed += flushed.failed + flushed.deadLettered;
      full = outboxFlushWasFull(command, flushed);
    } catch (error) {
      // Storage is down: flushing again at once would fail the same way.
      result.errors.push(reportError(error));
      full = false;
    }
  }
  result.elapsedMs = Date.now() - startedAt;
  return result;
}
