/**
 * The queue consumer: each message (`{ jobId }` or `{ pendingRunId }`, as the kernel's
 * `queueJobPublisher` sends them after commit) goes to `host.handleJob` through
 * `handleQueueBatch` of `@ratchet/cloudflare`: acked when settled (completed, suspended,
 * retrying in the database, failed for good, cancelled, a duplicate, or malformed), handed back
 * until due when early, `retry()`-ed after a delay only when an unexpected error (storage
 * down) stopped it. Malformed messages and errors are logged as one JSON line each. Then the
 * events the batch's jobs wrote are published, for up to `RATCHET_PUBLISH_BUDGET_MS` (1 s).
 */
import { handleQueueBatch } from "@ratchet/cloudflare";
import type { MessageBatch } from "./cloudflare.js";
import { publishEvents, publishFailed } from "./publish.js";
import type { Runtime } from "./runtime.js";

/** Handles one batch, acking or retrying each message, then publishes events. */
export async function handleQueue(runtime: Runtime, batch: MessageBatch): Promise<void> {
  await handleQueueBatch(runtime.host, batch, {
    retryDelaySeconds: runtime.settings.retryDelaySeconds,
    onError: (report) => console.error(JSON.stringify(report)),
  });
  // Whatever is left unpublished, the next batch (or the cron tick) publishes.
  const events = await publishEvents(runtime, runtime.settings.publishBudgetMs);
  if (publishFailed(events)) console.warn(JSON.stringify({ queue: batch.queue, events }));
}
