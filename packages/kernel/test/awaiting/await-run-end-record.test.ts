/**
 * `awaitRunEnd` with notices that hand over the ended run's record (`RunEndListener`'s second
 * argument): it resolves with the record without reading the run — but only for this run's
 * terminal record that is newer than what it read; any other notice makes it read, as a
 * notice without a record does. Scripted: a source the test speaks through, and a `getRun`
 * that counts its calls and answers when the test says.
 */
import { describe, expect, it } from "vitest";
import {
  awaitRunEnd,
  type RunEndListener,
  type RunEndSource,
  type RunRecord,
  type RunResult,
} from "../../src/index.js";
import { runRecord, settle } from "../helpers.js";

const RUN_ID = "run-1";

/** A run record of `RUN_ID`. */
const record = (overrides: Partial<RunRecord> = {}): RunRecord =>
  runRecord({ id: RUN_ID, ...overrides });

const completed = (version: number, n: number) =>
  record({ status: "COMPLETED", version, output: { n }, completedAt: new Date(version) });

/** A source the test speaks through, and a store whose reads the test answers one by one. */
function scripted() {
  const listeners = new Set<RunEndListener>();
  const source: RunEndSource = {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const pending: Array<(run: RunRecord) => void> = [];
  let reads = 0;
  const persistence = {
    getRun: (_id: string) =>
      new Promise<RunRecord | null>((resolve) => {
        reads++;
        pending.push(resolve);
      }),
  };
  let outcome: RunResult | undefined;
  const awaited = awaitRunEnd({ persistence, runEnds: source }, RUN_ID).then((result) => {
    outcome = result;
    return result;
  });
  return {
    awaited,
    /** The result, once the wait resolved. */
    outcome: () => outcome,
    reads: () => reads,
    /** Answers the oldest read still waiting with `run`. */
    answer: async (run: RunRecord) => {
      const next = pending.shift();
      if (!next) throw new Error("no read is waiting");
      next(run);
      await settle();
    },
    notify: async (runId: string | undefined, run?: RunRecord) => {
      for (const listener of [...listeners]) listener(runId, run);
      await settle();
    },
  };
}

describe("awaitRunEnd with records in the notices", () => {
  it("resolves with the handed-over record, reading the run only once (the first read)", async () => {
    const s = scripted();
    await s.answer(record({ version: 2 }));
    const ended = completed(3, 7);
    await s.notify(RUN_ID, ended);
    const result = await s.awaited;
    expect(result.status).toBe("COMPLETED");
    if (result.status === "COMPLETED") expect(result.output).toEqual({ n: 7 });
    expect(result.run).toBe(ended);
    expect(s.reads()).toBe(1);
  });

  it("reads the run instead when the record is not this run's, not ended, or given without its id", async () => {
    const s = scripted();
    await s.answer(record({ version: 2 }));
    await s.notify(RUN_ID, { ...completed(3, 7), id: "another-run" });
    expect(s.reads()).toBe(2);
    await s.answer(record({ version: 2 }));
    await s.notify(RUN_ID, record({ version: 3, status: "RUNNING" }));
    expect(s.reads()).toBe(3);
    await s.answer(record({ version: 3 }));
    await s.notify(undefined, completed(4, 7));
    expect(s.reads()).toBe(4);
    await s.answer(completed(4, 8));
    const result = await s.awaited;
    if (result.status === "COMPLETED") expect(result.output).toEqual({ n: 8 });
    expect(s.reads()).toBe(4);
  });

  it("ignores a record no newer than the record it read: an end the run was started again from", async () => {
    const s = scripted();
    // The first read finds the run running again at version 5 (retried after ending at 4).
    await s.answer(record({ version: 5 }));
    await s.notify(RUN_ID, completed(4, 1));
    expect(s.outcome()).toBeUndefined();
    expect(s.reads()).toBe(1);
    await s.notify(RUN_ID, completed(6, 2));
    const result = await s.awaited;
    if (result.status === "COMPLETED") expect(result.output).toEqual({ n: 2 });
    expect(s.reads()).toBe(1);
  });

  it("keeps a record heard during the first read, and resolves with it only if the read is older", async () => {
    const fresh = scripted();
    await fresh.notify(RUN_ID, completed(3, 9));
    expect(fresh.outcome()).toBeUndefined();
    await fresh.answer(record({ version: 2 }));
    const result = await fresh.awaited;
    if (result.status === "COMPLETED") expect(result.output).toEqual({ n: 9 });
    expect(fresh.reads()).toBe(1);

    const stale = scripted();
    await stale.notify(RUN_ID, completed(3, 9));
    await stale.answer(record({ version: 4 }));
    expect(stale.outcome()).toBeUndefined();
    await stale.notify(RUN_ID);
    await stale.answer(completed(5, 10));
    const later = await stale.awaited;
    if (later.status === "COMPLETED") expect(later.output).toEqual({ n: 10 });
    expect(stale.reads()).toBe(2);
  });

  it("resolves with the first read when that read already finds the run ended", async () => {
    const s = scripted();
    await s.notify(RUN_ID, completed(3, 9));
    const ended = completed(3, 9);
    await s.answer(ended);
    expect((await s.awaited).run).toBe(ended);
  });
});
