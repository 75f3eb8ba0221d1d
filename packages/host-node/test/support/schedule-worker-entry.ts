/**
 * A worker process for the schedule test: one Node host on the PostgreSQL database named by
 * RATCHET_DATABASE, with the workflow its schedule starts; it ticks at its due times (the next
 * schedule's fire time), stops gracefully on SIGTERM. Prints "ready" once started.
 */
import { runPostgresWorker } from "./postgres-worker.js";
import { scheduledWorkflow } from "./schedule-workload.js";

await runPostgresWorker([scheduledWorkflow], {
  concurrency: 4,
  orchestrationIntervalMs: 1_000,
  jobPollIntervalMs: 50,
  maxIdlePollIntervalMs: 200,
});
