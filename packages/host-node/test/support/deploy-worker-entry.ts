/**
 * A worker process of the rolling-deploy tests: one Node host on the PostgreSQL database in
 * RATCHET_DATABASE registering the versions of the deploy workload in RATCHET_DEPLOY_VERSIONS
 * ("1", "2" or "1,2"). Stops gracefully on SIGTERM. Prints "ready" once started and "stopped"
 * when it stopped.
 */
import { createKernel, createRegistry, systemClock } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack } from "@ratchet/prisma";
import { createNodeHost } from "../../src/index.js";
import { deployLedger, deployWorkflows } from "./deploy-workload.js";

const stack = await createPostgresStack({ url: process.env.RATCHET_DATABASE ?? "" });
deployLedger.write = async (row) => {
  await stack.prisma.$executeRawUnsafe(
    "INSERT INTO deploy_ledger (run_id, stage_id, version) VALUES ($1, $2, $3)",
    row.runId,
    row.stageId,
    row.version,
  );
};
const kernel = createKernel({
  ...stack,
  eventSink: new CollectingEventSink(),
  clock: systemClock,
  registry: createRegistry(deployWorkflows(process.env.RATCHET_DEPLOY_VERSIONS ?? "1")),
});
const host = createNodeHost({
  kernel,
  jobTransport: stack.jobTransport,
  wakeups: stack.wakeups,
  workerId: process.env.RATCHET_WORKER_ID ?? `deploy-${process.pid}`,
  concurrency: 4,
  orchestrationIntervalMs: 200,
  jobPollIntervalMs: 50,
  maxIdlePollIntervalMs: 200,
  leaseMs: 3_000,
  staleLeaseThresholdMs: 0,
  stuckRunThresholdMs: 3_000,
  shutdownTimeoutMs: 10_000,
  handleSignals: true,
  onSignalStop: async () => {
    await stack.close();
    process.stdout.write("stopped\n");
    process.exit(0);
  },
});
await host.start();
process.stdout.write("ready\n");
