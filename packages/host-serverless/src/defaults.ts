/**
 * Defaults of the serverless host. The lease and heartbeat come from `@ratchet/host-common`
 * and the maintenance tick's limits from the kernel's duty list, so the Node and serverless
 * hosts behave the same; these are the few that only a serverless invocation needs.
 */

/** Jobs one `processAvailableJobs` call runs at once: one, the safe choice for a small function. */
export const DEFAULT_CONCURRENCY = 1;

/**
 * Time budget of `processAvailableJobs` when none is given: none. The call stops when
 * `maxJobs` jobs ran or the queue is empty; pass a budget under the platform's time limit.
 */
export const DEFAULT_TIME_BUDGET_MS = Number.POSITIVE_INFINITY;

/**
 * Time budget of `publishEvents` when none is given: 2 s of flushes, short enough to end an
 * invocation promptly (a flush already started runs to its end).
 */
export const DEFAULT_PUBLISH_TIME_BUDGET_MS = 2_000;
