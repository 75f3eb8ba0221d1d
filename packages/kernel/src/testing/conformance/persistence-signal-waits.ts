/**
 * Persistence conformance: signal waits — stored per stage record, found oldest first by run
 * and name or by name and key (never across), deleted once, listed by run or kind a page at
 * a time.
 */
import { expect, it } from "vitest";
import type { SignalWaitRecord } from "../../records.js";
import type { PersistenceFixture } from "./persistence-fixture.js";
import { buildSignalWait } from "./persistence-signals.js";
import { at, SECOND, uniqueId } from "./shared.js";

const ids = (waits: readonly SignalWaitRecord[]) => waits.map((wait) => wait.stageRecordId);

/** Registers the signal wait tests. */
export function signalWaitTests(fixture: () => PersistenceFixture): void {
  it("putSignalWait stores a wait that getSignalWait returns verbatim; a second put replaces it", async () => {
    const { persistence } = fixture();
    const runId = uniqueId("run");
    const byRun = buildSignalWait(runId, { createdAt: at(1_234) });
    const byKey = buildSignalWait(runId, {
      matchKey: "order-7",
      kind: "approval",
      expiresAt: at(60 * SECOND),
    });
    const child = buildSignalWait(runId, { name: "child.done", kind: "child" });
    for (const wait of [byRun, byKey, child]) {
      await persistence.putSignalWait(wait);
      const stored = await persistence.getSignalWait(wait.stageRecordId);
      expect(stored).toEqual(wait);
      expect(stored?.createdAt).toBeInstanceOf(Date);
    }
    expect((await persistence.getSignalWait(byKey.stageRecordId))?.expiresAt).toBeInstanceOf(Date);
    expect((await persistence.getSignalWait(byRun.stageRecordId))?.expiresAt).toBeNull();
    expect(await persistence.getSignalWait(uniqueId("missing"))).toBeNull();

    const replaced = { ...byRun, name: "rejected", expiresAt: at(SECOND), createdAt: at(5) };
    await persistence.putSignalWait(replaced);
    expect(await persistence.getSignalWait(byRun.stageRecordId)).toEqual(replaced);
    expect(await persistence.findSignalWaits({ runId, name: "approved" }, 10)).toEqual([]);
    expect(await persistence.findSignalWaits({ runId, name: "rejected" }, 10)).toEqual([replaced]);
  });

  it("findSignalWaits by run and name returns that run's unkeyed waits oldest first, up to limit", async () => {
    const { persistence } = fixture();
    const runId = uniqueId("run");
    const prefix = uniqueId("stage");
    const late = buildSignalWait(runId, {
      stageRecordId: `${prefix}-c`,
      createdAt: at(2 * SECOND),
    });
    const tieB = buildSignalWait(runId, { stageRecordId: `${prefix}-b`, createdAt: at(SECOND) });
    const tieA = buildSignalWait(runId, { stageRecordId: `${prefix}-a`, createdAt: at(SECOND) });
    const otherName = buildSignalWait(runId, { name: "rejected", createdAt: at(0) });
    const otherRun = buildSignalWait(uniqueId("run"), { createdAt: at(0) });
    // The same run waiting by key (its key equal to its run id) is no match for the run.
    const keyed = buildSignalWait(runId, { matchKey: runId, createdAt: at(0) });
    for (const wait of [late, tieB, tieA, otherName, otherRun, keyed]) {
      await persistence.putSignalWait(wait);
    }
    const match = { runId, name: "approved" };
    expect(await persistence.findSignalWaits(match, 10)).toEqual([tieA, tieB, late]);
    expect(ids(await persistence.findSignalWaits(match, 2))).toEqual([
      tieA.stageRecordId,
      tieB.stageRecordId,
    ]);
    expect(await persistence.findSignalWaits(match, 0)).toEqual([]);
  });

  it("findSignalWaits by name and key returns that key's waits of any run oldest first, up to limit", async () => {
    const { persistence } = fixture();
    const key = uniqueId("order");
    const second = buildSignalWait(uniqueId("run"), { matchKey: key, createdAt: at(2 * SECOND) });
    const first = buildSignalWait(uniqueId("run"), { matchKey: key, createdAt: at(SECOND) });
    const otherKey = buildSignalWait(uniqueId("run"), { matchKey: uniqueId("order") });
    const otherName = buildSignalWait(uniqueId("run"), { matchKey: key, name: "rejected" });
    // A run whose id equals the key, waiting by run, is no match for the key.
    const byRun = buildSignalWait(key, { createdAt: at(0) });
    for (const wait of [second, first, otherKey, otherName, byRun]) {
      await persistence.putSignalWait(wait);
    }
    const match = { name: "approved", matchKey: key };
    expect(await persistence.findSignalWaits(match, 10)).toEqual([first, second]);
    expect(ids(await persistence.findSignalWaits(match, 1))).toEqual([first.stageRecordId]);
  });

  it("deleteSignalWait removes a wait once; a second delete returns false", async () => {
    const { persistence } = fixture();
    const runId = uniqueId("run");
    const wait = buildSignalWait(runId);
    const kept = buildSignalWait(runId, { createdAt: at(SECOND) });
    await persistence.putSignalWait(wait);
    await persistence.putSignalWait(kept);
    expect(await persistence.deleteSignalWait(wait.stageRecordId)).toBe(true);
    expect(await persistence.deleteSignalWait(wait.stageRecordId)).toBe(false);
    expect(await persistence.deleteSignalWait(uniqueId("missing"))).toBe(false);
    expect(await persistence.getSignalWait(wait.stageRecordId)).toBeNull();
    expect(await persistence.findSignalWaits({ runId, name: "approved" }, 10)).toEqual([kept]);
    expect(await persistence.listSignalWaits({ runId, limit: 10 })).toEqual([kept]);
    // In a transaction as well: the first delete wins, the second finds nothing.
    const results = await persistence.withTransaction(async (tx) => [
      await tx.deleteSignalWait(kept.stageRecordId),
      await tx.deleteSignalWait(kept.stageRecordId),
    ]);
    expect(results).toEqual([true, false]);
    expect(await persistence.getSignalWait(kept.stageRecordId)).toBeNull();
  });

  it("listSignalWaits lists by run or by kind, oldest first, a page at a time after a cursor", async () => {
    const { persistence } = fixture();
    const runA = uniqueId("run");
    const runB = uniqueId("run");
    const prefix = uniqueId("stage");
    const wait = (id: string, runId: string, ms: number, kind: SignalWaitRecord["kind"]) =>
      buildSignalWait(runId, { stageRecordId: `${prefix}-${id}`, createdAt: at(ms), kind });
    const waits = [
      wait("5", runA, 3 * SECOND, "approval"),
      wait("2", runB, SECOND, "approval"),
      wait("1", runA, SECOND, "signal"),
      wait("3", runA, SECOND, "approval"),
      wait("4", runB, 2 * SECOND, "child"),
    ];
    for (const w of waits) await persistence.putSignalWait(w);
    const byId = (id: string) => waits.find((w) => w.stageRecordId === `${prefix}-${id}`);
    const page = (list: readonly SignalWaitRecord[]) => list.map((w) => w.stageRecordId.slice(-1));

    expect(page(await persistence.listSignalWaits({ limit: 10 }))).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
    ]);
    expect(await persistence.listSignalWaits({ runId: runA, limit: 10 })).toEqual([
      byId("1"),
      byId("3"),
      byId("5"),
    ]);
    expect(page(await persistence.listSignalWaits({ kind: "approval", limit: 10 }))).toEqual([
      "2",
      "3",
      "5",
    ]);
    expect(page(await persistence.listSignalWaits({ kind: "child", limit: 10 }))).toEqual(["4"]);
    expect(
      page(await persistence.listSignalWaits({ runId: runB, kind: "approval", limit: 10 })),
    ).toEqual(["2"]);

    // Paging by kind, two at a time: the cursor breaks the createdAt tie by stage record id.
    const first = await persistence.listSignalWaits({ kind: "approval", limit: 2 });
    expect(page(first)).toEqual(["2", "3"]);
    const last = first[first.length - 1] as SignalWaitRecord;
    const after = { createdAt: last.createdAt, stageRecordId: last.stageRecordId };
    expect(page(await persistence.listSignalWaits({ kind: "approval", after, limit: 2 }))).toEqual([
      "5",
    ]);
    // Paging every wait one at a time visits each once, in order.
    const seen: string[] = [];
    let cursor: { createdAt: Date; stageRecordId: string } | undefined;
    for (let i = 0; i < 10; i++) {
      const next = await persistence.listSignalWaits({
        limit: 1,
        ...(cursor ? { after: cursor } : {}),
      });
      const [w] = next;
      if (!w) break;
      seen.push(w.stageRecordId.slice(-1));
      cursor = { createdAt: w.createdAt, stageRecordId: w.stageRecordId };
    }
    expect(seen).toEqual(["1", "2", "3", "4", "5"]);
    expect(await persistence.listSignalWaits({ runId: uniqueId("run"), limit: 10 })).toEqual([]);
  });
}
