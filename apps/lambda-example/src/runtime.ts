/**
 * What one Lambda container keeps between invocations: a kernel and a serverless host over
 * storage ports. `postgresRuntime()` is the production default (`DATABASE_URL`); tests build
 * a runtime over any ports with `createRuntime`.
 */
import { createServerlessHost, type ServerlessHost } from "@ratchet/host-serverless";
import {
  type BlobStore,
  type Clock,
  createKernel,
  createRegistry,
  type EventSink,
  type JobPublisher,
  type JobTransport,
  type Kernel,
  type Persistence,
  type Scheduler,
  systemClock,
  type WorkflowEvent,
} from "@ratchet/kernel";
import { createPostgresStack } from "@ratchet/prisma";
import { jobPublisherFromEnv } from "./publisher.js";
import { invoiceWorkflow } from "./workflow.js";

/** Storage ports, as `createPostgresStack` / `createSqliteStack` return them. */
export interface StoragePorts {
  persistence: Persistence;
  jobTransport: JobTransport;
  scheduler: Scheduler;
  blobStore: BlobStore;
  /** The stack's clock, when it has one (PostgreSQL: the database server's); else the system clock. */
  clock?: Clock;
}

/** A log line the handler writes (one JSON object per line in CloudWatch). */
export interface LogEntry {
  level: "info" | "warn" | "error";
  message: string;
  [key: string]: unknown;
}

/** How the scheduled (cron) invocation drains the queue. */
export interface CronSettings {
  /** Most jobs one scheduled invocation runs (default 50). */
  maxJobs: number;
  /** Jobs run at once (default 4). */
  concurrency: number;
  /**
   * Time kept free before the Lambda timeout: no job starts, and no outbox flush, later than
   * this before it. Make it longer than the slowest stage (default 15 s).
   */
  marginMs: number;
  /** Budget when the invocation has no context (local runs, tests) (default 60 s). */
  defaultBudgetMs: number;
}

/** Default {@link CronSettings}. */
export const DEFAULT_CRON: CronSettings = {
  maxJobs: 50,
  concurrency: 4,
  marginMs: 15_000,
  defaultBudgetMs: 60_000,
};

/** Default {@link Runtime.publishBudgetMs}: 1 s of outbox flushes after each SQS batch. */
export const DEFAULT_PUBLISH_BUDGET_MS = 1_000;

/** One container's Ratchet. */
export interface Runtime {
  /** The storage ports (to create runs or read their state from the same container). */
  ports: StoragePorts;
  kernel: Kernel;
  host: ServerlessHost;
  cron: CronSettings;
  /** SQS records handled at once (default 4). */
  messageConcurrency: number;
  /**
   * Time an SQS invocation spends publishing outbox events after its batch (default 1 s):
   * short, so the invocation ends promptly; the schedule publishes with the time it has left.
   */
  publishBudgetMs: number;
  log(entry: LogEntry): void;
  close(): Promise<void>;
}

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  ports: StoragePorts;
  /** Where published workflow events go (default: logged). */
  eventSink?: EventSink;
  /**
   * Where the kernel publishes ready work after each commit (see `jobPublisherFromEnv`):
   * the SQS job queue, so its messages start the work at once. Default: none (the schedule
   * alone runs the work).
   */
  jobPublisher?: JobPublisher;
  workerId?: string;
  cron?: Partial<CronSettings>;
  messageConcurrency?: number;
  publishBudgetMs?: number;
  log?: (entry: LogEntry) => void;
  close?: () => Promise<void>;
}

/** Writes one JSON line per entry, as CloudWatch Logs likes. */
export function jsonLog(entry: LogEntry): void {
  (entry.level === "error" ? console.error : console.log)(JSON.stringify(entry));
}

/** Logs each workflow event; replace with an EventBridge or SNS publisher. */
function loggingSink(log: (entry: LogEntry) => void): EventSink {
  return {
    emit: async (event: WorkflowEvent) =>
      log({
        level: "info",
        message: "workflow event",
        type: event.type,
        workflowRunId: event.workflowRunId,
        sequence: event.sequence,
      }),
  };
}

/** Builds a kernel and a host over `options.ports`. */
export function createRuntime(options: RuntimeOptions): Runtime {
  const log = options.log ?? jsonLog;
  const kernel = createKernel({
    ...options.ports,
    eventSink: options.eventSink ?? loggingSink(log),
    clock: options.ports.clock ?? systemClock,
    registry: createRegistry([invoiceWorkflow]),
    ...(options.jobPublisher ? { jobPublisher: options.jobPublisher } : {}),
  });
  const host = createServerlessHost({
    kernel,
    jobTransport: options.ports.jobTransport,
    workerId:
      options.workerId ??
      process.env.AWS_LAMBDA_LOG_STREAM_NAME ??
      `lambda-${crypto.randomUUID().slice(0, 8)}`,
  });
  return {
    ports: options.ports,
    kernel,
    host,
    cron: { ...DEFAULT_CRON, ...options.cron },
    messageConcurrency: options.messageConcurrency ?? 4,
    publishBudgetMs: options.publishBudgetMs ?? DEFAULT_PUBLISH_BUDGET_MS,
    log,
    close: options.close ?? (async () => {}),
  };
}

/**
 * The production runtime: PostgreSQL at `DATABASE_URL` (migrated on cold start), publishing
 * ready work to the SQS queue at `RATCHET_JOB_QUEUE_URL` when it is set.
 */
export async function postgresRuntime(): Promise<Runtime> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("[ratchet] [serverless] [lambda] DATABASE_URL is not set");
  // A small pool: one container handles one invocation at a time.
  const stack = await createPostgresStack({ url, poolSize: 5 });
  const jobPublisher = jobPublisherFromEnv(jsonLog);
  return createRuntime({
    ports: stack,
    ...(jobPublisher ? { jobPublisher } : {}),
    close: () => stack.close(),
  });
}
