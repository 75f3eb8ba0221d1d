/**
 * `consumeSqsJobs` against a real SQS API (fauxqs, through the AWS SDK v3 client), with a
 * scripted host: a handled message is deleted, one whose handling failed is handed back at
 * once and redelivered, one not due yet is hidden until it is due, at most `concurrency` run
 * at once, and aborting stops a long poll in flight. A recording fake covers SQS failures.
 */
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { HandleJobResult } from "@ratchet/host-serverless";
import { describe, expect, it } from "vitest";
import { consumeSqsJobs, type SqsConsumeError } from "../src/index.js";
import { answerByJobId, scriptedHost } from "./support/hosts.js";
import { useLocalSqs } from "./support/local-sqs.js";
import { recordingClient } from "./support/recording-client.js";

const sqs = useLocalSqs();

/** The real client, with every command's name recorded. */
function recorded(client: SQSClient) {
  const names: string[] = [];
  const inputs: Array<Record<string, unknown>> = [];
  const send = ((
    command: { constructor: { name: string }; input: Record<string, unknown> },
    options?: unknown,
  ) => {
    names.push(command.constructor.name);
    inputs.push(command.input);
    return (client.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
  }) as SQSClient["send"];
  return { client: { send }, names, inputs };
}

async function sendJobs(queueUrl: string, jobIds: string[]): Promise<void> {
  for (let i = 0; i < jobIds.length; i += 10) {
    await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: jobIds.slice(i, i + 10).map((jobId, n) => ({
          Id: `e${n}`,
          MessageBody: JSON.stringify({ jobId }),
        })),
      }),
    );
  }
}

/** Resolves once `condition()` holds (checked every 20 ms), or fails after `ms`. */
async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("consumeSqsJobs (local SQS)", () => {
  it("deletes handled messages, redelivers a failed one at once, hides an early one until due", async () => {
    const queueUrl = await sqs.createQueue({ visibilityTimeout: 30 });
    const attempts = new Map<string, number>();
    const host = scriptedHost((message): HandleJobResult => {
      const jobId = String((message as { jobId: string }).jobId);
      const n = (attempts.get(jobId) ?? 0) + 1;
      attempts.set(jobId, n);
      // down-1 fails once (the database was down), then runs.
      if (jobId === "down-1" && n > 1) return { outcome: "completed", ack: true, jobId };
      return answerByJobId(message);
    });
    const client = recorded(sqs.client);
    const stop = new AbortController();
    const consuming = consumeSqsJobs({
      client: client.client,
      queueUrl,
      host,
      concurrency: 2,
      waitTimeSeconds: 1,
      signal: stop.signal,
      log: () => {},
    });
    await sendJobs(queueUrl, ["ok-1", "ok-2", "down-1", "early-1", "ok-3"]);
    await until(() => attempts.get("down-1") === 2 && host.handled.length === 6);
    stop.abort();
    const stats = await consuming;

    expect(Object.fromEntries(attempts)).toEqual({
      "ok-1": 1,
      "ok-2": 1,
      "ok-3": 1,
      "down-1": 2,
      "early-1": 1,
    });
    expect(stats).toEqual({ received: 6, deleted: 4, delayed: 1, retried: 1, errors: 0 });
    const visibility = client.inputs
      .filter((_, i) => client.names[i] === "ChangeMessageVisibilityCommand")
      .map((input) => input.VisibilityTimeout as number)
      .sort((a, b) => a - b);
    // The failed one: at once; the early one: until due (90 s from handling).
    expect(visibility[0]).toBe(0);
    expect(visibility[1]).toBeGreaterThanOrEqual(89);
    expect(visibility[1]).toBeLessThanOrEqual(90);
    // Nothing is left to deliver now: the early message is hidden, the rest deleted.
    expect(await sqs.receive(queueUrl, 10, 500)).toEqual([]);
    await sqs.deleteQueue(queueUrl);
  });

  it("handles at most `concurrency` messages at once and drains 30 of them", async () => {
    const queueUrl = await sqs.createQueue();
    let running = 0;
    let most = 0;
    const host = scriptedHost(async (message) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 15));
      running--;
      return answerByJobId(message);
    });
    const stop = new AbortController();
    const consuming = consumeSqsJobs({
      client: sqs.client,
      queueUrl,
      host,
      concurrency: 3,
      waitTimeSeconds: 1,
      signal: stop.signal,
    });
    await sendJobs(
      queueUrl,
      Array.from({ length: 30 }, (_, i) => `ok-${i}`),
    );
    await until(() => host.handled.length === 30);
    stop.abort();
    const stats = await consuming;
    expect(most).toBe(3);
    expect(stats.deleted).toBe(30);
    expect(new Set(host.handled.map((m) => (m as { jobId: string }).jobId)).size).toBe(30);
    await sqs.deleteQueue(queueUrl);
  });

  it("stops a 20-second long poll at once when aborted", async () => {
    const queueUrl = await sqs.createQueue();
    const stop = new AbortController();
    const consuming = consumeSqsJobs({
      client: sqs.client,
      queueUrl,
      host: scriptedHost(answerByJobId),
      waitTimeSeconds: 20,
      signal: stop.signal,
    });
    await new Promise((r) => setTimeout(r, 300));
    const aborted = Date.now();
    stop.abort();
    await expect(consuming).resolves.toMatchObject({ received: 0, errors: 0 });
    expect(Date.now() - aborted).toBeLessThan(2_000);
    await sqs.deleteQueue(queueUrl);
  });
});

describe("consumeSqsJobs (recording fake)", () => {
  it("reports a failed receive and goes on; caps a far notBefore at 12 hours", async () => {
    const errors: SqsConsumeError[] = [];
    const stop = new AbortController();
    const fake = recordingClient((command, index) => {
      if (command.name !== "ReceiveMessageCommand") return {};
      if (index === 0)
        throw Object.assign(new Error("connection refused"), { name: "NetworkingError" });
      if (index === 1)
        return { Messages: [{ MessageId: "m", ReceiptHandle: "rh", Body: '{"jobId":"far"}' }] };
      stop.abort();
      return { Messages: [] };
    });
    const host = scriptedHost(() => ({
      outcome: "skipped",
      ack: true,
      jobId: "far",
      notBefore: new Date(Date.now() + 3 * 86_400_000),
    }));
    const stats = await consumeSqsJobs({
      client: fake.client,
      queueUrl: "https://sqs.eu-west-1.amazonaws.com/1/q",
      host,
      signal: stop.signal,
      onError: (e) => errors.push(e),
    });
    expect(errors.map((e) => [e.code, e.operation])).toEqual([
      ["CONSUME_FAILED", "ReceiveMessage"],
    ]);
    expect(fake.of("ChangeMessageVisibilityCommand").map((c) => c.input)).toEqual([
      {
        QueueUrl: "https://sqs.eu-west-1.amazonaws.com/1/q",
        ReceiptHandle: "rh",
        VisibilityTimeout: 43_200,
      },
    ]);
    expect(fake.of("DeleteMessageCommand")).toEqual([]);
    expect(stats).toMatchObject({ received: 1, delayed: 1, errors: 1 });
  });

  it.each([
    [{ concurrency: 0 }, "concurrency"],
    [{ waitTimeSeconds: 21 }, "waitTimeSeconds"],
    [{ visibilityTimeout: 43_201 }, "visibilityTimeout"],
    [{ signal: undefined }, "signal"],
  ])("refuses %j (field %s)", async (bad, field) => {
    const options = {
      client: recordingClient(() => ({})).client,
      queueUrl: "https://sqs.eu-west-1.amazonaws.com/1/q",
      host: scriptedHost(answerByJobId),
      signal: new AbortController().signal,
      ...bad,
    };
    await expect(consumeSqsJobs(options as never)).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
      field,
    });
  });
});
