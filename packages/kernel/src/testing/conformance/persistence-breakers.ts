/**
 * Persistence conformance: circuit breakers — a missing breaker reads `null`; `lockBreaker`
 * creates it closed (once, even when transactions race to create it); `saveBreaker` writes
 * every field and bumps the version; writes roll back with their transaction; concurrent
 * read-modify-write transactions on one breaker all count (row lock); listing and deletion.
 */
import { expect, it } from "vitest";
import type { BreakerRecord, BreakerWrite } from "../../ports/persistence/index.js";
import type { PersistenceFixture } from "./persistence-fixture.js";
import { at, RollbackProbe, SECOND, uniqueId } from "./shared.js";

/** Registers the circuit-breaker tests. */
export function breakerTests(fixture: () => PersistenceFixture): void {
  it("creates a breaker closed on its first lock, writes every field and reads it back", async () => {
    const { persistence } = fixture();
    const name = uniqueId("breaker");
    expect(await persistence.getBreaker(name)).toBeNull();
    const created = await persistence.withTransaction((tx) => tx.lockBreaker(name, at(SECOND)));
    const closed: BreakerRecord = {
      name,
      state: "CLOSED",
      failures: [],
      openedAt: null,
      openedFailures: 0,
      halfOpenAt: null,
      probes: [],
      lastError: null,
      version: 1,
      updatedAt: at(SECOND),
    };
    expect(created).toEqual(closed);
    expect(await persistence.getBreaker(name)).toEqual(closed);

    const open: BreakerWrite = {
      name,
      state: "HALF_OPEN",
      failures: [at(1), at(2), at(3)],
      openedAt: at(3),
      openedFailures: 3,
      halfOpenAt: at(30 * SECOND),
      probes: [{ jobId: uniqueId("job"), until: at(90 * SECOND) }],
      lastError: { code: "UPSTREAM", message: "payments-api is down: 503" },
      updatedAt: at(31 * SECOND),
    };
    const version = await persistence.withTransaction(async (tx) => {
      const locked = await tx.lockBreaker(name, at(31 * SECOND));
      expect(locked).toEqual(closed);
      return tx.saveBreaker(open);
    });
    expect(version).toBe(2);
    expect(await persistence.getBreaker(name)).toEqual({ ...open, version: 2 });
    expect((await persistence.listBreakers()).find((b) => b.name === name)).toEqual({
      ...open,
      version: 2,
    });
  });

  it("rolls a breaker's creation and write back with their transaction", async () => {
    const { persistence } = fixture();
    const name = uniqueId("breaker");
    await expect(
      persistence.withTransaction(async (tx) => {
        const locked = await tx.lockBreaker(name, at(0));
        await tx.saveBreaker({ ...locked, state: "OPEN", openedAt: at(0), updatedAt: at(0) });
        throw new RollbackProbe();
      }),
    ).rejects.toBeInstanceOf(RollbackProbe);
    expect(await persistence.getBreaker(name)).toBeNull();
  });

  it("serialises concurrent transactions on one breaker: every failure counts, the row is created once", async () => {
    const { persistence } = fixture();
    const name = uniqueId("breaker");
    const fail = (i: number) =>
      persistence.withTransaction(async (tx) => {
        const breaker = await tx.lockBreaker(name, at(i));
        await tx.saveBreaker({
          ...breaker,
          failures: [...breaker.failures, at(1000 + i)],
          updatedAt: at(i),
        });
      });
    await Promise.all(Array.from({ length: 5 }, (_, i) => fail(i)));
    const final = await persistence.getBreaker(name);
    expect(final?.failures).toHaveLength(5);
    expect(final?.version).toBe(6);
    expect((await persistence.listBreakers()).filter((b) => b.name === name)).toHaveLength(1);
  });

  it("lists breakers by name and deletes one (a reset)", async () => {
    const { persistence } = fixture();
    const prefix = uniqueId("breakers");
    for (const suffix of ["b", "a", "c"])
      await persistence.withTransaction((tx) => tx.lockBreaker(`${prefix}-${suffix}`, at(0)));
    const names = (await persistence.listBreakers())
      .map((b) => b.name)
      .filter((n) => n.startsWith(prefix));
    expect(names).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
    expect(await persistence.deleteBreaker(`${prefix}-b`)).toBe(true);
    expect(await persistence.deleteBreaker(`${prefix}-b`)).toBe(false);
    expect(await persistence.getBreaker(`${prefix}-b`)).toBeNull();
  });
}
