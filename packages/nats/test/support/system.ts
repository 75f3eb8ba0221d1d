/**
 * One system for the end-to-end tests: a kernel on a real store publishing to NATS through
 * `natsJobPublisher`, and consumer loops — each a simulated worker process with its own NATS
 * connection and serverless host — fed by nothing but the stream. No maintenance tick, no
 * `processAvailableJobs`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { createServerlessHost } from "@ratchet/host-serverless";
import {
  createKernel,
  createRegistry,
  discardEvents,
  type JobPublisher,
  type Kernel,
  type KernelConfig,
  readyWorkMessage,
} from "@ratchet/kernel";
import { createPostgresStack, createSqliteStack } from "@ratchet/prisma";
import { createPostgresDatabase } from "@ratchet/prisma/testing";
import {
  consumeJobMessages,
  type JobMessageHandler,
  type JobMessageLoop,
  type NatsJobPublisher,
  type NatsTransportError,
  natsJobPublisher,
} from "../../src/index.js";
import { connectNats, consumerOf, type TestQueue } from "./nats.js";
import { Executions, pipelineWorkflow } from "./workflow.js";

/** The stack's ports the tests need. */
export type StorePorts = Pick<
  KernelConfig,
  "persistence" | "blobStore" | "jobTransport" | "scheduler" | "clock"
>;

/** A real store, opened per test. */
export interface OpenStore {
  ports: StorePorts;
  close(): Promise<void>;
}

/** The stores the end-to-end tests run on: an SQLite file and a fresh PostgreSQL database. */
export const STORES: Record<string, () => Promise<OpenStore>> = {
  "SQLite file": async () => {
    const dir = mkdtempSync(join(tmpdir(), "ratchet-nats-"));
    const stack = await createSqliteStack({ file: join(dir, "ratchet.db") });
    return {
      ports: stack,
      close: async () => {
        await stack.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  PostgreSQL: async () => {
    const db = await createPostgresDatabase("nats_e2e");
    try {
      const stack = await createPostgresStack({ url: db.url });
      return {
        ports: stack,
        close: async () => {
          await stack.close();
          await db.drop();
        },
      };
    } catch (error) {
      await db.drop();
      throw error;
    }
  },
};

/** A worker: its connection, host and loop. */
export interface Worker {
  workerId: string;
  nc: NatsConnection;
  loop: JobMessageLoop;
  /** Bodies this worker's host handled: the result, when the host got it and when it was done. */
  handled: {
    body: unknown;
    ack: boolean;
    outcome: string | undefined;
    receivedAt: number;
    at: number;
  }[];
  stop(): Promise<void>;
}

/** The kernel, its publisher and the workers started so far. */
export interface System {
  kernel: Kernel;
  executions: Executions;
  publisher: NatsJobPublisher;
  /** Duplicates sent (see `SystemOptions.duplicateEvery`). */
  duplicates(): number;
  errors: NatsTransportError[];
  /**
   * Starts a worker. `wrap` may stand between the loop and the real host (to kill the worker).
   */
  startWorker(
    workerId: string,
    options?: {
      concurrency?: number;
      wrap?: (host: JobMessageHandler, worker: Worker) => JobMessageHandler;
    },
  ): Promise<Worker>;
  stop(): Promise<void>;
}

/** Options of {@link startSystem}. */
export interface SystemOptions {
  /**
   * Publishes every n-th ready job a second time, with a message id of its own, so JetStream
   * stores and delivers both: the consumers see real duplicates. (Pending-run messages are
   * not duplicated: a duplicate would claim another pending run, standing in for a lost one.)
   */
  duplicateEvery?: number;
}

/** Builds the system on `ports`, publishing to and consuming from `queue`. */
export async function startSystem(
  ports: StorePorts,
  queue: TestQueue,
  options: SystemOptions = {},
): Promise<System> {
  const executions = new Executions();
  const errors: NatsTransportError[] = [];
  const publisherConnection = await connectNats("e2e-publisher");
  const publisher = natsJobPublisher({
    jetstream: jetstream(publisherConnection),
    subject: queue.subject,
    onError: (error) => errors.push(error),
  });
  let published = 0;
  let duplicates = 0;
  const js = jetstream(publisherConnection);
  const duplicating: JobPublisher = {
    publish: async (work) => {
      await publisher.publish(work);
      const every = options.duplicateEvery;
      if (every === undefined) return;
      for (const item of work) {
        if (item.kind !== "job" || ++published % every !== 0) continue;
        duplicates++;
        const body = JSON.stringify(readyWorkMessage(item, new Date()));
        await js.publish(queue.subject, body, { msgID: `duplicate:${published}` });
      }
    },
  };
  const kernel = createKernel({
    ...ports,
    eventSink: discardEvents,
    registry: createRegistry([pipelineWorkflow(executions)]),
    jobPublisher: options.duplicateEvery === undefined ? publisher : duplicating,
  });
  const workers: Worker[] = [];
  return {
    kernel,
    executions,
    publisher,
    duplicates: () => duplicates,
    errors,
    async startWorker(workerId, options = {}) {
      const nc = await connectNats(`e2e-${workerId}`);
      const controller = new AbortController();
      const host = createServerlessHost({ kernel, jobTransport: ports.jobTransport, workerId });
      const worker = { workerId, nc, handled: [] } as unknown as Worker;
      const received = new Map<unknown, number>();
      const timed: JobMessageHandler = {
        handleJob: (message) => {
          received.set(message, Date.now());
          return host.handleJob(message);
        },
      };
      const loop = consumeJobMessages({
        consumer: await consumerOf(nc, queue.stream, queue.consumerName),
        host: options.wrap ? options.wrap(timed, worker) : timed,
        concurrency: options.concurrency ?? 4,
        pullExpiresMs: 1_000,
        signal: controller.signal,
        onError: (error) => errors.push(error),
        onHandled: (body, result) => {
          worker.handled.push({
            body,
            ack: result.ack,
            outcome: (result as { outcome?: string }).outcome,
            receivedAt: received.get(body) ?? Number.NaN,
            at: Date.now(),
          });
          received.delete(body);
        },
      });
      Object.assign(worker, {
        loop,
        stop: async () => {
          controller.abort();
          await loop.done;
          if (!nc.isClosed()) await nc.close();
        },
      });
      workers.push(worker);
      return worker;
    },
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await publisherConnection.close();
    },
  };
}

/** Resolves once `check` holds, polling; throws after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
