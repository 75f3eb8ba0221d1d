/**
 * Property-based bad input for `run.create` and for malformed commands: whatever is passed as
 * `input`, `config`, `metadata`, `priority` or `idempotencyKey` (fast-check's `anything()`,
 * BigInt, functions, symbols, cycles, NaN, invalid Dates, deep nesting, long strings,
 * prototype-pollution keys), `dispatch` either creates exactly one valid run or rejects with a
 * `RatchetError` whose `code` is in a small stable set, names a `field`, and writes nothing.
 * After all of it the same kernel still runs a good workflow to completion.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineStage, defineWorkflow, RatchetError } from "../../src/index.js";
import { createInMemoryStack, createTestKernel } from "../../src/testing/index.js";

/** Codes `run.create` may reject with; anything else (or a non-RatchetError) is a bug. */
const RUN_CREATE_CODES = new Set([
  "INVALID_COMMAND",
  "INVALID_INPUT",
  "INVALID_CONFIG",
  "INVALID_METADATA",
  "PAYLOAD_TOO_LARGE",
  "UNSERIALIZABLE_VALUE",
  "WORKFLOW_NOT_FOUND",
]);

const Input = z.object({ name: z.string().max(100), count: z.number().int() }).strict();

const greet = defineStage({
  id: "greet",
  name: "Greet",
  schemas: {
    input: Input,
    output: z.object({ text: z.string() }),
    config: z.object({ times: z.number().int().positive().max(5).default(1) }).strict(),
  },
  execute: (ctx) => ({ text: `hi ${ctx.input.name} `.repeat(ctx.config.times).trim() }),
});

const strictWorkflow = defineWorkflow({
  id: "strict",
  name: "Strict",
  input: Input,
  output: z.object({ text: z.string() }),
})
  .pipe(greet)
  .build();

/** A kernel whose store the test can count rows in. */
function setup() {
  const stack = createInMemoryStack();
  const t = createTestKernel({
    workflows: [strictWorkflow],
    persistence: stack.persistence,
    jobTransport: stack.jobTransport,
    scheduler: stack.scheduler,
    blobStore: stack.blobStore,
  });
  const counts = () => ({
    runs: stack.store.runs.size,
    stages: stack.store.stages.size,
    outbox: stack.store.outbox.size,
    idempotencyKeys: stack.store.idempotencyKeys.size,
    jobs: stack.store.jobs.size,
    scheduled: stack.store.scheduled.size,
    logs: stack.store.logs.size,
  });
  return { t, counts };
}

/** An object with a cycle (`self.self === self`). */
function cyclic(): Record<string, unknown> {
  const self: Record<string, unknown> = { a: 1 };
  self.self = self;
  return self;
}

/** `depth` nested one-key objects around `leaf`. */
function nested(depth: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = { d: value };
  return value;
}

/** Values JSON cannot hold, or that a careless copy would mangle. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.bigInt().map((n) => n),
  fc.constant(() => 1),
  fc.constant(Symbol("s")),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(new Date(Number.NaN)),
  fc.date({ noInvalidDate: true }),
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(new Map([["a", 1]])),
  fc.constant(new Uint8Array([1, 2])),
  fc.constant(Object.create(null)),
  fc.constant(cyclic()),
  fc.integer({ min: 1, max: 300 }).map((d) => nested(d)),
  fc.integer({ min: 1, max: 300 }).map((d) => nested(d, 1n)),
  // Deep enough to exhaust the stack of a recursive encoder.
  fc.integer({ min: 5_000, max: 20_000 }).map((d) => nested(d)),
  fc.integer({ min: 10_000, max: 200_000 }).map((n) => "x".repeat(n)),
  // Own `__proto__` / `constructor` keys, as JSON.parse makes them.
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}}')),
  fc.constant(JSON.parse('{"constructor": {"prototype": {"polluted": true}}}')),
  fc.constant(JSON.parse('{"greet": {"__proto__": {"polluted": true}}}')),
);

/** Anything at all: fast-check's `anything()` with every option on, plus {@link hostile}. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostile },
  {
    weight: 3,
    arbitrary: fc.anything({
      maxDepth: 3,
      maxKeys: 4,
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withNullPrototype: true,
      withObjectString: true,
      withSet: true,
      withSparseArray: true,
      withTypedArray: true,
    }),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Inputs near the valid shape: right keys with wrong types, extra keys, missing keys. */
const nearInput: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ name: fc.string({ maxLength: 120 }), count: fc.integer() }),
  fc.record({ name: anyValue, count: anyValue }),
  fc.record(
    { name: fc.string({ maxLength: 20 }), count: fc.integer(), extra: anyValue },
    { requiredKeys: ["name", "count"] },
  ),
  fc.record({ name: fc.string({ maxLength: 20 }), count: fc.double() }, { requiredKeys: [] }),
);

/** Configs near the valid shape: the right stage with random values, unknown stages. */
const nearConfig: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ greet: fc.record({ times: fc.integer({ min: -2, max: 8 }) }) }),
  fc.record({ greet: anyValue }),
  fc.dictionary(fc.string({ maxLength: 8 }), anyValue, { maxKeys: 3 }),
);

const field = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined, freq: 3 });

/** Mostly `good`, sometimes `bad`: so that most commands fail in at most one field. */
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: bad });

const validInput = fc.record({ name: fc.string({ maxLength: 100 }), count: fc.integer() });
const validConfig = fc.record(
  { greet: fc.record({ times: fc.integer({ min: 1, max: 5 }) }, { requiredKeys: [] }) },
  { requiredKeys: [] },
);

/** A `run.create` with any of its fields random or missing. */
const runCreateCommand = fc.record(
  {
    workflowId: mostly(
      fc.constant("strict"),
      fc.oneof(fc.string({ maxLength: 10 }), fc.constant("x".repeat(201)), anyValue),
    ),
    input: fc.oneof(validInput, nearInput, anyValue),
    config: field(mostly(validConfig, fc.oneof(nearConfig, anyValue))),
    metadata: field(
      fc.oneof(
        fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
        fc.dictionary(fc.string({ maxLength: 12 }), anyValue, { maxKeys: 4 }),
        anyValue,
      ),
    ),
    priority: field(
      mostly(
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.oneof(fc.integer(), fc.double(), anyValue),
      ),
    ),
    // A few keys, so some commands replay an earlier one.
    idempotencyKey: field(
      mostly(
        fc.constantFrom("k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"),
        fc.oneof(fc.constant(""), fc.constant("k".repeat(501)), anyValue),
      ),
    ),
  },
  { requiredKeys: ["workflowId", "input"] },
);

/** Fields the error of a rejected `run.create` may name (a prefix of them). */
const FIELD_ROOTS = [
  "workflowId",
  "input",
  "config",
  "metadata",
  "priority",
  "idempotencyKey",
  "type",
];

function expectTypedRejection(error: unknown, codes: ReadonlySet<string>): RatchetError {
  expect(error).toBeInstanceOf(RatchetError);
  const e = error as RatchetError;
  expect(codes.has(e.code), `unexpected code ${e.code}: ${e.message}`).toBe(true);
  // JSON-safe for logs and HTTP responses, whatever the input was.
  expect(() => JSON.stringify(e)).not.toThrow();
  return e;
}

const NUM_RUNS_CREATE = 1_000;
const NUM_RUNS_COMMAND = 500;

describe("run.create with random and malformed input (property)", () => {
  it(`creates one valid run or rejects with a stable code and writes nothing (${NUM_RUNS_CREATE} commands)`, async () => {
    const { t, counts } = setup();
    const outcomes = { created: 0, replayed: 0, rejected: new Map<string, number>() };
    await fc.assert(
      fc.asyncProperty(runCreateCommand, async (fields) => {
        const before = counts();
        const command = { type: "run.create" as const, ...fields };
        let result: { workflowRunId: string; replayed: boolean } | undefined;
        let error: unknown;
        try {
          result = await t.kernel.dispatch(command as never);
        } catch (e) {
          error = e;
        }
        const after = counts();
        if (error !== undefined) {
          const e = expectTypedRejection(error, RUN_CREATE_CODES);
          outcomes.rejected.set(e.code, (outcomes.rejected.get(e.code) ?? 0) + 1);
          if (e.code !== "WORKFLOW_NOT_FOUND") {
            expect(e.field, `${e.code} names no field: ${e.message}`).toBeTypeOf("string");
            const root = (e.field as string).split(/[.[]/)[0];
            expect(FIELD_ROOTS).toContain(root);
          }
          expect(after).toEqual(before);
          return;
        }
        const created = result as { workflowRunId: string; replayed: boolean };
        if (created.replayed) {
          outcomes.replayed++;
          expect(after).toEqual(before);
          return;
        }
        outcomes.created++;
        expect(after).toEqual({
          ...before,
          runs: before.runs + 1,
          outbox: before.outbox + 1,
          idempotencyKeys: before.idempotencyKeys + (command.idempotencyKey === undefined ? 0 : 1),
        });
        const run = await t.persistence.getRun(created.workflowRunId);
        expect(run?.status).toBe("PENDING");
        // What was stored is what the schema accepted: exactly `name` and `count`.
        expect(Input.safeParse(run?.input).success).toBe(true);
        expect(Object.keys(run?.config ?? {})).toEqual(["greet"]);
      }),
      { numRuns: NUM_RUNS_CREATE, seed: 20_261_201 },
    );
    // The generators reach both sides.
    expect(outcomes.created).toBeGreaterThan(0);
    expect(outcomes.replayed).toBeGreaterThan(0);
    expect([...outcomes.rejected.keys()]).toEqual(
      expect.arrayContaining([
        "INVALID_COMMAND",
        "INVALID_INPUT",
        "INVALID_CONFIG",
        "UNSERIALIZABLE_VALUE",
        "WORKFLOW_NOT_FOUND",
      ]),
    );
    // Nothing leaked onto Object.prototype through `__proto__` / `constructor` keys.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // The kernel still serves: a good run completes, and so do the random ones it accepted.
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "strict",
      input: { name: "ada", count: 1 },
      config: { greet: { times: 2 } },
    });
    await t.driver.drain();
    const good = await t.persistence.getRun(workflowRunId);
    expect(good).toMatchObject({ status: "COMPLETED", output: { text: "hi ada hi ada" } });
    const failed = await t.persistence.listRuns({ status: "FAILED", limit: 1 });
    expect(failed).toEqual([]);
  });

  it("rejects `__proto__` / `constructor` / inherited keys in input, and `__proto__` in metadata, polluting nothing", async () => {
    const { t, counts } = setup();
    const before = counts();
    for (const [input, key] of [
      [JSON.parse('{"name": "a", "count": 1, "__proto__": {"polluted": true}}'), "__proto__"],
      [{ name: "a", count: 1, constructor: { prototype: { polluted: true } } }, "constructor"],
      [Object.assign(Object.create({ inherited: 1 }), { name: "a", count: 1 }), "inherited"],
    ] as const) {
      const error = await t.kernel
        .dispatch({ type: "run.create", workflowId: "strict", input })
        .catch((e: unknown) => e);
      const e = expectTypedRejection(error, RUN_CREATE_CODES);
      expect(e).toMatchObject({ code: "INVALID_INPUT", field: "input" });
      expect(e.message).toContain(key);
    }
    expect(counts()).toEqual(before);

    // Metadata is a free-form record, but an own "__proto__" key cannot be stored as one (a
    // plain copy would turn it into a prototype and lose it): a typed error, nothing written.
    const metadata = JSON.parse('{"__proto__": {"polluted": true}, "tenant": "t1"}');
    const error = await t.kernel
      .dispatch({
        type: "run.create",
        workflowId: "strict",
        input: { name: "a", count: 1 },
        metadata,
      })
      .catch((e: unknown) => e);
    expect(expectTypedRejection(error, RUN_CREATE_CODES)).toMatchObject({
      code: "UNSERIALIZABLE_VALUE",
      field: "metadata.__proto__",
    });
    expect(counts()).toEqual(before);
    // `constructor` is an ordinary key in free-form metadata, stored as given.
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "strict",
      input: { name: "a", count: 1 },
      metadata: { constructor: { prototype: { polluted: true } }, tenant: "t1" },
    });
    const run = await t.persistence.getRun(workflowRunId);
    expect(run?.metadata).toEqual({ constructor: { prototype: { polluted: true } }, tenant: "t1" });
    expect(Object.getPrototypeOf(run?.metadata)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

const COMMAND_TYPES = [
  "run.create",
  "run.claimPending",
  "job.execute",
  "job.heartbeat",
  "run.transition",
  "stage.pollSuspended",
  "lease.reapStale",
  "run.reapStuck",
  "outbox.flush",
  "run.cancel",
  "run.rerunFrom",
  "plugin.replayDLQ",
  "schedule.fireDue",
  "stage.wake",
  "run.timeout",
] as const;

/** Required fields of each command type that must be a non-empty string id. */
const REQUIRED_ID: Partial<Record<(typeof COMMAND_TYPES)[number], string>> = {
  "run.create": "workflowId",
  "run.claimPending": "workerId",
  "job.execute": "workerId",
  "job.heartbeat": "workerId",
  "run.transition": "workflowRunId",
  "stage.pollSuspended": "workerId",
  "outbox.flush": "workerId",
  "run.cancel": "workflowRunId",
  "run.rerunFrom": "workflowRunId",
  "schedule.fireDue": "workerId",
  "stage.wake": "workflowRunId",
  "run.timeout": "workflowRunId",
};

/** A value that is never a valid id (not a string of 1–200 characters). */
const notAnId: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(""),
  fc.constant(undefined),
  fc.integer({ min: 201, max: 5_000 }).map((n) => "i".repeat(n)),
  anyValue.filter((v) => typeof v !== "string"),
);

describe("malformed commands (property)", () => {
  it(`reject with INVALID_COMMAND naming the field, writing nothing (${NUM_RUNS_COMMAND} × 3 commands)`, async () => {
    const { t, counts } = setup();
    const before = counts();

    // Not an object, or an object whose `type` is unknown: field "type".
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyValue,
          fc.record({
            type: fc.oneof(
              fc
                .string({ maxLength: 20 })
                .filter((s) => !(COMMAND_TYPES as readonly string[]).includes(s)),
              fc.constantFrom(
                "toString",
                "__proto__",
                "constructor",
                "hasOwnProperty",
                "RUN.CREATE",
              ),
              anyValue.filter((v) => typeof v !== "string"),
            ),
            workflowId: anyValue,
          }),
        ),
        async (command) => {
          const error = await t.kernel.dispatch(command as never).then(
            () => undefined,
            (e: unknown) => e,
          );
          const e = expectTypedRejection(error, new Set(["INVALID_COMMAND"]));
          expect(e.field).toBe("type");
        },
      ),
      { numRuns: NUM_RUNS_COMMAND, seed: 7 },
    );

    // A known type whose required id is missing or wrong: the error names that field.
    const withRequiredId = COMMAND_TYPES.filter((type) => REQUIRED_ID[type] !== undefined);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...withRequiredId),
        notAnId,
        fc.dictionary(fc.constantFrom("input", "maxClaims", "jobIds", "reason"), anyValue, {
          maxKeys: 2,
        }),
        async (type, bad, extra) => {
          const name = REQUIRED_ID[type] as string;
          const command: Record<string, unknown> = { ...extra, type };
          if (bad !== undefined) command[name] = bad;
          const error = await t.kernel.dispatch(command as never).then(
            () => undefined,
            (e: unknown) => e,
          );
          const e = expectTypedRejection(error, new Set(["INVALID_COMMAND"]));
          expect(e.field).toBeTypeOf("string");
          expect(e.field?.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: NUM_RUNS_COMMAND, seed: 8 },
    );

    // Optional numeric fields of the wrong type or range: INVALID_COMMAND naming exactly them.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ["run.claimPending", "maxClaims", { workerId: "w" }] as const,
          ["lease.reapStale", "maxJobs", {}] as const,
          ["run.reapStuck", "stuckThresholdMs", {}] as const,
          ["outbox.flush", "maxEvents", { workerId: "w" }] as const,
          ["run.cancel", "expectedVersion", { workflowRunId: "r" }] as const,
          [
            "run.create",
            "priority",
            { workflowId: "strict", input: { name: "a", count: 1 } },
          ] as const,
        ),
        fc.oneof(
          fc.integer({ max: -1_000_001 }),
          fc.double({ noInteger: true }),
          fc.constant(Number.NaN),
          fc.constant(Number.MAX_SAFE_INTEGER * 4),
          anyValue.filter((v) => v !== undefined && typeof v !== "number"),
        ),
        async ([type, name, rest], bad) => {
          const error = await t.kernel.dispatch({ ...rest, type, [name]: bad } as never).then(
            () => undefined,
            (e: unknown) => e,
          );
          const e = expectTypedRejection(error, new Set(["INVALID_COMMAND"]));
          expect(e.field).toBe(name);
        },
      ),
      { numRuns: NUM_RUNS_COMMAND, seed: 9 },
    );

    expect(counts()).toEqual(before);
  });
});
