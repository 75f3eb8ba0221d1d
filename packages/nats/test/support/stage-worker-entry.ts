/**
 * A worker process for the kill-mid-stage test: a serverless host fed by `consumeJobMessages`
 * (one slot) on the store and stream the parent names in its environment. Its stages never
 * finish: each prints `stage-started <runId> <stageId>` and waits, so the parent can kill the
 * process in the middle of one, holding the job's lease. Prints `ready` once consuming.
 */
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { createServerlessHost } from "@ratchet/host-serverless";
import { createKernel, createRegistry, discardEvents } from "@ratchet/kernel";
import { createPostgresStack, createSqliteStack } from "@ratchet/prisma";
import { consumeJobMessages } from "../../src/index.js";
import { pipelineWorkflow } from "./workflow.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`stage worker: ${name} is not set`);
  return value;
};

const stack =
  env("WORKER_STORE") === "sqlite"
    ? await createSqliteStack({ file: env("WORKER_STORE_ADDRESS") })
    : await createPostgresStack({ url: env("WORKER_STORE_ADDRESS") });
const kernel = createKernel({
  ...stack,
  eventSink: discardEvents,
  registry: createRegistry([
    pipelineWorkflow({
      record: (runId, stageId) => {
        process.stdout.write(`stage-started ${runId} ${stageId}\n`);
        return new Promise<void>(() => {});
      },
    }),
  ]),
});
const host = createServerlessHost({
  kernel,
  jobTransport: stack.jobTransport,
  workerId: "doomed-process",
  leaseMs: Number(env("WORKER_LEASE_MS")),
});
const nc = await connect({ servers: env("WORKER_NATS_URL") });
const consumer = await jetstream(nc).consumers.get(env("WORKER_STREAM"), env("WORKER_CONSUMER"));
consumeJobMessages({ consumer, host, concurrency: 1, pullExpiresMs: 1_000 });
process.stdout.write("ready\n");
