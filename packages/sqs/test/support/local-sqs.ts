/**
 * A local SQS-compatible endpoint for tests: fauxqs (an SQS emulator on npm, in-process here),
 * spoken to by the real AWS SDK v3 `SQSClient`. Each test file gets one server; each test a
 * fresh queue (created and deleted through the SQS API), so tests never see each other's
 * messages. Nothing here skips: if the emulator cannot start, the tests fail.
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { ReceivedJobMessage } from "@ratchet/kernel/testing";
import { type FauxqsServer, startFauxqs } from "fauxqs";
import { afterAll, beforeAll } from "vitest";

/** An SQS client for `endpoint` with dummy credentials (the emulator checks none). */
export function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
}

/** The test file's local SQS. */
export interface LocalSqs {
  readonly endpoint: string;
  readonly client: SQSClient;
  /** Creates a queue with a unique name (`.fifo` when `fifo`); returns its URL. */
  createQueue(options?: { fifo?: boolean; visibilityTimeout?: number }): Promise<string>;
  deleteQueue(url: string): Promise<void>;
  /** What a consumer receives from `url`: up to `max` messages, waiting at most `waitMs`. */
  receive(url: string, max: number, waitMs: number): Promise<ReceivedJobMessage[]>;
}

/** Starts the emulator before the file's tests and stops it after. */
export function useLocalSqs(): LocalSqs {
  let server: FauxqsServer | undefined;
  let client: SQSClient | undefined;
  let count = 0;
  beforeAll(async () => {
    server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
    client = sqsClient(server.address);
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });
  const need = () => {
    if (!client || !server) throw new Error("[ratchet] [test] the local SQS is not started");
    return { client, server };
  };
  const local: LocalSqs = {
    get endpoint() {
      return need().server.address;
    },
    get client() {
      return need().client;
    },
    async createQueue(options = {}) {
      const name = `ratchet-${process.pid}-${++count}-${Date.now()}${options.fifo ? ".fifo" : ""}`;
      const attributes: Record<string, string> = {
        VisibilityTimeout: String(options.visibilityTimeout ?? 30),
      };
      if (options.fifo) attributes.FifoQueue = "true";
      const { QueueUrl } = await need().client.send(
        new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
      );
      if (!QueueUrl) throw new Error("[ratchet] [test] CreateQueue returned no URL");
      return QueueUrl;
    },
    async deleteQueue(url) {
      await need().client.send(new DeleteQueueCommand({ QueueUrl: url }));
    },
    async receive(url, max, waitMs) {
      const { client } = need();
      const until = Date.now() + waitMs;
      for (;;) {
        const remaining = until - Date.now();
        const output = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
            WaitTimeSeconds: Math.min(20, Math.max(0, Math.floor(remaining / 1000))),
          }),
        );
        const messages = output.Messages ?? [];
        if (messages.length > 0 || Date.now() >= until) {
          return messages.map((message) => ({
            body: JSON.parse(message.Body ?? "null") as unknown,
            ack: async () => {
              await client.send(
                new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }),
              );
            },
            retry: async () => {
              await client.send(
                new ChangeMessageVisibilityCommand({
                  QueueUrl: url,
                  ReceiptHandle: message.ReceiptHandle,
                  VisibilityTimeout: 0,
                }),
              );
            },
          }));
        }
        // Under a second left: SQS waits in whole seconds, so poll a little.
        if (until - Date.now() < 1000) await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  return local;
}
