/**
 * Persistence conformance: retention — `purgeRuns` deletes exactly the finished runs a query
 * selects (by final status, end time and workflow, earliest ended first, up to a limit) with
 * every row they own, leaves running, pending and young runs and other runs' rows alone, keeps
 * a run whose events are not yet delivered, deletes nothing on a dry run or a rolled-back
 * transaction; `purgeIdempotencyKeys` expires keys by age.
 */
import { expect, it } from "vitest";
import type { RunRecord, RunStatus } from "../../records.js";
import {
  buildEvent,
  buildLog,
  buildRun,
  buildStage,
  type PersistenceFixture,
} from "./persistence-fixture.js";
import { buildSignal, buildSignalWait } from "./persistence-signals.js";
import { at, RollbackProbe, SECOND, uniqueId } from "./shared.js";

const FINISHED: RunStatus[] = ["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"];

/** A run with what a run owns: two stages (one output in a blob), logs, published events, signals. */
async function ownedRun(
  { persistence }: PersistenceFixture,
  options: {
    workflowId?: string;
    status?: RunStatus;
    endedAtMs?: number;
    idempotencyKey?: string;
  } = {},
) {
  const run = await persistence.createRun(
    buildRun({
      ...(options.workflowId ? { workflowId: options.workflowId } : {}),
      idempotencyKey: options.idempotencyKey ?? null,
    }),
  );
  if (options.idempotencyKey !== undefined) {
    await persistence.acquireIdempotencyKey(options.idempotencyKey, "run.create", at(0));
    await persistence.completeIdempotencyKey(options.idempotencyKey, "run.create", {
      workflowRunId: run.id,
    });
  }
  const first = buildStage(run.id, "fetch", 0);
  const second = buildStage(run.id, "wait", 1);
  await persistence.createStages([first, second]);
  await persistence.updateStage(
    first.id,
    { status: "COMPLETED", outputRef: { kind: "inline" }, output: { ok: true } },
    { now: at(1) },
  );
  const blobKey = `runs/${run.id}/outputs/wait/${second.id}.json`;
  await persistence.updateStage(
    second.id,
    { status: "COMPLETED", outputRef: { kind: "blob", key: blobKey } },
    { now: at(2) },
  );
  await persistence.appendLogs([buildLog(run.id, 1, "hello"), buildLog(run.id, 2, "bye")]);
  const events = [buildEvent(run.id, 1, 0), buildEvent(run.id, 2, 1)];
  await persistence.appendOutboxEvents(events);
  await persistence.markOutboxPublished(events, at(3));
  const toRun = buildSignal({ runId: run.id });
  const keyed = buildSignal({ matchKey: uniqueId("order") });
  await persistence.appendSignal(toRun);
  await persistence.appendSignal(keyed);
  await persistence.markSignalConsumed(keyed.id, second.id, at(2));
  const wait = buildSignalWait(run.id);
  await persistence.putSignalWait(wait);
  let record: RunRecord = run;
  if (options.status !== undefined && options.status !== "PENDING") {
    const ended = FINISHED.includes(options.status);
    record =
      (await persistence.updateRun(
        run.id,
        {
          status: options.status,
          ...(ended ? { completedAt: at(options.endedAtMs ?? 0) } : {}),
        },
        { now: at(4) },
      )) ?? run;
  }
  return { run: record, stages: [first, second], blobKey, signals: [toRun, keyed], wait };
}

type Owned = Awaited<ReturnType<typeof ownedRun>>;

async function expectGone(fixture: PersistenceFixture, owned: Owned): Promise<void> {
  const { persistence, queries, backdoor } = fixture;
  expect(await persistence.getRun(owned.run.id)).toBeNull();
  expect(await persistence.listStages(owned.run.id)).toEqual([]);
  expect(await queries.listLogs(owned.run.id)).toEqual([]);
  for (const signal of owned.signals) expect(await persistence.getSignal(signal.id)).toBeNull();
  expect(await persistence.getSignalWait(owned.wait.stageRecordId)).toBeNull();
  if (backdoor) {
    expect(await backdoor.readRun(owned.run.id)).toBeNull();
    expect(await backdoor.readStage(owned.run.id, "fetch")).toBeNull();
    expect(await backdoor.readLogs(owned.run.id)).toEqual([]);
    expect(await backdoor.readOutbox(owned.run.id)).toEqual([]);
  }
}

async function expectKept(fixture: PersistenceFixture, owned: Owned): Promise<void> {
  const { persistence, queries, backdoor } = fixture;
  expect((await persistence.getRun(owned.run.id))?.status).toBe(owned.run.status);
  expect(await persistence.listStages(owned.run.id)).toHaveLength(2);
  expect(await queries.listLogs(owned.run.id)).toHaveLength(2);
  for (const signal of owned.signals) expect(await persistence.getSignal(signal.id)).not.toBeNull();
  expect(await persistence.getSignalWait(owned.wait.stageRecordId)).not.toBeNull();
  if (backdoor) expect(await backdoor.readOutbox(owned.run.id)).toHaveLength(2);
}

/** Registers the retention tests. */
export function retentionTests(fixture: () => PersistenceFixture): void {
  it("purgeRuns deletes the finished runs past endedBefore with all they own, and returns their blob keys", async () => {
    const f = fixture();
    const old = await ownedRun(f, {
      status: "COMPLETED",
      endedAtMs: SECOND,
      idempotencyKey: uniqueId("key"),
    });
    const young = await ownedRun(f, { status: "COMPLETED", endedAtMs: 10 * SECOND });
    const running = await ownedRun(f, { status: "RUNNING" });
    const pending = await ownedRun(f, { status: "PENDING" });
    const failed = await ownedRun(f, { status: "FAILED", endedAtMs: SECOND });

    const result = await f.persistence.purgeRuns({
      statuses: ["COMPLETED"],
      endedBefore: at(5 * SECOND),
      limit: 100,
    });
    expect(result.runIds).toEqual([old.run.id]);
    expect(result.blobKeys).toEqual([old.blobKey]);
    expect(result.matched).toBeUndefined();
    await expectGone(f, old);
    for (const kept of [young, running, pending, failed]) await expectKept(f, kept);
    // Its run.create key went with it: the key can be taken again.
    const key = old.run.idempotencyKey as string;
    if (f.backdoor) expect(await f.backdoor.readIdempotencyKey(key, "run.create")).toBeNull();
    expect(await f.persistence.acquireIdempotencyKey(key, "run.create", at(20 * SECOND))).toEqual({
      status: "acquired",
    });
    // Running and pending runs are never selected, whatever the statuses asked for.
    const all = await f.persistence.purgeRuns({
      statuses: [...FINISHED, "RUNNING", "PENDING"],
      endedBefore: at(60 * SECOND),
      limit: 100,
    });
    expect(all.runIds.sort()).toEqual([young.run.id, failed.run.id].sort());
    await expectKept(f, running);
    await expectKept(f, pending);
  });

  it("purgeRuns selects by status and workflow, earliest ended first, up to the limit", async () => {
    const f = fixture();
    const wfA = uniqueId("wf-a");
    const wfB = uniqueId("wf-b");
    const a3 = await ownedRun(f, { workflowId: wfA, status: "COMPLETED", endedAtMs: 3 * SECOND });
    const a1 = await ownedRun(f, { workflowId: wfA, status: "CANCELLED", endedAtMs: SECOND });
    const a2 = await ownedRun(f, { workflowId: wfA, status: "TIMED_OUT", endedAtMs: 2 * SECOND });
    const aFailed = await ownedRun(f, { workflowId: wfA, status: "FAILED", endedAtMs: SECOND });
    const b1 = await ownedRun(f, { workflowId: wfB, status: "COMPLETED", endedAtMs: SECOND });
    const query = {
      workflowIds: [wfA],
      statuses: ["COMPLETED", "CANCELLED", "TIMED_OUT"] as RunStatus[],
      endedBefore: at(10 * SECOND),
    };

    const first = await f.persistence.purgeRuns({ ...query, limit: 2 });
    expect(first.runIds).toEqual([a1.run.id, a2.run.id]);
    const second = await f.persistence.purgeRuns({ ...query, limit: 2 });
    expect(second.runIds).toEqual([a3.run.id]);
    expect(await f.persistence.purgeRuns({ ...query, limit: 2 })).toMatchObject({ runIds: [] });
    for (const gone of [a1, a2, a3]) await expectGone(f, gone);
    await expectKept(f, aFailed);
    await expectKept(f, b1);
  });

  it("purgeRuns with dryRun deletes nothing, lists up to the limit and counts every match", async () => {
    const f = fixture();
    const wf = uniqueId("wf");
    const runs = [];
    for (const endedAtMs of [3, 1, 2].map((s) => s * SECOND))
      runs.push(await ownedRun(f, { workflowId: wf, status: "FAILED", endedAtMs }));
    const dry = await f.persistence.purgeRuns({
      workflowIds: [wf],
      statuses: ["FAILED"],
      endedBefore: at(10 * SECOND),
      limit: 2,
      dryRun: true,
    });
    expect(dry.runIds).toEqual([runs[1]?.run.id, runs[2]?.run.id]);
    expect(dry.matched).toBe(3);
    for (const kept of runs) await expectKept(f, kept);
  });

  it("purgeRuns keeps a run whose outbox holds an undelivered event; dead letters go with the run", async () => {
    const f = fixture();
    const wf = uniqueId("wf");
    const undelivered = await ownedRun(f, { workflowId: wf, status: "COMPLETED", endedAtMs: 0 });
    await f.persistence.appendOutboxEvents([buildEvent(undelivered.run.id, 3, 2)]);
    const deadLettered = await ownedRun(f, { workflowId: wf, status: "COMPLETED", endedAtMs: 0 });
    const dead = buildEvent(deadLettered.run.id, 3, 2);
    await f.persistence.appendOutboxEvents([dead]);
    await f.persistence.recordOutboxFailure(dead, {
      error: "sink down",
      retryAt: at(SECOND),
      deadLetter: true,
      now: at(3),
    });
    const query = { workflowIds: [wf], statuses: FINISHED, endedBefore: at(SECOND), limit: 10 };
    expect((await f.persistence.purgeRuns(query)).runIds).toEqual([deadLettered.run.id]);
    await expectGone(f, deadLettered);
    expect(await f.persistence.getRun(undelivered.run.id)).not.toBeNull();
  });

  it("purgeRuns in a transaction that rolls back deletes nothing", async () => {
    const f = fixture();
    const owned = await ownedRun(f, { status: "COMPLETED", endedAtMs: 0 });
    await expect(
      f.persistence.withTransaction(async (tx) => {
        const result = await tx.purgeRuns({
          workflowIds: [owned.run.workflowId],
          statuses: ["COMPLETED"],
          endedBefore: at(SECOND),
          limit: 10,
        });
        expect(result.runIds).toEqual([owned.run.id]);
        throw new RollbackProbe();
      }),
    ).rejects.toBeInstanceOf(RollbackProbe);
    await expectKept(f, owned);
  });

  it("purgeIdempotencyKeys expires keys created before a time, oldest first, up to the limit", async () => {
    const { persistence, backdoor } = fixture();
    const keys = [uniqueId("k0"), uniqueId("k1"), uniqueId("k2"), uniqueId("k3")];
    for (const [i, key] of keys.entries()) {
      await persistence.acquireIdempotencyKey(key, "run.create", at(i * SECOND));
      await persistence.completeIdempotencyKey(key, "run.create", { i });
    }
    const query = { createdBefore: at(2_500), limit: 2 };
    expect(await persistence.purgeIdempotencyKeys({ ...query, limit: 10, dryRun: true })).toBe(3);
    expect(
      await persistence.acquireIdempotencyKey(keys[0] as string, "run.create", at(5 * SECOND)),
    ).toMatchObject({ status: "replay" });
    expect(await persistence.purgeIdempotencyKeys(query)).toBe(2);
    expect(await persistence.purgeIdempotencyKeys(query)).toBe(1);
    expect(await persistence.purgeIdempotencyKeys(query)).toBe(0);
    if (backdoor) {
      expect(await backdoor.readIdempotencyKey(keys[0] as string, "run.create")).toBeNull();
      expect(await backdoor.readIdempotencyKey(keys[3] as string, "run.create")).not.toBeNull();
    }
    // An expired key is taken again; a young one still replays.
    expect(
      await persistence.acquireIdempotencyKey(keys[1] as string, "run.create", at(6 * SECOND)),
    ).toEqual({
      status: "acquired",
    });
    expect(
      await persistence.acquireIdempotencyKey(keys[3] as string, "run.create", at(6 * SECOND)),
    ).toEqual({
      status: "replay",
      result: { i: 3 },
    });
  });
}
