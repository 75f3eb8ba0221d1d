/**
 * `handleSqsBatch`: the body of a Lambda function behind an SQS event source mapping. Each
 * record's body is a job message (`{"jobId":…}` / `{"pendingRunId":…}`) for
 * `ServerlessHost.handleJob`. It returns the partial batch response (enable
 * `ReportBatchItemFailures` on the mapping): only records listed in `batchItemFailures` come
 * back; Lambda deletes the rest.
 *
 * A record whose work is not due yet (a message that arrived early: work due more than 15
 * minutes later, beyond SQS's longest delay) is deleted: the maintenance tick (the function's
 * schedule) runs the work once due. Reporting it as failed instead would bring it back every
 * visibility timeout and count towards the redrive policy's `maxReceiveCount`.
 *
 * On a FIFO queue (records carry `MessageGroupId`), once a record fails, every later record of
 * its group is reported too, so the group keeps its order, as Lambda expects.
 */
import { InvalidSqsOptionsError } from "./errors.js";
import { mapLimit } from "./map-limit.js";
import { type JobHandler, type SqsLog, settleMessage } from "./settle.js";

/** The part of an SQS record (`SQSRecord` of `@types/aws-lambda`) the handler reads. */
export interface SqsBatchRecord {
  messageId: string;
  body: string;
  attributes?: { MessageGroupId?: string | undefined };
}

/** The part of an SQS event (`SQSEvent` of `@types/aws-lambda`) the handler reads. */
export interface SqsBatchEvent {
  Records: readonly SqsBatchRecord[];
}

/** The partial batch response (`SQSBatchResponse` of `@types/aws-lambda`). */
export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** Options of {@link handleSqsBatch}. */
export interface HandleSqsBatchOptions {
  /** Records handled at once (default 4). */
  concurrency?: number;
  /** Where log lines go (default: one JSON line on stdout / stderr). */
  log?: SqsLog;
}

/** Writes one JSON line per entry, as CloudWatch Logs likes. */
export function jsonLog(entry: Parameters<SqsLog>[0]): void {
  (entry.level === "error" ? console.error : console.log)(JSON.stringify(entry));
}

/**
 * Handles one SQS batch with `host`; returns the records to retry.
 *
 * @example
 * ```ts
 * export const handler = async (event: SQSEvent) => handleSqsBatch(host, event);
 * ```
 */
export async function handleSqsBatch(
  host: JobHandler,
  event: SqsBatchEvent,
  options: HandleSqsBatchOptions = {},
): Promise<SqsBatchResponse> {
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new InvalidSqsOptionsError("concurrency must be a positive integer", "concurrency");
  const log = options.log ?? jsonLog;
  const records = event.Records;
  const retry = await mapLimit(records, concurrency, async (record) => {
    const settled = await settleMessage(host, record.body, record.messageId, log);
    if (settled.action === "delay")
      log({
        level: "info",
        message: "job message came before its work is due; the maintenance tick will run it",
        messageId: record.messageId,
        jobId: settled.result.jobId,
        notBefore: settled.until.toISOString(),
      });
    return settled.action === "retry";
  });
  const failedGroups = new Set<string>();
  const failures: SqsBatchResponse["batchItemFailures"] = [];
  for (const [i, record] of records.entries()) {
    const group = record.attributes?.MessageGroupId;
    const failed = retry[i] === true || (group !== undefined && failedGroups.has(group));
    if (!failed) continue;
    if (group !== undefined) failedGroups.add(group);
    failures.push({ itemIdentifier: record.messageId });
  }
  return { batchItemFailures: failures };
}
