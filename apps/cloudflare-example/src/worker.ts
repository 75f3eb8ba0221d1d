/**
 * The Worker module: `fetch` (a small API), `queue` (job messages → `handleJob`, ack/retry per
 * message) and `scheduled` (maintenance tick + `processAvailableJobs`), each ending with
 * `publishEvents`. The runtime (ports, kernel, host) is built once per isolate, on first use,
 * from the bindings.
 */
import type { WorkerHandler } from "./cloudflare.js";
import type { Env } from "./env.js";
import { handleFetch } from "./fetch.js";
import { handleQueue } from "./queue.js";
import { createRuntime, type Runtime, type RuntimeOptions } from "./runtime.js";
import { handleScheduled } from "./scheduled.js";
import { defaultPorts } from "./storage.js";

/** A Worker plus access to its isolate runtime (for tests). */
export interface RatchetWorker extends Required<WorkerHandler<Env>> {
  runtime(env: Env): Promise<Runtime>;
}

/** Creates the Worker; pass `ports` to run on your own storage adapter. */
export function createWorker(options: Partial<RuntimeOptions> = {}): RatchetWorker {
  let runtime: Promise<Runtime> | undefined;
  const get = (env: Env) => {
    runtime ??= createRuntime(env, { ports: defaultPorts, ...options }).catch((error: unknown) => {
      runtime = undefined; // a failed start is retried on the next invocation
      throw error;
    });
    return runtime;
  };
  return {
    runtime: get,
    fetch: async (request, env) => handleFetch(await get(env), request),
    queue: async (batch, env) => handleQueue(await get(env), batch),
    scheduled: async (controller, env) => {
      await handleScheduled(await get(env), controller);
    },
  };
}

const worker = createWorker();

/** The module Worker Cloudflare runs. */
export default {
  fetch: worker.fetch,
  queue: worker.queue,
  scheduled: worker.scheduled,
} satisfies WorkerHandler<Env>;
