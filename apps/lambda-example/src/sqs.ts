/**
 * The SQS path: each record's body is a JSON job message (`{"jobId":"…"}`) for `handleJob`.
 * Uses the partial batch response (enable `ReportBatchItemFailures` on the event source
 * mapping): only records listed in `batchItemFailures` come back; the rest are deleted.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { mapLimit } from "./map-limit.js";
import type { Runtime } from "./runtime.js";

/** Handles one SQS batch; returns the records to retry. */
export async function handleSqsEvent(runtime: Runtime, event: SQSEvent): Promise<SQSBatchResponse> {
  const results = await mapLimit(event.Records, runtime.messageConcurrency, (record) =>
    handleRecord(runtime, record),
  );
  return {
    batchItemFailures: event.Records.filter((_, i) => results[i] === "retry").map((record) => ({
      itemIdentifier: record.messageId,
    })),
  };
}

async function handleRecord(runtime: Runtime, record: SQSRecord): Promise<"ack" | "retry"> {
  let message: unknown;
  try {
    message = JSON.parse(record.body);
  } catch {
    // A body that is not JSON will never parse: report it and ack it (retrying would only
    // bounce it until the redrive policy moves it to the dead-letter queue).
    runtime.log({
      level: "error",
      message: "job message is not JSON; dropped",
      messageId: record.messageId,
      body: record.body.slice(0, 200),
    });
    return "ack";
  }
  let result: Awaited<ReturnType<Runtime["host"]["handleJob"]>>;
  try {
    result = await runtime.host.handleJob(message);
  } catch (error) {
    // handleJob settles every message; should it throw all the same, only this record retries.
    runtime.log({
      level: "error",
      message: "handling the job message threw; it will be retried",
      messageId: record.messageId,
      error: String(error),
    });
    return "retry";
  }
  if (result.error?.code === "INVALID_MESSAGE") {
    // Same for a well-formed JSON body that is not a job message: it would never succeed.
    runtime.log({
      level: "error",
      message: "invalid job message; dropped",
      messageId: record.messageId,
      error: result.error,
    });
  } else if (!result.ack) {
    runtime.log({
      level: "warn",
      message: "job message will be retried",
      messageId: record.messageId,
      jobId: result.jobId,
      error: result.error,
    });
  }
  return result.ack ? "ack" : "retry";
}
