/** Persistence conformance: claims under concurrency limits (per workflow, per key). */
import { expect, it } from "vitest";
import { buildRun, type PersistenceFixture } from "./persistence-fixture.js";
import { at, uniqueId } from "./shared.js";

/** Registers the concurrency-limit claim tests. */
export function concurrencyClaimTests(fixture: () => PersistenceFixture): void {
  it("with concurrency limits, claims keyed runs only while their key has room, unkeyed runs first", async () => {
    const { persistence } = fixture();
    const limited = uniqueId("wf-limited");
    const unlimited = uniqueId("wf-free");
    const limits = (workflowId: string) => (workflowId === limited ? 2 : undefined);
    const keyA = JSON.stringify([limited, "tenant-a"]);
    const keyB = JSON.stringify([limited, "tenant-b"]);
    const keyFree = JSON.stringify([unlimited, "x"]);
    const make = (workflowId: string, concurrencyKey: string | null, ms: number, priority = 0) =>
      persistence.createRun(buildRun({ workflowId, concurrencyKey, createdAt: at(ms), priority }));
    const a = [
      await make(limited, keyA, 0, 9),
      await make(limited, keyA, 1),
      await make(limited, keyA, 2),
    ];
    const b = [
      await make(limited, keyB, 3),
      await make(limited, keyB, 4),
      await make(limited, keyB, 5),
    ];
    const free = [
      await make(unlimited, keyFree, 6),
      await make(unlimited, keyFree, 7),
      await make(unlimited, keyFree, 8),
    ];
    const plain = await make(unlimited, null, 9);
    // A run of key A already running takes one of its two slots.
    const busy = await make(limited, keyA, -1);
    await persistence.updateRun(busy.id, { status: "RUNNING" }, { now: at(1) });

    const first = await persistence.claimPendingRuns({
      limit: 2,
      now: at(100),
      concurrency: limits,
    });
    // The unkeyed run comes first, whatever the priorities.
    expect(first.map((r) => r.id)).toContain(plain.id);
    expect(first).toHaveLength(2);
    const rest = await persistence.claimPendingRuns({
      limit: 50,
      now: at(100),
      concurrency: limits,
    });
    const claimed = new Set([...first, ...rest].map((r) => r.id));
    expect(a.filter((r) => claimed.has(r.id))).toHaveLength(1);
    expect(b.filter((r) => claimed.has(r.id)).map((r) => r.id)).toEqual([b[0]?.id, b[1]?.id]);
    expect(free.every((r) => claimed.has(r.id))).toBe(true);
    expect(
      await persistence.claimPendingRuns({ limit: 50, now: at(100), concurrency: limits }),
    ).toEqual([]);

    // A slot frees up: the next claim takes the oldest waiting run of that key.
    await persistence.updateRun(busy.id, { status: "COMPLETED" }, { now: at(200) });
    const next = await persistence.claimPendingRuns({
      limit: 50,
      now: at(300),
      concurrency: limits,
    });
    const waitingA = a.filter((r) => !claimed.has(r.id));
    expect(next.map((r) => r.id)).toEqual([waitingA[0]?.id]);
    // Without limits, keys are ignored.
    const all = await persistence.claimPendingRuns({ limit: 50, now: at(400) });
    expect(all.map((r) => r.id).sort()).toEqual([waitingA[1]?.id, b[2]?.id].sort());
  });

  it("concurrent claimers never go past a key's limit", async () => {
    const { persistence } = fixture();
    const workflowId = uniqueId("wf-limited");
    const limits = (id: string) => (id === workflowId ? 3 : undefined);
    const keys = ["k1", "k2", "k3"].map((k) => JSON.stringify([workflowId, k]));
    for (let i = 0; i < 36; i++) {
      await persistence.createRun(
        buildRun({ workflowId, concurrencyKey: keys[i % 3] ?? null, createdAt: at(i) }),
      );
    }
    const running = new Map<string, number>();
    let total = 0;
    for (let round = 0; round < 20; round++) {
      const batches = await Promise.all(
        Array.from({ length: 6 }, () =>
          persistence.claimPendingRuns({ limit: 2, now: at(60_000), concurrency: limits }),
        ),
      );
      const claimed = batches.flat();
      for (const run of claimed) {
        const key = run.concurrencyKey as string;
        running.set(key, (running.get(key) ?? 0) + 1);
        expect(running.get(key)).toBeLessThanOrEqual(3);
      }
      total += claimed.length;
      // Finish one running run of each key, freeing a slot per key.
      for (const key of keys) {
        const [done] = (
          await persistence.listRuns({ status: "RUNNING", workflowId, limit: 100 })
        ).filter((run) => run.concurrencyKey === key);
        if (!done) continue;
        await persistence.updateRun(done.id, { status: "COMPLETED" }, { now: at(60_000) });
        running.set(key, (running.get(key) ?? 1) - 1);
      }
    }
    expect(total).toBe(36);
  });
}
