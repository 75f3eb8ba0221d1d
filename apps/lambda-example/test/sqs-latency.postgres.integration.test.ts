/**
 * The Lambda-style path on its production runtime (`postgresRuntime`: PostgreSQL at
 * `DATABASE_URL`, the SQS publisher `RATCHET_JOB_QUEUE_URL` asks for), against a local SQS API
 * (fauxqs) with a stand-in for Lambda's event source mapping: every run is started by the
 * message its `run.create` published, with no scheduled event. Measures the latency from
 * `run.create` to the first stage's start (both read from the database's records, one clock)
 * over 60 runs, one at a time, and prints p50/p95/p99 (docs/hosts.md quotes them).
 */
import type { Kernel } from "@ratchet/kernel";
import { createPostgresDatabase, type TestDatabase } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getRuntime, handler, setRuntimeFactory } from "../src/handler.js";
import { JOB_QUEUE_URL_ENV } from "../src/publisher.js";
import { postgresRuntime, type StoragePorts } from "../src/runtime.js";
import { pollIntoHandler, useLocalSqs } from "./support/local-sqs.js";

const sqs = useLocalSqs();
const RUNS = 60;

let db: TestDatabase | undefined;
let queueUrl = "";
const saved = {
  DATABASE_URL: process.env.DATABASE_URL,
  [JOB_QUEUE_URL_ENV]: process.env[JOB_QUEUE_URL_ENV],
};

beforeAll(async () => {
  db = await createPostgresDatabase("lambda_sqs_latency");
  queueUrl = await sqs.createQueue();
  process.env.DATABASE_URL = db.url;
  process.env[JOB_QUEUE_URL_ENV] = queueUrl;
  await setRuntimeFactory(postgresRuntime);
});

afterAll(async () => {
  // Swapping the factory closes the container's runtime and its connection pool.
  await setRuntimeFactory(postgresRuntime);
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await sqs.deleteQueue(queueUrl);
  await db?.drop();
});

function percentile(sorted: readonly number[], p: number): number {
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}

/** Creates a run and waits until it completed; returns create → first stage start, in ms. */
async function oneRun(kernel: Kernel, ports: StoragePorts, i: number): Promise<number> {
  const { workflowRunId } = await kernel.dispatch({
    type: "run.create",
    workflowId: "invoice-order",
    input: { orderId: `lat-${i}`, customer: "c", lines: [{ sku: "fig", quantity: 1 }] },
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const run = await ports.persistence.getRun(workflowRunId);
    if (run?.status === "COMPLETED") {
      const stages = await ports.persistence.listStages(workflowRunId);
      const first = stages.find((s) => s.stageId === "parse-order");
      if (!first?.startedAt) throw new Error(`run ${workflowRunId}: parse-order has no startedAt`);
      return first.startedAt.getTime() - run.createdAt.getTime();
    }
    if (Date.now() > deadline)
      throw new Error(`run ${workflowRunId} did not complete from SQS messages (${run?.status})`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("lambda + SQS publisher on PostgreSQL", () => {
  it(`starts each run's first stage from its own message (${RUNS} runs, latency measured)`, async () => {
    const quiet = vi.spyOn(console, "log").mockImplementation(() => {});
    const stop = new AbortController();
    const polling = pollIntoHandler({ sqs, queueUrl, handler, signal: stop.signal });
    try {
      const { kernel, ports, host } = await getRuntime();
      await oneRun(kernel, ports, -1); // warm-up: pools, prepared statements, JIT
      const latencies: number[] = [];
      for (let i = 0; i < RUNS; i++) latencies.push(await oneRun(kernel, ports, i));
      const sorted = [...latencies].sort((a, b) => a - b);
      const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(sorted, p));
      quiet.mockRestore();
      console.log(
        `[lambda+sqs latency] run.create → first stage start over ${RUNS} runs on PostgreSQL: ` +
          `p50 ${p50} ms, p95 ${p95} ms, p99 ${p99} ms, max ${sorted.at(-1)} ms`,
      );
      // Every run was started by a message (no scheduled event ran): one claim per run.
      expect(host.getStats().outcomes.completed).toBe((RUNS + 1) * 4);
      // Within a second, where the schedule alone would take up to a minute.
      expect(p50).toBeLessThan(1_000);
      expect(sorted.every((ms) => ms >= 0)).toBe(true);
    } finally {
      quiet.mockRestore();
      stop.abort();
      await polling;
    }
  });
});
