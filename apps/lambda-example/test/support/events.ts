/**
 * AWS event shapes exactly as Lambda delivers them (SQS event source mapping, EventBridge
 * scheduled rule) and a full Lambda `Context`, typed with `@types/aws-lambda`.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Context, ScheduledEvent, SQSEvent, SQSRecord } from "aws-lambda";

/** One SQS record carrying `body`. */
export function sqsRecord(body: string, messageId: string = randomUUID()): SQSRecord {
  const sent = Date.now();
  return {
    messageId,
    receiptHandle: `AQEB${Buffer.from(messageId).toString("base64")}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: String(sent),
      SenderId: "AIDAIENQZJOLO23YVJ4VO",
      ApproximateFirstReceiveTimestamp: String(sent + 2),
    },
    messageAttributes: {},
    md5OfBody: createHash("md5").update(body).digest("hex"),
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:ratchet-jobs",
    awsRegion: "eu-west-1",
  };
}

/** An SQS batch of `records`. */
export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** An EventBridge scheduled rule's event. */
export function scheduledEvent(): ScheduledEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "123456789012",
    time: new Date().toISOString(),
    region: "eu-west-1",
    resources: ["arn:aws:events:eu-west-1:123456789012:rule/ratchet-maintenance"],
    detail: {},
  };
}

/** A full Lambda context whose invocation ends `remainingMs` from now. */
export function lambdaContext(remainingMs: number): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "ratchet-worker",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:ratchet-worker",
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: "/aws/lambda/ratchet-worker",
    logStreamName: "2026/11/22/[$LATEST]0123456789abcdef",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
