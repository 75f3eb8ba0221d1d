import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineStage,
  defineWorkflow,
  InvalidCommandError,
  InvalidConfigError,
  InvalidInputError,
  UnserializableValueError,
  WorkflowNotFoundError,
} from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";
import { chainWorkflow } from "../fixtures.js";
import { override } from "../helpers.js";

const configured = defineWorkflow({
  id: "configured",
  name: "Configured",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
})
  .pipe(
    defineStage({
      id: "scale",
      name: "Scale",
      schemas: {
        input: z.object({ n: z.number() }),
        output: z.object({ n: z.number() }),
        config: z.object({ factor: z.number().int().positive().default(2) }),
      },
      execute: (ctx) => ({ n: ctx.input.n * ctx.config.factor }),
    }),
  )
  .build();

describe("run.create", () => {
  it("creates a PENDING run with its workflow.created event in the outbox", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const created = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
      priority: 5,
      metadata: { user: "u1" },
    });
    expect(created).toMatchObject({ status: "PENDING", replayed: false });
    const run = await t.persistence.getRun(created.workflowRunId);
    expect(run).toMatchObject({
      status: "PENDING",
      priority: 5,
      input: { n: 1 },
      metadata: { user: "u1" },
      version: expect.any(Number),
      eventSeq: 1,
    });
    const outbox = await t.queries.listEvents(created.workflowRunId);
    expect(outbox.map((e) => [e.type, e.sequence])).toEqual([["workflow.created", 1]]);
  });

  it("rejects invalid input with every zod issue and the offending field, writing nothing", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const error = await t.kernel
      .dispatch({ type: "run.create", workflowId: "chain", input: { n: "one" } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.code).toBe("INVALID_INPUT");
    expect(error.field).toBe("input.n");
    expect(error.workflowId).toBe("chain");
    expect(error.issues[0]).toMatchObject({ path: "input.n", code: "invalid_type" });
    expect(await t.persistence.listRuns({ limit: 10 })).toEqual([]);
  });

  it("rejects an unknown workflow with WORKFLOW_NOT_FOUND", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const error = await t.kernel
      .dispatch({ type: "run.create", workflowId: "nope", input: {} })
      .catch((e) => e);
    expect(error).toBeInstanceOf(WorkflowNotFoundError);
    expect(error).toMatchObject({ code: "WORKFLOW_NOT_FOUND", workflowId: "nope" });
  });

  it("merges config defaults and validates config per stage", async () => {
    const t = createTestKernel({ workflows: [configured] });
    const ok = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "configured",
      input: { n: 3 },
    });
    expect((await t.persistence.getRun(ok.workflowRunId))?.config).toEqual({
      scale: { factor: 2 },
    });
    const run = await t.driver.runToCompletion(ok.workflowRunId);
    expect(run.output).toEqual({ n: 6 });

    const bad = await t.kernel
      .dispatch({
        type: "run.create",
        workflowId: "configured",
        input: { n: 3 },
        config: { scale: { factor: -1 } },
      })
      .catch((e) => e);
    expect(bad).toBeInstanceOf(InvalidConfigError);
    expect(bad).toMatchObject({ code: "INVALID_CONFIG", field: "config.scale.factor" });

    const unknown = await t.kernel
      .dispatch({
        type: "run.create",
        workflowId: "configured",
        input: { n: 3 },
        config: { nope: {} },
      })
      .catch((e) => e);
    expect(unknown).toMatchObject({ code: "INVALID_CONFIG", field: "config.nope" });
    expect(await t.persistence.listRuns({ limit: 10 })).toHaveLength(1);
  });

  it("rejects values that cannot be stored (BigInt, cycles, functions) before writing anything", async () => {
    const loose = defineWorkflow({ id: "loose", name: "Loose", input: z.any(), output: z.any() })
      .pipe(
        defineStage({
          id: "s",
          name: "S",
          schemas: { input: z.any(), output: z.any() },
          execute: (ctx) => ctx.input,
        }),
      )
      .build();
    const t = createTestKernel({ workflows: [loose] });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const [input, field] of [
      [{ big: 10n }, "input.big"],
      [cyclic, "input.self"],
      [{ f: () => 1 }, "input.f"],
      [{ x: Number.NaN }, "input.x"],
    ] as const) {
      const error = await t.kernel
        .dispatch({ type: "run.create", workflowId: "loose", input })
        .catch((e) => e);
      expect(error).toBeInstanceOf(UnserializableValueError);
      expect(error).toMatchObject({ code: "UNSERIALIZABLE_VALUE", field });
    }
    expect(await t.persistence.listRuns({ limit: 10 })).toEqual([]);
  });

  it("replays the first result for a repeated idempotency key and creates one run", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const first = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
      idempotencyKey: "order-42",
    });
    const second = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
      idempotencyKey: "order-42",
    });
    expect(second).toEqual({
      workflowRunId: first.workflowRunId,
      status: "PENDING",
      replayed: true,
    });
    expect(await t.persistence.listRuns({ limit: 10 })).toHaveLength(1);
  });

  it("rolls back the idempotency key with the run when the transaction fails", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const failing = override(t.persistence, {
      withTransaction: (fn) =>
        t.persistence.withTransaction(async (tx) => {
          await fn(tx);
          throw new Error("crash before commit");
        }),
    });
    const broken = createTestKernel({
      workflows: [chainWorkflow],
      persistence: failing,
      jobTransport: t.jobTransport,
    });
    await expect(
      broken.kernel.dispatch({
        type: "run.create",
        workflowId: "chain",
        input: { n: 1 },
        idempotencyKey: "k",
      }),
    ).rejects.toThrow("crash before commit");
    expect(await t.persistence.listRuns({ limit: 10 })).toEqual([]);
    const retried = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
      idempotencyKey: "k",
    });
    expect(retried.replayed).toBe(false);
  });

  it("rejects malformed commands with INVALID_COMMAND naming the field", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const error = await t.kernel
      .dispatch({ type: "run.create", workflowId: "chain", input: {}, priority: 1.5 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(InvalidCommandError);
    expect(error).toMatchObject({ code: "INVALID_COMMAND", field: "priority" });
    const unknown = await t.kernel.dispatch({ type: "run.explode" } as never).catch((e) => e);
    expect(unknown).toMatchObject({ code: "INVALID_COMMAND", field: "type" });
  });
});
