/**
 * A worker process of the crash test: one Node host on the PostgreSQL database in
 * RATCHET_DATABASE, running the crash workload, whose stages write the ledger (each row
 * committed on its own). It is killed with SIGKILL, so it never stops cleanly. Prints
 * "ready" once started.
 */
import { createKernel, createRegistry, systemClock } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack } from "@ratchet/prisma";
import { createNodeHost } from "../../src/index.js";
import { crashWorkflow, ledger } from "./crash-workload.js";

const url = process.env.RATCHET_DATABASE ?? "";
const stack = await createPostgresStack({ url });
// Each row commits on its own, outside any stage commit (the stage runs outside transactions).
ledger.write = async (row) => {
  await stack.prisma.$executeRawUnsafe(
    "INSERT INTO crash_ledger (run_id, stage_id, attempt, pid) VALUES ($1, $2, $3, $4)",
    row.runId,
    row.stageId,
    row.attempt,
    row.pid,
  );
};
const kernel = createKernel({
  ...stack,
  eventSink: new CollectingEventSink(),
  clock: systemClock,
  registry: createRegistry([crashWorkflow]),
});
const host = createNodeHost({
  kernel,
  jobTransport: stack.jobTransport,
  wakeups: stack.wakeups,
  workerId: process.env.RATCHET_WORKER_ID ?? `crash-${process.pid}`,
  concurrency: 8,
  orchestrationIntervalMs: 250,
  jobPollIntervalMs: 50,
  maxIdlePollIntervalMs: 250,
  // Short leases: a killed worker's jobs come back soon.
  leaseMs: 2_000,
  staleLeaseThresholdMs: 0,
  stuckRunThresholdMs: 2_000,
  logger: { warn: () => {}, error: () => {} },
});
await host.start();
process.stdout.write("ready\n");
