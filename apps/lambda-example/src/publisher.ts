/**
 * After-commit publishing for the Lambda: when `RATCHET_JOB_QUEUE_URL` is set (the template
 * sets it to the job queue), the kernel sends a wake-up message to SQS after each commit, so
 * the function's SQS trigger runs a new run's first stage (and every next stage) at once
 * instead of at the next scheduled tick. Unset, the schedule alone drives the work.
 *
 * The client takes its region and credentials from the Lambda environment; another endpoint
 * (a VPC endpoint, a local emulator in tests) is set with the AWS SDK's own
 * `AWS_ENDPOINT_URL_SQS` (or `AWS_ENDPOINT_URL`), and then wins over the queue URL's host.
 * Needs `sqs:SendMessage` on the queue.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import type { JobPublisher } from "@ratchet/kernel";
import { type SqsLog, sqsJobPublisher } from "@ratchet/sqs";

/** The environment variable naming the job queue's URL. */
export const JOB_QUEUE_URL_ENV = "RATCHET_JOB_QUEUE_URL";

/**
 * The SQS job publisher `env` asks for, or `undefined` when `RATCHET_JOB_QUEUE_URL` is unset.
 * Messages that cannot be sent are logged (the maintenance tick still runs their work).
 */
export function jobPublisherFromEnv(
  log: SqsLog,
  env: Readonly<Record<string, string | undefined>> = process.env,
): JobPublisher | undefined {
  const queueUrl = env[JOB_QUEUE_URL_ENV]?.trim();
  if (!queueUrl) return undefined;
  // With an endpoint configured, send there rather than to the queue URL's host (the SDK's
  // default only yields to an endpoint passed in code).
  const endpointSet = Boolean(env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL);
  const client = new SQSClient({
    // The kernel awaits the publish before the command returns: an SQS endpoint that does not
    // answer (a function in a VPC without an SQS endpoint or NAT) must not hold the invocation
    // until its timeout. Two attempts of at most 3 s; the tick recovers what was not sent.
    // (Without throwOnRequestTimeout the SDK only warns when requestTimeout passes.)
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: 1_000,
      requestTimeout: 3_000,
      throwOnRequestTimeout: true,
    },
    ...(endpointSet ? { useQueueUrlAsEndpoint: false } : {}),
  });
  return sqsJobPublisher({
    client,
    queueUrl,
    onError: (error) =>
      log({
        level: "error",
        message: "job messages not sent; the scheduled tick will run their work",
        code: error.code,
        sqsCode: error.sqsCode,
        count: error.work.length,
        error: error.message,
      }),
  });
}
