/**
 * A worker process for the rate-limit test: one Node host on the PostgreSQL database named by
 * RATCHET_DATABASE running the rate-limited workflow; it claims often (every 100 ms), so the
 * limit, not the host, decides how many runs start. Stops gracefully on SIGTERM; prints
 * "ready" once started.
 */
import { createKernel, createRegistry } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack } from "@ratchet/prisma";
import { createNodeHost } from "../../src/index.js";
import { ratedWorkflow } from "./rate-workload.js";

const stack = await createPostgresStack({ url: process.env.RATCHET_DATABASE ?? "" });
const kernel = createKernel({
  ...stack,
  eventSink: new CollectingEventSink(),
  registry: createRegistry([ratedWorkflow]),
});
const host = createNodeHost({
  kernel,
  jobTransport: stack.jobTransport,
  wakeups: stack.wakeups,
  workerId: process.env.RATCHET_WORKER_ID ?? `child-${process.pid}`,
  concurrency: 8,
  maxClaimsPerTick: 25,
  orchestrationIntervalMs: 100,
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
