/**
 * A Node host on PostgreSQL (a database created for the test file) with the external worker
 * gateway as its stage runner, and workflows whose stages run in external workers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNodeHost, type NodeHost } from "@ratchet/host-node";
import {
  type AnyWorkflow,
  createKernel,
  createRegistry,
  decodeValue,
  defineWorkflow,
  type Kernel,
  type RunRecord,
  systemClock,
} from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack, type PrismaStack } from "@ratchet/prisma";
import { createPostgresDatabase, type TestDatabase } from "@ratchet/prisma/testing";
import { z } from "zod";
import { externalStage } from "../../src/external-stage.js";
import { createExternalWorkerGateway, type ExternalWorkerGateway } from "../../src/gateway.js";

/** The shared token of the tests' workers. */
export const TOKEN = "test-token-0123456789abcdef";
/** The gateway's lease of a worker's claim. */
export const LEASE_MS = 1_500;

const Name = z.object({ name: z.string() });
const Greeting = z.object({ greeting: z.string(), by: z.string() });

function greetingWorkflow(id: string, task: string): AnyWorkflow {
  return defineWorkflow({ id, name: id, input: Name, output: Greeting })
    .pipe(
      externalStage({
        id: "greet",
        name: "Greet",
        task,
        retry: { maxAttempts: 3, intervalMs: 10 },
        schemas: { input: Name, output: Greeting },
      }),
    )
    .build() as AnyWorkflow;
}

/** Workflow ids → the task of their one external stage. */
export const WORKFLOWS = {
  "ext-greet": "greet",
  "ext-hang": "hang-first",
  "ext-manual": "manual",
  "ext-flaky": "flaky",
  "ext-broken": "broken",
} as const;

/** Everything a test needs; `close()` drops the database. */
export interface Setup {
  stack: PrismaStack;
  kernel: Kernel;
  gateway: ExternalWorkerGateway;
  host: NodeHost;
  url: string;
  ledger: string;
  warnings: string[];
  createRun(workflowId: keyof typeof WORKFLOWS, name: string): Promise<string>;
  untilDone(runId: string, ms?: number): Promise<RunRecord>;
  starts(runId: string): string[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Creates the database, the stack, the gateway (listening) and the host (started). */
export async function setUp(label: string, maxBodyBytes = 64 * 1024): Promise<Setup> {
  const db: TestDatabase = await createPostgresDatabase(label);
  const dir = mkdtempSync(join(tmpdir(), "ratchet-ext-"));
  const ledger = join(dir, "ledger.txt");
  writeFileSync(ledger, "");
  const stack = await createPostgresStack({ url: db.url });
  const warnings: string[] = [];
  const logger = {
    warn: (message: string) => warnings.push(message),
    error: (message: string) => warnings.push(message),
  };
  const gateway = createExternalWorkerGateway({
    tokens: [TOKEN],
    leaseMs: LEASE_MS,
    maxBodyBytes,
    maxWaitMs: 15_000,
    headersTimeoutMs: 2_000,
    logger,
  });
  const url = await gateway.listen();
  const kernel = createKernel({
    persistence: stack.persistence,
    jobTransport: stack.jobTransport,
    scheduler: stack.scheduler,
    blobStore: stack.blobStore,
    eventSink: new CollectingEventSink(),
    clock: systemClock,
    registry: createRegistry(
      Object.entries(WORKFLOWS).map(([id, task]) => greetingWorkflow(id, task)),
    ),
    stageRunner: gateway.stageRunner,
  });
  const host = createNodeHost({
    kernel,
    jobTransport: stack.jobTransport,
    concurrency: 8,
    leaseMs: 4_000,
    orchestrationIntervalMs: 100,
    maxIdleOrchestrationIntervalMs: 200,
    jobPollIntervalMs: 100,
    maxIdlePollIntervalMs: 200,
    handleSignals: false,
    logger,
  });
  await host.start();
  return {
    stack,
    kernel,
    gateway,
    host,
    url,
    ledger,
    warnings,
    createRun: async (workflowId, name) =>
      (await kernel.dispatch({ type: "run.create", workflowId, input: { name } })).workflowRunId,
    untilDone: async (runId, ms = 30_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const run = await stack.persistence.getRun(runId);
        if (run && ["COMPLETED", "FAILED", "CANCELLED"].includes(run.status)) return run;
        if (Date.now() > deadline) throw new Error(`run ${runId} still ${run?.status}`);
        await sleep(100);
      }
    },
    starts: (runId) =>
      readFileSync(ledger, "utf8")
        .split("\n")
        .filter((line) => line.startsWith(`start ${runId} `)),
    close: async () => {
      await host.stop();
      await gateway.close();
      await stack.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The run's output, decoded. */
export const outputOf = (run: RunRecord) => decodeValue(run.output);

/** A protocol call as a worker makes it; answers the status and the JSON body. */
export async function call(
  url: string,
  path: string,
  body: unknown,
  token: string = TOKEN,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}
