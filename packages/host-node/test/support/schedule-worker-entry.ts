/**
 * A worker process for the schedule test: one Node host on the PostgreSQL database named by
 * RATCHET_DATABASE, with the workflow its schedule starts; it ticks at its due times (the next
 * schedule's fire time), stops gracefully on SIGTERM. Prints "ready" once started.
 */
import { createKernel, createRegistry } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack } from "@ratchet/prisma";
import { createNodeHost } from "../../src/index.js";
import { scheduledWorkflow } from "./schedule-workload.js";

const stack = await createPostgresStack({ url: process.env.RATCHET_DATABASE ?? "" });
const kernel = createKernel({
  ...stack,
  eventSink: new CollectingEventSink(),
  registry: createRegistry([scheduledWorkflow]),
});
const host = createNodeHost({
  kernel,
  jobTransport: stack.jobTransport,
  wakeups: stack.wakeups,
  workerId: process.env.RATCHET_WORKER_ID ?? `child-${process.pid}`,
  concurrency: 4,
  orchestrationIntervalMs: 1_000,
  jobPollIntervalMs: 50,
  maxIdlePollIntervalMs: 200,
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
