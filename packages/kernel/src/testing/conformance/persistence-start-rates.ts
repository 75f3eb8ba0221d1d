/** Persistence conformance: claims under start rates (rate limits and throttles, per key). */
import { expect, it } from "vitest";
import type { StartRate } from "../../ports/persistence/flow-limits.js";
import type { Persistence } from "../../ports/persistence/index.js";
import type { RunRecord } from "../../records.js";
import { buildRun, type PersistenceFixture } from "./persistence-fixture.js";
import { at, uniqueId } from "./shared.js";

/** Pending runs of `workflowId`, `count` per key, oldest first. */
async function pending(
  persistence: Persistence,
  workflowId: string,
  keys: string[],
  count: number,
): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for (let i = 0; i < count; i++) {
    for (const [k, key] of keys.entries()) {
      const concurrencyKey = JSON.stringify([workflowId, key]);
      runs.push(
        await persistence.createRun(
          buildRun({ workflowId, concurrencyKey, createdAt: at(i * keys.length + k) }),
        ),
      );
    }
  }
  return runs;
}

/** Claim options limiting `workflowId` to `rate` (and no concurrency limit). */
function limited(workflowId: string, rate: StartRate) {
  return {
    concurrency: () => undefined,
    rates: (id: string) => (id === workflowId ? rate : undefined),
  };
}

/** Registers the start-rate claim tests and the singletons' active-run lookup. */
export function startRateClaimTests(fixture: () => PersistenceFixture): void {
  it("activeRunOfKey finds a PENDING, SCHEDULED or RUNNING run of a key, not a finished one", async () => {
    const { persistence } = fixture();
    expect(persistence.activeRunOfKey).toBeTypeOf("function");
    const lookUp = (key: string) => persistence.activeRunOfKey?.(key);
    const workflowId = uniqueId("wf-single");
    const key = JSON.stringify([workflowId]);
    expect(await lookUp(key)).toBeNull();
    const done = await persistence.createRun(buildRun({ workflowId, concurrencyKey: key }));
    await persistence.updateRun(done.id, { status: "COMPLETED" }, { now: at(1) });
    expect(await lookUp(key)).toBeNull();
    const other = JSON.stringify([workflowId, "other"]);
    await persistence.createRun(buildRun({ workflowId, concurrencyKey: other }));
    expect(await lookUp(key)).toBeNull();
    for (const status of ["SCHEDULED", "PENDING", "RUNNING"] as const) {
      const run = await persistence.createRun(buildRun({ workflowId, concurrencyKey: key }));
      await persistence.updateRun(run.id, { status }, { now: at(2) });
      expect((await lookUp(key))?.id).toBe(run.id);
      await persistence.updateRun(run.id, { status: "CANCELLED" }, { now: at(3) });
    }
    expect(await persistence.withTransaction(async (tx) => tx.activeRunOfKey?.(key))).toBeNull();
    const pendingOne = await persistence.createRun(buildRun({ workflowId, concurrencyKey: key }));
    expect(await persistence.activeRunOfKey?.(key, ["SCHEDULED"])).toBeNull();
    expect((await persistence.activeRunOfKey?.(key, ["SCHEDULED", "PENDING"]))?.id).toBe(
      pendingOne.id,
    );
  });

  it("a rate limit lets at most `limit` runs of a key start per period; the rest wait PENDING", async () => {
    const { persistence } = fixture();
    const workflowId = uniqueId("wf-rated");
    await pending(persistence, workflowId, ["a", "b"], 8);
    const options = limited(workflowId, { limit: 3, periodMs: 1_000, spread: false });
    const claim = async (ms: number) =>
      persistence.claimPendingRuns({ limit: 50, now: at(ms), ...options });
    const first = await claim(10_000);
    // Three per key in the period [10 s, 11 s).
    expect(first).toHaveLength(6);
    expect(await claim(10_999)).toEqual([]);
    const next = await claim(11_000);
    expect(next).toHaveLength(6);
    // The oldest first, key by key.
    const ofA = [...first, ...next].filter((r) => r.concurrencyKey?.includes('"a"'));
    expect(ofA.map((r) => r.createdAt.getTime())).toEqual(
      [...ofA].map((r) => r.createdAt.getTime()).sort((x, y) => x - y),
    );
    expect(await claim(12_500)).toHaveLength(4);
    expect(await claim(14_000)).toEqual([]);
  });

  it("a throttle spreads the starts, one per periodMs / limit, with at most `burst` at once", async () => {
    const { persistence } = fixture();
    const workflowId = uniqueId("wf-throttled");
    await pending(persistence, workflowId, ["k"], 10);
    const one = limited(workflowId, { limit: 2, periodMs: 1_000, spread: true });
    const claim = async (ms: number, options = one) =>
      (await persistence.claimPendingRuns({ limit: 50, now: at(ms), ...options })).length;
    expect(await claim(0)).toBe(1);
    expect(await claim(100)).toBe(0);
    expect(await claim(499)).toBe(0);
    expect(await claim(500)).toBe(1);
    // A quiet spell does not store up starts beyond the burst (1).
    expect(await claim(5_000)).toBe(1);
    const burst = limited(workflowId, { limit: 2, periodMs: 1_000, spread: true, burst: 3 });
    expect(await claim(20_000, burst)).toBe(3);
    expect(await claim(20_100, burst)).toBe(0);
    expect(await claim(20_500, burst)).toBe(1);
  });

  it("a claim that rolls back takes no starts from the key's rate", async () => {
    const { persistence } = fixture();
    const workflowId = uniqueId("wf-rated");
    await pending(persistence, workflowId, ["k"], 5);
    const options = limited(workflowId, { limit: 2, periodMs: 1_000, spread: false });
    await expect(
      persistence.withTransaction(async (tx) => {
        expect(await tx.claimPendingRuns({ limit: 50, now: at(3_000), ...options })).toHaveLength(
          2,
        );
        throw new Error("rollback");
      }),
    ).rejects.toThrow("rollback");
    expect(
      await persistence.claimPendingRuns({ limit: 50, now: at(3_100), ...options }),
    ).toHaveLength(2);
  });

  it("concurrent claimers never go past a key's start rate", async () => {
    const { persistence } = fixture();
    const workflowId = uniqueId("wf-rated");
    await pending(persistence, workflowId, ["k1", "k2"], 30);
    const options = limited(workflowId, { limit: 4, periodMs: 1_000, spread: false });
    let total = 0;
    for (let period = 0; period < 5; period++) {
      const perKey = new Map<string, number>();
      for (let round = 0; round < 3; round++) {
        const batches = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            persistence.claimPendingRuns({
              limit: 2,
              now: at(period * 1_000 + round * 100 + i),
              ...options,
            }),
          ),
        );
        for (const run of batches.flat()) {
          const key = run.concurrencyKey as string;
          perKey.set(key, (perKey.get(key) ?? 0) + 1);
          total += 1;
        }
      }
      for (const n of perKey.values()) expect(n).toBeLessThanOrEqual(4);
    }
    // Each round lets at least one claimer per key take 2, so every period fills: 4 per key.
    expect(total).toBe(5 * 2 * 4);
  });
}
