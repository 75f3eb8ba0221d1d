/**
 * OpenTelemetry through `@opentelemetry/api`, checked with the SDK's in-memory exporters: one
 * trace per run (the run's span, a span per stage attempt under it, the run's end), the
 * caller's span as the run's parent, the context carried by the run to another kernel, the
 * metrics — and nothing at all without a registered SDK.
 */
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createInMemoryStack } from "../../src/in-memory.js";
import {
  createKernel,
  createRegistry,
  defineStage,
  defineWorkflow,
  NonRetryableError,
} from "../../src/index.js";
import { TRACE_CONTEXT_KEY } from "../../src/telemetry/trace-context.js";
import { CollectingEventSink, createTestKernel, FakeClock } from "../../src/testing/index.js";
import { histogramCounts, installSdk, points, removeSdk, type TestSdk } from "./sdk.js";

/** What the stages saw, per test. */
const seen: { metadata: unknown[]; failFlaky: number; failForGood: boolean } = {
  metadata: [],
  failFlaky: 1,
  failForGood: false,
};

const step = (id: string) =>
  defineStage({
    id,
    name: id,
    retry: { maxAttempts: 3, backoffMs: 1_000, maxBackoffMs: 1_000 },
    schemas: { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) },
    execute: async (ctx) => {
      seen.metadata.push(ctx.metadata);
      if (id === "flaky") {
        // User code's spans nest under the attempt's.
        trace.getTracer("user").startSpan(`user.work ${ctx.attempt}`).end();
        if (seen.failForGood) throw new NonRetryableError("flaky is broken", { code: "BROKEN" });
        if (ctx.attempt <= seen.failFlaky) throw new Error(`flaky ${ctx.attempt}`);
      }
      return { n: ctx.input.n + 1 };
    },
  });

const traced = defineWorkflow({
  id: "traced",
  name: "Traced",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
})
  .pipe(step("fetch"))
  .pipe(step("flaky"))
  .pipe(step("store"))
  .build();

const byStart = (spans: ReadableSpan[]) =>
  [...spans].sort(
    (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1] || 0,
  );
const attemptsOf = (spans: ReadableSpan[]) =>
  byStart(spans).map((s) => [
    s.attributes["ratchet.stage.id"],
    s.attributes["ratchet.stage.attempt"],
    s.attributes["ratchet.stage.outcome"],
  ]);

let sdk: TestSdk;
beforeEach(() => {
  seen.metadata = [];
  seen.failFlaky = 1;
  seen.failForGood = false;
  sdk = installSdk();
});
afterEach(async () => {
  await sdk.shutdown();
});

describe("telemetry: a run's trace", () => {
  it("a run of 3 stages with one retry is one trace: the run's span, each attempt under it, its end", async () => {
    const t = createTestKernel({ workflows: [traced] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "traced",
      input: { n: 1 },
      metadata: { tenant: "acme" },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");

    const [runSpan, ...moreRuns] = sdk.named("ratchet.run ");
    expect(moreRuns).toEqual([]);
    if (!runSpan) throw new Error("no run span");
    expect(runSpan.name).toBe("ratchet.run traced");
    expect(runSpan.kind).toBe(SpanKind.PRODUCER);
    expect(runSpan.parentSpanContext).toBeUndefined();
    expect(runSpan.attributes).toMatchObject({
      "ratchet.workflow.id": "traced",
      "ratchet.run.id": workflowRunId,
      "ratchet.run.status": "PENDING",
    });
    const { traceId, spanId } = runSpan.spanContext();
    // Every span of the run, the user's included, is in the run's trace.
    expect(new Set(sdk.spans().map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
    // The run keeps its context; stages do not see it in ctx.metadata.
    expect(run.metadata).toEqual({
      tenant: "acme",
      [TRACE_CONTEXT_KEY]: { traceparent: `00-${traceId}-${spanId}-01` },
    });
    expect(seen.metadata).toEqual(Array(4).fill({ tenant: "acme" }));

    const stages = sdk.named("ratchet.stage ");
    expect(attemptsOf(stages)).toEqual([
      ["fetch", 1, "completed"],
      ["flaky", 1, "retry"],
      ["flaky", 2, "completed"],
      ["store", 1, "completed"],
    ]);
    for (const span of stages) {
      expect(span.parentSpanContext?.spanId).toBe(spanId);
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.attributes).toMatchObject({
        "ratchet.workflow.id": "traced",
        "ratchet.workflow.version": run.workflowVersion,
        "ratchet.run.id": workflowRunId,
        "ratchet.stage.max_attempts": 3,
      });
    }
    const [, failed, retried] = byStart(stages);
    expect(failed?.status).toEqual({ code: SpanStatusCode.ERROR, message: "flaky 1" });
    expect(failed?.events.map((e) => [e.name, e.attributes?.["exception.message"]])).toEqual([
      ["exception", "flaky 1"],
    ]);
    expect(retried?.status.code).toBe(SpanStatusCode.UNSET);
    // The stage body ran in its attempt's context.
    const users = byStart(sdk.named("user.work"));
    expect(users.map((s) => s.parentSpanContext?.spanId)).toEqual([
      failed?.spanContext().spanId,
      retried?.spanContext().spanId,
    ]);

    const [end] = sdk.named("ratchet.run.end ");
    expect(end?.parentSpanContext?.spanId).toBe(spanId);
    const durationMs = (run.completedAt as Date).getTime() - run.createdAt.getTime();
    expect(durationMs).toBeGreaterThan(0); // the retry's back-off passed on the fake clock
    expect(end?.attributes).toMatchObject({
      "ratchet.run.status": "COMPLETED",
      "ratchet.run.duration_ms": durationMs,
      "ratchet.run.id": workflowRunId,
    });
    expect(end?.startTime).toEqual([
      Math.floor(run.createdAt.getTime() / 1000),
      (run.createdAt.getTime() % 1000) * 1e6,
    ]);
  });

  it("records the stage and run metrics", async () => {
    const t = createTestKernel({ workflows: [traced] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "traced",
      input: { n: 1 },
    });
    await t.driver.runToCompletion(workflowRunId);
    const m = await sdk.metrics();
    expect(m.get("ratchet.stage.duration")?.descriptor.unit).toBe("s");
    expect(histogramCounts(m.get("ratchet.stage.duration"), "ratchet.stage.outcome")).toEqual({
      completed: 3,
      retry: 1,
    });
    expect(histogramCounts(m.get("ratchet.stage.queue_wait"), "ratchet.stage.id")).toEqual({
      fetch: 1,
      flaky: 1,
      store: 1,
    });
    expect(points(m.get("ratchet.stage.retries")).map((p) => [p.attributes, p.value])).toEqual([
      [
        {
          "ratchet.workflow.id": "traced",
          "ratchet.stage.id": "flaky",
          "error.type": "STAGE_ERROR",
        },
        1,
      ],
    ]);
    expect(points(m.get("ratchet.stage.failures"))).toEqual([]);
    expect(points(m.get("ratchet.run.ended")).map((p) => [p.attributes, p.value])).toEqual([
      [{ "ratchet.workflow.id": "traced", "ratchet.run.status": "COMPLETED" }, 1],
    ]);
    // Claimed (+1), then ended (-1).
    expect(points(m.get("ratchet.runs.in_flight")).map((p) => p.value)).toEqual([0]);
  });

  it("records how late each published event went out, by type", async () => {
    const t = createTestKernel({ workflows: [traced] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "traced",
      input: { n: 1 },
    });
    t.clock.advance(7_000);
    await t.kernel.dispatch({ type: "outbox.flush", workerId: "w" });
    const late = points((await sdk.metrics()).get("ratchet.outbox.publish_delay"));
    expect(late.map((p) => p.attributes)).toEqual([{ "ratchet.event.type": "workflow.created" }]);
    expect((late[0]?.value as { min?: number } | undefined)?.min).toBe(7);
    await t.driver.runToCompletion(workflowRunId);
    await t.kernel.dispatch({ type: "outbox.flush", workerId: "w" });
    const delay = (await sdk.metrics()).get("ratchet.outbox.publish_delay");
    expect(delay?.descriptor.unit).toBe("s");
    const byType: Record<string, number> = {};
    for (const event of t.events.forRun(workflowRunId))
      byType[event.type] = (byType[event.type] ?? 0) + 1;
    expect(Object.keys(byType)).toContain("workflow.completed");
    expect(histogramCounts(delay, "ratchet.event.type")).toEqual(byType);
  });

  it("a failed stage: outcome failed, its error on the span, the run's end an error, failures counted", async () => {
    seen.failForGood = true;
    const t = createTestKernel({ workflows: [traced] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "traced",
      input: { n: 1 },
    });
    expect((await t.driver.runToCompletion(workflowRunId)).status).toBe("FAILED");
    const stages = byStart(sdk.named("ratchet.stage "));
    expect(attemptsOf(stages)).toEqual([
      ["fetch", 1, "completed"],
      ["flaky", 1, "failed"],
    ]);
    expect(stages[1]?.status).toEqual({ code: SpanStatusCode.ERROR, message: "flaky is broken" });
    expect(stages[1]?.attributes["error.type"]).toBe("BROKEN");
    const [end] = sdk.named("ratchet.run.end ");
    expect(end?.status.code).toBe(SpanStatusCode.ERROR);
    expect(end?.attributes).toMatchObject({
      "ratchet.run.status": "FAILED",
      "error.type": "BROKEN",
    });
    const m = await sdk.metrics();
    expect(points(m.get("ratchet.stage.failures")).map((p) => [p.attributes, p.value])).toEqual([
      [{ "ratchet.workflow.id": "traced", "ratchet.stage.id": "flaky", "error.type": "BROKEN" }, 1],
    ]);
    expect(
      points(m.get("ratchet.run.ended")).map((p) => p.attributes["ratchet.run.status"]),
    ).toEqual(["FAILED"]);
    expect(points(m.get("ratchet.runs.in_flight")).map((p) => p.value)).toEqual([0]);
  });

  it("the caller's active span is the run's parent, and the whole run joins the caller's trace", async () => {
    const t = createTestKernel({ workflows: [traced] });
    seen.failFlaky = 0;
    const caller = trace.getTracer("app");
    const { workflowRunId, request } = await caller.startActiveSpan(
      "POST /orders",
      async (span) => {
        const created = await t.kernel.dispatch({
          type: "run.create",
          workflowId: "traced",
          input: { n: 1 },
        });
        span.end();
        return { ...created, request: span.spanContext() };
      },
    );
    // The worker runs outside the request.
    await t.driver.runToCompletion(workflowRunId);
    const [runSpan] = sdk.named("ratchet.run ");
    expect(runSpan?.parentSpanContext?.spanId).toBe(request.spanId);
    const traces = new Set(sdk.spans().map((s) => s.spanContext().traceId));
    expect(traces).toEqual(new Set([request.traceId]));
    expect(sdk.named("ratchet.stage ")).toHaveLength(3);
  });

  it("another kernel (another worker) running the next stages continues the run's trace", async () => {
    seen.failFlaky = 0;
    const stack = createInMemoryStack();
    const clock = new FakeClock();
    const worker = () =>
      createKernel({
        ...stack,
        eventSink: new CollectingEventSink(),
        clock,
        registry: createRegistry([traced]),
      });
    const first = worker();
    const second = worker();
    const { workflowRunId } = await first.dispatch({
      type: "run.create",
      workflowId: "traced",
      input: { n: 1 },
    });
    await first.dispatch({ type: "run.claimPending", workerId: "w1" });
    const takeAndRun = async (kernel: typeof first, workerId: string) => {
      const [job] = await stack.jobTransport.dequeue({
        workerId,
        limit: 1,
        leaseMs: 30_000,
        now: clock.now(),
      });
      if (!job) throw new Error("no job");
      return kernel.dispatch({ type: "job.execute", workerId, job });
    };
    expect(await takeAndRun(first, "w1")).toMatchObject({ outcome: "completed" });
    expect(await takeAndRun(second, "w2")).toMatchObject({ outcome: "completed" });
    expect(await takeAndRun(second, "w2")).toMatchObject({ runStatus: "COMPLETED" });

    const [runSpan] = sdk.named("ratchet.run ");
    const stages = byStart(sdk.named("ratchet.stage "));
    expect(stages.map((s) => s.attributes["ratchet.worker.id"])).toEqual(["w1", "w2", "w2"]);
    expect(sdk.named("ratchet.run.end ")).toHaveLength(1);
    expect((await stack.persistence.getRun(workflowRunId))?.status).toBe("COMPLETED");
    for (const span of [...stages, ...sdk.named("ratchet.run.end ")]) {
      expect(span.spanContext().traceId).toBe(runSpan?.spanContext().traceId);
      expect(span.parentSpanContext?.spanId).toBe(runSpan?.spanContext().spanId);
    }
  });
});

describe("telemetry: off", () => {
  it("with no SDK registered, nothing is recorded, nothing is stored and nothing throws", async () => {
    await sdk.shutdown();
    // An SDK that exists but is not registered sees nothing.
    sdk = installSdk();
    removeSdk();
    const t = createTestKernel({ workflows: [traced] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "traced",
      input: { n: 1 },
      metadata: { tenant: "acme" },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    expect(run.metadata).toEqual({ tenant: "acme" });
    expect(sdk.spans()).toEqual([]);
    expect([...(await sdk.metrics()).keys()]).toEqual([]);
  });

  it("an SDK registered after the kernel was created is picked up", async () => {
    await sdk.shutdown();
    const t = createTestKernel({ workflows: [traced] });
    sdk = installSdk();
    seen.failFlaky = 0;
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "traced",
      input: { n: 1 },
    });
    await t.driver.runToCompletion(workflowRunId);
    expect(sdk.named("ratchet.stage ")).toHaveLength(3);
    expect((await sdk.metrics()).has("ratchet.stage.duration")).toBe(true);
  });

  it("telemetry: false turns it off for that kernel, SDK or not", async () => {
    seen.failFlaky = 0;
    const stack = createInMemoryStack();
    const kernel = createKernel({
      ...stack,
      eventSink: new CollectingEventSink(),
      registry: createRegistry([traced]),
      telemetry: false,
    });
    const { workflowRunId } = await kernel.dispatch({
      type: "run.create",
      workflowId: "traced",
      input: { n: 1 },
    });
    await kernel.dispatch({ type: "run.claimPending", workerId: "w", continueWith: 1 });
    expect((await stack.persistence.getRun(workflowRunId))?.metadata).toEqual({});
    expect(sdk.spans()).toEqual([]);
    expect([...(await sdk.metrics()).keys()]).toEqual([]);
  });
});
