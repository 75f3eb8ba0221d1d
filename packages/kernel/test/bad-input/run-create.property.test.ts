/**
 * Property-based bad input for `run.create`: whatever is passed as `input`, `config`,
 * `metadata`, `priority` or `idempotencyKey` (fast-check's `anything()`, BigInt, functions,
 * symbols, cycles, NaN, invalid Dates, deep nesting, long strings, prototype-pollution keys),
 * `dispatch` either creates exactly one valid run or rejects with a `RatchetError` whose `code`
 * is in a small stable set, names a `field`, and writes nothing. After all of it the same
 * kernel still runs a good workflow to completion. Malformed commands of every type are in
 * `malformed-commands.property.test.ts`.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anyValue, expectTypedRejection, Input, setup } from "./property-support.js";

/** Codes `run.create` may reject with; anything else (or a non-RatchetError) is a bug. */
const RUN_CREATE_CODES = new Set([
  "INVALID_COMMAND",
  "INVALID_INPUT",
  "INVALID_CONFIG",
  "INVALID_METADATA",
  "PAYLOAD_TOO_LARGE",
  "UNSERIALIZABLE_VALUE",
  "WORKFLOW_NOT_FOUND",
  // A key the property generated before, with another command: refused, nothing written.
  "IDEMPOTENCY_KEY_CONFLICT",
]);

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

const NUM_RUNS_CREATE = 1_000;

describe("run.create with random and malformed input (property)", () => {
  it(`creates one valid run or rejects with a stable code and writes nothing (${NUM_RUNS_CREATE} commands)`, async () => {
    const { t, counts } = setup();
    const outcomes = { created: 0, replayed: 0, rejected: new Map<string, number>() };
    // Created runs with a key: repeated exactly below, each must replay its run.
    const keyed: Array<{ command: Record<string, unknown>; workflowRunId: string }> = [];
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
        if (command.idempotencyKey !== undefined)
          keyed.push({ command, workflowRunId: created.workflowRunId });
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
    // The same request again replays its run and writes nothing; another request with a used
    // key was refused above (IDEMPOTENCY_KEY_CONFLICT).
    expect(keyed.length).toBeGreaterThan(0);
    for (const { command, workflowRunId } of keyed) {
      const before = counts();
      const again = await t.kernel.dispatch(command as never);
      expect(again).toMatchObject({ workflowRunId, replayed: true });
      expect(counts()).toEqual(before);
    }
    expect([...outcomes.rejected.keys()]).toEqual(
      expect.arrayContaining([
        "INVALID_COMMAND",
        "INVALID_INPUT",
        "INVALID_CONFIG",
        "UNSERIALIZABLE_VALUE",
        "WORKFLOW_NOT_FOUND",
        "IDEMPOTENCY_KEY_CONFLICT",
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
