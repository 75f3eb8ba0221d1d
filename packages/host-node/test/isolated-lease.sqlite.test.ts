/**
 * The guarantee isolation exists for: a stage that blocks its event loop far longer than its
 * lease runs exactly once, because its body runs in a child process while the worker's own
 * event loop keeps heartbeating the lease. Two worker processes (Node hosts) share one SQLite
 * file; the stage appends a line to a ledger file each time it starts.
 *
 * Default: a 4 s block with a 1 s lease (the lease is renewed several times while the stage
 * blocks; inline, the other worker takes the job over after ~1.5 s); 8 s with `RATCHET_LONG=1`.
 * The 60 s block with a 2 s lease is the same
 * test: `RATCHET_ISOLATION_BLOCK_MS=60000 RATCHET_ISOLATION_LEASE_MS=2000 npx vitest run
 * test/isolated-lease.sqlite.test.ts`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AnyWorkflow, createKernel, createRegistry, systemClock } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createSqliteStack, type PrismaStack } from "@ratchet/prisma";
import { createSqliteFile } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as workload from "./support/isolated-workload.js";
import { isolationFiles } from "./support/isolation-bundle.js";
import { startWorker, type Worker } from "./support/processes.js";

const BLOCK_MS = Number(
  process.env.RATCHET_ISOLATION_BLOCK_MS ?? (process.env.RATCHET_LONG === "1" ? 8_000 : 4_000),
);
const LEASE_MS = Number(process.env.RATCHET_ISOLATION_LEASE_MS ?? 1_000);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe(`a stage blocking its event loop for ${BLOCK_MS} ms, with a ${LEASE_MS} ms lease, two workers on SQLite`, () => {
  let db: ReturnType<typeof createSqliteFile>;
  let stack: PrismaStack;
  let dir = "";
  const workers: Worker[] = [];

  beforeAll(async () => {
    db = createSqliteFile("iso-lease");
    dir = mkdtempSync(join(tmpdir(), "ratchet-iso-lease-"));
    stack = await createSqliteStack({ file: db.file });
    const files = await isolationFiles();
    for (let i = 0; i < 2; i++)
      workers.push(
        await startWorker(
          {
            RATCHET_DATABASE: db.file,
            RATCHET_ISOLATION_MODULE: files.module,
            RATCHET_ISOLATION_CHILD: files.childEntry,
            RATCHET_LEASE_MS: String(LEASE_MS),
            RATCHET_WORKER_ID: `iso-worker-${i + 1}`,
          },
          "isolated-worker-entry.ts",
        ),
      );
  });

  afterAll(async () => {
    for (const worker of workers) worker.child.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.exit));
    await stack?.close();
    db?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function runToEnd(workflowId: string, ledger: string) {
    const kernel = createKernel({
      persistence: stack.persistence,
      jobTransport: stack.jobTransport,
      scheduler: stack.scheduler,
      blobStore: stack.blobStore,
      eventSink: new CollectingEventSink(),
      clock: systemClock,
      registry: createRegistry(workload.workflows as AnyWorkflow[]),
    });
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId,
      input: { file: ledger, ms: BLOCK_MS },
    });
    const deadline = Date.now() + 3 * BLOCK_MS + 60_000;
    for (;;) {
      const run = await stack.persistence.getRun(workflowRunId);
      if (run && ["COMPLETED", "FAILED"].includes(run.status)) return run;
      if (Date.now() > deadline) throw new Error(`run still ${run?.status}`);
      await sleep(100);
    }
  }

  const starts = (ledger: string) =>
    readFileSync(ledger, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("start"));

  it(
    "isolated in a child process: runs exactly once",
    async () => {
      const ledger = join(dir, "isolated.log");
      const run = await runToEnd("iso-block", ledger);
      expect(run.status).toBe("COMPLETED");
      expect(starts(ledger)).toHaveLength(1);
      for (const worker of workers) expect(worker.child.exitCode).toBeNull();
    },
    4 * BLOCK_MS + 90_000,
  );

  it(
    "the same stage not isolated runs more than once (what isolation prevents)",
    async () => {
      const ledger = join(dir, "inline.log");
      await runToEnd("iso-block-inline", ledger);
      expect(starts(ledger).length).toBeGreaterThan(1);
    },
    4 * BLOCK_MS + 90_000,
  );
});
