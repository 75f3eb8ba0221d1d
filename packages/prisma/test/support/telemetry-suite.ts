/**
 * OpenTelemetry end to end on a Prisma stack: a run created inside a caller's span, its first
 * stage run by one worker and the rest (a retry included) by another with its own connection —
 * one trace, every attempt under the run's span, the context read back from the stored run.
 */
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { createTestKernel, FakeClock } from "@ratchet/kernel/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { DatabaseProvider } from "../../src/provider.js";
import { useStack } from "./stacks.js";

const seen: { metadata: unknown[] } = { metadata: [] };

const step = (id: string) =>
  defineStage({
    id,
    name: id,
    retry: { maxAttempts: 3, backoffMs: 1_000, maxBackoffMs: 1_000 },
    schemas: { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) },
    execute: async (ctx) => {
      seen.metadata.push(ctx.metadata);
      if (id === "flaky" && ctx.attempt === 1) throw new Error("flaky once");
      return { n: ctx.input.n + 1 };
    },
  });

const tracedChain = defineWorkflow({
  id: "traced-chain",
  name: "Traced chain",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
})
  .pipe(step("first"))
  .pipe(step("flaky"))
  .pipe(step("last"))
  .build();

/** Registers the telemetry test for `provider`. */
export function registerTelemetrySuite(provider: DatabaseProvider): void {
  const harness = useStack(provider, `telemetry_${provider}`);
  let exporter: InMemorySpanExporter;
  let provider_: BasicTracerProvider;
  beforeEach(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    exporter = new InMemorySpanExporter();
    provider_ = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider_);
    seen.metadata = [];
  });
  afterEach(async () => {
    await provider_.shutdown();
    trace.disable();
    context.disable();
  });
  const named = (prefix: string): ReadableSpan[] =>
    exporter
      .getFinishedSpans()
      .filter((s) => s.name.startsWith(prefix))
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);

  describe(`telemetry on ${provider}`, () => {
    it("two workers, one trace: the caller's span, the run's span, every attempt under it", async () => {
      await harness().truncate();
      const { stack } = harness();
      const other = await harness().open();
      const clock = new FakeClock(new Date("2026-02-01T00:00:00Z"));
      const worker = (s: typeof stack, workerId: string) =>
        createTestKernel({
          workflows: [tracedChain],
          persistence: s.persistence,
          jobTransport: s.jobTransport,
          scheduler: s.scheduler,
          blobStore: s.blobStore,
          queries: s.queries,
          clock,
          workerId,
        });
      const a = worker(stack, "worker-a");
      const b = worker(other, "worker-b");

      const { workflowRunId, caller } = await trace
        .getTracer("app")
        .startActiveSpan("POST /chains", async (span) => {
          const created = await a.kernel.dispatch({
            type: "run.create",
            workflowId: "traced-chain",
            input: { n: 0 },
            metadata: { tenant: "acme" },
          });
          span.end();
          return { ...created, caller: span.spanContext() };
        });
      // Worker A claims the run and runs its first stage only.
      await a.kernel.dispatch({ type: "run.claimPending", workerId: "worker-a" });
      const [job] = await stack.jobTransport.dequeue({
        workerId: "worker-a",
        limit: 1,
        leaseMs: 30_000,
        now: clock.now(),
      });
      if (!job) throw new Error("no job");
      expect(
        await a.kernel.dispatch({ type: "job.execute", workerId: "worker-a", job }),
      ).toMatchObject({ outcome: "completed" });
      // Worker B, on its own connection, runs the rest: it knows the trace from the stored run.
      const run = await b.driver.runToCompletion(workflowRunId);
      expect(run.status).toBe("COMPLETED");

      const [runSpan] = named("ratchet.run ");
      expect(runSpan?.parentSpanContext?.spanId).toBe(caller.spanId);
      const stages = named("ratchet.stage ");
      expect(
        stages.map((s) => [
          s.attributes["ratchet.stage.id"],
          s.attributes["ratchet.stage.attempt"],
          s.attributes["ratchet.stage.outcome"],
          s.attributes["ratchet.worker.id"],
        ]),
      ).toEqual([
        ["first", 1, "completed", "worker-a"],
        ["flaky", 1, "retry", "worker-b"],
        ["flaky", 2, "completed", "worker-b"],
        ["last", 1, "completed", "worker-b"],
      ]);
      const ends = named("ratchet.run.end ");
      expect(ends).toHaveLength(1); // reported once, whichever committer ended the run
      const [end] = ends;
      expect(end?.attributes["ratchet.run.status"]).toBe("COMPLETED");
      for (const span of [...stages, end]) {
        expect(span?.spanContext().traceId).toBe(caller.traceId);
        expect(span?.parentSpanContext?.spanId).toBe(runSpan?.spanContext().spanId);
      }
      // Stored in the run row's metadata; not shown to stages.
      const [row] = await harness().reader.read("SELECT metadata FROM ratchet_runs WHERE id = $1", [
        workflowRunId,
      ]);
      const stored = typeof row?.metadata === "string" ? JSON.parse(row.metadata) : row?.metadata;
      expect(stored).toEqual({
        tenant: "acme",
        "ratchet.trace": {
          traceparent: `00-${caller.traceId}-${runSpan?.spanContext().spanId}-01`,
        },
      });
      expect(seen.metadata).toEqual(Array(4).fill({ tenant: "acme" }));
    });
  });
}
