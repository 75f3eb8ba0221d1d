/**
 * A worker process of the crash test: one Node host on the PostgreSQL database in
 * RATCHET_DATABASE, running the crash workload, whose stages write the ledger (each row
 * committed on its own, stamped with this worker's id RATCHET_WORKER_ID). The host logs to
 * the console (stderr), where the controller reads it: a worker must write nothing there.
 * The controller SIGKILLs it, or stops it with SIGTERM at the end, when it must exit 0.
 * Prints "ready" once started and "stopped" when it stopped.
 *
 * RATCHET_CRASH_WORKER_FAULT makes it misbehave on purpose, to check that the controller
 * notices: `exit:<n>` exits with code 3 when its n-th stage starts, `warn:<n>` writes a warning
 * to stderr then.
 *
 * With RATCHET_CRASH_ISOLATION (`process` or `thread`) it registers the isolated workload of the
 * bundled module RATCHET_CRASH_MODULE instead, whose stage bodies run in children started from
 * RATCHET_ISOLATION_CHILD and write the ledger themselves (`crash-workload-isolated.ts`).
 */
import { pathToFileURL } from "node:url";
import { type AnyWorkflow, createKernel, createRegistry, systemClock } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack } from "@ratchet/prisma";
import { createIsolatedStageRunner, createNodeHost } from "../../src/index.js";
import { LEDGER_INSERT } from "./crash-schema.js";
import { crashWorkflow, ledger } from "./crash-workload.js";

const url = process.env.RATCHET_DATABASE ?? "";
const workerId = process.env.RATCHET_WORKER_ID ?? `crash-${process.pid}`;
const [faultKind, faultAt] = (process.env.RATCHET_CRASH_WORKER_FAULT ?? "").split(":");
let stagesStarted = 0;
const stack = await createPostgresStack({ url });
// Each row commits on its own, outside any stage commit (the stage runs outside transactions).
ledger.write = async (row) => {
  await stack.prisma.$executeRawUnsafe(
    LEDGER_INSERT,
    row.runId,
    row.stageId,
    row.attempt,
    row.pid,
    workerId,
  );
  if (++stagesStarted !== Number(faultAt)) return;
  if (faultKind === "exit") process.exit(3);
  if (faultKind === "warn") console.warn(`[crash worker] injected warning after ${faultAt} stages`);
};
const isolatedModule = process.env.RATCHET_CRASH_ISOLATION
  ? (process.env.RATCHET_CRASH_MODULE ?? "")
  : undefined;
const workflow = isolatedModule
  ? ((await import(pathToFileURL(isolatedModule).href)) as { crashWorkflow: AnyWorkflow })
      .crashWorkflow
  : crashWorkflow;
const kernel = createKernel({
  ...stack,
  eventSink: new CollectingEventSink(),
  clock: systemClock,
  registry: createRegistry([workflow]),
  ...(isolatedModule
    ? {
        stageRunner: createIsolatedStageRunner({
          module: isolatedModule,
          childEntry: process.env.RATCHET_ISOLATION_CHILD ?? "",
        }),
      }
    : {}),
});
const host = createNodeHost({
  kernel,
  jobTransport: stack.jobTransport,
  wakeups: stack.wakeups,
  workerId,
  // Isolated: every attempt starts a Node child. Eight at once per worker, four workers, on two
  // cores, starved the workers' own heartbeats past a 2 s lease (attempts ran twice with no kill,
  // as any stage whose host cannot heartbeat does): fewer children and a longer lease, there.
  concurrency: isolatedModule ? 2 : 8,
  orchestrationIntervalMs: 250,
  jobPollIntervalMs: 50,
  maxIdlePollIntervalMs: 250,
  // Short leases: a killed worker's jobs come back soon.
  leaseMs: isolatedModule ? 6_000 : 2_000,
  staleLeaseThresholdMs: 0,
  stuckRunThresholdMs: isolatedModule ? 6_000 : 2_000,
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
