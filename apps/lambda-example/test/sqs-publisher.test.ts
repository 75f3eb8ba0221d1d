/**
 * The Lambda-style path with after-commit publishing: a runtime built with the SQS publisher
 * that `RATCHET_JOB_QUEUE_URL` asks for (against a local SQS API, fauxqs). A run created
 * through the runtime's kernel publishes a message; handed to the Lambda `handler` as an SQS
 * event, it runs the first stage at once — no scheduled event — and the messages each stage's
 * commit publishes carry the run to its end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStack, type PrismaStack } from "@ratchet/prisma";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getRuntime, handler, setRuntimeFactory } from "../src/handler.js";
import { JOB_QUEUE_URL_ENV, jobPublisherFromEnv } from "../src/publisher.js";
import { createRuntime, type LogEntry } from "../src/runtime.js";
import { pollIntoHandler, toSqsEvent, useLocalSqs } from "./support/local-sqs.js";

const sqs = useLocalSqs();

let dir = "";
let stack: PrismaStack;
let queueUrl = "";
const logs: LogEntry[] = [];

/** Builds the container's runtime as production does: the publisher comes from the environment. */
async function useRuntime(env: Record<string, string | undefined>): Promise<void> {
  await setRuntimeFactory(async () => {
    const log = (entry: LogEntry) => logs.push(entry);
    const jobPublisher = jobPublisherFromEnv(log, { ...process.env, ...env });
    return createRuntime({
      ports: stack,
      workerId: "test-lambda",
      log,
      eventSink: { emit: async () => {} },
      ...(jobPublisher ? { jobPublisher } : {}),
    });
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "ratchet-lambda-sqs-"));
  stack = await createSqliteStack({ file: join(dir, "ratchet.db") });
  queueUrl = await sqs.createQueue();
  logs.length = 0;
});

afterEach(async () => {
  await setRuntimeFactory(async () => {
    throw new Error("no runtime between tests");
  });
  await sqs.deleteQueue(queueUrl);
  await stack.close();
  rmSync(dir, { recursive: true, force: true });
});

const order = (orderId: string) => ({
  orderId,
  customer: ` customer ${orderId} `,
  lines: [{ sku: "apple", quantity: 2 }],
});

describe("lambda: after-commit publishing to SQS", () => {
  it("a new run's message, handed to the handler, runs its first stage at once", async () => {
    await useRuntime({ [JOB_QUEUE_URL_ENV]: queueUrl });
    const { kernel } = await getRuntime();
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "invoice-order",
      input: order("o-1"),
    });

    const messages = await sqs.receive(queueUrl, 5);
    expect(messages.map((m) => JSON.parse(m.Body ?? ""))).toEqual([
      { pendingRunId: workflowRunId },
    ]);
    const response = await handler(toSqsEvent(messages, queueUrl));
    expect(response).toEqual({ batchItemFailures: [] });

    const stages = await stack.persistence.listStages(workflowRunId);
    expect(stages.find((s) => s.stageId === "parse-order")?.status).toBe("COMPLETED");
    // The first stage's commit published the next group's jobs (price-lines ∥ check-fraud).
    const next = await sqs.receive(queueUrl, 5);
    expect(next.map((m) => Object.keys(JSON.parse(m.Body ?? "")))).toEqual([["jobId"], ["jobId"]]);
    expect(logs.filter((l) => l.level === "error")).toEqual([]);
  });

  it("completes runs from SQS messages alone, through the handler (no scheduled event)", async () => {
    await useRuntime({ [JOB_QUEUE_URL_ENV]: queueUrl });
    const { kernel } = await getRuntime();
    const runIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { workflowRunId } = await kernel.dispatch({
        type: "run.create",
        workflowId: "invoice-order",
        input: order(`o-${i}`),
      });
      runIds.push(workflowRunId);
    }
    const stop = new AbortController();
    const polling = pollIntoHandler({ sqs, queueUrl, handler, signal: stop.signal });
    const deadline = Date.now() + 30_000;
    try {
      for (;;) {
        const runs = await Promise.all(runIds.map((id) => stack.persistence.getRun(id)));
        if (runs.every((r) => r?.status === "COMPLETED")) break;
        if (Date.now() > deadline)
          throw new Error(`runs not completed: ${runs.map((r) => r?.status)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      stop.abort();
      await polling;
    }
    for (const id of runIds) {
      const stages = await stack.persistence.listStages(id);
      expect(stages.map((s) => s.status)).toEqual(Array(stages.length).fill("COMPLETED"));
      expect(stages).toHaveLength(4);
    }
    const stats = (await getRuntime()).host.getStats();
    // One pending-run claim and four stage executions per run; nothing failed.
    expect(stats.outcomes.completed).toBe(5 * 4);
  });

  it("publishes nothing without RATCHET_JOB_QUEUE_URL (the schedule alone runs the work)", async () => {
    expect(jobPublisherFromEnv(() => {}, {})).toBeUndefined();
    expect(jobPublisherFromEnv(() => {}, { [JOB_QUEUE_URL_ENV]: "  " })).toBeUndefined();
    await useRuntime({ [JOB_QUEUE_URL_ENV]: undefined });
    const { kernel } = await getRuntime();
    await kernel.dispatch({ type: "run.create", workflowId: "invoice-order", input: order("o-9") });
    expect(await sqs.receive(queueUrl, 1)).toEqual([]);
  });

  it("logs, and does not fail the command, when the queue cannot be reached", async () => {
    await useRuntime({ [JOB_QUEUE_URL_ENV]: `${queueUrl}-missing` });
    const { kernel } = await getRuntime();
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "invoice-order",
      input: order("o-10"),
    });
    expect((await stack.persistence.getRun(workflowRunId))?.status).toBe("PENDING");
    expect(logs).toContainEqual(
      expect.objectContaining({ level: "error", code: "PUBLISH_FAILED", count: 1 }),
    );
  });
});

describe("lambda: an SQS endpoint that does not answer", () => {
  it("does not hold the command: the publish gives up within seconds and is logged", async () => {
    // A TCP server that accepts connections and never answers (a VPC without a route to SQS).
    const sockets: Socket[] = [];
    const blackhole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, "127.0.0.1", resolve));
    const { port } = blackhole.address() as AddressInfo;
    // The SDK reads the endpoint from the process's environment.
    const localSqs = process.env.AWS_ENDPOINT_URL_SQS;
    process.env.AWS_ENDPOINT_URL_SQS = `http://127.0.0.1:${port}`;
    try {
      await useRuntime({ [JOB_QUEUE_URL_ENV]: `http://127.0.0.1:${port}/000000000000/jobs` });
      const { kernel } = await getRuntime();
      const started = Date.now();
      const { workflowRunId } = await kernel.dispatch({
        type: "run.create",
        workflowId: "invoice-order",
        input: order("o-11"),
      });
      const took = Date.now() - started;
      expect(took).toBeLessThan(10_000);
      expect(took).toBeGreaterThanOrEqual(3_000); // it did wait for the request timeout
      expect((await stack.persistence.getRun(workflowRunId))?.status).toBe("PENDING");
      expect(logs).toContainEqual(
        expect.objectContaining({ level: "error", code: "PUBLISH_FAILED", count: 1 }),
      );
    } finally {
      process.env.AWS_ENDPOINT_URL_SQS = localSqs;
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackhole.close(resolve));
    }
  });
});
