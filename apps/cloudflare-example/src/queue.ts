/**
 * The queue consumer: each message body is a job message (`{ jobId }`, sent with
 * `env.JOBS.send({ jobId })`) for `host.handleJob`. Acked when settled (completed, suspended,
 * retrying in the database, failed for good, cancelled, a duplicate, or malformed);
 * `retry()`-ed, after a delay, only when an unexpected error (storage down) stopped it.
 */
import type { Message, MessageBatch } from "./cloudflare.js";
import type { Runtime } from "./runtime.js";

/** Messages handled at once. */
const MESSAGE_CONCURRENCY = 4;

/** Handles one batch, acking or retrying each message. */
export async function handleQueue(runtime: Runtime, batch: MessageBatch): Promise<void> {
  const pending = [...batch.messages];
  const worker = async () => {
    for (let message = pending.shift(); message; message = pending.shift()) {
      await handleMessage(runtime, message, batch.queue);
    }
  };
  await Promise.all(Array.from({ length: MESSAGE_CONCURRENCY }, worker));
}

async function handleMessage(runtime: Runtime, message: Message, queue: string): Promise<void> {
  let body = message.body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      // Text that is not JSON will never parse: report and ack it rather than retry it.
      console.error(
        JSON.stringify({ error: "job message is not JSON; dropped", queue, id: message.id }),
      );
      message.ack();
      return;
    }
  }
  let result: Awaited<ReturnType<Runtime["host"]["handleJob"]>>;
  try {
    result = await runtime.host.handleJob(body);
  } catch (error) {
    // handleJob settles every message; should it throw all the same, only this message retries.
    console.error(JSON.stringify({ error: String(error), queue, id: message.id }));
    message.retry({ delaySeconds: runtime.settings.retryDelaySeconds });
    return;
  }
  if (result.ack) {
    if (result.error?.code === "INVALID_MESSAGE") {
      // Not a job message: it would never succeed, so it is acked, not retried.
      console.error(JSON.stringify({ error: result.error, queue, id: message.id }));
    }
    message.ack();
  } else {
    console.warn(JSON.stringify({ retry: result.error, jobId: result.jobId, id: message.id }));
    message.retry({ delaySeconds: runtime.settings.retryDelaySeconds });
  }
}
