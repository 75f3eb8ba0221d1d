/**
 * What one isolate keeps between invocations: the ports, a kernel and a serverless host,
 * built on first use from the bindings and reused.
 */
import { queueJobPublisher } from "@ratchet/cloudflare";
import { createServerlessHost, type ServerlessHost } from "@ratchet/host-serverless";
import {
  createKernel,
  createRegistry,
  type EventSink,
  type Kernel,
  systemClock,
} from "@ratchet/kernel";
import { type Env, readSettings, type Settings } from "./env.js";
import type { PortsFactory, StoragePorts } from "./storage.js";
import { digestWorkflow } from "./workflow.js";

/** One isolate's Ratchet. */
export interface Runtime {
  ports: StoragePorts;
  kernel: Kernel;
  host: ServerlessHost;
  settings: Settings;
}

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  ports: PortsFactory;
  /** Where workflow events are published (default: logged when `RATCHET_LOG_EVENTS=true`). */
  eventSink?: EventSink;
}

function consoleSink(enabled: boolean): EventSink {
  return {
    emit: async (event) => {
      if (enabled) {
        console.log(
          JSON.stringify({ event: event.type, run: event.workflowRunId, seq: event.sequence }),
        );
      }
    },
  };
}

/** Builds an isolate's runtime from its bindings. */
export async function createRuntime(env: Env, options: RuntimeOptions): Promise<Runtime> {
  const settings = readSettings(env);
  const ports = await options.ports(env);
  const kernel = createKernel({
    ...ports,
    eventSink: options.eventSink ?? consoleSink(settings.logEvents),
    clock: ports.clock ?? systemClock,
    registry: createRegistry([digestWorkflow]),
    // After each commit, ready work goes to the queue (a lost message waits for the cron tick).
    ...(env.JOBS
      ? {
          jobPublisher: queueJobPublisher(env.JOBS, {
            onError: (error) => console.error(JSON.stringify({ publish: error.message })),
          }),
        }
      : {}),
  });
  const host = createServerlessHost({
    kernel,
    jobTransport: ports.jobTransport,
    workerId: env.RATCHET_WORKER_ID ?? `cf-${crypto.randomUUID().slice(0, 8)}`,
  });
  return { ports, kernel, host, settings };
}
