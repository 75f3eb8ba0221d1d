/**
 * Publishing outbox events at the end of an invocation. The cron tick publishes one flush
 * (`maxOutboxFlushPerTick`, 400 events by default) a minute; without this, events — and a
 * child's end, which its parent learns of from the published event — would wait for the cron,
 * and under load fall further behind each minute. `host.publishEvents` flushes until the outbox is drained or the budget is spent, and
 * never throws: failures come back in its result.
 */
import type { PublishEventsResult } from "@ratchet/host-serverless";
import type { Runtime } from "./runtime.js";

/** Publishes outbox events for up to `timeBudgetMs`; `null` when there is no time for it. */
export async function publishEvents(
  runtime: Runtime,
  timeBudgetMs: number,
): Promise<PublishEventsResult | null> {
  if (timeBudgetMs <= 0) return null;
  return runtime.host.publishEvents({ timeBudgetMs });
}

/** Whether publishing hit a failure worth a log line (a flush that threw, rejected events). */
export function publishFailed(events: PublishEventsResult | null): boolean {
  return events !== null && (events.errors.length > 0 || events.failed + events.deadLettered > 0);
}
