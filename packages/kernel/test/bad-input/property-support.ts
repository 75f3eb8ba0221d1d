/**
 * What the property-based bad-input tests share: a workflow with a strict zod input and
 * stage-config schema, a kernel whose store can be counted, fast-check arbitraries of hostile
 * values, and the check every rejection must pass.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { z } from "zod";
import { defineStage, defineWorkflow, RatchetError } from "../../src/index.js";
import { createInMemoryStack, createTestKernel } from "../../src/testing/index.js";

export const Input = z.object({ name: z.string().max(100), count: z.number().int() }).strict();

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
export function setup() {
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
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
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

/** Checks a rejection: a `RatchetError` with one of `codes`, JSON-safe. */
export function expectTypedRejection(error: unknown, codes: ReadonlySet<string>): RatchetError {
  expect(error).toBeInstanceOf(RatchetError);
  const e = error as RatchetError;
  expect(codes.has(e.code), `unexpected code ${e.code}: ${e.message}`).toBe(true);
  // JSON-safe for logs and HTTP responses, whatever the input was.
  expect(() => JSON.stringify(e)).not.toThrow();
  return e;
}
