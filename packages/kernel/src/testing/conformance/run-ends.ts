/**
 * `runEndSourceConformance`: the shared test suite of a {@link RunEndSource} over the
 * persistence whose commits it reports. Notices must name the run, come only after the
 * transaction that ended it committed, and never for one that rolled back.
 *
 * @example
 * ```ts
 * runEndSourceConformance({
 *   name: "prisma (sqlite)",
 *   settle: () => new Promise((resolve) => setTimeout(resolve, 20)),
 *   create: async () => {
 *     const stack = await createSqliteStack({ file: freshFile(), runEndPollMs: 3_600_000 });
 *     return { persistence: stack.persistence, runEnds: stack.runEnds, close: stack.close };
 *   },
 * });
 * ```
 */
import { describe, expect, it } from "vitest";
import type { Persistence } from "../../ports/persistence/index.js";
import type { RunEndSource } from "../../ports/run-ends.js";
import type { RunRecord, RunStatus } from "../../records.js";
import { buildRun } from "./persistence-fixture.js";
import {
  at,
  type ConformanceFixture,
  type ConformanceOptions,
  RollbackProbe,
  useFixture,
} from "./shared.js";

/** What `runEndSourceConformance` tests: a source and the persistence it reports on. */
export interface RunEndSourceFixture extends ConformanceFixture {
  persistence: Persistence;
  /** Must not poll during the test (give it a poll interval far longer than the suite). */
  runEnds: RunEndSource;
}

/** Options of {@link runEndSourceConformance}. */
export interface RunEndSourceConformanceOptions extends ConformanceOptions<RunEndSourceFixture> {
  /**
   * Waits a little (e.g. 20 ms), for sources that deliver asynchronously. The suite waits up
   * to 100 of these for a notice, and 5 before concluding that none is coming.
   */
  settle: () => Promise<void>;
  /**
   * The source hands the ended run's record with its notice (`RunEndListener`'s `run`) for a
   * run like the suite's: the suite then requires one, besides checking that any record handed
   * over is the run as committed.
   */
  handsRecords?: boolean;
}

/** Registers the suite. */
export function runEndSourceConformance(options: RunEndSourceConformanceOptions): void {
  const fixture = useFixture(options);

  /** Subscribes; the returned list holds the run ids heard so far (`undefined` ones too). */
  const listen = (source: RunEndSource = fixture().runEnds) => {
    const heard: (string | undefined)[] = [];
    const stop = source.subscribe((runId) => heard.push(runId));
    return { heard, stop };
  };

  const hears = async (heard: readonly (string | undefined)[], runId: string) => {
    for (let i = 0; i < 100 && !heard.includes(runId); i++) await options.settle();
    expect(heard, `a notice naming ${runId}`).toContain(runId);
  };

  const quiet = async (heard: readonly (string | undefined)[], runId: string) => {
    for (let i = 0; i < 5; i++) await options.settle();
    expect(heard).not.toContain(runId);
  };

  /** A run moved to RUNNING (version 2). */
  const running = async () => {
    const { persistence } = fixture();
    const run = await persistence.createRun(buildRun());
    await persistence.updateRun(run.id, { status: "RUNNING" }, { expectedVersion: 1, now: at(1) });
    // Sources that name only watched runs are told to watch it (an awaiter would).
    await fixture().runEnds.watch?.(run.id);
    return run.id;
  };

  const end = (status: RunStatus) => ({ status, completedAt: at(2) });

  describe(`RunEndSource conformance: ${options.name}`, () => {
    it("names a run once the transaction that ended it commits, not before", async () => {
      const { persistence } = fixture();
      const runId = await running();
      const { heard } = listen();
      await persistence.withTransaction(async (tx) => {
        await tx.updateRun(
          runId,
          { ...end("COMPLETED"), output: { n: 1 } },
          { expectedVersion: 2, now: at(2) },
        );
        await quiet(heard, runId);
      });
      await hears(heard, runId);
    });

    it("names runs ended outside a transaction, with every terminal status", async () => {
      const { persistence } = fixture();
      const { heard } = listen();
      for (const status of ["FAILED", "CANCELLED", "TIMED_OUT", "COMPENSATED"] as const) {
        const runId = await running();
        await persistence.updateRun(runId, end(status), { expectedVersion: 2, now: at(2) });
        await hears(heard, runId);
      }
    });

    it("names a run ended through updateLockedRun", async () => {
      const { persistence } = fixture();
      const runId = await running();
      const { heard } = listen();
      await persistence.withTransaction(async (tx) => {
        await tx.getRun(runId, { forUpdate: true });
        const patch = end("CANCELLED");
        if (tx.updateLockedRun)
          await tx.updateLockedRun(runId, patch, { expectedVersion: 2, now: at(2) });
        else await tx.updateRun(runId, patch, { expectedVersion: 2, now: at(2) });
      });
      await hears(heard, runId);
    });

    it("names a run ended through failUnreadableRun, when offered", async () => {
      const { persistence } = fixture();
      if (!persistence.failUnreadableRun) return;
      const runId = await running();
      const { heard } = listen();
      await persistence.failUnreadableRun(runId, { code: "CORRUPT_ROW", message: "x" }, at(2));
      await hears(heard, runId);
    });

    it("hands over only the run as committed: the transaction's last write, read back by getRun", async () => {
      const { persistence } = fixture();
      const runId = await running();
      const records: RunRecord[] = [];
      const stop = fixture().runEnds.subscribe((id, run) => {
        if (id === runId && run) records.push(run);
      });
      const { heard } = listen();
      try {
        // Ended, then written again in the same transaction: a record of the first write is stale.
        await persistence.withTransaction(async (tx) => {
          await tx.updateRun(
            runId,
            { ...end("COMPLETED"), output: { n: 1 } },
            { expectedVersion: 2, now: at(2) },
          );
          await tx.updateRun(
            runId,
            { metadata: { after: "end" } },
            { expectedVersion: 3, now: at(3) },
          );
        });
        await hears(heard, runId);
        for (let i = 0; i < 5; i++) await options.settle();
        if (options.handsRecords)
          expect(records.length, "a record with the notice").toBeGreaterThan(0);
        const committed = await persistence.getRun(runId);
        for (const record of records) expect(record).toStrictEqual(committed);
      } finally {
        stop();
      }
    });

    it("says nothing of a run whose ending rolled back", async () => {
      const { persistence } = fixture();
      const runId = await running();
      const { heard } = listen();
      await expect(
        persistence.withTransaction(async (tx) => {
          await tx.updateRun(runId, end("COMPLETED"), { expectedVersion: 2, now: at(2) });
          throw new RollbackProbe();
        }),
      ).rejects.toBeInstanceOf(RollbackProbe);
      await quiet(heard, runId);
      expect((await persistence.getRun(runId))?.status).toBe("RUNNING");
    });

    it("tells every subscriber, and no longer one that unsubscribed", async () => {
      const { persistence } = fixture();
      const first = listen();
      const second = listen();
      second.stop();
      const runId = await running();
      await persistence.updateRun(runId, end("COMPLETED"), { expectedVersion: 2, now: at(2) });
      await hears(first.heard, runId);
      await quiet(second.heard, runId);
      first.stop();
    });
  });
}
