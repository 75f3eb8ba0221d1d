/**
 * The deployment artifact, run the way Lambda runs it: `dist/lambda/index.mjs` alone in an empty
 * folder outside the repository (no `node_modules` anywhere above it), imported by a plain
 * `node` process per invocation (a cold start each time) with only `DATABASE_URL` set (and, for
 * the publisher, the queue URL and a local SQS endpoint), against a real PostgreSQL database this
 * file creates and drops. Runs are created, and their outcome
 * read, by this process through the repository's own stack and kernel.
 */
import { createKernel, createRegistry, type Kernel } from "@ratchet/kernel";
import { createPostgresStack, MIGRATIONS, type PrismaStack } from "@ratchet/prisma";
import { createPostgresDatabase, type TestDatabase } from "@ratchet/prisma/testing";
import type { SQSBatchResponse } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScheduledResult } from "../src/scheduled.js";
import { invoiceWorkflow, PRICES } from "../src/workflow.js";
import {
  BUNDLE_FILE,
  buildBundle,
  deployToEmptyFolder,
  type Invocation,
  invokeBundle,
  nodeModulesAbove,
} from "./support/bundle.js";
import { handlerTarget, loadTemplate } from "./support/cloudformation.js";
import { scheduledEvent, sqsEvent, sqsRecord } from "./support/events.js";
import { pollIntoHandler, useLocalSqs } from "./support/local-sqs.js";

/** The file and export the SAM template's `Handler` names: what Lambda will call. */
const target = handlerTarget(
  String(loadTemplate().Resources.WorkerFunction?.Properties?.Handler ?? "missing Handler"),
);

let db: TestDatabase | undefined;
let deployed: ReturnType<typeof deployToEmptyFolder> | undefined;
let opened: { stack: PrismaStack; kernel: Kernel } | undefined;

beforeAll(async () => {
  db = await createPostgresDatabase("lambda_bundle");
  buildBundle();
  deployed = deployToEmptyFolder();
}, 120_000);

afterAll(async () => {
  await opened?.stack.close();
  deployed?.remove();
  await db?.drop();
});

function invoke(
  event: unknown,
  remainingMs: number,
  env: Record<string, string> = {},
): Promise<Invocation> {
  return invokeBundle(deployed?.dir ?? "", event, {
    remainingMs,
    target,
    env: {
      DATABASE_URL: db?.url ?? "",
      AWS_LAMBDA_LOG_STREAM_NAME: "2026/12/07/[$LATEST]bundle-test",
      ...env,
    },
  });
}

/** What the invocation returned; fails with the child's output if it threw. */
function resultOf(invocation: Invocation): unknown {
  expect(invocation.error, invocation.stderr || invocation.logs.join("\n")).toBeUndefined();
  expect(invocation.exitCode).toBe(0);
  return invocation.result;
}

/** The test's own kernel over the same database. */
async function ours(): Promise<{ stack: PrismaStack; kernel: Kernel }> {
  if (!opened) {
    const stack = await createPostgresStack({ url: db?.url ?? "" });
    const kernel = createKernel({
      ...stack,
      eventSink: { emit: async () => {} },
      registry: createRegistry([invoiceWorkflow]),
    });
    opened = { stack, kernel };
  }
  return opened;
}

async function createRun(input: unknown): Promise<string> {
  const { kernel } = await ours();
  const { workflowRunId } = await kernel.dispatch({
    type: "run.create",
    workflowId: invoiceWorkflow.id,
    input,
  });
  return workflowRunId;
}

// Each invocation is a new Node process importing a 6 MB module: seconds on a busy machine.
describe("the Lambda bundle in an empty folder", { timeout: 120_000 }, () => {
  it("is one file, with no node_modules anywhere above it", () => {
    expect(deployed?.files).toEqual([BUNDLE_FILE]);
    expect(target.file).toBe(BUNDLE_FILE);
    expect(nodeModulesAbove(deployed?.dir ?? "/")).toEqual([]);
  });

  it("migrates an empty database on cold start; a scheduled event completes a run", async () => {
    const cold = resultOf(await invoke(scheduledEvent(), 60_000)) as ScheduledResult;
    expect(cold.tick.claimed).toBe(0);
    expect(cold.jobs?.processed).toBe(0);
    // The bundle's migrator (the bundled Prisma client and its Wasm query compiler) ran.
    const look = await createPostgresStack({ url: db?.url ?? "", migrate: false });
    try {
      const applied = await look.prisma.$queryRawUnsafe<Array<{ id: string }>>(
        'SELECT "id" FROM "ratchet_migrations" ORDER BY "id"',
      );
      expect(applied.map((row) => row.id)).toEqual(MIGRATIONS.postgresql.map((m) => m.id));
    } finally {
      await look.close();
    }
    const { stack } = await ours();

    const runId = await createRun({
      orderId: "o-1",
      customer: " Ada ",
      lines: [
        { sku: "Apple", quantity: 2 },
        { sku: "pear", quantity: 3 },
      ],
    });
    const tick = resultOf(await invoke(scheduledEvent(), 60_000)) as ScheduledResult;
    expect(tick.tick.claimed).toBe(1);
    // parse-order, then price-lines ∥ check-fraud, then issue-invoice: all in this invocation.
    expect(tick.jobs).toMatchObject({ processed: 4, succeeded: 4, failed: 0 });
    const run = await stack.persistence.getRun(runId);
    expect(run?.status).toBe("COMPLETED");
    expect(run?.output).toEqual({
      invoiceId: `inv-${runId.slice(-8)}`,
      totalCents: 2 * (PRICES.apple ?? 0) + 3 * (PRICES.pear ?? 0),
      needsReview: false,
    });
  });

  it("an SQS batch of job messages runs a run; only the record to retry is a batch item failure", async () => {
    const { stack } = await ours();
    const runId = await createRun({
      orderId: "o-2",
      customer: "Bob",
      lines: [{ sku: "fig", quantity: 101 }],
    });
    // A schedule with less time left than the handler's margin only ticks: it claims the run
    // and queues its first job, which the messages below then run.
    const tickOnly = resultOf(await invoke(scheduledEvent(), 10_000)) as ScheduledResult;
    expect(tickOnly).toMatchObject({ tick: { claimed: 1 }, jobs: null });

    const poison = sqsRecord(JSON.stringify({ jobId: "bad\u0000id" }));
    const malformed = [
      sqsRecord("this is not JSON"),
      sqsRecord(JSON.stringify({ jobId: 42 })),
      sqsRecord(JSON.stringify({ jobId: "no-such-job" })),
    ];
    const sizes: number[] = [];
    for (let round = 0; round < 3; round++) {
      const jobs = await stack.jobTransport.activeJobsForRun(runId);
      sizes.push(jobs.length);
      const records = jobs.map((job) => sqsRecord(JSON.stringify({ jobId: job.jobId })));
      // The first batch also carries records that can never succeed: acked (they would only
      // bounce to the dead-letter queue), except one the database rejects (a NUL byte in the
      // job id), which is an error like any database failure: that record alone is retried.
      const batch = round === 0 ? [...malformed, ...records, poison] : records;
      const response = resultOf(await invoke(sqsEvent(batch), 30_000));
      expect(response).toEqual({
        batchItemFailures: round === 0 ? [{ itemIdentifier: poison.messageId }] : [],
      });
    }
    expect(sizes).toEqual([1, 2, 1]);
    const run = await stack.persistence.getRun(runId);
    expect(run?.status).toBe("COMPLETED");
    expect(run?.output).toEqual({
      invoiceId: `inv-${runId.slice(-8)}`,
      totalCents: 101 * (PRICES.fig ?? 0),
      needsReview: true,
    });
  });

  it("throws for the whole batch when the database is unreachable (Lambda retries it)", async () => {
    const down = await invoke(sqsEvent([sqsRecord(JSON.stringify({ jobId: "j" }))]), 30_000, {
      DATABASE_URL: "postgresql://postgres@127.0.0.1:1/nowhere",
    });
    expect(down.exitCode).toBe(1);
    // Cold start: the stack's first statement (the migrator's) cannot reach the server.
    expect(down.error).toMatch(/Can't reach database server at 127\.0\.0\.1:1|ECONNREFUSED/);
    expect(down.result).toBeUndefined();
  });
});

describe("the bundle publishing ready work to SQS after each commit", { timeout: 120_000 }, () => {
  const sqs = useLocalSqs();

  it("a run one tick starts finishes from the messages the bundle itself sent", async () => {
    const { stack } = await ours();
    const queueUrl = await sqs.createQueue();
    // What the template gives the function, with the local SQS in place of AWS's.
    const env: Record<string, string> = { RATCHET_JOB_QUEUE_URL: queueUrl };
    for (const key of [
      "AWS_ENDPOINT_URL_SQS",
      "AWS_REGION",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
    ]) {
      env[key] = process.env[key] ?? "";
    }
    const runId = await createRun({
      orderId: "o-3",
      customer: "Cy",
      lines: [{ sku: "pear", quantity: 4 }],
    });
    // One tick claims the run (no time left for jobs); its first job is published.
    const tickOnly = resultOf(await invoke(scheduledEvent(), 10_000, env)) as ScheduledResult;
    expect(tickOnly).toMatchObject({ tick: { claimed: 1 }, jobs: null });

    // From here only messages: the queue delivers to a new bundle process per batch, as
    // Lambda's event source mapping would, and each invocation publishes the next group.
    const responses: SQSBatchResponse[] = [];
    const logs: string[] = [];
    const stop = new AbortController();
    const delivering = pollIntoHandler({
      sqs,
      queueUrl,
      signal: stop.signal,
      handler: async (event) => {
        const invocation = await invoke(event, 30_000, env);
        logs.push(...invocation.logs, invocation.stderr);
        const response = resultOf(invocation) as SQSBatchResponse;
        responses.push(response);
        return response;
      },
    });
    let delivery = "running";
    void delivering.then(
      () => (delivery = "stopped"),
      () => (delivery = "failed"), // awaited below, which reports why
    );
    const deadline = Date.now() + 90_000;
    let run = await stack.persistence.getRun(runId);
    while (run?.status !== "COMPLETED" && delivery === "running" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      run = await stack.persistence.getRun(runId);
    }
    stop.abort();
    const batches = await delivering;
    expect(run?.status, logs.join("\n")).toBe("COMPLETED");
    expect(run?.output).toEqual({
      invoiceId: `inv-${runId.slice(-8)}`,
      totalCents: 4 * (PRICES.pear ?? 0),
      needsReview: false,
    });
    // parse-order, then both parallel stages, then issue-invoice: each group's messages are
    // sent only once the group before it has committed.
    expect(batches).toBeGreaterThanOrEqual(3);
    expect(responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);
  });
});
