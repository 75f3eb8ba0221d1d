/**
 * A worker process for the rate-limit test: one Node host on the PostgreSQL database named by
 * RATCHET_DATABASE running the rate-limited workflow; it claims often (every 100 ms), so the
 * limit, not the host, decides how many runs start. Stops gracefully on SIGTERM; prints
 * "ready" once started.
 */
import { runPostgresWorker } from "./postgres-worker.js";
import { ratedWorkflow } from "./rate-workload.js";

await runPostgresWorker([ratedWorkflow], {
  concurrency: 8,
  maxClaimsPerTick: 25,
  orchestrationIntervalMs: 100,
  jobPollIntervalMs: 50,
  maxIdlePollIntervalMs: 100,
});
