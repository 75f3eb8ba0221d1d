/**
 * The example's engine: a fresh SQLite file (migrated on open), a kernel over it that
 * publishes events to a callback, and a Node worker host with timings for someone watching
 * (the CLI's `demo` uses the same: claims and checks every 100 ms).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNodeHost, type HostLogger, type NodeHost } from "@ratchet/host-node";
import {
  type AnyWorkflow,
  createKernel,
  createRegistry,
  type Kernel,
  type WorkflowEvent,
} from "@ratchet/kernel";
import { createSqliteStack, type PrismaStack } from "@ratchet/prisma";

/** A kernel and a host over one SQLite file. */
export interface Engine {
  /** The database file. */
  file: string;
  stack: PrismaStack;
  kernel: Kernel;
  host: NodeHost;
  /** Stops the host, publishes what is left in the outbox, closes the database. */
  close(): Promise<void>;
}

/** Options of {@link openEngine}. */
export interface EngineOptions {
  workflows: readonly AnyWorkflow[];
  /** Sees every event the host publishes from the outbox. */
  onEvent: (event: WorkflowEvent) => void;
  /** Directory of the database file (default: a new temporary directory). */
  dir?: string;
  /** Where the host reports trouble (default: `console`). */
  logger?: HostLogger;
}

/** Opens a fresh SQLite database in `dir` and creates a kernel and a (not yet started) host. */
export async function openEngine(options: EngineOptions): Promise<Engine> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "ratchet-approvals-"));
  const file = join(dir, "expenses.db");
  for (const suffix of ["", "-wal", "-shm", "-journal"])
    rmSync(`${file}${suffix}`, { force: true });
  const stack = await createSqliteStack({ file });
  const kernel = createKernel({
    persistence: stack.persistence,
    jobTransport: stack.jobTransport,
    scheduler: stack.scheduler,
    blobStore: stack.blobStore,
    clock: stack.clock,
    eventSink: { emit: async (event) => options.onEvent(event) },
    registry: createRegistry(options.workflows),
  });
  const workerId = "approvals-example";
  const host = createNodeHost({
    kernel,
    jobTransport: stack.jobTransport,
    wakeups: stack.wakeups,
    workerId,
    concurrency: 8,
    orchestrationIntervalMs: 100,
    maxIdleOrchestrationIntervalMs: 200,
    jobPollIntervalMs: 50,
    maxIdlePollIntervalMs: 200,
    shutdownTimeoutMs: 5_000,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    file,
    stack,
    kernel,
    host,
    async close() {
      try {
        await host.stop();
        // The last events (a run's completion) may still be in the outbox: publish them.
        for (let round = 0; round < 20; round++) {
          const { published } = await kernel.dispatch({ type: "outbox.flush", workerId });
          if (published === 0) break;
        }
      } finally {
        await stack.close();
      }
    },
  };
}
