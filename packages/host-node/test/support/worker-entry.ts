/**
 * A worker process for the end-to-end tests: one Node host on the database named by
 * RATCHET_DATABASE (a PostgreSQL URL or an SQLite file), stopping gracefully on SIGTERM.
 * Prints "ready" once started and "stopped <released>" when it stopped.
 */
import { createPostgresStack, createSqliteStack } from "@ratchet/prisma";
import { createNodeHost } from "../../src/index.js";
import { e2eKernel } from "./workload.js";

const target = process.env.RATCHET_DATABASE ?? "";
const stack = target.startsWith("postgres")
  ? await createPostgresStack({ url: target })
  : await createSqliteStack({ file: target });
const kernel = e2eKernel(stack);
const host = createNodeHost({
  kernel,
  jobTransport: stack.jobTransport,
  wakeups: stack.wakeups,
  workerId: process.env.RATCHET_WORKER_ID ?? `child-${process.pid}`,
  concurrency: 4,
  orchestrationIntervalMs: 200,
  jobPollIntervalMs: 50,
  maxIdlePollIntervalMs: 200,
  leaseMs: 3_000,
  staleLeaseThresholdMs: 0,
  shutdownTimeoutMs: Number(process.env.RATCHET_SHUTDOWN_MS ?? 5_000),
  handleSignals: true,
  onSignalStop: async () => {
    await stack.close();
    process.stdout.write("stopped\n");
    process.exit(0);
  },
});
await host.start();
process.stdout.write("ready\n");
