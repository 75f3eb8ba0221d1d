/** Persistence conformance: runs (create, read, update, list, claim). */
import { expect, it } from "vitest";
import type { RunPatch, RunRecord } from "../../records.js";
import { buildRun, type PersistenceFixture } from "./persistence-fixture.js";
import { at, RollbackProbe, sampleJson, TOP_LEVEL_JSON, uniqueId } from "./shared.js";

/** Asserts that every date field of a run is a real `Date`. */
function expectRunDates(run: RunRecord): void {
  expect(run.createdAt).toBeInstanceOf(Date);
  expect(run.updatedAt).toBeInstanceOf(Date);
  if (run.startedAt !== null) expect(run.startedAt).toBeInstanceOf(Date);
  if (run.completedAt !== null) expect(run.completedAt).toBeInstanceOf(Date);
}

/** Registers the run tests. */
export function runTests(fixture: () => PersistenceFixture): void {
  it("createRun returns the run as stored and getRun round-trips every field", async () => {
    const { persistence, backdoor } = fixture();
    const run = buildRun({
      priority: 5,
      input: sampleJson(),
      config: { fetch: sampleJson(), parse: { retries: 2 } },
      metadata: { tenant: "acme", tags: ["a", "b"] },
      idempotencyKey: uniqueId("idem"),
      eventSeq: 3,
      createdAt: new Date("2026-03-04T05:06:07.891Z"),
    });
    const created = await persistence.createRun(run);
    expect(created).toEqual({
      ...run,
      control: {},
      concurrencyKey: null,
      parentRunId: null,
      waiting: false,
      status: "PENDING",
      version: created.version,
      output: null,
      error: null,
      currentGroup: 0,
      groupRemaining: 0,
      updatedAt: run.createdAt,
      startedAt: null,
      completedAt: null,
    } satisfies RunRecord);
    expect(Number.isInteger(created.version)).toBe(true);
    expectRunDates(created);
    const read = await persistence.getRun(run.id);
    expect(read).toEqual(created);
    if (read) expectRunDates(read);
    if (backdoor) expect(await backdoor.readRun(run.id)).toEqual(created);
  });

  it("updateRun round-trips every patched field, including Dates, nulls and nested JSON", async () => {
    const { persistence, backdoor } = fixture();
    const created = await persistence.createRun(buildRun());
    const patch = {
      status: "FAILED",
      output: sampleJson(),
      error: { code: "E_BOOM", message: "it broke", name: "TypeError", stageId: "parse" },
      currentGroup: 2,
      groupRemaining: 11,
      eventSeq: 9,
      metadata: { tenant: "acme", nested: [1, { deep: null }] },
      control: { from: 0, loops: { again: { n: 2, since: "2026-01-01T00:00:00.000Z" } } },
      startedAt: at(10),
      completedAt: at(20),
      waiting: true,
    } satisfies RunPatch;
    const updated = await persistence.updateRun(created.id, patch, { now: at(30) });
    const expected: RunRecord = {
      ...created,
      ...patch,
      version: created.version + 1,
      updatedAt: at(30),
    };
    expect(updated).toEqual(expected);
    const read = await persistence.getRun(created.id);
    expect(read).toEqual(expected);
    if (read) expectRunDates(read);
    if (backdoor) expect(await backdoor.readRun(created.id)).toEqual(expected);

    const cleared = await persistence.updateRun(
      created.id,
      { output: null, error: null, completedAt: null, metadata: {} },
      { now: at(40) },
    );
    const expectedCleared: RunRecord = {
      ...expected,
      output: null,
      error: null,
      completedAt: null,
      metadata: {},
      version: expected.version + 1,
      updatedAt: at(40),
    };
    expect(cleared).toEqual(expectedCleared);
    expect(await persistence.getRun(created.id)).toEqual(expectedCleared);
    if (backdoor) expect(await backdoor.readRun(created.id)).toEqual(expectedCleared);
  });

  it("createRun keeps control state and the concurrency key", async () => {
    const { persistence, backdoor } = fixture();
    const run = buildRun({ control: { from: 3 }, concurrencyKey: '["wf-limited","tenant-a é"]' });
    const created = await persistence.createRun(run);
    expect(created).toMatchObject({
      control: { from: 3 },
      concurrencyKey: '["wf-limited","tenant-a é"]',
    });
    expect(await persistence.getRun(run.id)).toEqual(created);
    if (backdoor) expect(await backdoor.readRun(run.id)).toEqual(created);
  });

  it("round-trips top-level JSON values of every kind as input and output", async () => {
    const { persistence, backdoor } = fixture();
    for (const value of TOP_LEVEL_JSON) {
      const created = await persistence.createRun(buildRun({ input: value }));
      await persistence.updateRun(created.id, { output: value }, { now: at(1) });
      const read = await persistence.getRun(created.id);
      expect(read?.input).toEqual(value);
      expect(read?.output).toEqual(value);
      if (backdoor) {
        const raw = await backdoor.readRun(created.id);
        expect(raw?.input).toEqual(value);
        expect(raw?.output).toEqual(value);
      }
    }
  });

  it("getRun of an unknown id resolves null", async () => {
    const { persistence } = fixture();
    expect(await persistence.getRun(uniqueId("missing"))).toBeNull();
  });

  it("mutating the object passed in or a returned run changes nothing stored", async () => {
    const { persistence } = fixture();
    const input = { items: [{ sku: "a", qty: 1 }] };
    const run = buildRun({ input });
    const created = await persistence.createRun(run);
    input.items.push({ sku: "b", qty: 2 });
    (created.input as { items: unknown[] }).items.length = 0;
    created.createdAt.setTime(0);
    const read = await persistence.getRun(run.id);
    expect(read?.input).toEqual({ items: [{ sku: "a", qty: 1 }] });
    expect(read?.createdAt).toEqual(at(0));
  });

  it("updateRun increments version by one and sets updatedAt on every write", async () => {
    const { persistence } = fixture();
    const created = await persistence.createRun(buildRun());
    const first = await persistence.updateRun(created.id, { status: "RUNNING" }, { now: at(100) });
    const second = await persistence.updateRun(created.id, { currentGroup: 1 }, { now: at(200) });
    expect(first?.version).toBe(created.version + 1);
    expect(second?.version).toBe(created.version + 2);
    expect(second?.updatedAt).toEqual(at(200));
    expect(second?.status).toBe("RUNNING");
    expect(second?.input).toEqual(created.input);
    expect(await persistence.getRun(created.id)).toEqual(second);
  });

  it("updateRun with a stale expectedVersion returns null and changes nothing", async () => {
    const { persistence, backdoor } = fixture();
    const created = await persistence.createRun(buildRun());
    const current = await persistence.updateRun(
      created.id,
      { status: "RUNNING" },
      { expectedVersion: created.version, now: at(100) },
    );
    expect(current?.version).toBe(created.version + 1);
    const stale = await persistence.updateRun(
      created.id,
      { status: "CANCELLED", output: "lost update" },
      { expectedVersion: created.version, now: at(200) },
    );
    expect(stale).toBeNull();
    expect(await persistence.getRun(created.id)).toEqual(current);
    if (backdoor) expect(await backdoor.readRun(created.id)).toEqual(current);
  });

  it("updateLockedRun (when offered) applies the patch by the commit, like updateRun", async () => {
    const { persistence, backdoor } = fixture();
    const { updateLockedRun } = persistence;
    if (!updateLockedRun) return expect(persistence.updateLockedRun).toBeUndefined();
    const created = await persistence.createRun(buildRun());
    await persistence.withTransaction(async (tx) => {
      const locked = await tx.getRun(created.id, { forUpdate: true });
      await tx.updateLockedRun?.(
        created.id,
        { status: "RUNNING", currentGroup: 1, groupRemaining: 4, eventSeq: 3 },
        { expectedVersion: locked?.version ?? 0, now: at(50) },
      );
    });
    const expected: RunRecord = {
      ...created,
      status: "RUNNING",
      currentGroup: 1,
      groupRemaining: 4,
      eventSeq: 3,
      version: created.version + 1,
      updatedAt: at(50),
    };
    expect(await persistence.getRun(created.id)).toEqual(expected);
    if (backdoor) expect(await backdoor.readRun(created.id)).toEqual(expected);
    // Outside a transaction it is updateRun.
    await updateLockedRun.call(
      persistence,
      created.id,
      { status: "COMPLETED" },
      { expectedVersion: expected.version, now: at(60) },
    );
    expect(await persistence.getRun(created.id)).toMatchObject({
      status: "COMPLETED",
      version: expected.version + 1,
    });
  });

  it("updateLockedRun's write is seen by later reads of its transaction and rolls back with it", async () => {
    const { persistence } = fixture();
    if (!persistence.updateLockedRun) return expect(persistence.updateLockedRun).toBeUndefined();
    const created = await persistence.createRun(buildRun());
    await expect(
      persistence.withTransaction(async (tx) => {
        await tx.updateLockedRun?.(
          created.id,
          { status: "RUNNING" },
          { expectedVersion: created.version, now: at(50) },
        );
        expect((await tx.getRun(created.id))?.status).toBe("RUNNING");
        throw new RollbackProbe();
      }),
    ).rejects.toBeInstanceOf(RollbackProbe);
    expect(await persistence.getRun(created.id)).toEqual(created);
  });

  it("updateRun of an unknown id resolves null", async () => {
    const { persistence } = fixture();
    expect(
      await persistence.updateRun(uniqueId("missing"), { status: "RUNNING" }, { now: at(0) }),
    ).toBeNull();
  });

  it("listRuns filters by status, workflowId, updatedBefore and waiting, and honours limit", async () => {
    const { persistence } = fixture();
    const workflowId = uniqueId("wf");
    const first = await persistence.createRun(buildRun({ workflowId, createdAt: at(0) }));
    const second = await persistence.createRun(buildRun({ workflowId, createdAt: at(1_000) }));
    const third = await persistence.createRun(buildRun({ workflowId, createdAt: at(2_000) }));
    const other = await persistence.createRun(buildRun({ createdAt: at(0) }));
    await persistence.updateRun(second.id, { status: "RUNNING" }, { now: at(5_000) });
    const ids = (runs: RunRecord[]) => runs.map((run) => run.id).sort();

    expect(ids(await persistence.listRuns({ workflowId, limit: 10 }))).toEqual(
      [first.id, second.id, third.id].sort(),
    );
    expect(ids(await persistence.listRuns({ workflowId, status: "PENDING", limit: 10 }))).toEqual(
      [first.id, third.id].sort(),
    );
    expect(ids(await persistence.listRuns({ workflowId, status: "RUNNING", limit: 10 }))).toEqual([
      second.id,
    ]);
    expect(
      ids(await persistence.listRuns({ workflowId, updatedBefore: at(1_500), limit: 10 })),
    ).toEqual([first.id]);
    expect(await persistence.listRuns({ workflowId, limit: 2 })).toHaveLength(2);
    expect(ids(await persistence.listRuns({ status: "PENDING", limit: 10 }))).toEqual(
      [first.id, third.id, other.id].sort(),
    );
    // The waiting flag (the stuck-run reaper reads only runs that are not waiting).
    await persistence.updateRun(third.id, { waiting: true }, { now: at(6_000) });
    expect(ids(await persistence.listRuns({ workflowId, waiting: true, limit: 10 }))).toEqual([
      third.id,
    ]);
    expect(ids(await persistence.listRuns({ workflowId, waiting: false, limit: 10 }))).toEqual(
      [first.id, second.id].sort(),
    );
  });

  it("claimPendingRuns claims the highest priority first, then the oldest, and moves them to RUNNING", async () => {
    const { persistence, backdoor } = fixture();
    const lowOld = await persistence.createRun(buildRun({ priority: 0, createdAt: at(0) }));
    const highNew = await persistence.createRun(buildRun({ priority: 10, createdAt: at(3_000) }));
    const highOld = await persistence.createRun(buildRun({ priority: 10, createdAt: at(1_000) }));
    const middle = await persistence.createRun(buildRun({ priority: 5, createdAt: at(500) }));
    const running = await persistence.createRun(buildRun({ priority: 99, createdAt: at(0) }));
    const versions = new Map(
      [lowOld, highNew, highOld, middle].map((run) => [run.id, run.version]),
    );
    await persistence.updateRun(running.id, { status: "RUNNING" }, { now: at(1) });

    const claimed = await persistence.claimPendingRuns({ limit: 3, now: at(10_000) });
    expect(claimed.map((run) => run.id)).toEqual([highOld.id, highNew.id, middle.id]);
    for (const run of claimed) {
      expect(run.status).toBe("RUNNING");
      const stored = await persistence.getRun(run.id);
      expect(stored?.status).toBe("RUNNING");
      expect(run.version).toBe((versions.get(run.id) ?? Number.NaN) + 1);
      expect(stored).toEqual(run);
      if (backdoor) expect((await backdoor.readRun(run.id))?.status).toBe("RUNNING");
    }
    expect(
      (await persistence.claimPendingRuns({ limit: 10, now: at(10_000) })).map((run) => run.id),
    ).toEqual([lowOld.id]);
    expect(await persistence.claimPendingRuns({ limit: 10, now: at(10_000) })).toEqual([]);
  });

  it("concurrent claimPendingRuns callers never claim the same run", async () => {
    const { persistence } = fixture();
    const created: string[] = [];
    for (let i = 0; i < 30; i++)
      created.push((await persistence.createRun(buildRun({ createdAt: at(i) }))).id);
    const claimed: string[] = [];
    for (let round = 0; round < 30; round++) {
      const batches = await Promise.all(
        Array.from({ length: 6 }, () =>
          persistence.claimPendingRuns({ limit: 4, now: at(60_000) }),
        ),
      );
      const ids = batches.flat().map((run) => run.id);
      if (ids.length === 0) break;
      claimed.push(...ids);
    }
    expect(new Set(claimed).size).toBe(claimed.length);
    expect([...claimed].sort()).toEqual([...created].sort());
  });
}
