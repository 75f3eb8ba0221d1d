/** Persistence conformance: transactions commit, roll back for real, nest, and lock runs. */
import { expect, it } from "vitest";
import type { JsonObject, RunRecord } from "../../records.js";
import {
  buildEvent,
  buildLog,
  buildRun,
  buildStage,
  type PersistenceFixture,
} from "./persistence-fixture.js";
import { at, RollbackProbe, sampleJson, uniqueId } from "./shared.js";

/** Registers the transaction tests. */
export function transactionTests(fixture: () => PersistenceFixture): void {
  it("withTransaction commits its writes, sees them itself, and resolves the callback's value", async () => {
    const { persistence, backdoor, queries } = fixture();
    const run = buildRun();
    const stage = buildStage(run.id, "fetch", 0);
    const event = buildEvent(run.id, 1, 0);
    const log = buildLog(run.id, 0, "hello");
    const key = uniqueId("key");
    const result = await persistence.withTransaction(async (tx) => {
      const created = await tx.createRun(run);
      await tx.createStages([stage]);
      await tx.appendOutboxEvents([event]);
      await tx.appendLogs([log]);
      expect(await tx.acquireIdempotencyKey(key, "run.create", at(0))).toEqual({
        status: "acquired",
      });
      expect(await tx.getRun(run.id)).toEqual(created);
      expect((await tx.getStage(run.id, "fetch"))?.id).toBe(stage.id);
      return "committed";
    });
    expect(result).toBe("committed");
    expect((await persistence.getRun(run.id))?.id).toBe(run.id);
    expect((await persistence.listStages(run.id)).map((s) => s.id)).toEqual([stage.id]);
    expect((await queries.listEvents(run.id)).map((e) => e.id)).toEqual([event.id]);
    expect((await queries.listLogs(run.id)).map((l) => l.id)).toEqual([log.id]);
    expect(await persistence.acquireIdempotencyKey(key, "run.create", at(1))).toEqual({
      status: "in_progress",
    });
    if (backdoor) {
      expect((await backdoor.readRun(run.id))?.id).toBe(run.id);
      expect((await backdoor.readStage(run.id, "fetch"))?.id).toBe(stage.id);
      expect((await backdoor.readOutbox(run.id)).map((e) => e.id)).toEqual([event.id]);
      expect((await backdoor.readLogs(run.id)).map((l) => l.id)).toEqual([log.id]);
      expect((await backdoor.readIdempotencyKey(key, "run.create"))?.status).toBe("in_progress");
    }
  });

  it("withTransaction rolls back every write when the callback throws, and rethrows the error", async () => {
    const { persistence, backdoor, queries } = fixture();
    // Committed state the transaction will try to change.
    const existing = await persistence.createRun(buildRun());
    const existingStage = buildStage(existing.id, "fetch", 0);
    await persistence.createStages([existingStage]);
    const existingEvent = buildEvent(existing.id, 1, 0);
    await persistence.appendOutboxEvents([existingEvent]);
    await persistence.appendLogs([buildLog(existing.id, 0, "before")]);
    const heldKey = uniqueId("held");
    await persistence.acquireIdempotencyKey(heldKey, "run.create", at(0));
    const before = {
      run: await persistence.getRun(existing.id),
      stages: await persistence.listStages(existing.id),
      outbox: await queries.listEvents(existing.id),
      logs: await queries.listLogs(existing.id),
    };
    const rawBefore = backdoor && {
      run: await backdoor.readRun(existing.id),
      stage: await backdoor.readStage(existing.id, "fetch"),
      outbox: await backdoor.readOutbox(existing.id),
      logs: await backdoor.readLogs(existing.id),
    };

    const fresh = buildRun();
    const newKey = uniqueId("new");
    const probe = new RollbackProbe();
    const attempt = persistence.withTransaction(async (tx) => {
      await tx.createRun(fresh);
      await tx.updateRun(
        existing.id,
        { status: "RUNNING", output: sampleJson() },
        { now: at(100) },
      );
      await tx.createStages([
        buildStage(fresh.id, "fetch", 0),
        buildStage(existing.id, "parse", 1),
      ]);
      await tx.updateStage(existingStage.id, { status: "RUNNING", attempt: 1 }, { now: at(100) });
      expect(await tx.deleteStagesFrom(existing.id, 0)).toBe(2);
      await tx.appendOutboxEvents([buildEvent(existing.id, 2, 100), buildEvent(fresh.id, 1, 100)]);
      await tx.markOutboxPublished([existingEvent], at(100));
      await tx.appendLogs([
        buildLog(existing.id, 100, "during"),
        buildLog(fresh.id, 100, "during"),
      ]);
      await tx.acquireIdempotencyKey(newKey, "run.create", at(100));
      await tx.completeIdempotencyKey(newKey, "run.create", { runId: fresh.id });
      await tx.completeIdempotencyKey(heldKey, "run.create", { runId: fresh.id });
      throw probe;
    });
    await expect(attempt).rejects.toBe(probe);

    if (backdoor && rawBefore) {
      expect(await backdoor.readRun(fresh.id)).toBeNull();
      expect(await backdoor.readRun(existing.id)).toEqual(rawBefore.run);
      expect(await backdoor.readStage(existing.id, "fetch")).toEqual(rawBefore.stage);
      expect(await backdoor.readStage(existing.id, "parse")).toBeNull();
      expect(await backdoor.readStage(fresh.id, "fetch")).toBeNull();
      expect(await backdoor.readOutbox(existing.id)).toEqual(rawBefore.outbox);
      expect(await backdoor.readOutbox(fresh.id)).toEqual([]);
      expect(await backdoor.readLogs(existing.id)).toEqual(rawBefore.logs);
      expect(await backdoor.readLogs(fresh.id)).toEqual([]);
      expect(await backdoor.readIdempotencyKey(newKey, "run.create")).toBeNull();
      expect((await backdoor.readIdempotencyKey(heldKey, "run.create"))?.status).toBe(
        "in_progress",
      );
    }
    expect(await persistence.getRun(fresh.id)).toBeNull();
    expect(await persistence.getRun(existing.id)).toEqual(before.run);
    expect(await persistence.listStages(existing.id)).toEqual(before.stages);
    expect(await persistence.listStages(fresh.id)).toEqual([]);
    expect(await queries.listEvents(existing.id)).toEqual(before.outbox);
    expect(await queries.listEvents(fresh.id)).toEqual([]);
    expect(await queries.listLogs(existing.id)).toEqual(before.logs);
    expect(await queries.listLogs(fresh.id)).toEqual([]);
    expect(await persistence.acquireIdempotencyKey(newKey, "run.create", at(200))).toEqual({
      status: "acquired",
    });
    expect(await persistence.acquireIdempotencyKey(heldKey, "run.create", at(200))).toEqual({
      status: "in_progress",
    });
  });

  it("nested withTransaction joins the outer transaction and rolls back with it", async () => {
    const { persistence, backdoor } = fixture();
    const outer = buildRun();
    const inner = buildRun();
    const probe = new RollbackProbe();
    const attempt = persistence.withTransaction(async (tx) => {
      await tx.createRun(outer);
      await tx.withTransaction(async (nested) => {
        expect((await nested.getRun(outer.id))?.id).toBe(outer.id);
        await nested.createRun(inner);
      });
      expect((await tx.getRun(inner.id))?.id).toBe(inner.id);
      throw probe;
    });
    await expect(attempt).rejects.toBe(probe);
    expect(await persistence.getRun(outer.id)).toBeNull();
    expect(await persistence.getRun(inner.id)).toBeNull();
    if (backdoor) expect(await backdoor.readRun(inner.id)).toBeNull();

    await persistence.withTransaction(async (tx) => {
      await tx.createRun(outer);
      await tx.withTransaction((nested) => nested.createRun(inner));
    });
    expect((await persistence.getRun(outer.id))?.id).toBe(outer.id);
    expect((await persistence.getRun(inner.id))?.id).toBe(inner.id);
  });

  it("getRun with forUpdate serialises concurrent read-modify-write transactions on one run", async () => {
    const { persistence } = fixture();
    const created = await persistence.createRun(buildRun({ metadata: { count: 0 } }));
    const increment = () =>
      persistence.withTransaction(async (tx) => {
        const run = await tx.getRun(created.id, { forUpdate: true });
        if (!run) throw new Error("[ratchet] [conformance] run vanished");
        const count = (run.metadata as JsonObject & { count: number }).count;
        const updated = await tx.updateRun(
          run.id,
          { metadata: { count: count + 1 } },
          { expectedVersion: run.version, now: at(count + 1) },
        );
        if (!updated) throw new Error("[ratchet] [conformance] lost a concurrent update");
        return updated;
      });
    await Promise.all(Array.from({ length: 5 }, increment));
    const final = (await persistence.getRun(created.id)) as RunRecord;
    expect(final.metadata).toEqual({ count: 5 });
    expect(final.version).toBe(created.version + 5);
  });
}
