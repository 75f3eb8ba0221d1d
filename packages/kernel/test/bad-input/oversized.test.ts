/**
 * Oversized values, checked against what docs/kernel.md documents:
 *
 * - stage outputs larger than `inlineOutputLimitBytes` (16 KiB; UTF-8 bytes of the encoded
 *   JSON) go to the blob store with a `{ kind: "blob", key }` reference, smaller ones stay
 *   inline, and both round-trip into the next stage;
 * - command fields have the command schema's limits (ids ≤ 200 characters, `idempotencyKey`
 *   ≤ 500, `reason` ≤ 2 000), and metadata keys are 1–256 characters whoever sets them: each is
 *   rejected with a typed error naming the field, nothing written;
 * - a run's input, config and metadata, and each metadata value a stage sets, may take at most
 *   `maxPayloadBytes` (2 MiB) as JSON: `PAYLOAD_TOO_LARGE` with the field, the size and the
 *   limit, nothing written; `Infinity` turns the limit off.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineStage,
  defineWorkflow,
  type KernelOptions,
  PayloadTooLargeError,
  RatchetError,
} from "../../src/index.js";
import { createInMemoryStack, createTestKernel } from "../../src/testing/index.js";

const Text = z.object({ text: z.string() });

/** `make` → `measure`: the first stage's output is the second's input. */
const sizes = defineWorkflow({
  id: "sizes",
  name: "Sizes",
  input: z.object({ bytes: z.number().int().nonnegative(), char: z.string().length(1) }),
  output: z.object({ length: z.number(), head: z.string(), tail: z.string() }),
})
  .pipe(
    defineStage({
      id: "make",
      name: "Make",
      schemas: {
        input: z.object({ bytes: z.number().int().nonnegative(), char: z.string().length(1) }),
        output: Text,
      },
      execute: (ctx) => ({ text: ctx.input.char.repeat(ctx.input.bytes) }),
    }),
  )
  .pipe(
    defineStage({
      id: "measure",
      name: "Measure",
      schemas: {
        input: Text,
        output: z.object({ length: z.number(), head: z.string(), tail: z.string() }),
      },
      execute: (ctx) => ({
        length: ctx.input.text.length,
        head: ctx.input.text.slice(0, 3),
        tail: ctx.input.text.slice(-3),
      }),
    }),
  )
  .build();

/** Echoes its input; sets the metadata keys it is given. */
const echo = defineWorkflow({ id: "echo", name: "Echo", input: z.unknown(), output: z.unknown() })
  .pipe(
    defineStage({
      id: "echo",
      name: "Echo",
      schemas: { input: z.unknown(), output: z.unknown() },
      execute: async (ctx) => {
        const given = ctx.input as {
          setKeys?: string[];
          /** Key → length of a string of "y"s to set it to. */
          setSized?: Record<string, number>;
        } | null;
        const entries: Array<[string, unknown]> = [
          ...(given?.setKeys ?? []).map((key): [string, unknown] => [key, true]),
          ...Object.entries(given?.setSized ?? {}).map(([key, length]): [string, unknown] => [
            key,
            "y".repeat(length),
          ]),
        ];
        const errors: Array<{ code: string; field: string | undefined }> = [];
        for (const [key, value] of entries) {
          try {
            await ctx.setMetadata(key, value);
          } catch (error) {
            const e = error as RatchetError;
            errors.push({ code: e.code, field: e.field });
          }
        }
        return { echoed: ctx.input, errors };
      },
    }),
  )
  .build();

/** `{"text":"…"}` is 11 bytes around the text. */
const JSON_OVERHEAD = '{"text":""}'.length;

function setup(options: Partial<KernelOptions> = {}) {
  const stack = createInMemoryStack();
  const t = createTestKernel({
    workflows: [sizes, echo],
    persistence: stack.persistence,
    jobTransport: stack.jobTransport,
    scheduler: stack.scheduler,
    blobStore: stack.blobStore,
    // No output cache: the next stage must read the output back from where it was stored.
    options: { outputCacheBytes: 0, ...options },
  });
  const counts = () => ({
    runs: stack.store.runs.size,
    outbox: stack.store.outbox.size,
    idempotencyKeys: stack.store.idempotencyKeys.size,
  });
  return { t, counts };
}

async function runSizes(t: ReturnType<typeof setup>["t"], bytes: number, char = "x") {
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId: "sizes",
    input: { bytes, char },
  });
  const run = await t.driver.runToCompletion(workflowRunId);
  const make = await t.persistence.getStage(workflowRunId, "make");
  return { run, make, workflowRunId };
}

describe("oversized stage outputs", () => {
  it("keeps an output of exactly inlineOutputLimitBytes inline and sends one byte more to the blob store", async () => {
    const limit = 1_024;
    const { t } = setup({ inlineOutputLimitBytes: limit });

    const atLimit = await runSizes(t, limit - JSON_OVERHEAD);
    expect(atLimit.run.status).toBe("COMPLETED");
    expect(atLimit.make?.outputRef).toEqual({ kind: "inline" });
    expect(await t.blobStore.list(`runs/${atLimit.workflowRunId}/`)).toEqual([]);

    const over = await runSizes(t, limit - JSON_OVERHEAD + 1);
    expect(over.run.status).toBe("COMPLETED");
    expect(over.make?.outputRef).toMatchObject({ kind: "blob" });
    const key = (over.make?.outputRef as { key: string } | undefined)?.key as string;
    expect(await t.blobStore.list(`runs/${over.workflowRunId}/`)).toEqual([key]);
    // Not inline as well: the row holds only the reference.
    const inline = await t.persistence.getStageOutputs([
      { runId: over.workflowRunId, stageId: "make" },
    ]);
    expect(inline.get(`${over.workflowRunId}:make`) ?? null).toBeNull();
    expect(over.run.output).toEqual({
      length: limit - JSON_OVERHEAD + 1,
      head: "xxx",
      tail: "xxx",
    });
  });

  it("counts UTF-8 bytes, not characters: 400 three-byte characters exceed a 1 KiB limit", async () => {
    const { t } = setup({ inlineOutputLimitBytes: 1_024 });
    const { run, make } = await runSizes(t, 400, "€");
    expect(make?.outputRef).toMatchObject({ kind: "blob" });
    expect(run.output).toEqual({ length: 400, head: "€€€", tail: "€€€" });
  });

  it("round-trips a 4 MB output through the blob store at the default 16 KiB limit", async () => {
    const { t } = setup();
    expect(t.kernel.options.inlineOutputLimitBytes).toBe(16 * 1024);
    const bytes = 4 * 1024 * 1024;
    const { run, make } = await runSizes(t, bytes);
    expect(run.status).toBe("COMPLETED");
    expect(make?.outputRef).toMatchObject({ kind: "blob" });
    const stored = await t.blobStore.get(
      (make?.outputRef as { key: string } | undefined)?.key as string,
    );
    expect(stored?.byteLength).toBe(bytes + JSON_OVERHEAD);
    expect(run.output).toEqual({ length: bytes, head: "xxx", tail: "xxx" });
  });
});

describe("oversized command fields", () => {
  it("rejects ids, idempotency keys and reasons over the schema's limits, naming the field, writing nothing", async () => {
    const { t, counts } = setup();
    const before = counts();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: "run.create", workflowId: "w".repeat(201), input: {} }, "workflowId"],
      [
        { type: "run.create", workflowId: "echo", input: {}, idempotencyKey: "k".repeat(501) },
        "idempotencyKey",
      ],
      [{ type: "run.cancel", workflowRunId: "r".repeat(201) }, "workflowRunId"],
      [{ type: "run.cancel", workflowRunId: "r", reason: "why".repeat(700) }, "reason"],
    ];
    for (const [command, field] of cases) {
      const error = await t.kernel.dispatch(command as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RatchetError);
      expect(error).toMatchObject({ code: "INVALID_COMMAND", field });
    }
    expect(counts()).toEqual(before);
  });

  it("accepts the longest allowed ids and keys", async () => {
    const { t, counts } = setup();
    const created = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "echo",
      input: {},
      idempotencyKey: "k".repeat(500),
    });
    expect(created.replayed).toBe(false);
    expect(counts()).toMatchObject({ runs: 1, idempotencyKeys: 1 });
  });
});

describe("input, config and metadata over maxPayloadBytes", () => {
  const big = (bytes: number) => "y".repeat(bytes);

  it("rejects a 3 MB input at the default 2 MiB limit with PAYLOAD_TOO_LARGE, writing nothing", async () => {
    const { t, counts } = setup();
    expect(t.kernel.options.maxPayloadBytes).toBe(2 * 1024 * 1024);
    const before = counts();
    const error = await t.kernel
      .dispatch({ type: "run.create", workflowId: "echo", input: { big: big(3_000_000) } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      field: "input",
      workflowId: "echo",
      bytes: 3_000_010,
      limitBytes: 2 * 1024 * 1024,
    });
    expect((error as Error).message).toMatch(/input is 3000010 bytes as JSON/);
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ bytes: 3_000_010 });
    expect(counts()).toEqual(before);
  });

  it("takes a value of exactly the limit and refuses one byte more, counting UTF-8 bytes", async () => {
    const { t, counts } = setup({ maxPayloadBytes: 1_000 });
    // {"big":"…"} is 10 bytes around the text.
    await expect(
      t.kernel.dispatch({ type: "run.create", workflowId: "echo", input: { big: big(990) } }),
    ).resolves.toMatchObject({ status: "PENDING" });
    const before = counts();
    for (const input of [{ big: big(991) }, { big: "€".repeat(331) }]) {
      await expect(
        t.kernel.dispatch({ type: "run.create", workflowId: "echo", input }),
      ).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE", field: "input" });
    }
    expect(counts()).toEqual(before);
  });

  it("applies to run.create metadata, and to each metadata value a stage sets", async () => {
    const { t, counts } = setup({ maxPayloadBytes: 1_000 });
    const before = counts();
    await expect(
      t.kernel.dispatch({
        type: "run.create",
        workflowId: "echo",
        input: {},
        metadata: { note: big(1_000) },
      }),
    ).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE", field: "metadata" });
    expect(counts()).toEqual(before);

    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "echo",
      input: { setSized: { small: 1, huge: 1_001 } },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    expect(run.metadata).toEqual({ small: "y" });
    expect((run.output as { errors: unknown[] }).errors).toEqual([
      { code: "PAYLOAD_TOO_LARGE", field: "metadata.huge" },
    ]);
  });

  it("stores and round-trips a 16 MB input when the limit is turned off (Infinity)", async () => {
    const { t } = setup({ maxPayloadBytes: Number.POSITIVE_INFINITY });
    const text = big(16 * 1024 * 1024);
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "echo",
      input: { big: text },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    expect((run.output as { echoed: { big: string } }).echoed.big).toBe(text);
  });

  it.each([0, -1, Number.NaN, "1mb"])(
    "refuses maxPayloadBytes %s when the kernel is created",
    (value) => {
      expect(() => setup({ maxPayloadBytes: value as number })).toThrow(
        expect.objectContaining({ code: "INVALID_OPTIONS", field: "options.maxPayloadBytes" }),
      );
    },
  );
});

describe("metadata keys", () => {
  it("are 1–256 characters whether run.create or a stage sets them", async () => {
    const { t, counts } = setup();
    const before = counts();
    for (const key of ["m".repeat(257), ""]) {
      await expect(
        t.kernel.dispatch({
          type: "run.create",
          workflowId: "echo",
          input: {},
          metadata: { [key]: "v" },
        }),
      ).rejects.toMatchObject({ code: "INVALID_METADATA", field: "metadata" });
    }
    expect(counts()).toEqual(before);
    const longest = "m".repeat(256);
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "echo",
      input: { setKeys: ["a".repeat(256), "b".repeat(257), ""] },
      metadata: { [longest]: "v" },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    expect(run.metadata).toEqual({ [longest]: "v", ["a".repeat(256)]: true });
    expect((run.output as { errors: unknown[] }).errors).toEqual([
      { code: "INVALID_METADATA", field: "metadata" },
      { code: "INVALID_METADATA", field: "metadata" },
    ]);
  });
});
