/**
 * A worker process of the saga crash test: one Node host on the PostgreSQL database in
 * RATCHET_DATABASE running the saga workflow, whose compensations write the crash ledger
 * (stamped with RATCHET_WORKER_ID). Short leases, so a killed worker's compensation comes back
 * soon. Prints "ready" once started; stops gracefully on SIGTERM.
 */
import { createKernel, createRegistry, systemClock } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack } from "@ratchet/prisma";
import { createNodeHost } from "../../src/index.js";
import { LEDGER_INSERT } from "./crash-schema.js";
import { sagaLedger, sagaWorkflow } from "./saga-workload.js";

const url = process.env.RATCHET_DATABASE ?? "";
const workerId = process.env.RATCHET_WORKER_ID ?? `saga-${process.pid}`;
const stack = await createPostgresStack({ url });
sagaLedger.write = async (row) => {
  await stack.prisma.$executeRawUnsafe(
    LEDGER_INSERT,
    row.runId,
    row.stageId,
    row.attempt,
    process.pid,
    workerId,
  );
};
const kernel = createKernel({
  ...stack,
  eventSink: new CollectingEventSink(),
  clock: systemClock,
  registry: createRegistry([sagaWorkflow]),
});
const host = createNodeHost({
  kernel,
  jobTransport: stack.jobTransport,
  wakeups: stack.wakeups,
  workerId,
  concurrency: 4,
  orchestrationIntervalMs: 250,
  jobPollIntervalMs: 50,
  maxIdlePollIntervalMs: 250,
  leaseMs: 2_000,
  staleLeaseThresholdMs: 0,
  stuckRunThresholdMs: 2_000,
  shutdownTimeoutMs: 5_000,
  handleSignals: true,
  onSignalStop: async () => {
    await stack.close();
    process.stdout.write("stopped\n");
    process.exit(0);
  },
});
await host.start();
process.stdout.write("ready\n");
