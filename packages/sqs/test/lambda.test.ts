/**
 * `handleSqsBatch`, the Lambda side: which records come back in `batchItemFailures` (only
 * those whose handling failed unexpectedly, plus the rest of a failed FIFO group), what is
 * dropped with a log line, and that it accepts `@types/aws-lambda`'s `SQSEvent` as it is.
 */
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { handleSqsBatch, type SqsLogEntry } from "../src/index.js";
import { answerByJobId, scriptedHost } from "./support/hosts.js";

function record(body: string, messageId: string, group?: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "1764583200000",
      SenderId: "AIDAIENQZJOLO23YVJ4VO",
      ApproximateFirstReceiveTimestamp: "1764583200002",
      ...(group === undefined ? {} : { MessageGroupId: group, MessageDeduplicationId: messageId }),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:ratchet-jobs",
    awsRegion: "eu-west-1",
  };
}

const job = (jobId: string) => JSON.stringify({ jobId });

describe("handleSqsBatch", () => {
  it("hands each body to handleJob and reports only the records to retry", async () => {
    const host = scriptedHost(answerByJobId);
    const logs: SqsLogEntry[] = [];
    const event: SQSEvent = {
      Records: [
        record(job("ok-1"), "a"),
        record(job("down-1"), "b"),
        record(job("ok-2"), "c"),
        record(job("throw-1"), "d"),
        record(job("early-1"), "e"),
      ],
    };
    const response = await handleSqsBatch(host, event, { log: (e) => logs.push(e) });
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: "b" }, { itemIdentifier: "d" }],
    });
    expect(host.handled).toHaveLength(5);
    expect(logs.map((l) => [l.level, l.messageId])).toEqual(
      expect.arrayContaining([
        ["warn", "b"],
        ["error", "d"],
        ["info", "e"],
      ]),
    );
  });

  it("drops (acks) a body that is not JSON or not a job message, with an error log", async () => {
    const host = scriptedHost(answerByJobId);
    const logs: SqsLogEntry[] = [];
    const response = await handleSqsBatch(
      host,
      { Records: [record("not json", "x"), record("{}", "y")] },
      { log: (e) => logs.push(e) },
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(host.handled).toEqual([{}]);
    expect(logs.map((l) => [l.level, l.message, l.messageId])).toEqual([
      ["error", "job message is not JSON; dropped", "x"],
      ["error", "invalid job message; dropped", "y"],
    ]);
  });

  it("on a FIFO queue, also reports the records after a failure in the same group", async () => {
    const host = scriptedHost(answerByJobId);
    const response = await handleSqsBatch(
      host,
      {
        Records: [
          record(job("ok-1"), "g1-a", "g1"),
          record(job("down-1"), "g1-b", "g1"),
          record(job("ok-2"), "g1-c", "g1"),
          record(job("ok-3"), "g2-a", "g2"),
        ],
      },
      { log: () => {} },
    );
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["g1-b", "g1-c"]);
  });

  it("handles at most `concurrency` records at once", async () => {
    let running = 0;
    let most = 0;
    const host = scriptedHost(async (message) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return answerByJobId(message);
    });
    const records = Array.from({ length: 9 }, (_, i) => record(job(`ok-${i}`), `m${i}`));
    await handleSqsBatch(host, { Records: records }, { concurrency: 3, log: () => {} });
    expect(most).toBe(3);
    await expect(handleSqsBatch(host, { Records: [] }, { concurrency: 0 })).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
      field: "concurrency",
    });
  });
});
