/**
 * The SQS path: each record's body is a job message (`{"jobId":…}` / `{"pendingRunId":…}`)
 * for `handleJob`, settled by `handleSqsBatch` from `@ratchet/sqs`. Uses the partial batch
 * response (enable `ReportBatchItemFailures` on the event source mapping): only records listed
 * in `batchItemFailures` come back; the rest are deleted.
 */
import { handleSqsBatch } from "@ratchet/sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { Runtime } from "./runtime.js";

/** Handles one SQS batch; returns the records to retry. */
export function handleSqsEvent(runtime: Runtime, event: SQSEvent): Promise<SQSBatchResponse> {
  return handleSqsBatch(runtime.host, event, {
    concurrency: runtime.messageConcurrency,
    log: runtime.log,
  });
}
