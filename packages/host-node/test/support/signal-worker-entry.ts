/**
 * A worker process of the signal test: one Node host on the PostgreSQL database in
 * RATCHET_DATABASE running the signal workload, whose stages write the ledger stamped with
 * this worker's id (RATCHET_WORKER_ID). The host logs to the console (stderr), where the test
 * reads it: on a healthy database a worker writes nothing there. Prints "ready" once started
 * and "stopped" when SIGTERM stopped it.
 */
import { createKernel, createRegistry } from "@ratchet/kernel";
import { createPostgresStack } from "@ratchet/prisma";
import { createNodeHost } from "../../src/index.js";
import { SIGNAL_LEDGER_INSERT } from "./signal-schema.js";
import { signalLedger, signalWorkflow } from "./signal-workload.js";

const url = process.env.RATCHET_DATABASE ?? "";
const workerId = process.env.RATCHET_WORKER_ID ?? `signal-${process.pid}`;
const stack = await createPostgresStack({ url, migrate: false, poolSize: 6 });
signalLedger.write = async (row) => {
  await stack.prisma.$executeRawUnsafe(
    SIGNAL_LEDGER_INSERT,
    row.runId,
    row.stageId,
    row.attempt,
    workerId,
  );
};
const kernel = createKernel({
  ...stack,
  eventSink: { emit: async () => {} },
  registry: createRegistry([signalWorkflow]),
});
const host = createNodeHost({
  kernel,
  jobTransport: stack.jobTransport,
  wakeups: stack.wakeups,
  workerId,
  concurrency: Number(process.env.RATCHET_SIGNAL_CONCURRENCY ?? 8),
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
