/**
 * Regressions specific to the in-memory adapters: locking, statement atomicity inside a
 * transaction, unique keys, leaked transaction handles, foreign scopes and index rollback.
 */
import { describe, expect, it } from "vitest";
import { createInMemoryStack } from "../../src/in-memory/index.js";
import { AsyncMutex } from "../../src/in-memory/mutex.js";
import type { NewJob, NewRun } from "../../src/records.js";

const T0 = Date.UTC(2026, 0, 1);
const at = (ms: number) => new Date(T0 + ms);
let counter = 0;
const nextId = (prefix: string) => `${prefix}-${++counter}`;

function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    id: nextId("run"),
    workflowId: "wf",
    workflowVersion: "1",
    fingerprint: "",
    priority: 0,
    input: { n: 1 },
    config: {},
    metadata: {},
    idempotencyKey: null,
    eventSeq: 0,
    createdAt: at(0),
    ...overrides,
  };
}

function newJob(workflowRunId: string): NewJob {
  return {
    jobId: nextId("job"),
    workflowRunId,
    workflowId: "wf",
    route: "wf",
    stageId: "fetch",
    priority: 0,
    maxAttempts: 3,
    payload: {},
    availableAt: at(0),
  };
}

class Probe extends Error {}

describe("in-memory store", () => {
  it("a read outside a transaction waits for the open transaction and sees only committed data", async () => {
    const { persistence } = createInMemoryStack();
    const run = newRun();
    let committed = false;
    let outside: Promise<unknown> | undefined;
    await persistence.withTransaction(async (tx) => {
      await tx.createRun(run);
      outside = persistence.getRun(run.id).then((read) => ({ read, committed }));
      for (let i = 0; i < 20; i++) await Promise.resolve();
      await tx.updateRun(run.id, { status: "RUNNING" }, { now: at(1) });
      committed = true;
    });
    const { read, committed: afterCommit } = (await outside) as {
      read: { status: string };
      committed: boolean;
    };
    expect(afterCommit).toBe(true);
    expect(read.status).toBe("RUNNING");
  });

  it("a failing operation inside a transaction undoes its own partial writes and leaves the transaction usable", async () => {
    const { persistence } = createInMemoryStack();
    const run = await persistence.createRun(newRun());
    await persistence.createStages([
      { id: "s-existing", runId: run.id, stageId: "a", groupIndex: 0, createdAt: at(0) },
    ]);
    await persistence.withTransaction(async (tx) => {
      const batch = tx.createStages([
        { id: "s-new", runId: run.id, stageId: "b", groupIndex: 1, createdAt: at(0) },
        { id: "s-dup", runId: run.id, stageId: "a", groupIndex: 1, createdAt: at(0) },
      ]);
      await expect(batch).rejects.toMatchObject({ code: "DUPLICATE_KEY" });
      expect(await tx.getStage(run.id, "b")).toBeNull();
      await tx.createStages([
        { id: "s-c", runId: run.id, stageId: "c", groupIndex: 1, createdAt: at(0) },
      ]);
    });
    expect((await persistence.listStages(run.id)).map((stage) => stage.stageId)).toEqual([
      "a",
      "c",
    ]);
  });

  it("a failing operation outside a transaction undoes its own partial writes", async () => {
    const { persistence } = createInMemoryStack();
    const run = await persistence.createRun(newRun());
    await persistence.createStages([
      { id: "s-first", runId: run.id, stageId: "a", groupIndex: 0, createdAt: at(0) },
    ]);
    const batch = persistence.createStages([
      { id: "s-second", runId: run.id, stageId: "b", groupIndex: 1, createdAt: at(0) },
      { id: "s-clash", runId: run.id, stageId: "a", groupIndex: 1, createdAt: at(0) },
    ]);
    await expect(batch).rejects.toMatchObject({ code: "DUPLICATE_KEY" });
    expect((await persistence.listStages(run.id)).map((stage) => stage.id)).toEqual(["s-first"]);
  });

  it("operations issued without awaiting run in the order they were issued", async () => {
    const { persistence } = createInMemoryStack();
    const run = await persistence.createRun(newRun());
    const before = persistence.getRun(run.id);
    const update = persistence.updateRun(run.id, { currentGroup: 1 }, { now: at(1) });
    const inside = persistence.withTransaction((tx) =>
      tx.updateRun(run.id, { currentGroup: 2 }, { now: at(2) }),
    );
    const after = persistence.getRun(run.id);
    expect((await before)?.currentGroup).toBe(0);
    expect((await update)?.currentGroup).toBe(1);
    expect((await inside)?.currentGroup).toBe(2);
    expect((await after)?.currentGroup).toBe(2);
  });

  it("applies patch fields however the patch object was built, inherited ones included", async () => {
    const { persistence } = createInMemoryStack();
    const run = await persistence.createRun(newRun());
    const base = { currentGroup: 1 };
    const spread = await persistence.updateRun(
      run.id,
      { ...base, eventSeq: 4, output: null },
      { now: at(1) },
    );
    expect(spread).toMatchObject({ currentGroup: 1, eventSeq: 4, output: null, version: 2 });
    const inherited = Object.assign(Object.create({ status: "RUNNING", currentGroup: 2 }), {
      metadata: { a: 1 },
      eventSeq: undefined,
    });
    const updated = await persistence.updateRun(run.id, inherited, { now: at(2) });
    expect(updated).toMatchObject({
      status: "RUNNING",
      currentGroup: 2,
      eventSeq: 4,
      metadata: { a: 1 },
    });
    await persistence.createStages([
      { id: "s-1", runId: run.id, stageId: "a", groupIndex: 0, createdAt: at(0) },
    ]);
    const stagePatch = Object.assign(Object.create({ status: "COMPLETED" }), {
      outputRef: { kind: "inline" },
      output: { n: 1 },
    });
    expect(await persistence.updateStage("s-1", stagePatch, { now: at(3) })).toBe(true);
    expect(await persistence.getStage(run.id, "a")).toMatchObject({
      status: "COMPLETED",
      outputRef: { kind: "inline" },
    });
    const outputs = await persistence.getStageOutputs([{ runId: run.id, stageId: "a" }]);
    expect(outputs.get(`${run.id}:a`)).toEqual({ n: 1 });
  });

  it("rejects duplicate keys and leaves the first row untouched", async () => {
    const { persistence, jobTransport, queries } = createInMemoryStack();
    const run = newRun({ input: "first" });
    await persistence.createRun(run);
    await expect(persistence.createRun({ ...run, input: "second" })).rejects.toMatchObject({
      code: "DUPLICATE_KEY",
    });
    expect((await persistence.getRun(run.id))?.input).toBe("first");

    const event = {
      id: "e1",
      runId: run.id,
      sequence: 1,
      type: "t",
      payload: {},
      occurredAt: at(0),
    };
    await persistence.appendOutboxEvents([event]);
    await expect(persistence.appendOutboxEvents([{ ...event, id: "e2" }])).rejects.toMatchObject({
      code: "DUPLICATE_KEY",
    });
    expect(await queries.listEvents(run.id)).toHaveLength(1);

    const job = newJob(run.id);
    await jobTransport.enqueue([job]);
    await expect(jobTransport.enqueue([job])).rejects.toMatchObject({ code: "DUPLICATE_KEY" });
  });

  it("a transaction handle used after its transaction ended is rejected", async () => {
    const { persistence, jobTransport, scheduler } = createInMemoryStack();
    const leaked = await persistence.withTransaction(async (tx) => tx);
    await expect(leaked.createRun(newRun())).rejects.toMatchObject({ code: "TRANSACTION_CLOSED" });
    await expect(leaked.getRun("x")).rejects.toMatchObject({ code: "TRANSACTION_CLOSED" });
    await expect(leaked.withTransaction(async () => 1)).rejects.toMatchObject({
      code: "TRANSACTION_CLOSED",
    });
    await expect(jobTransport.enqueue([newJob("r")], leaked)).rejects.toMatchObject({
      code: "TRANSACTION_CLOSED",
    });
    const entry = { type: "t", correlationId: "c", payload: {}, runAt: at(0) };
    await expect(scheduler.schedule(entry, leaked)).rejects.toMatchObject({
      code: "TRANSACTION_CLOSED",
    });
  });

  it("a transaction of another store is not joined: its rollback leaves this store's writes", async () => {
    const here = createInMemoryStack();
    const elsewhere = createInMemoryStack();
    const job = newJob("r1");
    const attempt = elsewhere.persistence.withTransaction(async (tx) => {
      await here.jobTransport.enqueue([job], tx);
      throw new Probe();
    });
    await expect(attempt).rejects.toBeInstanceOf(Probe);
    expect((await here.jobTransport.getJob(job.jobId))?.status).toBe("PENDING");
  });

  it("a rollback restores the indexes claims and dequeues use", async () => {
    const { persistence, jobTransport } = createInMemoryStack();
    const run = await persistence.createRun(newRun());
    const job = newJob(run.id);
    await jobTransport.enqueue([job]);
    const attempt = persistence.withTransaction(async (tx) => {
      await tx.updateRun(run.id, { status: "CANCELLED" }, { now: at(1) });
      expect(await jobTransport.cancelForRun(run.id, at(1), tx)).toBe(1);
      throw new Probe();
    });
    await expect(attempt).rejects.toBeInstanceOf(Probe);
    expect(
      (await persistence.claimPendingRuns({ limit: 10, now: at(2) })).map((r) => r.id),
    ).toEqual([run.id]);
    const dequeued = await jobTransport.dequeue({
      workerId: "w",
      limit: 10,
      leaseMs: 1_000,
      now: at(2),
    });
    expect(dequeued.map((j) => j.jobId)).toEqual([job.jobId]);
    expect(await jobTransport.activeJobsForRun(run.id)).toHaveLength(1);
  });

  it("returns a new Date object on every read", async () => {
    const { persistence } = createInMemoryStack();
    const run = await persistence.createRun(newRun());
    const first = await persistence.getRun(run.id);
    const second = await persistence.getRun(run.id);
    expect(first?.createdAt).toEqual(second?.createdAt);
    expect(first?.createdAt).not.toBe(second?.createdAt);
  });

  it("keeps an own __proto__ key of a JSON value as data", async () => {
    const { persistence } = createInMemoryStack();
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const run = await persistence.createRun(newRun({ input }));
    const read = await persistence.getRun(run.id);
    expect(Object.keys(read?.input as object)).toEqual(["__proto__", "a"]);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(read?.input)).toBe(Object.prototype);
  });
});

describe("AsyncMutex", () => {
  it("grants the lock first come, first served", async () => {
    const mutex = new AsyncMutex();
    const order: number[] = [];
    await mutex.lock();
    const waiters = [1, 2, 3].map((n) =>
      mutex.lock().then(() => {
        order.push(n);
        mutex.unlock();
      }),
    );
    expect(mutex.isLocked).toBe(true);
    mutex.unlock();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    expect(mutex.isLocked).toBe(false);
  });
});
