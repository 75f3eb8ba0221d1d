/**
 * `lockSignalKey` on the real PostgreSQL server: a transaction advisory lock on a keyed signal's
 * name and key. A second transaction locking the same name and key waits until the first ends
 * (and then sees what it committed); another key, another name, or a pair whose concatenation
 * is the same text does not wait; outside a transaction the call is refused.
 */
import type { Persistence, PersistenceTransaction } from "@ratchet/kernel/adapter";
import type pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { testPool } from "./support/pg-pool.js";
import { useStack } from "./support/stacks.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A transaction that takes the lock of `name`/`key` and keeps it until `release` is called. */
function holdLock(
  persistence: Persistence,
  name: string,
  key: string,
  work?: (tx: PersistenceTransaction) => unknown,
) {
  let release: (error?: Error) => void = () => undefined;
  const released = new Promise<void>((resolve, reject) => {
    release = (error) => (error ? reject(error) : resolve());
  });
  let locked = false;
  const done = persistence.withTransaction(async (tx) => {
    await tx.lockSignalKey(name, key);
    locked = true;
    await work?.(tx);
    await released;
  });
  return { done, release, isLocked: () => locked };
}

describe("lockSignalKey (postgresql)", () => {
  const harness = useStack("postgresql", "signal_key_lock_postgresql");
  let pool: pg.Pool | undefined;
  const releases: Array<() => void> = [];
  afterEach(async () => {
    for (const release of releases.splice(0)) release();
    await pool?.end();
    pool = undefined;
  });

  async function setup() {
    const h = harness();
    await h.truncate();
    pool = testPool(h.location, 2);
    const db = pool;
    /** Sessions waiting for an advisory lock. */
    const waiting = async () => {
      const { rows } = await db.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
      );
      return Number(rows[0]?.n ?? 0);
    };
    return { persistence: h.stack.persistence, waiting };
  }

  it("a second transaction locking the same name and key waits until the first commits", async () => {
    const { persistence, waiting } = await setup();
    const signal = {
      id: crypto.randomUUID(),
      runId: null,
      name: "approved",
      matchKey: "order-1",
      payload: { ok: true },
      sentAt: new Date("2026-01-01T00:00:00Z"),
    };
    // The first transaction delivers a keyed signal under the lock and keeps it open.
    let appended = false;
    const first = holdLock(persistence, "approved", "order-1", async (tx) => {
      appended = await tx.appendSignal(signal);
    });
    releases.push(() => first.release());
    await waitFor("the first delivery", async () => appended);
    // Not committed yet: nobody else sees the signal.
    expect(await persistence.getSignal(signal.id)).toBeNull();

    const events: string[] = [];
    const second = persistence.withTransaction(async (tx) => {
      await tx.lockSignalKey("approved", "order-1");
      events.push("second locked");
      return tx.takeBufferedSignal(
        { name: "approved", matchKey: "order-1" },
        "stage-1",
        new Date(),
      );
    });
    await waitFor(
      "the second transaction to wait for the lock",
      async () => (await waiting()) === 1,
    );
    await sleep(100);
    expect(events).toEqual([]);

    events.push("first commits");
    first.release();
    await first.done;
    const taken = await second;
    expect(events).toEqual(["first commits", "second locked"]);
    // Once it has the lock, the second sees what the first committed under it.
    expect(taken?.id).toBe(signal.id);
    expect(await waiting()).toBe(0);
  });

  it("the lock ends with a rolled-back transaction too", async () => {
    const { persistence, waiting } = await setup();
    const first = holdLock(persistence, "approved", "order-2");
    releases.push(() => first.release());
    await waitFor("the first lock", async () => first.isLocked());
    let secondLocked = false;
    const second = persistence.withTransaction(async (tx) => {
      await tx.lockSignalKey("approved", "order-2");
      secondLocked = true;
    });
    await waitFor("the second transaction to wait", async () => (await waiting()) === 1);
    expect(secondLocked).toBe(false);
    const probe = new Error("rollback on purpose");
    first.release(probe);
    await expect(first.done).rejects.toBe(probe);
    await second;
    expect(secondLocked).toBe(true);
  });

  it("another key, another name, or the same text split differently does not wait", async () => {
    const { persistence, waiting } = await setup();
    const held = [holdLock(persistence, "approved", "order-1"), holdLock(persistence, "ab", "c")];
    for (const h of held) {
      releases.push(() => h.release());
      await waitFor("a held lock", async () => h.isLocked());
    }
    const others: Array<[string, string]> = [
      ["approved", "order-2"],
      ["rejected", "order-1"],
      ["a", "bc"],
      ["abc", ""],
    ];
    for (const [name, key] of others) {
      await persistence.withTransaction((tx) => tx.lockSignalKey(name, key));
    }
    expect(await waiting()).toBe(0);
    for (const h of held) h.release();
    await Promise.all(held.map((h) => h.done));
  });

  it("outside a transaction, lockSignalKey is refused", async () => {
    const { persistence } = await setup();
    await expect(persistence.lockSignalKey("approved", "order-1")).rejects.toMatchObject({
      code: "NOT_IN_TRANSACTION",
    });
  });
});
