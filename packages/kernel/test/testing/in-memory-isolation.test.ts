/**
 * The in-memory store shares objects between versions of a row (an update keeps the previous
 * row's `input`, `payload` or `createdAt` instead of copying them), so nothing it hands out or
 * takes in may alias what it keeps. Every read and write here has everything it returned and
 * everything it was given scrambled afterwards (objects, arrays and Dates alike); the store's
 * contents, read back through the adapters, must not change.
 */
import { describe, expect, it } from "vitest";
import { createInMemoryStack } from "../../src/in-memory/index.js";
import type { JsonValue } from "../../src/records.js";

const T0 = Date.UTC(2026, 0, 1);
const at = (ms: number) => new Date(T0 + ms);

/** Mutates a value in place, all the way down: Dates move, arrays grow, properties change. */
function scramble(value: unknown, seen = new Set<object>()): void {
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Date) {
    value.setTime(0);
    return;
  }
  if (value instanceof Map) {
    for (const item of value.values()) scramble(item, seen);
    value.clear();
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) scramble(item, seen);
    value.push("scrambled");
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (typeof item === "object" && item !== null) scramble(item, seen);
    else record[key] = typeof item === "number" ? -1 : "scrambled";
  }
  record.scrambled = true;
}

/** Scrambles whatever `promise` resolves to and passes it on. */
async function scrambled<T>(promise: Promise<T>): Promise<T> {
  const value = await promise;
  scramble(value);
  return value;
}

describe("in-memory store isolation", () => {
  it("nothing returned by a read or write, nor anything passed in, aliases stored state", async () => {
    const { persistence, jobTransport, scheduler, queries } = createInMemoryStack();
    const input: JsonValue = { items: [{ sku: "a", qty: 1 }] };
    const newRun = () => ({
      id: "run-1",
      workflowId: "wf",
      workflowVersion: "1",
      fingerprint: "",
      priority: 0,
      input,
      config: { fetch: { retries: 1 } },
      metadata: { tenant: "t" },
      idempotencyKey: null,
      eventSeq: 0,
      createdAt: at(0),
    });
    const passed: unknown[] = [];
    const pass = <T>(value: T): T => {
      passed.push(value);
      return value;
    };

    await scrambled(persistence.createRun(pass(newRun())));
    await scrambled(persistence.claimPendingRuns(pass({ limit: 10, now: at(1) })));
    await scrambled(
      persistence.updateRun(
        "run-1",
        pass({ output: { total: [1, 2] }, metadata: { tenant: "u" }, startedAt: at(2) }),
        pass({ now: at(2) }),
      ),
    );
    await persistence.createStages(
      pass([
        { id: "st-1", runId: "run-1", stageId: "fetch", groupIndex: 0, createdAt: at(3) },
        { id: "st-2", runId: "run-1", stageId: "wait", groupIndex: 1, createdAt: at(3) },
      ]),
    );
    await persistence.updateStage(
      "st-1",
      pass({
        status: "COMPLETED" as const,
        output: { rows: [{ id: 1 }] },
        outputRef: { kind: "inline" as const },
        progress: { progress: 100 },
        error: { code: "E", message: "m" },
        completedAt: at(4),
      }),
      pass({ now: at(4) }),
    );
    await persistence.updateStage(
      "st-2",
      pass({
        status: "SUSPENDED" as const,
        suspendedState: { cursor: [1] },
        pollConfig: { pollIntervalMs: 10 },
        nextPollAt: at(5),
      }),
      pass({ now: at(4) }),
    );
    await persistence.appendLogs(
      pass([
        {
          id: "log-1",
          runId: "run-1",
          stageId: "fetch",
          level: "info" as const,
          message: "hi",
          data: { a: [1] },
          createdAt: at(5),
        },
      ]),
    );
    await persistence.appendOutboxEvents(
      pass([
        {
          id: "ev-1",
          runId: "run-1",
          sequence: 1,
          type: "t",
          payload: { nested: { a: [1] } },
          occurredAt: at(5),
        },
      ]),
    );
    await persistence.acquireIdempotencyKey("k", "run.create", pass(at(5)));
    await persistence.completeIdempotencyKey("k", "run.create", pass({ workflowRunId: ["run-1"] }));
    await jobTransport.enqueue(
      pass([
        {
          jobId: "job-1",
          workflowRunId: "run-1",
          workflowId: "wf",
          route: "wf",
          stageId: "fetch",
          priority: 0,
          maxAttempts: 3,
          payload: { groupIndex: 0, list: [1] },
          availableAt: at(5),
        },
        {
          jobId: "job-2",
          workflowRunId: "run-1",
          workflowId: "wf",
          route: "wf",
          stageId: "wait",
          priority: 0,
          maxAttempts: 3,
          payload: { groupIndex: 1 },
          availableAt: at(5),
          claimedBy: { workerId: "w", leaseUntil: at(100) },
        },
      ]),
    );
    await scheduler.schedule(
      pass({ type: "run.transition", correlationId: "c", payload: { a: [1] }, runAt: at(5) }),
    );
    for (const value of passed) scramble(value);

    const snapshot = async () => ({
      run: await persistence.getRun("run-1"),
      withStages: await persistence.getRunWithStages?.("run-1"),
      runs: await persistence.listRuns({ limit: 10 }),
      stages: await persistence.listStages("run-1"),
      stage: await persistence.getStage("run-1", "fetch"),
      outputs: [
        ...(await persistence.getStageOutputs([{ runId: "run-1", stageId: "fetch" }])).entries(),
      ],
      logs: await queries.listLogs("run-1"),
      outbox: await queries.listEvents("run-1"),
      listed: await queries.listRuns(),
      details: await queries.getRun("run-1"),
      key: await persistence.acquireIdempotencyKey("k", "run.create", at(6)),
      jobs: await jobTransport.activeJobsForRun("run-1"),
      job: await jobTransport.getJob("job-1"),
    });
    // Baselines are deep copies: a leaked reference would otherwise change them too.
    const before = structuredClone(await snapshot());
    expect(before.run?.input).toEqual({ items: [{ sku: "a", qty: 1 }] });
    expect(before.run?.output).toEqual({ total: [1, 2] });
    expect(before.outputs).toEqual([["run-1:fetch", { rows: [{ id: 1 }] }]]);
    expect(before.jobs).toHaveLength(2);

    // Reads: scramble everything every read returned.
    scramble(await snapshot());
    expect(await snapshot()).toEqual(before);

    // Claims and leases hand out rows too (they change the store, so compare afterwards).
    await scrambled(jobTransport.dequeue({ workerId: "w", limit: 10, leaseMs: 10, now: at(6) }));
    const leased = structuredClone(await snapshot());
    await scrambled(persistence.claimSuspendedStages({ now: at(6), limit: 10, leaseMs: 10 }));
    await scrambled(persistence.claimOutboxEvents({ now: at(6), limit: 10, leaseMs: 10 }));
    await scrambled(scheduler.claimDue({ now: at(6), limit: 10, workerId: "w", leaseMs: 10 }));
    await scrambled(jobTransport.releaseStaleLeases(at(200), 10));
    const after = structuredClone(await snapshot());
    scramble(await snapshot());
    expect(await snapshot()).toEqual(after);
    // The leases changed what they lease, and nothing else.
    expect(after.run).toEqual(leased.run);
    expect(after.stages.find((s) => s.stageId === "fetch")).toEqual(
      leased.stages.find((s) => s.stageId === "fetch"),
    );
    expect(after.outbox[0]?.payload).toEqual({ nested: { a: [1] } });
    expect(after.logs).toEqual(leased.logs);
    expect(after.job?.payload).toEqual({ groupIndex: 0, list: [1] });
    expect(after.outputs).toEqual(leased.outputs);
    // The scheduled entry, handed out again once its lease ran out.
    const [entry] = await scheduler.claimDue({
      now: at(100),
      limit: 10,
      workerId: "w",
      leaseMs: 1,
    });
    expect(entry).toMatchObject({ payload: { a: [1] }, runAt: at(5), correlationId: "c" });
  });
});
