/**
 * A stage shows RUNNING while it executes, and `workflow.step.started` reaches a sink with
 * `live` when the stage starts — with nothing written while it runs (no commit per stage).
 */
import { describe, expect, it } from "vitest";
import {
  type EventSink,
  type JobTransport,
  loadRunInspection,
  type Persistence,
  type WorkflowEvent,
} from "../../src/index.js";
import {
  CollectingEventSink,
  createInMemoryStack,
  createTestKernel,
  FakeClock,
} from "../../src/testing/index.js";
import { controllable } from "../fixtures.js";
import { deferred, settle } from "../helpers.js";

const T0 = Date.parse("2026-03-01T10:00:00Z");

/** Counts every call made to `target`'s methods, by name. */
function counting<T extends object>(target: T, calls: string[]): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(key));
        return value.apply(obj, args);
      };
    },
  });
}

/** A collecting sink that also takes live notices. */
class LiveSink extends CollectingEventSink implements EventSink {
  readonly notices: WorkflowEvent[] = [];
  fail = false;
  async live(event: WorkflowEvent): Promise<void> {
    if (this.fail) throw new Error("live sink down");
    this.notices.push(event);
  }
}

/** A kernel whose stage "live" blocks until `gate` resolves; persistence and jobs counted. */
function blockedKernel(sink: EventSink) {
  const { behaviour, workflow } = controllable("live");
  const gate = deferred();
  const entered = deferred();
  behaviour.run = async () => {
    entered.resolve();
    await gate.promise;
    return { ok: true };
  };
  const stack = createInMemoryStack();
  const calls: string[] = [];
  const persistence: Persistence = counting(stack.persistence, calls);
  const jobTransport: JobTransport = counting(stack.jobTransport, calls);
  const clock = new FakeClock(T0);
  const t = createTestKernel({
    workflows: [workflow],
    clock,
    persistence,
    jobTransport,
    scheduler: stack.scheduler,
    queries: stack.queries,
    eventSink: sink,
  });
  return { t, gate, entered, calls, clock };
}

describe("a stage while it executes", () => {
  it("shows RUNNING (lease, worker, heartbeat) with nothing written; step.started arrives live, then durably with the same id", async () => {
    const sink = new LiveSink();
    const { t, gate, entered, calls, clock } = blockedKernel(sink);
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "ctl-live",
      input: {},
    });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "w-1" });
    const [job] = await t.jobTransport.dequeue({
      workerId: "w-1",
      limit: 1,
      leaseMs: 30_000,
      now: clock.now(),
    });
    if (!job) throw new Error("no job");
    const executing = t.kernel.dispatch({ type: "job.execute", workerId: "w-1", job });
    await entered.promise;
    calls.length = 0; // from here on the stage's body runs
    await settle();
    clock.advance(3_000);

    // The live notice came when the stage started, before its body finished.
    expect(sink.notices).toHaveLength(1);
    const notice = sink.notices[0] as WorkflowEvent;
    expect(notice).toMatchObject({
      type: "workflow.step.started",
      workflowRunId,
      sequence: 0,
      occurredAt: new Date(T0),
      payload: { stageId: "live", attempt: 1, stepType: "task", workflowId: "ctl-live" },
    });

    const inspection = await loadRunInspection(t.queries, workflowRunId, clock.now());
    const stage = inspection?.stages[0];
    expect(stage).toMatchObject({
      stageId: "live",
      state: "RUNNING",
      status: "PENDING", // the record was not touched: RUNNING comes from the job's lease
      attempt: 1,
      maxAttempts: 3,
      lease: { workerId: "w-1", heartbeatAgeMs: 3_000, expired: false },
      startedAt: new Date(T0),
    });
    expect(stage?.attempts).toEqual([
      { attempt: 1, outcome: "running", at: new Date(T0), startedAt: null, durationMs: null },
    ]);
    expect(inspection?.timeline.map((e) => e.kind)).toEqual([
      "run.created",
      "run.started",
      "attempt.running",
    ]);
    // Nothing was read or written through the ports while the stage ran (the inspection reads
    // through the queries): the executing path costs no commit.
    expect(calls).toEqual([]);

    gate.resolve();
    const result = await executing;
    expect(result.outcome).toBe("completed");
    await t.kernel.dispatch({ type: "outbox.flush", workerId: "w-1" });
    const durable = sink.byType("workflow.step.started");
    expect(durable).toHaveLength(1);
    expect(durable[0]?.id).toBe(notice.id);
    expect(durable[0]?.sequence).toBeGreaterThan(0);
    expect(durable[0]?.occurredAt).toEqual(notice.occurredAt);
    expect(durable[0]?.payload).toEqual(notice.payload);
    // Exactly one live notice per attempt.
    expect(sink.notices).toHaveLength(1);
  });

  it("a live sink that fails loses its notice, never the attempt", async () => {
    const sink = new LiveSink();
    sink.fail = true;
    const { t, gate } = blockedKernel(sink);
    gate.resolve();
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "ctl-live",
      input: {},
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    expect(sink.notices).toEqual([]);
    expect(sink.byType("workflow.step.started")).toHaveLength(1);
  });

  it("a sink whose live throws at once does not fail the attempt either", async () => {
    const sink: EventSink = {
      emit: async () => {},
      live: () => {
        throw new Error("sync failure");
      },
    };
    const { t, gate } = blockedKernel(sink);
    gate.resolve();
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "ctl-live",
      input: {},
    });
    expect((await t.driver.runToCompletion(workflowRunId)).status).toBe("COMPLETED");
  });
});
