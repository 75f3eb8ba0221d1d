/**
 * The body of a worker process in the multi-process PostgreSQL tests: one Node host on the
 * database named by RATCHET_DATABASE with the given workflows and host settings, its worker id
 * from RATCHET_WORKER_ID; stops gracefully on SIGTERM (printing "stopped") and prints "ready"
 * once started.
 */
import { type AnyWorkflow, createKernel, createRegistry } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack } from "@ratchet/prisma";
import { createNodeHost, type NodeHostOptions } from "../../src/index.js";

/** Host settings a test chooses (the rest are the same for every test worker). */
export type TestWorkerSettings = Omit<
  NodeHostOptions,
  "kernel" | "jobTransport" | "wakeups" | "workerId" | "handleSignals" | "onSignalStop"
>;

/** Starts the worker; resolves once it runs. */
export async function runPostgresWorker(
  workflows: readonly AnyWorkflow[],
  settings: TestWorkerSettings,
): Promise<void> {
  const stack = await createPostgresStack({ url: process.env.RATCHET_DATABASE ?? "" });
  const kernel = createKernel({
    ...stack,
    eventSink: new CollectingEventSink(),
    registry: createRegistry([...workflows]),
  });
  const host = createNodeHost({
    shutdownTimeoutMs: 5_000,
    ...settings,
    kernel,
    jobTransport: stack.jobTransport,
    wakeups: stack.wakeups,
    workerId: process.env.RATCHET_WORKER_ID ?? `child-${process.pid}`,
    handleSignals: true,
    onSignalStop: async () => {
      await stack.close();
      process.stdout.write("stopped\n");
      process.exit(0);
    },
  });
  await host.start();
  process.stdout.write("ready\n");
}
