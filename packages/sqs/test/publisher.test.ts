/**
 * `sqsJobPublisher` against a recording fake of `SQSClient.send`: the message shapes, the
 * batching in requests of 10, the retry of only the entries SQS reports as failed by its own
 * fault, the reporting of the rest, FIFO attributes, and options refused at construction.
 */
import type { ReadyWork } from "@ratchet/kernel";
import { describe, expect, it } from "vitest";
import { type SqsPublishError, sqsJobPublisher } from "../src/index.js";
import { acceptAll, recordingClient } from "./support/recording-client.js";

const QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/ratchet-jobs";
const NOW = new Date("2026-12-01T10:00:00.000Z");

function job(n: number, availableAt = NOW): ReadyWork {
  return {
    kind: "job",
    jobId: `job-${n}`,
    workflowRunId: `run-${n % 3}`,
    route: "r",
    priority: 0,
    availableAt,
  };
}

type Entry = {
  Id: string;
  MessageBody: string;
  DelaySeconds?: number;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
};
const entriesOf = (input: Record<string, unknown>) => input.Entries as Entry[];

describe("sqsJobPublisher: message shapes and batching", () => {
  it("sends 25 jobs as SendMessageBatch requests of 10, 10 and 5, one { jobId } body each", async () => {
    const fake = recordingClient(acceptAll);
    const publisher = sqsJobPublisher({ client: fake.client, queueUrl: QUEUE, now: () => NOW });
    const jobs = Array.from({ length: 25 }, (_, i) => job(i));
    await publisher.publish(jobs);

    expect(fake.commands.map((c) => c.name)).toEqual(Array(3).fill("SendMessageBatchCommand"));
    expect(fake.commands.map((c) => entriesOf(c.input).length).sort()).toEqual([10, 10, 5]);
    for (const command of fake.commands) expect(command.input.QueueUrl).toBe(QUEUE);
    const entries = fake.commands.flatMap((c) => entriesOf(c.input));
    expect(entries.map((e) => JSON.parse(e.MessageBody))).toEqual(
      jobs.map((j) => ({ jobId: (j as { jobId: string }).jobId })),
    );
    // Ids are unique within each request, and nothing due now is delayed.
    for (const command of fake.commands) {
      const ids = entriesOf(command.input).map((e) => e.Id);
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(entries.every((e) => e.DelaySeconds === undefined)).toBe(true);
    expect(publisher.stats()).toEqual({ sent: 25, retried: 0, failed: 0, requests: 3 });
  });

  it("sends { pendingRunId } for a pending run, and delays work due later (capped at 900 s)", async () => {
    const fake = recordingClient(acceptAll);
    const publisher = sqsJobPublisher({ client: fake.client, queueUrl: QUEUE, now: () => NOW });
    const inTwoAndABit = new Date(NOW.getTime() + 2_100);
    const inAnHour = new Date(NOW.getTime() + 3_600_000);
    await publisher.publish([
      { kind: "run", workflowRunId: "run-9", route: "r", priority: 1, availableAt: NOW },
      job(1, inTwoAndABit),
      job(2, inAnHour),
    ]);
    const [run, soon, late] = entriesOf(fake.commands[0]?.input ?? {});
    expect(JSON.parse(run?.MessageBody ?? "")).toEqual({ pendingRunId: "run-9" });
    expect(run?.DelaySeconds).toBeUndefined();
    expect(JSON.parse(soon?.MessageBody ?? "")).toEqual({
      jobId: "job-1",
      notBefore: inTwoAndABit.toISOString(),
    });
    expect(soon?.DelaySeconds).toBe(3);
    expect(late?.DelaySeconds).toBe(900);
    expect(JSON.parse(late?.MessageBody ?? "").notBefore).toBe(inAnHour.toISOString());
  });

  it("sends nothing for an empty list", async () => {
    const fake = recordingClient(acceptAll);
    await sqsJobPublisher({ client: fake.client, queueUrl: QUEUE }).publish([]);
    expect(fake.commands).toEqual([]);
  });

  it("on a FIFO queue: group by run, deduplicate by work and due time, no per-message delay", async () => {
    const fake = recordingClient(acceptAll);
    const fifo = `${QUEUE}.fifo`;
    const publisher = sqsJobPublisher({ client: fake.client, queueUrl: fifo, now: () => NOW });
    const later = new Date(NOW.getTime() + 60_000);
    await publisher.publish([
      job(1),
      job(1, later),
      { kind: "run", workflowRunId: "run-7", route: "r", priority: 0, availableAt: NOW },
    ]);
    const [now, retry, run] = entriesOf(fake.commands[0]?.input ?? {});
    expect(now).toMatchObject({ MessageGroupId: "run-1" });
    expect(run).toMatchObject({ MessageGroupId: "run-7" });
    expect(retry?.DelaySeconds).toBeUndefined();
    expect(JSON.parse(retry?.MessageBody ?? "").notBefore).toBe(later.toISOString());
    const ids = [now, retry, run].map((e) => e?.MessageDeduplicationId);
    expect(new Set(ids).size).toBe(3);
    // The same work due at the same time is the same message (SQS drops the duplicate).
    await publisher.publish([job(1)]);
    expect(entriesOf(fake.commands[1]?.input ?? {})[0]?.MessageDeduplicationId).toBe(ids[0]);
  });
});

describe("sqsJobPublisher: failures", () => {
  it("retries only the entries SQS failed by its own fault; reports the sender's faults", async () => {
    const errors: SqsPublishError[] = [];
    // First request: m1 throttled (retried), m2 refused as the sender's fault (reported).
    // Second request (m1 alone): fails again. Third: m1 goes through.
    const fake = recordingClient((command, index) => {
      const entries = entriesOf(command.input);
      if (index === 0)
        return {
          Successful: entries.filter((e) => e.Id === "m0").map((e) => ({ Id: e.Id })),
          Failed: [
            { Id: "m1", SenderFault: false, Code: "ThrottlingException" },
            { Id: "m2", SenderFault: true, Code: "InvalidParameterValue" },
          ],
        };
      if (index === 1)
        return {
          Successful: [],
          Failed: [{ Id: "m1", SenderFault: false, Code: "InternalError" }],
        };
      return acceptAll(command);
    });
    const publisher = sqsJobPublisher({
      client: fake.client,
      queueUrl: QUEUE,
      onError: (e) => errors.push(e),
    });
    await publisher.publish([job(0), job(1), job(2)]);

    expect(fake.commands.map((c) => entriesOf(c.input).map((e) => e.Id))).toEqual([
      ["m0", "m1", "m2"],
      ["m1"],
      ["m1"],
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe("PUBLISH_FAILED");
    expect(errors[0]?.sqsCode).toBe("InvalidParameterValue");
    expect(errors[0]?.work.map((w) => (w as { jobId: string }).jobId)).toEqual(["job-2"]);
    expect(publisher.stats()).toEqual({ sent: 2, retried: 2, failed: 1, requests: 3 });
  });

  it("gives up on an entry after `retries` and reports it", async () => {
    const errors: SqsPublishError[] = [];
    const fake = recordingClient((command) => ({
      Successful: [],
      Failed: entriesOf(command.input).map((e) => ({
        Id: e.Id,
        SenderFault: false,
        Code: "ServiceUnavailable",
      })),
    }));
    const publisher = sqsJobPublisher({
      client: fake.client,
      queueUrl: QUEUE,
      retries: 1,
      onError: (e) => errors.push(e),
    });
    await publisher.publish([job(0), job(1)]);
    expect(fake.commands).toHaveLength(2);
    expect(errors.map((e) => [e.sqsCode, e.work.length])).toEqual([["ServiceUnavailable", 2]]);
    expect(errors[0]?.message).toMatch(/after 1 retry/);
  });

  it("never rejects: a request that throws is reported, other chunks still go", async () => {
    const errors: SqsPublishError[] = [];
    const fake = recordingClient((command, index) => {
      if (index === 0) throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
      return acceptAll(command);
    });
    const publisher = sqsJobPublisher({
      client: fake.client,
      queueUrl: QUEUE,
      onError: (e) => {
        errors.push(e);
        throw new Error("a broken onError changes nothing");
      },
    });
    await expect(
      publisher.publish(Array.from({ length: 12 }, (_, i) => job(i))),
    ).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.sqsCode).toBe("TimeoutError");
    expect(errors[0]?.work).toHaveLength(10);
    expect(errors[0]?.cause).toBeInstanceOf(Error);
    expect(publisher.stats()).toMatchObject({ sent: 2, failed: 10, requests: 2 });
  });
});

describe("sqsJobPublisher: options", () => {
  const fake = recordingClient(acceptAll);
  it.each([
    [{ client: {}, queueUrl: QUEUE }, "client"],
    [{ client: fake.client, queueUrl: "ratchet-jobs" }, "queueUrl"],
    [{ client: fake.client, queueUrl: QUEUE, retries: -1 }, "retries"],
    [{ client: fake.client, queueUrl: QUEUE, retries: 1.5 }, "retries"],
  ])("refuses %j at construction (field %s)", (options, field) => {
    expect(() => sqsJobPublisher(options as never)).toThrow(
      expect.objectContaining({ code: "INVALID_OPTIONS", field }),
    );
  });
});
