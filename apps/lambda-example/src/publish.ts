/**
 * Publishing outbox events at the end of an invocation. The maintenance tick publishes one
 * flush (`maxOutboxFlushPerTick`, 400 events by default) a minute; without this, events — and
 * a child's end, which its parent learns of from the published event — would wait for the
 * schedule, and under load fall further behind each minute. `host.publishEvents` flushes until the outbox is drained or the
 * budget is spent, and never throws: what failed is logged here.
 */
import type { PublishEventsResult } from "@ratchet/host-serverless";
import type { Runtime } from "./runtime.js";

/** Publishes outbox events for up to `timeBudgetMs`; `null` when there is no time for it. */
export async function publishEvents(
  runtime: Runtime,
  timeBudgetMs: number,
): Promise<PublishEventsResult | null> {
  if (timeBudgetMs <= 0) return null;
  const events = await runtime.host.publishEvents({ timeBudgetMs });
  for (const error of events.errors) {
    runtime.log({
      level: "warn",
      message: "publishing events failed",
      code: error.code,
      detail: error.message,
    });
  }
  if (events.failed + events.deadLettered > 0) {
    runtime.log({
      level: "warn",
      message: "the event sink rejected events (retried later)",
      failed: events.failed,
      deadLettered: events.deadLettered,
    });
  }
  return events;
}
