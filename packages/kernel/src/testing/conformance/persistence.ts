/**
 * `persistenceConformance`: the shared test suite every `Persistence` adapter must pass.
 *
 * @example
 * ```ts
 * // my-adapter.conformance.test.ts
 * persistenceConformance({
 *   name: "prisma (postgres)",
 *   create: async () => {
 *     await truncateAllTables();
 *     return { persistence: createPrismaPersistence(prisma), backdoor: sqlBackdoor(prisma), close: async () => {} };
 *   },
 * });
 * ```
 */
import { describe } from "vitest";
import { breakerTests } from "./persistence-breakers.js";
import { concurrencyClaimTests } from "./persistence-concurrency.js";
import type { PersistenceConformanceOptions } from "./persistence-fixture.js";
import { idempotencyTests, logTests } from "./persistence-logs-idempotency.js";
import { outboxTests } from "./persistence-outbox.js";
import { retentionTests } from "./persistence-retention.js";
import { routingTests } from "./persistence-routing.js";
import { runTests } from "./persistence-runs.js";
import { scheduleTests } from "./persistence-schedules.js";
import { signalWaitTests } from "./persistence-signal-waits.js";
import { signalTests } from "./persistence-signals.js";
import { stageTests } from "./persistence-stages.js";
import { startRateClaimTests } from "./persistence-start-rates.js";
import { transactionTests } from "./persistence-transactions.js";
import { useFixture } from "./shared.js";

export type {
  BackdoorIdempotencyKey,
  BackdoorStage,
  PersistenceBackdoor,
  PersistenceConformanceOptions,
  PersistenceFixture,
} from "./persistence-fixture.js";

/**
 * Registers the persistence conformance tests (vitest) for the adapter `options.create`
 * builds: runs, routing by workflow version, transactions (commit, real rollback, nesting, row locks), stages, outputs,
 * logs, the outbox, idempotency keys, signals and their waits, cron schedules, and retention
 * (purging finished runs and old idempotency keys). Call it at
 * the top level of a test file.
 */
export function persistenceConformance(options: PersistenceConformanceOptions): void {
  describe(`${options.name}: persistence conformance`, () => {
    const fixture = useFixture(options);
    describe("runs", () => runTests(fixture));
    describe("claims under concurrency limits", () => concurrencyClaimTests(fixture));
    describe("claims under start rates", () => startRateClaimTests(fixture));
    describe("routing and versions", () => routingTests(fixture));
    describe("transactions", () => transactionTests(fixture));
    describe("stages", () => stageTests(fixture));
    describe("logs", () => logTests(fixture));
    describe("outbox", () => outboxTests(fixture));
    describe("idempotency keys", () => idempotencyTests(fixture));
    describe("signals", () => signalTests(fixture));
    describe("signal waits", () => signalWaitTests(fixture));
    describe("schedules", () => scheduleTests(fixture));
    describe("retention", () => retentionTests(fixture));
    describe("circuit breakers", () => breakerTests(fixture));
  });
}
