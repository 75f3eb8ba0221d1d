/**
 * A worker process for the circuit-breaker test: one Node host on the PostgreSQL database
 * named by RATCHET_DATABASE with the guarded workflow; stops gracefully on SIGTERM. Prints
 * "ready" once started.
 */

import { guardedWorkflow } from "./breaker-workload.js";
import { runPostgresWorker } from "./postgres-worker.js";

await runPostgresWorker([guardedWorkflow], {
  concurrency: 2,
  orchestrationIntervalMs: 200,
  jobPollIntervalMs: 50,
  maxIdlePollIntervalMs: 100,
});
