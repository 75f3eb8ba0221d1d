/**
 * In-memory adapters of every storage port, for tests and the in-memory kernel benchmark.
 * They share one {@link InMemoryStore}, whose transactions really roll back and which the job
 * transport and scheduler join.
 */
import type { BlobStore } from "../ports/blob-store.js";
import type { JobTransport } from "../ports/job-transport.js";
import type { Persistence } from "../ports/persistence/index.js";
import type { RunEndSource } from "../ports/run-ends.js";
import type { RunQueries } from "../ports/run-queries.js";
import type { Scheduler } from "../ports/scheduler.js";
import { createInMemoryBlobStore } from "./blob-store.js";
import { createInMemoryJobTransport } from "./job-transport.js";
import { createInMemoryPersistence } from "./persistence.js";
import { createInMemoryRunQueries } from "./run-queries.js";
import { createInMemoryScheduler } from "./scheduler.js";
import { InMemoryStore } from "./store.js";

export { createInMemoryBlobStore } from "./blob-store.js";
export { createInMemoryJobTransport } from "./job-transport.js";
export { createInMemoryPersistence } from "./persistence.js";
export { InMemoryRunEnds } from "./run-ends.js";
export { createInMemoryRunQueries } from "./run-queries.js";
export { createInMemoryScheduler } from "./scheduler.js";
export type { IdempotencyRow, JobRow, LogRow, OutboxRow, ScheduledRow, StageRow } from "./store.js";
export { InMemoryStore } from "./store.js";

/** Every in-memory adapter, sharing one store. */
export interface InMemoryStack {
  store: InMemoryStore;
  persistence: Persistence;
  jobTransport: JobTransport;
  scheduler: Scheduler;
  blobStore: BlobStore;
  /** Read-side queries over the same store, for tools. */
  queries: RunQueries;
  /** Run-end notices, after each commit that ended a run (for `awaitRunEnd` / `awaitRunResult`). */
  runEnds: RunEndSource;
}

/**
 * Creates an {@link InMemoryStore} with a persistence, job transport, scheduler and run
 * queries over it, plus an in-memory blob store.
 *
 * @example
 * ```ts
 * const { persistence, jobTransport, scheduler, blobStore } = createInMemoryStack();
 * ```
 */
export function createInMemoryStack(): InMemoryStack {
  const store = new InMemoryStore();
  return {
    store,
    persistence: createInMemoryPersistence(store),
    jobTransport: createInMemoryJobTransport(store),
    scheduler: createInMemoryScheduler(store),
    blobStore: createInMemoryBlobStore(),
    queries: createInMemoryRunQueries(store),
    runEnds: store.runEnds,
  };
}
