/**
 * The SQS path: each record's body is a job message (`{"jobId":…}` / `{"pendingRunId":…}`)
 * for `handleJob`, settled by `handleSqsBatch` from `@ratchet/sqs`. Uses the partial batch
 * response (enable `ReportBatchItemFailures` on the event source mapping): only records listed
 * in `batchItemFailures` come back; the rest are deleted. Then the events the batch's jobs
 * wrote are published, for up to `publishBudgetMs` (short, so the invocation ends promptly).
 */
import { handleSqsBatch } from "@ratchet/sqs";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { publishEvents } from "./publish.js";
import type { Runtime } from "./runtime.js";

/** Handles one SQS batch, then publishes events; returns the records to retry. */
export async function handleSqsEvent(
  runtime: Runtime,
  event: SQSEvent,
  context?: Pick<Context, "getRemainingTimeInMillis">,
): Promise<SQSBatchResponse> {
  const response = await handleSqsBatch(runtime.host, event, {
    concurrency: runtime.messageConcurrency,
    log: runtime.log,
  });
  // Whatever is left unpublished, the next invocation (or the schedule) publishes.
  const timeLeftMs = context
    ? context.getRemainingTimeInMillis() - runtime.cron.marginMs
    : Number.POSITIVE_INFINITY;
  await publishEvents(runtime, Math.min(runtime.publishBudgetMs, timeLeftMs));
  return response;
}
