/**
 * Persistence conformance: signals — buffered until taken, oldest first, by run or by key (never
 * across), consumed exactly once (also by concurrent transactions), duplicates refused, and
 * every write of a failed transaction rolled back.
 */
import { expect, it, vi } from "vitest";
import type { SignalMatch } from "../../ports/persistence/index.js";
import type { NewSignal, SignalRecord, SignalWaitRecord } from "../../records.js";
import type { PersistenceFixture } from "./persistence-fixture.js";
import { at, RollbackProbe, SECOND, sampleJson, uniqueId } from "./shared.js";

/** A new signal sent to `runId` (by key instead when `overrides` gives a `matchKey`). */
export function buildSignal(overrides: Partial<NewSignal> = {}): NewSignal {
  return {
    id: uniqueId("signal"),
    runId: overrides.matchKey ? null : uniqueId("run"),
    name: "approved",
    matchKey: null,
    payload: { by: "alice" },
    sentAt: at(0),
    ...overrides,
  };
}

/** A stage record of `runId` waiting for `name` (by key when `overrides` gives a `matchKey`). */
export function buildSignalWait(
  runId: string,
  overrides: Partial<SignalWaitRecord> = {},
): SignalWaitRecord {
  return {
    stageRecordId: uniqueId("stage"),
    runId,
    stageId: "wait-for-approval",
    name: "approved",
    matchKey: null,
    kind: "signal",
    createdAt: at(0),
    expiresAt: null,
    ...overrides,
  };
}

const idOf = (signal: SignalRecord | null) => signal?.id ?? null;

/** Registers the signal tests. */
export function signalTests(fixture: () => PersistenceFixture): void {
  it("appendSignal buffers a signal that getSignal returns verbatim, payload, dates and nulls", async () => {
    const { persistence } = fixture();
    const toRun = buildSignal({ payload: sampleJson(), sentAt: at(1_234) });
    const byKey = buildSignal({ matchKey: "order-7", payload: null });
    const scalar = buildSignal({ payload: "just text" });
    const list = buildSignal({ payload: [1, "two", null, { three: [] }] });
    for (const signal of [toRun, byKey, scalar, list]) {
      expect(await persistence.appendSignal(signal)).toBe(true);
      const stored = await persistence.getSignal(signal.id);
      expect(stored).toEqual({ ...signal, consumedAt: null, consumedBy: null });
      expect(stored?.sentAt).toBeInstanceOf(Date);
    }
    expect((await persistence.getSignal(byKey.id))?.runId).toBeNull();
    expect((await persistence.getSignal(toRun.id))?.matchKey).toBeNull();
    expect(await persistence.getSignal(uniqueId("missing"))).toBeNull();
  });

  it("appendSignal with an existing id returns false, writes nothing and keeps the first signal", async () => {
    const { persistence } = fixture();
    const first = buildSignal({ payload: { first: true } });
    expect(await persistence.appendSignal(first)).toBe(true);
    const again = { ...first, payload: { first: false }, sentAt: at(-SECOND) };
    expect(await persistence.appendSignal(again)).toBe(false);
    expect((await persistence.getSignal(first.id))?.payload).toEqual({ first: true });
    // Inside a transaction too, without breaking it.
    const other = buildSignal({ runId: first.runId, sentAt: at(1) });
    await persistence.withTransaction(async (tx) => {
      expect(await tx.appendSignal(again)).toBe(false);
      expect(await tx.appendSignal(other)).toBe(true);
    });
    const match = { runId: first.runId as string, name: first.name };
    expect(idOf(await persistence.takeBufferedSignal(match, "s1", at(SECOND)))).toBe(first.id);
    expect((await persistence.getSignal(first.id))?.payload).toEqual({ first: true });
    expect(idOf(await persistence.takeBufferedSignal(match, "s2", at(SECOND)))).toBe(other.id);
    expect(await persistence.takeBufferedSignal(match, "s3", at(SECOND))).toBeNull();
  });

  it("takeBufferedSignal consumes a run's signals oldest first (by sentAt, then id), of that run and name only", async () => {
    const { persistence } = fixture();
    const runId = uniqueId("run");
    const prefix = uniqueId("signal");
    const late = buildSignal({ id: `${prefix}-c`, runId, sentAt: at(3 * SECOND) });
    const tieB = buildSignal({ id: `${prefix}-b`, runId, sentAt: at(SECOND) });
    const tieA = buildSignal({ id: `${prefix}-a`, runId, sentAt: at(SECOND) });
    const otherName = buildSignal({ runId, name: "rejected", sentAt: at(0) });
    const otherRun = buildSignal({ sentAt: at(0) });
    for (const signal of [late, tieB, tieA, otherName, otherRun]) {
      await persistence.appendSignal(signal);
    }
    const match: SignalMatch = { runId, name: "approved" };
    const taken: (SignalRecord | null)[] = [];
    for (let i = 0; i < 4; i++) {
      taken.push(await persistence.takeBufferedSignal(match, `stage-${i}`, at(10 * SECOND + i)));
    }
    expect(taken.map(idOf)).toEqual([tieA.id, tieB.id, late.id, null]);
    expect(taken[0]).toEqual({
      ...tieA,
      consumedAt: at(10 * SECOND),
      consumedBy: "stage-0",
    });
    expect(taken[0]?.consumedAt).toBeInstanceOf(Date);
    expect(await persistence.getSignal(late.id)).toEqual({
      ...late,
      consumedAt: at(10 * SECOND + 2),
      consumedBy: "stage-2",
    });
    // The other name and the other run keep theirs.
    expect((await persistence.getSignal(otherName.id))?.consumedAt).toBeNull();
    expect((await persistence.getSignal(otherRun.id))?.consumedAt).toBeNull();
    expect(
      idOf(await persistence.takeBufferedSignal({ runId, name: "rejected" }, "x", at(SECOND))),
    ).toBe(otherName.id);
  });

  it("takeBufferedSignal by key consumes the key's signals oldest first, of that name and key only", async () => {
    const { persistence } = fixture();
    const key = uniqueId("order");
    const second = buildSignal({ matchKey: key, sentAt: at(2 * SECOND) });
    const first = buildSignal({ matchKey: key, sentAt: at(SECOND) });
    const otherKey = buildSignal({ matchKey: uniqueId("order"), sentAt: at(0) });
    const otherName = buildSignal({ matchKey: key, name: "rejected", sentAt: at(0) });
    for (const signal of [second, first, otherKey, otherName])
      await persistence.appendSignal(signal);
    const match: SignalMatch = { name: "approved", matchKey: key };
    const taken = [
      await persistence.takeBufferedSignal(match, "stage-1", at(5 * SECOND)),
      await persistence.takeBufferedSignal(match, "stage-2", at(6 * SECOND)),
      await persistence.takeBufferedSignal(match, "stage-3", at(7 * SECOND)),
    ];
    expect(taken.map(idOf)).toEqual([first.id, second.id, null]);
    expect(taken[1]).toEqual({ ...second, consumedAt: at(6 * SECOND), consumedBy: "stage-2" });
    expect((await persistence.getSignal(otherKey.id))?.consumedAt).toBeNull();
    expect((await persistence.getSignal(otherName.id))?.consumedAt).toBeNull();
  });

  it("a run's signal never matches a key match, and a keyed signal never matches a run match", async () => {
    const { persistence } = fixture();
    // Ids chosen to collide: the key equals the run id.
    const shared = uniqueId("shared");
    const toRun = buildSignal({ runId: shared, sentAt: at(0) });
    const byKey = buildSignal({ runId: null, matchKey: shared, sentAt: at(0) });
    await persistence.appendSignal(toRun);
    await persistence.appendSignal(byKey);
    const byRunMatch: SignalMatch = { runId: shared, name: "approved" };
    const byKeyMatch: SignalMatch = { name: "approved", matchKey: shared };
    expect(idOf(await persistence.takeBufferedSignal(byKeyMatch, "k1", at(SECOND)))).toBe(byKey.id);
    expect(await persistence.takeBufferedSignal(byKeyMatch, "k2", at(SECOND))).toBeNull();
    expect(idOf(await persistence.takeBufferedSignal(byRunMatch, "r1", at(SECOND)))).toBe(toRun.id);
    expect(await persistence.takeBufferedSignal(byRunMatch, "r2", at(SECOND))).toBeNull();
  });

  it("a signal is consumed exactly once: markSignalConsumed a second time returns false, a consumed signal is never taken", async () => {
    const { persistence } = fixture();
    const runId = uniqueId("run");
    const marked = buildSignal({ runId, sentAt: at(0) });
    const taken = buildSignal({ runId, sentAt: at(SECOND) });
    await persistence.appendSignal(marked);
    await persistence.appendSignal(taken);
    expect(await persistence.markSignalConsumed(marked.id, "stage-a", at(5 * SECOND))).toBe(true);
    expect(await persistence.markSignalConsumed(marked.id, "stage-b", at(6 * SECOND))).toBe(false);
    expect(await persistence.getSignal(marked.id)).toEqual({
      ...marked,
      consumedAt: at(5 * SECOND),
      consumedBy: "stage-a",
    });
    const match: SignalMatch = { runId, name: "approved" };
    expect(idOf(await persistence.takeBufferedSignal(match, "stage-c", at(7 * SECOND)))).toBe(
      taken.id,
    );
    expect(await persistence.markSignalConsumed(taken.id, "stage-d", at(8 * SECOND))).toBe(false);
    expect((await persistence.getSignal(taken.id))?.consumedBy).toBe("stage-c");
    expect(await persistence.takeBufferedSignal(match, "stage-e", at(9 * SECOND))).toBeNull();
    expect(await persistence.markSignalConsumed(uniqueId("missing"), "stage-f", at(0))).toBe(false);
  });

  it("inside a transaction, takes see the transaction's own consumption and lockSignalKey resolves", async () => {
    const { persistence } = fixture();
    const key = uniqueId("order");
    const a = buildSignal({ matchKey: key, sentAt: at(0) });
    const b = buildSignal({ matchKey: key, sentAt: at(SECOND) });
    const match: SignalMatch = { name: "approved", matchKey: key };
    const taken = await persistence.withTransaction(async (tx) => {
      await tx.lockSignalKey("approved", key);
      await tx.appendSignal(a);
      await tx.appendSignal(b);
      return [
        await tx.takeBufferedSignal(match, "stage-1", at(2 * SECOND)),
        await tx.takeBufferedSignal(match, "stage-2", at(2 * SECOND)),
        await tx.takeBufferedSignal(match, "stage-3", at(2 * SECOND)),
      ];
    });
    expect(taken.map(idOf)).toEqual([a.id, b.id, null]);
    expect((await persistence.getSignal(b.id))?.consumedBy).toBe("stage-2");
  });

  it("a transaction that throws consumes nothing, stores no signal and leaves no wait", async () => {
    const { persistence } = fixture();
    const runId = uniqueId("run");
    const taken = buildSignal({ runId, sentAt: at(0) });
    const marked = buildSignal({ runId, sentAt: at(SECOND) });
    const kept = buildSignalWait(runId);
    await persistence.appendSignal(taken);
    await persistence.appendSignal(marked);
    await persistence.putSignalWait(kept);
    const fresh = buildSignal({ runId, sentAt: at(2 * SECOND) });
    const wait = buildSignalWait(runId);
    const match: SignalMatch = { runId, name: "approved" };
    const probe = new RollbackProbe();
    const attempt = persistence.withTransaction(async (tx) => {
      expect(idOf(await tx.takeBufferedSignal(match, "stage-1", at(5 * SECOND)))).toBe(taken.id);
      expect(await tx.markSignalConsumed(marked.id, "stage-2", at(5 * SECOND))).toBe(true);
      expect(await tx.appendSignal(fresh)).toBe(true);
      await tx.putSignalWait(wait);
      expect(await tx.deleteSignalWait(kept.stageRecordId)).toBe(true);
      expect((await tx.getSignalWait(wait.stageRecordId))?.stageRecordId).toBe(wait.stageRecordId);
      throw probe;
    });
    await expect(attempt).rejects.toBe(probe);
    expect(await persistence.getSignal(taken.id)).toEqual({
      ...taken,
      consumedAt: null,
      consumedBy: null,
    });
    expect((await persistence.getSignal(marked.id))?.consumedAt).toBeNull();
    expect(await persistence.getSignal(fresh.id)).toBeNull();
    expect(await persistence.getSignalWait(wait.stageRecordId)).toBeNull();
    expect(await persistence.getSignalWait(kept.stageRecordId)).toEqual(kept);
    expect(await persistence.findSignalWaits(match, 10)).toEqual([kept]);
    // Still buffered, in order.
    expect(idOf(await persistence.takeBufferedSignal(match, "stage-3", at(6 * SECOND)))).toBe(
      taken.id,
    );
    expect(idOf(await persistence.takeBufferedSignal(match, "stage-4", at(6 * SECOND)))).toBe(
      marked.id,
    );
  });

  it("concurrent transactions taking from one run's buffer never take the same signal", async () => {
    const { persistence } = fixture();
    const runId = uniqueId("run");
    const signals = [buildSignal({ runId, sentAt: at(0) }), buildSignal({ runId, sentAt: at(1) })];
    for (const signal of signals) await persistence.appendSignal(signal);
    const match: SignalMatch = { runId, name: "approved" };
    // Each transaction that took a signal keeps it (and its row lock) until the other has taken
    // one too, or for a while on a store that runs transactions one at a time.
    let holding = 0;
    const takeAndHold = (stage: string) =>
      persistence.withTransaction(async (tx) => {
        const signal = await tx.takeBufferedSignal(match, stage, at(SECOND));
        if (signal === null) return null;
        holding += 1;
        await vi
          .waitFor(
            () => {
              if (holding < 2) throw new Error("the other taker holds nothing yet");
            },
            { timeout: 300, interval: 10 },
          )
          .catch(() => undefined);
        return signal;
      });
    const results = await Promise.all(["stage-a", "stage-b", "stage-c"].map(takeAndHold));
    const ids = results.map(idOf);
    // Two takers got the two signals, the third none.
    expect(ids.filter((id) => id === null)).toHaveLength(1);
    expect(ids.filter((id) => id !== null).sort()).toEqual(signals.map((s) => s.id).sort());
    for (const [i, stage] of ["stage-a", "stage-b", "stage-c"].entries()) {
      const id = ids[i];
      if (id) expect((await persistence.getSignal(id))?.consumedBy).toBe(stage);
    }
    expect(await persistence.takeBufferedSignal(match, "stage-d", at(SECOND))).toBeNull();
  });

  it("concurrent markSignalConsumed calls of one signal: exactly one succeeds", async () => {
    const { persistence } = fixture();
    const signal = buildSignal();
    await persistence.appendSignal(signal);
    const stages = Array.from({ length: 5 }, (_, i) => `stage-${i}`);
    const results = await Promise.all(
      stages.map((stage) =>
        persistence.withTransaction((tx) => tx.markSignalConsumed(signal.id, stage, at(SECOND))),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = stages[results.indexOf(true)];
    expect((await persistence.getSignal(signal.id))?.consumedBy).toBe(winner);
  });
}
