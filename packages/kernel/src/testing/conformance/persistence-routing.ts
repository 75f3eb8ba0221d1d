/**
 * Persistence conformance: routing and versions. A run records the version and fingerprint of
 * the definition it started on; claims, reaper listings and poll claims given `routes` see only
 * runs whose route key (`routeKey`) is among them; a `run.migrate` patch moves a run to another
 * route.
 */
import { expect, it } from "vitest";
import { routeKey } from "../../dsl/versioning.js";
import { buildRun, type PersistenceFixture } from "./persistence-fixture.js";
import { at, uniqueId } from "./shared.js";

/** Registers the routing tests. */
export function routingTests(fixture: () => PersistenceFixture): void {
  it("a run keeps the version and fingerprint it was created with", async () => {
    const { persistence } = fixture();
    const run = await persistence.createRun(
      buildRun({ workflowVersion: "2.1", fingerprint: "0123456789abcdef" }),
    );
    expect(run).toMatchObject({ workflowVersion: "2.1", fingerprint: "0123456789abcdef" });
    expect(await persistence.getRun(run.id)).toMatchObject({
      workflowVersion: "2.1",
      fingerprint: "0123456789abcdef",
    });
  });

  it("claimPendingRuns with routes claims only runs of those routes and leaves the others untouched", async () => {
    const { persistence } = fixture();
    const workflowId = uniqueId("wf");
    const v1 = { workflowId, workflowVersion: "1", fingerprint: "1111111111111111" };
    const v2 = { workflowId, workflowVersion: "2", fingerprint: "2222222222222222" };
    const other = {
      workflowId: uniqueId("wf"),
      workflowVersion: "1",
      fingerprint: "3333333333333333",
    };
    // The foreign runs come first in claim order: a claim must look past them.
    const foreign = [];
    for (let i = 0; i < 5; i++) {
      foreign.push(await persistence.createRun(buildRun({ ...v1, priority: 9, createdAt: at(i) })));
      foreign.push(
        await persistence.createRun(buildRun({ ...other, priority: 9, createdAt: at(i) })),
      );
    }
    const mine = [
      await persistence.createRun(buildRun({ ...v2, createdAt: at(100) })),
      await persistence.createRun(buildRun({ ...v2, priority: 1, createdAt: at(200) })),
    ];
    const claimed = await persistence.claimPendingRuns({
      limit: 10,
      now: at(1_000),
      routes: [routeKey(v2)],
    });
    expect(claimed.map((run) => run.id)).toEqual([mine[1]?.id, mine[0]?.id]);
    for (const run of foreign) {
      expect(await persistence.getRun(run.id)).toEqual(run);
    }
    expect(
      await persistence.claimPendingRuns({ limit: 10, now: at(1_000), routes: [routeKey(v2)] }),
    ).toEqual([]);
    // Several routes at once: the highest priority, then the oldest, across them.
    const both = await persistence.claimPendingRuns({
      limit: 4,
      now: at(1_000),
      routes: [routeKey(other), routeKey(v1)],
    });
    expect(both.map((run) => run.createdAt.getTime())).toEqual([
      at(0).getTime(),
      at(0).getTime(),
      at(1).getTime(),
      at(1).getTime(),
    ]);
    expect(new Set(both.map((run) => run.workflowId))).toEqual(
      new Set([workflowId, other.workflowId]),
    );
  });

  it("a run stored without a version routes by its bare workflow id", async () => {
    const { persistence } = fixture();
    const legacy = await persistence.createRun(buildRun({ workflowVersion: "", fingerprint: "" }));
    expect(
      await persistence.claimPendingRuns({
        limit: 5,
        now: at(10),
        routes: [`${legacy.workflowId}@1#0123456789abcdef`],
      }),
    ).toEqual([]);
    const claimed = await persistence.claimPendingRuns({
      limit: 5,
      now: at(10),
      routes: [legacy.workflowId],
    });
    expect(claimed.map((run) => run.id)).toEqual([legacy.id]);
  });

  it("claimPendingRuns with routes and concurrency limits honours both", async () => {
    const { persistence } = fixture();
    const workflowId = uniqueId("wf");
    const v1 = { workflowId, workflowVersion: "1", fingerprint: "1111111111111111" };
    const v2 = { workflowId, workflowVersion: "2", fingerprint: "2222222222222222" };
    const key = uniqueId("key");
    await persistence.createRun(buildRun({ ...v1, concurrencyKey: key, createdAt: at(0) }));
    const a = await persistence.createRun(
      buildRun({ ...v2, concurrencyKey: key, createdAt: at(1) }),
    );
    await persistence.createRun(buildRun({ ...v2, concurrencyKey: key, createdAt: at(2) }));
    const claimed = await persistence.claimPendingRuns({
      limit: 10,
      now: at(10),
      routes: [routeKey(v2)],
      concurrency: () => 1,
    });
    expect(claimed.map((run) => run.id)).toEqual([a.id]);
  });

  it("listRuns with routes lists only runs of those routes", async () => {
    const { persistence } = fixture();
    const workflowId = uniqueId("wf");
    const v1 = { workflowId, workflowVersion: "1", fingerprint: "1111111111111111" };
    const v2 = { workflowId, workflowVersion: "2", fingerprint: "2222222222222222" };
    const old = await persistence.createRun(buildRun(v1));
    const current = await persistence.createRun(buildRun(v2));
    const listed = await persistence.listRuns({ workflowId, routes: [routeKey(v2)], limit: 10 });
    expect(listed.map((run) => run.id)).toEqual([current.id]);
    expect((await persistence.listRuns({ workflowId, limit: 10 })).map((r) => r.id).sort()).toEqual(
      [old.id, current.id].sort(),
    );
  });

  it("a patch of version and fingerprint moves the run to the new route; input can change with it", async () => {
    const { persistence } = fixture();
    const workflowId = uniqueId("wf");
    const v1 = { workflowId, workflowVersion: "1", fingerprint: "1111111111111111" };
    const v2 = { workflowId, workflowVersion: "2", fingerprint: "2222222222222222" };
    const run = await persistence.createRun(buildRun({ ...v1, input: { n: 1 } }));
    const moved = await persistence.updateRun(
      run.id,
      { workflowVersion: "2", fingerprint: v2.fingerprint, input: { n: 2, extra: [true] } },
      { expectedVersion: run.version, now: at(5) },
    );
    expect(moved).toMatchObject({ ...v2, input: { n: 2, extra: [true] } });
    expect(await persistence.getRun(run.id)).toMatchObject({
      ...v2,
      input: { n: 2, extra: [true] },
    });
    expect(
      await persistence.claimPendingRuns({ limit: 5, now: at(10), routes: [routeKey(v1)] }),
    ).toEqual([]);
    const claimed = await persistence.claimPendingRuns({
      limit: 5,
      now: at(10),
      routes: [routeKey(v2)],
    });
    expect(claimed.map((r) => r.id)).toEqual([run.id]);
  });

  it("claimSuspendedStages with routes leases only stages of runs of those routes", async () => {
    const { persistence } = fixture();
    const workflowId = uniqueId("wf");
    const v1 = { workflowId, workflowVersion: "1", fingerprint: "1111111111111111" };
    const v2 = { workflowId, workflowVersion: "2", fingerprint: "2222222222222222" };
    const suspendedStageOf = async (ref: typeof v1) => {
      const run = await persistence.createRun(buildRun(ref));
      const id = uniqueId("stage");
      await persistence.createStages([
        { id, runId: run.id, stageId: "wait", groupIndex: 0, createdAt: at(0) },
      ]);
      await persistence.updateStage(
        id,
        { status: "SUSPENDED", nextPollAt: at(1), pollConfig: { pollIntervalMs: 10 } },
        { now: at(0) },
      );
      return id;
    };
    await suspendedStageOf(v1);
    const mine = await suspendedStageOf(v2);
    const claimed = await persistence.claimSuspendedStages({
      now: at(100),
      limit: 10,
      leaseMs: 1_000,
      routes: [routeKey(v2)],
    });
    expect(claimed.map((stage) => stage.id)).toEqual([mine]);
  });
}
