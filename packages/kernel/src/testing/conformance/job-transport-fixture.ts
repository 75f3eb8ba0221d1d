/** The fixture of the job transport conformance suite, and builders of the jobs its tests enqueue. */
import type { JobTransport } from "../../ports/job-transport.js";
import type { Persistence } from "../../ports/persistence/index.js";
import type { JobRecord, NewJob } from "../../records.js";
import { at, type ConformanceFixture, type ConformanceOptions, uniqueId } from "./shared.js";

/** Raw readers of the jobs the transport really stored. */
export interface JobTransportBackdoor {
  readJob(jobId: string): Promise<JobRecord | null>;
}

/** What `jobTransportConformance` tests: a job transport over an empty store. */
export interface JobTransportFixture extends ConformanceFixture {
  jobTransport: JobTransport;
  /**
   * Persistence of the same store: the suite creates the runs its jobs belong to, and opens
   * its transactions to check that the transport joins them.
   */
  persistence: Persistence;
  backdoor?: JobTransportBackdoor;
}

/** Options of `jobTransportConformance`. */
export interface JobTransportConformanceOptions extends ConformanceOptions<JobTransportFixture> {
  /**
   * Whether the transport joins transactions of `persistence` (default `true`). A transport on
   * an external queue sets `false`; the transaction tests are then not registered.
   */
  joinsTransactions?: boolean;
  /**
   * Lets concurrent work make progress while the suite holds a transaction open (a dequeue
   * racing an uncommitted enqueue). Default: a few turns of the microtask queue, enough for
   * in-process adapters; adapters over a database pass a short sleep such as 50 ms.
   */
  settle?: () => Promise<void>;
}

/** What job tests need from the fixture to build jobs. */
export interface JobBuilder {
  /** Creates a run (so stores with foreign keys accept its jobs) and returns its id. */
  run(): Promise<string>;
  /** A job of `workflowRunId`, available at `T0`. */
  job(workflowRunId: string, overrides?: Partial<NewJob>): NewJob;
}

/** A {@link JobBuilder} over the fixture's persistence. */
export function jobBuilder(persistence: Persistence): JobBuilder {
  return {
    async run() {
      const run = await persistence.createRun({
        id: uniqueId("run"),
        workflowId: "wf-jobs",
        workflowVersion: "1",
        fingerprint: "",
        priority: 0,
        input: null,
        config: {},
        metadata: {},
        idempotencyKey: null,
        eventSeq: 0,
        createdAt: at(0),
      });
      return run.id;
    },
    job(workflowRunId, overrides = {}) {
      return {
        jobId: uniqueId("job"),
        workflowRunId,
        workflowId: "wf-jobs",
        route: "wf-jobs",
        stageId: "fetch",
        priority: 0,
        maxAttempts: 3,
        payload: { hint: "conformance" },
        availableAt: at(0),
        ...overrides,
      };
    },
  };
}

/** Yields to the microtask queue a few times. */
export async function microtaskSettle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}
