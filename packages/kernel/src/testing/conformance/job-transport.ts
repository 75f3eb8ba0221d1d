/**
 * `jobTransportConformance`: the shared test suite every `JobTransport` adapter must pass.
 *
 * @example
 * ```ts
 * jobTransportConformance({
 *   name: "prisma (postgres)",
 *   create: async () => {
 *     await truncateAllTables();
 *     return { jobTransport, persistence, backdoor: { readJob: (id) => sqlReadJob(id) }, close: async () => {} };
 *   },
 *   settle: () => new Promise((resolve) => setTimeout(resolve, 50)),
 * });
 * ```
 */
import { describe, expect, it } from "vitest";
import { type JobTransportConformanceOptions, microtaskSettle } from "./job-transport-fixture.js";
import { lifecycleTests } from "./job-transport-lifecycle.js";
import { queueTests, transactionalQueueTests } from "./job-transport-queue.js";
import { routingTests } from "./job-transport-routing.js";
import { useFixture } from "./shared.js";

export type {
  JobTransportBackdoor,
  JobTransportConformanceOptions,
  JobTransportFixture,
} from "./job-transport-fixture.js";

/**
 * Registers the job transport conformance tests (vitest): dequeue order, leases, concurrent
 * dequeuers, visibility only after commit, retries, lease reaping with `maxAttempts`,
 * release and cancellation. Call it at the top level of a test file.
 */
export function jobTransportConformance(options: JobTransportConformanceOptions): void {
  const joinsTransactions = options.joinsTransactions ?? true;
  describe(`${options.name}: job transport conformance`, () => {
    const fixture = useFixture(options);
    it(`declares joinsTransactions: ${joinsTransactions}`, () => {
      expect(fixture().jobTransport.joinsTransactions).toBe(joinsTransactions);
    });
    describe("enqueue and dequeue", () => queueTests(fixture));
    if (joinsTransactions) {
      describe("transactions", () =>
        transactionalQueueTests(fixture, options.settle ?? microtaskSettle));
    }
    describe("job lifecycle", () => lifecycleTests(fixture));
    describe("routing", () => routingTests(fixture));
  });
}
