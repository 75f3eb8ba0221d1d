/**
 * SQS end to end: a kernel whose `jobPublisher` is `sqsJobPublisher`, on a real store (a
 * SQLite file; PostgreSQL), and two consumers (`consumeSqsJobs`, each with its own serverless
 * host) fed only by what reaches the queue — a local SQS API (fauxqs) through the AWS SDK v3.
 * No maintenance tick, no `processAvailableJobs`: every run completes from messages alone,
 * including a retry published with `DelaySeconds`; every fifth message is sent twice, and
 * each stage still runs exactly once. On a FIFO queue (SQLite file) the retry cannot be delayed
 * by the queue: it arrives early, with `notBefore`, and the consumer hides it until due.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServerlessHost } from "@ratchet/host-serverless";
import { createKernel, createRegistry, type JobPublisher, systemClock } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack, createSqliteStack, type PrismaStack } from "@ratchet/prisma";
import { createPostgresDatabase } from "@ratchet/prisma/testing";
import { describe, expect, it } from "vitest";
import { consumeSqsJobs, type SqsPublishError, sqsJobPublisher } from "../src/index.js";
import { useLocalSqs } from "./support/local-sqs.js";
import { Executions, PIPELINE_STAGES, pipelineWorkflow } from "./support/workflows.js";

const sqs = useLocalSqs();

const stores: Record<string, () => Promise<{ stack: PrismaStack; close: () => Promise<void> }>> = {
  "sqlite file": async () => {
    const dir = mkdtempSync(join(tmpdir(), "ratchet-sqs-e2e-"));
    const stack = await createSqliteStack({ file: join(dir, "ratchet.db") });
    return {
      stack,
      close: async () => {
        await stack.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  postgresql: async () => {
    const db = await createPostgresDatabase("sqs_e2e");
    try {
      const stack = await createPostgresStack({ url: db.url });
      return {
        stack,
        close: async () => {
          await stack.close();
          await db.drop();
        },
      };
    } catch (error) {
      await db.drop();
      throw error;
    }
  },
};

/** Sends every fifth unit of work twice: SQS is at-least-once, so duplicates must be harmless. */
function duplicating(inner: JobPublisher): JobPublisher & { duplicated: number } {
  let seen = 0;
  const publisher = {
    duplicated: 0,
    publish: async (work: Parameters<JobPublisher["publish"]>[0]) => {
      const again = work.filter(() => ++seen % 5 === 0);
      publisher.duplicated += again.length;
      await inner.publish(again.length > 0 ? [...work, ...again] : work);
    },
  };
  return publisher;
}

const RUNS = 30;

const cases: Array<[store: string, queue: "standard" | "fifo"]> = [
  ["sqlite file", "standard"],
  ["postgresql", "standard"],
  ["sqlite file", "fifo"],
];

describe.each(cases)("SQS end to end (%s, %s queue)", (storeName, queueKind) => {
  it(`completes ${RUNS} runs from SQS messages alone; each stage once, duplicates harmless`, async () => {
    const { stack, close } = await (
      stores[storeName] as () => ReturnType<(typeof stores)[string]>
    )();
    const fifo = queueKind === "fifo";
    const queueUrl = await sqs.createQueue({ visibilityTimeout: 30, fifo });
    const stop = new AbortController();
    try {
      const executions = new Executions();
      const errors: SqsPublishError[] = [];
      const sqsPublisher = sqsJobPublisher({
        client: sqs.client,
        queueUrl,
        onError: (e) => errors.push(e),
      });
      const publisher = duplicating(sqsPublisher);
      const kernel = createKernel({
        ...stack,
        clock: stack.clock ?? systemClock,
        eventSink: new CollectingEventSink(),
        registry: createRegistry([pipelineWorkflow(executions)]),
        jobPublisher: publisher,
      });
      const consumers = ["a", "b"].map((workerId) =>
        consumeSqsJobs({
          client: sqs.client,
          queueUrl,
          host: createServerlessHost({ kernel, jobTransport: stack.jobTransport, workerId }),
          concurrency: 4,
          waitTimeSeconds: 2,
          signal: stop.signal,
          log: () => {},
        }),
      );
      const runIds: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const { workflowRunId } = await kernel.dispatch({
          type: "run.create",
          workflowId: "pipeline",
          input: { text: `w${i} x` },
        });
        runIds.push(workflowRunId);
      }
      const deadline = Date.now() + 45_000;
      const done = async () => {
        for (const id of runIds)
          if ((await stack.persistence.getRun(id))?.status !== "COMPLETED") return false;
        return true;
      };
      while (!(await done())) {
        if (Date.now() > deadline)
          throw new Error("runs did not complete from SQS messages in 45 s");
        await new Promise((r) => setTimeout(r, 200));
      }
      stop.abort();
      const stats = await Promise.all(consumers);

      for (const [i, runId] of runIds.entries()) {
        const run = await stack.persistence.getRun(runId);
        expect(run?.output).toEqual({ summary: `2: W${i} X` });
        for (const stage of PIPELINE_STAGES)
          expect(executions.of(runId, stage), `${runId} ${stage}`).toBe(stage === "shout" ? 2 : 1);
      }
      expect(errors).toEqual([]);
      // Both consumers took part, every message received was settled, duplicates included.
      expect(stats.every((s) => s.deleted > 0)).toBe(true);
      const deleted = stats.reduce((n, s) => n + s.deleted, 0);
      const delayed = stats.reduce((n, s) => n + s.delayed, 0);
      expect(publisher.duplicated).toBeGreaterThan(0);
      expect(stats.reduce((n, s) => n + s.errors + s.retried, 0)).toBe(0);
      if (fifo) {
        // SQS dropped the duplicates (same deduplication id); each retry came early, was hidden
        // until due, and then deleted.
        expect(deleted).toBe(sqsPublisher.stats().sent - publisher.duplicated);
        expect(delayed).toBeGreaterThanOrEqual(RUNS);
      } else {
        // Every message SQS accepted, duplicates included, was received and deleted. The queue
        // delayed the retries; only a duplicate can come early (a retry keeps its job id, so a
        // second copy of the first attempt's message finds the job waiting for its retry).
        expect(deleted).toBe(sqsPublisher.stats().sent);
        expect(delayed).toBeLessThanOrEqual(publisher.duplicated);
      }
    } finally {
      stop.abort();
      await sqs.deleteQueue(queueUrl);
      await close();
    }
  });
});
