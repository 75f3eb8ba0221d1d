/**
 * `ctx.emit`: custom events declared with zod schemas (on a stage, a task or a workflow),
 * checked when emitted, and published as `workflow.custom` with the attempt's commit — only
 * when the attempt completes (or suspends); a failed attempt's events are dropped.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  decodeValue,
  defineAsyncBatchStage,
  defineStage,
  WorkflowBuilder,
  WorkflowDefinitionError,
  workflow,
} from "../src/index.js";
import { createTestKernel } from "../src/testing/index.js";

const Invoice = z.object({ invoiceId: z.string(), total: z.number().nonnegative() });

async function runOnce(wf: Parameters<typeof createTestKernel>[0], input: unknown) {
  const t = createTestKernel(wf);
  const workflowId = wf?.workflows?.[0]?.id ?? "";
  const { workflowRunId } = await t.kernel.dispatch({ type: "run.create", workflowId, input });
  const run = await t.driver.runToCompletion(workflowRunId);
  return { t, run, events: t.events.forRun(workflowRunId) };
}

describe("ctx.emit", () => {
  it("publishes a declared event as workflow.custom between the step's started and completed", async () => {
    const wf = workflow("billing")
      .task("invoice", {
        events: { "invoice.ready": Invoice },
        handler: async (input: { id: string }, ctx) => {
          ctx.emit("invoice.ready", { invoiceId: input.id, total: 42, extra: "stripped" });
          return { ok: true };
        },
      })
      .build();
    const { run, events } = await runOnce({ workflows: [wf] }, { id: "inv-1" });
    expect(run.status).toBe("COMPLETED");
    const types = events.map((e) => e.type);
    const custom = events.filter((e) => e.type === "workflow.custom");
    expect(custom.map((e) => e.payload)).toEqual([
      {
        workflowId: "billing",
        name: "invoice.ready",
        payload: { invoiceId: "inv-1", total: 42 },
        stageId: "invoice",
        attempt: 1,
      },
    ]);
    const at = types.indexOf("workflow.custom");
    expect(types[at - 1]).toBe("workflow.step.started");
    expect(types[at + 1]).toBe("workflow.step.completed");
  });

  it("an undeclared name fails the stage with UNKNOWN_EVENT, without retries", async () => {
    let calls = 0;
    const wf = workflow("undeclared")
      .task("emit", {
        retry: { maxAttempts: 3, intervalMs: 1 },
        handler: async (_input: unknown, ctx) => {
          calls++;
          ctx.emit("nobody.declared", {});
          return 1;
        },
      })
      .build();
    const { run, events } = await runOnce({ workflows: [wf] }, {});
    expect(run.status).toBe("FAILED");
    expect(run.error?.code).toBe("UNKNOWN_EVENT");
    expect(calls).toBe(1);
    expect(events.some((e) => e.type === "workflow.custom")).toBe(false);
  });

  it("a payload the schema refuses fails with INVALID_EVENT_PAYLOAD naming the field", async () => {
    const wf = workflow("bad-payload")
      .events({ "invoice.ready": Invoice })
      .task("emit", {
        handler: async (_input: unknown, ctx) => {
          ctx.emit("invoice.ready", { invoiceId: 7 });
          return 1;
        },
      })
      .build();
    const { run } = await runOnce({ workflows: [wf] }, {});
    expect(run.status).toBe("FAILED");
    expect(run.error?.code).toBe("INVALID_EVENT_PAYLOAD");
    expect(run.error?.message).toContain("payload.invoiceId");
  });

  it("a payload over maxPayloadBytes fails with PAYLOAD_TOO_LARGE", async () => {
    const wf = workflow("big-event")
      .events({ blob: z.object({ data: z.string() }) })
      .task("emit", {
        handler: async (_input: unknown, ctx) => {
          ctx.emit("blob", { data: "x".repeat(5_000) });
          return 1;
        },
      })
      .build();
    const { run } = await runOnce({ workflows: [wf], options: { maxPayloadBytes: 4_096 } }, {});
    expect(run.status).toBe("FAILED");
    expect(run.error?.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("a failed attempt's events are dropped; the attempt that completes publishes its own once", async () => {
    const wf = workflow("flaky")
      .task("charge", {
        events: { charged: z.object({ attempt: z.number() }) },
        retry: { maxAttempts: 3, intervalMs: 1 },
        handler: async (_input: unknown, ctx) => {
          ctx.emit("charged", { attempt: ctx.attempt });
          if (ctx.attempt < 3) throw new Error("gateway down");
          return { charged: true };
        },
      })
      .build();
    const { run, events } = await runOnce({ workflows: [wf] }, {});
    expect(run.status).toBe("COMPLETED");
    const custom = events.filter((e) => e.type === "workflow.custom");
    expect(custom.map((e) => [e.payload.attempt, decodeValue(e.payload.payload)])).toEqual([
      [3, { attempt: 3 }],
    ]);
    expect(events.filter((e) => e.type === "workflow.step.retry")).toHaveLength(2);
  });

  it("a stage that fails for good publishes none of its events", async () => {
    const wf = workflow("fails")
      .task("emit-then-throw", {
        events: { started: z.object({}) },
        handler: async (_input: unknown, ctx) => {
          ctx.emit("started", {});
          throw new Error("boom");
        },
      })
      .build();
    const { run, events } = await runOnce({ workflows: [wf] }, {});
    expect(run.status).toBe("FAILED");
    expect(events.some((e) => e.type === "workflow.custom")).toBe(false);
  });

  it("WorkflowBuilder: a stage's own and the workflow's events, in emit order; the stage's schema wins", async () => {
    const report = defineStage({
      id: "report",
      name: "Report",
      schemas: { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) },
      events: { "report.tick": z.object({ i: z.number().int() }) },
      async execute(ctx) {
        for (let i = 0; i < ctx.input.n; i++) ctx.emit("report.tick", { i });
        ctx.emit("report.done", { count: ctx.input.n });
        return { n: ctx.input.n };
      },
    });
    const wf = new WorkflowBuilder(
      "reports",
      "Reports",
      "",
      z.object({ n: z.number() }),
      z.object({ n: z.number() }),
    )
      .events({
        "report.done": z.object({ count: z.number() }),
        // The stage declares its own: this one (which would refuse every tick) is not used.
        "report.tick": z.never(),
      })
      .pipe(report)
      .build();
    const { run, events } = await runOnce({ workflows: [wf] }, { n: 3 });
    expect(run.status).toBe("COMPLETED");
    expect(
      events
        .filter((e) => e.type === "workflow.custom")
        .map((e) => [e.payload.name, e.payload.payload]),
    ).toEqual([
      ["report.tick", { i: 0 }],
      ["report.tick", { i: 1 }],
      ["report.tick", { i: 2 }],
      ["report.done", { count: 3 }],
    ]);
  });

  it("an async-batch stage's events are published with its suspension, once", async () => {
    const batch = defineAsyncBatchStage({
      id: "batch",
      name: "Batch",
      schemas: { input: z.object({}), output: z.object({ done: z.boolean() }) },
      events: { "batch.submitted": z.object({ jobId: z.string() }) },
      async execute(ctx) {
        ctx.emit("batch.submitted", { jobId: "j-1" });
        return {
          suspended: true as const,
          state: { jobId: "j-1" },
          pollConfig: { pollIntervalMs: 1_000 },
        };
      },
      async checkCompletion() {
        return { ready: true as const, output: { done: true } };
      },
    });
    const wf = new WorkflowBuilder(
      "batches",
      "Batches",
      "",
      z.object({}),
      z.object({ done: z.boolean() }),
    )
      .pipe(batch)
      .build();
    const { run, events } = await runOnce({ workflows: [wf] }, {});
    expect(run.status).toBe("COMPLETED");
    const types = events.map((e) => e.type);
    expect(types.filter((type) => type === "workflow.custom")).toHaveLength(1);
    expect(types.indexOf("workflow.custom")).toBeLessThan(types.indexOf("workflow.step.suspended"));
  });

  it("a multi-task parallel branch may emit what any of its tasks declares", async () => {
    const branch = workflow
      .branch("b")
      .task("one", {
        events: { "one.done": z.object({}) },
        handler: async (_i: unknown, ctx) => {
          ctx.emit("one.done", {});
          return 1;
        },
      })
      .task("two", {
        events: { "two.done": z.object({}) },
        handler: async (_i: unknown, ctx) => {
          ctx.emit("two.done", {});
          return 2;
        },
      })
      .build();
    const wf = workflow("branchy")
      .parallel("p", { branches: [branch] })
      .build();
    const { run, events } = await runOnce({ workflows: [wf] }, {});
    expect(run.status).toBe("COMPLETED");
    expect(events.filter((e) => e.type === "workflow.custom").map((e) => e.payload.name)).toEqual([
      "one.done",
      "two.done",
    ]);
  });

  it("build() refuses events that are not zod schemas or have invalid names (INVALID_EVENTS)", () => {
    const build = (events: Record<string, unknown>) => () =>
      workflow("x")
        .events(events as never)
        .task("t", { handler: async () => 1 })
        .build();
    expect(build({ ok: "not a schema" })).toThrow(WorkflowDefinitionError);
    expect(build({ "bad name!": z.object({}) })).toThrowError(/INVALID_EVENTS|invalid/);
    try {
      build({ ok: 1 })();
    } catch (error) {
      expect((error as WorkflowDefinitionError).code).toBe("INVALID_EVENTS");
    }
  });
});
