/**
 * `jobPublisherConformance` against a real SQS API (the fauxqs emulator, through the AWS SDK
 * v3 client): a standard queue, which delays the messages of work due later (`DelaySeconds`),
 * and a FIFO queue, which cannot delay one message, so its body carries `notBefore`.
 */
import { jobPublisherConformance } from "@ratchet/kernel/testing";
import { sqsJobPublisher } from "../src/index.js";
import { useLocalSqs } from "./support/local-sqs.js";

const sqs = useLocalSqs();

for (const fifo of [false, true]) {
  jobPublisherConformance({
    name: fifo ? "sqs (fifo queue)" : "sqs (standard queue)",
    delays: !fifo,
    create: async () => {
      const queueUrl = await sqs.createQueue({ fifo });
      const errors: unknown[] = [];
      return {
        publisher: sqsJobPublisher({
          client: sqs.client,
          queueUrl,
          onError: (error) => errors.push(error),
        }),
        receive: (max, waitMs) => sqs.receive(queueUrl, max, waitMs),
        close: async () => {
          await sqs.deleteQueue(queueUrl);
          if (errors.length > 0) throw new Error(`publisher reported errors: ${String(errors)}`);
        },
      };
    },
  });
}
