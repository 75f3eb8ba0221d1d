/**
 * A worker process for the circuit-breaker test: one Node host on the PostgreSQL database
 * named by RATCHET_DATABASE with the guarded workflow; stops gracefully on SIGTERM. Prints
 * "ready" once started.
 */
import { createKernel, createRegistry } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack } from "@ratchet/prisma";
import { createNodeHost } from "../../src/index.js";
import { guardedWorkflow } from "./breaker-workload.js";

const stack = await createPostgresStack({ url: process.env.RATCHET_DATABASE ?? "" });
const kernel = createKernel({
  ...stack,
  eventSink: new CollectingEventSink(),
  registry: createRegistry([guardedWorkflow]),
});
const host = createNodeHost({
  kernel,
  jobTransport: stack.jobTransport,
  wakeups: stack.wakeups,
  workerId: process.env.RATCHET_WORKER_ID ?? `child-${process.pid}`,
  concurrency: 2,
  orchestrationIntervalMs: 200,
  jobPollIntervalMs: 50,
  maxIdlePollIntervalMs: 100,
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
