/**
 * `schedulerConformance`: the shared test suite every `Scheduler` adapter must pass.
 *
 * @example
 * ```ts
 * schedulerConformance({
 *   name: "prisma (sqlite)",
 *   create: async () => ({ scheduler, persistence, backdoor: sqlSchedulerBackdoor, close: async () => {} }),
 * });
 * ```
 */
import { describe, expect, it } from "vitest";
import type { Persistence } from "../../ports/persistence/index.js";
import type { ScheduleRequest, Scheduler } from "../../ports/scheduler.js";
import type { ScheduledCommand } from "../../records.js";
import {
  at,
  type ConformanceFixture,
  type ConformanceOptions,
  RollbackProbe,
  SECOND,
  sampleJson,
  uniqueId,
  useFixture,
} from "./shared.js";

/** Raw readers of the scheduled commands the scheduler really stored. */
export interface SchedulerBackdoor {
  readScheduled(type: string, correlationId: string): Promise<ScheduledCommand | null>;
}

/** What `schedulerConformance` tests: a scheduler over an empty store. */
export interface SchedulerFixture extends ConformanceFixture {
  scheduler: Scheduler;
  /** Persistence of the same store, whose transactions the scheduler joins. */
  persistence: Persistence;
  backdoor?: SchedulerBackdoor;
}

/** Options of {@link schedulerConformance}. */
export interface SchedulerConformanceOptions extends ConformanceOptions<SchedulerFixture> {
  /** Whether the scheduler joins transactions of `persistence` (default `true`). */
  joinsTransactions?: boolean;
}

const LEASE_MS = 30 * SECOND;

function request(overrides: Partial<ScheduleRequest> = {}): ScheduleRequest {
  return {
    type: "run.transition",
    correlationId: uniqueId("corr"),
    payload: { workflowRunId: "r" },
    runAt: at(SECOND),
    ...overrides,
  };
}

/**
 * Registers the scheduler conformance tests (vitest): due entries, the next due time, upsert
 * by type and correlation id, cancellation, leases, acknowledgement and transactions. Call it
 * at the top level of a test file.
 */
export function schedulerConformance(options: SchedulerConformanceOptions): void {
  const joinsTransactions = options.joinsTransactions ?? true;
  describe(`${options.name}: scheduler conformance`, () => {
    const fixture = useFixture(options);
    const claim = (now: Date, limit = 10, workerId = "host-1") =>
      fixture().scheduler.claimDue({ now, limit, workerId, leaseMs: LEASE_MS });
    const correlations = (entries: readonly ScheduledCommand[]) =>
      entries.map((entry) => entry.correlationId);

    it(`declares joinsTransactions: ${joinsTransactions}`, () => {
      expect(fixture().scheduler.joinsTransactions).toBe(joinsTransactions);
    });

    it("claimDue hands out an entry only once it is due, with every field intact", async () => {
      const { scheduler, backdoor } = fixture();
      const entry = request({
        type: "schedule.sleep",
        payload: sampleJson(),
        runAt: at(60 * SECOND),
      });
      await scheduler.schedule(entry);
      expect(await claim(at(60 * SECOND - 1))).toEqual([]);
      const [claimed] = await claim(at(60 * SECOND));
      expect(claimed).toEqual({ ...entry, id: expect.any(String) });
      expect(claimed?.runAt).toBeInstanceOf(Date);
      if (backdoor)
        expect(await backdoor.readScheduled(entry.type, entry.correlationId)).toEqual(claimed);
    });

    it("claimDue hands out the oldest entries first and honours limit", async () => {
      const { scheduler } = fixture();
      const late = request({ runAt: at(3 * SECOND) });
      const early = request({ runAt: at(1 * SECOND) });
      const middle = request({ runAt: at(2 * SECOND) });
      for (const entry of [late, early, middle]) await scheduler.schedule(entry);
      expect(correlations(await claim(at(10 * SECOND), 2))).toEqual([
        early.correlationId,
        middle.correlationId,
      ]);
      expect(correlations(await claim(at(10 * SECOND), 10))).toEqual([late.correlationId]);
    });

    it("nextDueAfter (optional) gives the earliest entry later than now, or null", async () => {
      const { scheduler } = fixture();
      const { nextDueAfter } = scheduler;
      if (nextDueAfter === undefined) {
        // Hosts then wake for scheduled entries at their regular ticks only.
        expect(scheduler).not.toHaveProperty("nextDueAfter");
        return;
      }
      const next = (now: Date) => nextDueAfter.call(scheduler, now);
      expect(await next(at(0))).toBeNull();
      for (const ms of [30, 10, 20]) await scheduler.schedule(request({ runAt: at(ms * SECOND) }));
      expect(await next(at(0))).toEqual(at(10 * SECOND));
      // Entries due already are claimDue's, leased or not: the next one is later than now.
      expect(await next(at(10 * SECOND))).toEqual(at(20 * SECOND));
      await claim(at(25 * SECOND));
      expect(await next(at(25 * SECOND))).toEqual(at(30 * SECOND));
      expect(await next(at(30 * SECOND))).toBeNull();
    });

    it("schedule replaces the entry with the same type and correlation id", async () => {
      const { scheduler, backdoor } = fixture();
      const first = request({ payload: { version: 1 }, runAt: at(10 * SECOND) });
      const second = { ...first, payload: { version: 2 }, runAt: at(20 * SECOND) };
      await scheduler.schedule(first);
      await scheduler.schedule(second);
      expect(await claim(at(15 * SECOND))).toEqual([]);
      const claimed = await claim(at(20 * SECOND));
      expect(claimed).toEqual([{ ...second, id: expect.any(String) }]);
      if (backdoor) {
        expect((await backdoor.readScheduled(first.type, first.correlationId))?.payload).toEqual({
          version: 2,
        });
      }
    });

    it("entries with the same correlation id but different types are separate", async () => {
      const { scheduler } = fixture();
      const correlationId = uniqueId("corr");
      await scheduler.schedule(request({ type: "stage.timeout", correlationId }));
      await scheduler.schedule(request({ type: "run.transition", correlationId }));
      const claimed = await claim(at(10 * SECOND));
      expect(claimed.map((entry) => entry.type).sort()).toEqual([
        "run.transition",
        "stage.timeout",
      ]);
    });

    it("cancel removes an entry, and cancelling a missing one is not an error", async () => {
      const { scheduler, backdoor } = fixture();
      const kept = request();
      const cancelled = request();
      await scheduler.schedule(kept);
      await scheduler.schedule(cancelled);
      await scheduler.cancel(cancelled.type, cancelled.correlationId);
      await scheduler.cancel("run.transition", uniqueId("missing"));
      if (backdoor)
        expect(await backdoor.readScheduled(cancelled.type, cancelled.correlationId)).toBeNull();
      expect(correlations(await claim(at(10 * SECOND)))).toEqual([kept.correlationId]);
    });

    it("cancelByCorrelationPrefix removes exactly the entries whose correlation id starts with the prefix", async () => {
      const { scheduler } = fixture();
      const base = uniqueId("run");
      const doomed = [
        request({ correlationId: `${base}-1:timer-a` }),
        request({ type: "stage.timeout", correlationId: `${base}-1:timer-b` }),
      ];
      const kept = [
        request({ correlationId: `${base}-10:timer-a` }),
        request({ correlationId: `${base}-2:timer-a` }),
        // Characters that are wildcards in SQL LIKE or globs must match literally.
        request({ correlationId: `${base}_%:timer` }),
        request({ correlationId: `${base}-X:timer` }),
      ];
      for (const entry of [...doomed, ...kept]) await scheduler.schedule(entry);
      expect(await scheduler.cancelByCorrelationPrefix(`${base}-1:`)).toBe(2);
      expect(await scheduler.cancelByCorrelationPrefix(`${base}_%:`)).toBe(1);
      expect(await scheduler.cancelByCorrelationPrefix(uniqueId("nothing"))).toBe(0);
      const remaining = correlations(await claim(at(10 * SECOND))).sort();
      expect(remaining).toEqual(
        [`${base}-10:timer-a`, `${base}-2:timer-a`, `${base}-X:timer`].sort(),
      );
    });

    it("a claimed entry is leased: nobody else gets it until the lease expires", async () => {
      const { scheduler } = fixture();
      const entry = request({ runAt: at(SECOND) });
      await scheduler.schedule(entry);
      expect(correlations(await claim(at(SECOND), 10, "host-1"))).toEqual([entry.correlationId]);
      expect(await claim(at(2 * SECOND), 10, "host-2")).toEqual([]);
      expect(correlations(await claim(at(SECOND + LEASE_MS + 1), 10, "host-2"))).toEqual([
        entry.correlationId,
      ]);
    });

    it("concurrent claimDue callers never receive the same entry", async () => {
      const { scheduler } = fixture();
      const entries = Array.from({ length: 20 }, (_, i) => request({ runAt: at(i) }));
      for (const entry of entries) await scheduler.schedule(entry);
      const batches = await Promise.all(
        Array.from({ length: 5 }, (_, host) => claim(at(10 * SECOND), 5, `host-${host}`)),
      );
      const claimed = batches.flat().map((entry) => entry.correlationId);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed.sort()).toEqual(entries.map((entry) => entry.correlationId).sort());
    });

    it("acknowledge deletes fired entries", async () => {
      const { scheduler, backdoor } = fixture();
      const entry = request();
      await scheduler.schedule(entry);
      const claimed = await claim(at(SECOND));
      await scheduler.acknowledge(claimed.map((fired) => fired.id));
      await scheduler.acknowledge([uniqueId("missing")]);
      if (backdoor)
        expect(await backdoor.readScheduled(entry.type, entry.correlationId)).toBeNull();
      expect(await claim(at(SECOND + 10 * LEASE_MS))).toEqual([]);
    });

    it("an entry rescheduled while it was being fired survives the acknowledgement of the fired one", async () => {
      const { scheduler } = fixture();
      const entry = request({ runAt: at(SECOND) });
      await scheduler.schedule(entry);
      const fired = await claim(at(SECOND));
      await scheduler.schedule({ ...entry, runAt: at(5 * SECOND) });
      await scheduler.acknowledge(fired.map((e) => e.id));
      const rearmed = await claim(at(5 * SECOND));
      expect(rearmed).toEqual([{ ...entry, runAt: at(5 * SECOND), id: expect.any(String) }]);
    });

    if (joinsTransactions) {
      it("schedule inside a rolled-back transaction leaves nothing", async () => {
        const { scheduler, persistence, backdoor } = fixture();
        const entry = request();
        const probe = new RollbackProbe();
        const attempt = persistence.withTransaction(async (tx) => {
          await scheduler.schedule(entry, tx);
          throw probe;
        });
        await expect(attempt).rejects.toBe(probe);
        if (backdoor)
          expect(await backdoor.readScheduled(entry.type, entry.correlationId)).toBeNull();
        expect(await claim(at(100 * SECOND))).toEqual([]);
      });

      it("cancel, cancelByCorrelationPrefix and acknowledge inside a rolled-back transaction change nothing", async () => {
        const { scheduler, persistence } = fixture();
        const entry = request();
        await scheduler.schedule(entry);
        const [fired] = await claim(at(SECOND));
        const probe = new RollbackProbe();
        const attempt = persistence.withTransaction(async (tx) => {
          await scheduler.cancel(entry.type, entry.correlationId, tx);
          expect(await scheduler.cancelByCorrelationPrefix(entry.correlationId, tx)).toBe(0);
          await scheduler.acknowledge([fired?.id ?? ""], tx);
          throw probe;
        });
        await expect(attempt).rejects.toBe(probe);
        expect(correlations(await claim(at(SECOND + LEASE_MS + 1)))).toEqual([entry.correlationId]);
      });

      it("schedule inside a committed transaction is claimable after the commit", async () => {
        const { scheduler, persistence } = fixture();
        const entry = request();
        await persistence.withTransaction((tx) => scheduler.schedule(entry, tx));
        expect(correlations(await claim(at(SECOND)))).toEqual([entry.correlationId]);
      });
    }
  });
}
