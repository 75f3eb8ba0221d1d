/**
 * A worker process for the isolated-stage lease tests: one Node host on the SQLite file or
 * PostgreSQL database named by RATCHET_DATABASE, registering the bundled workflow module
 * RATCHET_ISOLATION_MODULE, with a stage runner whose children start from
 * RATCHET_ISOLATION_CHILD. Lease: RATCHET_LEASE_MS. Prints "ready" once started.
 */
import { pathToFileURL } from "node:url";
import { type AnyWorkflow, createKernel, createRegistry, systemClock } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack, createSqliteStack } from "@ratchet/prisma";
import { createIsolatedStageRunner, createNodeHost } from "../../src/index.js";

const target = process.env.RATCHET_DATABASE ?? "";
const module = process.env.RATCHET_ISOLATION_MODULE ?? "";
const stack = target.startsWith("postgres")
  ? await createPostgresStack({ url: target })
  : await createSqliteStack({ file: target });
const { workflows } = (await import(pathToFileURL(module).href)) as { workflows: AnyWorkflow[] };
const kernel = createKernel({
  persistence: stack.persistence,
  jobTransport: stack.jobTransport,
  scheduler: stack.scheduler,
  blobStore: stack.blobStore,
  eventSink: new CollectingEventSink(),
  clock: systemClock,
  registry: createRegistry(workflows),
  stageRunner: createIsolatedStageRunner({
    module,
    childEntry: process.env.RATCHET_ISOLATION_CHILD ?? "",
  }),
});
const host = createNodeHost({
  kernel,
  jobTransport: stack.jobTransport,
  wakeups: stack.wakeups,
  workerId: process.env.RATCHET_WORKER_ID ?? `child-${process.pid}`,
  concurrency: 2,
  orchestrationIntervalMs: 200,
  jobPollIntervalMs: 50,
  maxIdlePollIntervalMs: 200,
  leaseMs: Number(process.env.RATCHET_LEASE_MS ?? 1_000),
  staleLeaseThresholdMs: 0,
  shutdownTimeoutMs: 2_000,
  handleSignals: true,
  onSignalStop: async () => {
    await stack.close();
    process.stdout.write("stopped\n");
    process.exit(0);
  },
});
await host.start();
process.stdout.write("ready\n");
