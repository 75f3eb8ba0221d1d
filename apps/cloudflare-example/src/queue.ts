/**
 * The queue consumer: each message (`{ jobId }` or `{ pendingRunId }`, as the kernel's
 * `queueJobPublisher` sends them after commit) goes to `host.handleJob` through
 * `handleQueueBatch` of `@ratchet/cloudflare`: acked when settled (completed, suspended,
 * retrying in the database, failed for good, cancelled, a duplicate, or malformed), handed back
 * until due when early, `retry()`-ed after a delay only when an unexpected error (storage
 * down) stopped it. Malformed messages and errors are logged as one JSON line each.
 */
import { handleQueueBatch } from "@ratchet/cloudflare";
import type { MessageBatch } from "./cloudflare.js";
import type { Runtime } from "./runtime.js";

/** Handles one batch, acking or retrying each message. */
export async function handleQueue(runtime: Runtime, batch: MessageBatch): Promise<void> {
  await handleQueueBatch(runtime.host, batch, {
    retryDelaySeconds: runtime.settings.retryDelaySeconds,
    onError: (report) => console.error(JSON.stringify(report)),
  });
}
