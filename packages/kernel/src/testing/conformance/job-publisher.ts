/**
 * `jobPublisherConformance`: the shared test suite every `JobPublisher` (a broker transport:
 * NATS JetStream, SQS, Cloudflare Queues, …) must pass against the real queue. The fixture
 * pairs the publisher with a way to receive what it sent, as the platform's consumer would.
 *
 * @example
 * ```ts
 * jobPublisherConformance({
 *   name: "nats jetstream",
 *   delays: false,
 *   create: async () => {
 *     const stream = await freshStream();
 *     return { publisher: natsJobPublisher({ js, subject }), receive: stream.receive, close: stream.delete };
 *   },
 * });
 * ```
 */
import { describe, expect, it } from "vitest";
import type { JobPublisher, ReadyJob, ReadyWork } from "../../ports/job-publisher.js";
import {
  type ConformanceFixture,
  type ConformanceOptions,
  uniqueId,
  useFixture,
} from "./shared.js";

/** A message as the consumer receives it. */
export interface ReceivedJobMessage {
  /** The message body, parsed from JSON. */
  body: unknown;
  /** Acknowledges it: it must not be delivered again. */
  ack(): Promise<void>;
  /** Hands it back at once (a failed handling): it must be delivered again. */
  retry(): Promise<void>;
}

/** What `jobPublisherConformance` tests. */
export interface JobPublisherFixture extends ConformanceFixture {
  publisher: JobPublisher;
  /**
   * Receives up to `max` messages, waiting at most `waitMs` for the first; an empty list when
   * none came. Received messages stay invisible to later calls until acked or retried.
   */
  receive(max: number, waitMs: number): Promise<ReceivedJobMessage[]>;
}

/** Options of {@link jobPublisherConformance}. */
export interface JobPublisherConformanceOptions extends ConformanceOptions<JobPublisherFixture> {
  /**
   * Whether the queue delays the message of work due later (SQS `DelaySeconds`, Cloudflare
   * `delaySeconds`). Without, the message must arrive at once and carry `notBefore`.
   */
  delays: boolean;
}

function job(availableAt = new Date()): ReadyJob {
  return {
    kind: "job",
    jobId: uniqueId("job"),
    workflowRunId: uniqueId("run"),
    route: "route",
    priority: 0,
    availableAt,
  };
}

/** Receives until `count` messages came or `timeoutMs` passed. */
async function receiveAll(
  fixture: JobPublisherFixture,
  count: number,
  timeoutMs = 10_000,
): Promise<ReceivedJobMessage[]> {
  const got: ReceivedJobMessage[] = [];
  const until = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < until) {
    got.push(...(await fixture.receive(count - got.length, Math.max(100, until - Date.now()))));
  }
  return got;
}

function idOf(message: ReceivedJobMessage): string {
  const body = message.body as { jobId?: unknown; pendingRunId?: unknown };
  return String(body.jobId ?? body.pendingRunId);
}

/**
 * Registers the job publisher conformance tests (vitest): one message per job and per pending
 * run, with the body `ServerlessHost.handleJob` reads; batches larger than one request; nothing
 * for nothing; redelivery of a message not acknowledged, none of one acknowledged; and work due
 * later delayed by the queue or marked `notBefore`. Call it at the top level of a test file.
 */
export function jobPublisherConformance(options: JobPublisherConformanceOptions): void {
  describe(`${options.name}: job publisher conformance`, () => {
    const fixture = useFixture(options);

    it("sends one { jobId } message per ready job, once publish resolves", async () => {
      const jobs = [job(), job(), job()];
      await fixture().publisher.publish(jobs);
      const got = await receiveAll(fixture(), 3);
      expect(got.map((m) => m.body)).toEqual(
        expect.arrayContaining(jobs.map((j) => ({ jobId: j.jobId }))),
      );
      expect(got).toHaveLength(3);
      for (const message of got) await message.ack();
      expect(await fixture().receive(10, 500)).toEqual([]);
    });

    it("sends { pendingRunId } for a run that became PENDING", async () => {
      const run: ReadyWork = {
        kind: "run",
        workflowRunId: uniqueId("run"),
        route: "route",
        priority: 5,
        availableAt: new Date(),
      };
      await fixture().publisher.publish([run]);
      const [message] = await receiveAll(fixture(), 1);
      expect(message?.body).toEqual({ pendingRunId: run.workflowRunId });
      await message?.ack();
    });

    it("sends a batch larger than one request in full (25 jobs)", async () => {
      const jobs = Array.from({ length: 25 }, () => job());
      await fixture().publisher.publish(jobs);
      const got = await receiveAll(fixture(), 25, 20_000);
      expect(new Set(got.map(idOf))).toEqual(new Set(jobs.map((j) => j.jobId)));
      for (const message of got) await message.ack();
    });

    it("sends nothing for an empty list", async () => {
      await fixture().publisher.publish([]);
      expect(await fixture().receive(10, 500)).toEqual([]);
    });

    it("delivers again a message handed back, and not one acknowledged", async () => {
      const kept = job();
      await fixture().publisher.publish([kept, job()]);
      const first = await receiveAll(fixture(), 2);
      expect(first).toHaveLength(2);
      for (const message of first) {
        if (idOf(message) === kept.jobId) await message.retry();
        else await message.ack();
      }
      const again = await receiveAll(fixture(), 1);
      expect(again.map(idOf)).toEqual([kept.jobId]);
      await again[0]?.ack();
      expect(await fixture().receive(10, 1_000)).toEqual([]);
    });

    if (options.delays) {
      it("delays the message of work due later until it is due", async () => {
        const later = job(new Date(Date.now() + 3_000));
        const published = Date.now();
        await fixture().publisher.publish([later]);
        expect(await fixture().receive(1, 1_000)).toEqual([]);
        const [message] = await receiveAll(fixture(), 1, 10_000);
        expect(idOf(message as ReceivedJobMessage)).toBe(later.jobId);
        expect(Date.now() - published).toBeGreaterThanOrEqual(2_000);
        await message?.ack();
      });
    } else {
      it("marks the message of work due later with notBefore", async () => {
        const due = new Date(Date.now() + 60_000);
        const later = job(due);
        await fixture().publisher.publish([later]);
        const [message] = await receiveAll(fixture(), 1);
        expect(message?.body).toEqual({
          jobId: later.jobId,
          notBefore: due.toISOString(),
        });
        await message?.ack();
      });
    }
  });
}
