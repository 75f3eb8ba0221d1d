/**
 * Recognises the two events the handler accepts: an SQS batch and an EventBridge schedule.
 */
import type { ScheduledEvent, SQSEvent } from "aws-lambda";

/** An SQS event source mapping's batch. */
export function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.every((r) => (r as { eventSource?: unknown } | null)?.eventSource === "aws:sqs")
  );
}

/** An EventBridge (CloudWatch Events) scheduled rule's event. */
export function isScheduledEvent(event: unknown): event is ScheduledEvent {
  const e = event as { source?: unknown; "detail-type"?: unknown } | null;
  return e?.source === "aws.events" && e["detail-type"] === "Scheduled Event";
}
