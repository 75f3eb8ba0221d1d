/**
 * A local SQS API for the Lambda tests (fauxqs, an SQS emulator on npm, in-process) and a
 * stand-in for Lambda's SQS event source mapping: it long-polls the queue, hands each batch to
 * the handler as an `SQSEvent`, and deletes the records not listed in `batchItemFailures`.
 * The AWS SDK reads the endpoint from `AWS_ENDPOINT_URL_SQS`, as the deployed handler's
 * client reads the real one from the Lambda environment.
 */
import { createHash } from "node:crypto";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { type FauxqsServer, startFauxqs } from "fauxqs";
import { afterAll, beforeAll } from "vitest";

const ENV = {
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
} as const;

/** The test file's local SQS. */
export interface LocalSqs {
  readonly client: SQSClient;
  /** Creates a queue with a unique name; returns its URL. */
  createQueue(): Promise<string>;
  deleteQueue(url: string): Promise<void>;
  /** Long-polls up to 10 messages (waiting at most `waitSeconds`). */
  receive(url: string, waitSeconds: number): Promise<Message[]>;
}

/** Starts the emulator (and points the AWS SDK at it) for the file's tests. */
export function useLocalSqs(): LocalSqs {
  let server: FauxqsServer | undefined;
  let client: SQSClient | undefined;
  const saved: Record<string, string | undefined> = {};
  let count = 0;
  beforeAll(async () => {
    server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
    for (const [key, value] of Object.entries({ ...ENV, AWS_ENDPOINT_URL_SQS: server.address })) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    client = new SQSClient({ useQueueUrlAsEndpoint: false });
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  const need = () => {
    if (!client) throw new Error("[ratchet] [test] the local SQS is not started");
    return client;
  };
  return {
    get client() {
      return need();
    },
    async createQueue() {
      const name = `ratchet-lambda-${process.pid}-${++count}-${Date.now()}`;
      const { QueueUrl } = await need().send(
        new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "30" } }),
      );
      if (!QueueUrl) throw new Error("[ratchet] [test] CreateQueue returned no URL");
      return QueueUrl;
    },
    async deleteQueue(url) {
      await need().send(new DeleteQueueCommand({ QueueUrl: url }));
    },
    async receive(url, waitSeconds) {
      const output = await need().send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ["All"],
        }),
      );
      return output.Messages ?? [];
    },
  };
}

/** The SQS event Lambda builds from received messages. */
export function toSqsEvent(messages: readonly Message[], queueUrl: string): SQSEvent {
  const name = queueUrl.split("/").pop() ?? "queue";
  return {
    Records: messages.map(
      (m): SQSRecord => ({
        messageId: m.MessageId ?? "",
        receiptHandle: m.ReceiptHandle ?? "",
        body: m.Body ?? "",
        attributes: {
          ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1",
          SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
          SenderId: m.Attributes?.SenderId ?? "AIDAIENQZJOLO23YVJ4VO",
          ApproximateFirstReceiveTimestamp:
            m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody:
          m.MD5OfBody ??
          createHash("md5")
            .update(m.Body ?? "")
            .digest("hex"),
        eventSource: "aws:sqs",
        eventSourceARN: `arn:aws:sqs:${ENV.AWS_REGION}:000000000000:${name}`,
        awsRegion: ENV.AWS_REGION,
      }),
    ),
  };
}

/**
 * Lambda's event source mapping, in miniature: until `signal` aborts, long-polls `queueUrl`,
 * invokes `handler` with each batch, and deletes the records it did not report as failed.
 * Resolves with the number of batches it delivered.
 */
export async function pollIntoHandler(options: {
  sqs: LocalSqs;
  queueUrl: string;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  signal: AbortSignal;
}): Promise<number> {
  const { sqs, queueUrl, handler, signal } = options;
  let batches = 0;
  while (!signal.aborted) {
    const messages = await sqs.receive(queueUrl, 1);
    if (messages.length === 0) continue;
    batches++;
    const { batchItemFailures } = await handler(toSqsEvent(messages, queueUrl));
    const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
    for (const m of messages) {
      if (failed.has(m.MessageId ?? "")) continue;
      await sqs.client.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }),
      );
    }
  }
  return batches;
}
