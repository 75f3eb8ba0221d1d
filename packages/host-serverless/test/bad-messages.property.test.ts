/**
 * Property-based bad queue messages: `handleJob` gets whatever a queue may deliver — random
 * JSON, raw (unparsed or non-JSON) bodies, truncated JSON, wrong shapes, huge bodies, messages
 * naming real jobs with broken fields. Each comes back (never a throw) as `failed` + `ack`
 * with `INVALID_MESSAGE` naming a field, or — a well-formed message naming no claimable job —
 * as `skipped` + `ack`. Nothing in the store changes, and a good message afterwards still runs
 * its stage.
 */
import type { JobTransport } from "@ratchet/kernel";
import { createInMemoryStack, createTestKernel } from "@ratchet/kernel/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createServerlessHost, type HandleJobResult } from "../src/index.js";
import { Executions, pipelineWorkflow } from "./support/workflows.js";

const NUM_RUNS = 500;

function setup(wrapTransport?: (transport: JobTransport) => JobTransport) {
  const executions = new Executions();
  const stack = createInMemoryStack();
  const jobTransport = wrapTransport?.(stack.jobTransport) ?? stack.jobTransport;
  const t = createTestKernel({
    workflows: [pipelineWorkflow(executions)],
    persistence: stack.persistence,
    jobTransport,
    scheduler: stack.scheduler,
    blobStore: stack.blobStore,
  });
  const host = createServerlessHost({
    kernel: t.kernel,
    jobTransport,
    workerId: "bad-messages-host",
    clock: t.clock,
  });
  /** Every row of every table, as JSON: equal snapshots mean nothing was written. */
  const snapshot = () => {
    const s = stack.store;
    const tables = { runs: s.runs, stages: s.stages, jobs: s.jobs, outbox: s.outbox, logs: s.logs };
    return JSON.stringify(
      Object.fromEntries(
        Object.entries(tables).map(([name, table]) => [name, [...table.values()]]),
      ),
    );
  };
  const startRun = async (text: string) => {
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "pipeline",
      input: { text },
    });
    await t.kernel.dispatch({ type: "run.claimPending", workerId: "test" });
    const [job] = await t.jobTransport.activeJobsForRun(workflowRunId);
    if (!job) throw new Error("no job");
    return { workflowRunId, jobId: job.jobId };
  };
  return { t, host, executions, snapshot, startRun };
}

/** Anything at all, with every option of fast-check's `anything()` on. */
const anything = fc.anything({
  maxDepth: 3,
  maxKeys: 5,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** Messages that are not a job message at all. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  anything,
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.constantFrom("", "{", '{"jobId":', "null", "[]", "undefined", '{"jobId": "a"'),
  fc.record({ jobId: fc.oneof(fc.constant(""), fc.integer(), fc.constant(null), anything) }),
  fc.record({ job_id: fc.string({ minLength: 1 }), id: fc.string() }),
  fc.array(fc.record({ jobId: fc.string({ minLength: 1 }) }), { minLength: 1, maxLength: 3 }),
);

/** A good message's body cut short (at least one character missing). */
const truncated = (body: string): fc.Arbitrary<string> =>
  fc.integer({ min: 0, max: body.length - 1 }).map((n) => body.slice(0, n));

/**
 * What a platform adapter does with a raw body: parse it when it is JSON, else hand the
 * string on as is (both must be handled).
 */
function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

function expectInvalid(result: HandleJobResult): void {
  expect(result.outcome).toBe("failed");
  expect(result.ack).toBe(true);
  expect(result.error?.code).toBe("INVALID_MESSAGE");
  expect(result.error?.field).toBeTypeOf("string");
  expect(result.error?.message).toMatch(/^\[ratchet\] \[serverless\] invalid job message: /);
}

/** A message is invalid unless its `jobId` is a non-empty string (and nothing else is wrong). */
function expectInvalidOrUnknownJob(result: HandleJobResult): void {
  if (result.outcome === "skipped") {
    expect(result).toMatchObject({ ack: true, reason: "job not found" });
    return;
  }
  expectInvalid(result);
}

describe("handleJob with bad messages (property)", () => {
  it(`settles random, raw, truncated and wrong-shaped messages with a typed result, writing nothing (${NUM_RUNS} × 3 messages)`, async () => {
    const { t, host, executions, snapshot, startRun } = setup();
    const live = await startRun("still served");
    const before = snapshot();
    const goodBody = JSON.stringify({ jobId: live.jobId });

    // Random values and shapes, as given (already parsed) and as raw bodies.
    await fc.assert(
      fc.asyncProperty(junk, async (message) => {
        const result = await host.handleJob(message);
        expectInvalidOrUnknownJob(result);
        if (typeof message === "string")
          expectInvalidOrUnknownJob(await host.handleJob(parseBody(message)));
      }),
      { numRuns: NUM_RUNS, seed: 42 },
    );

    // A real job's message, truncated: the raw string, or whatever JSON.parse makes of it.
    await fc.assert(
      fc.asyncProperty(truncated(goodBody), async (body) => {
        expectInvalid(await host.handleJob(body));
        expectInvalidOrUnknownJob(await host.handleJob(parseBody(body)));
      }),
      { numRuns: NUM_RUNS, seed: 43 },
    );

    // The real job's id with one optional field broken: invalid, the job is not claimed.
    const badField = fc.oneof(
      fc.record({
        attempt: fc.oneof(
          fc.integer({ max: 0 }),
          fc.double({ noInteger: true }),
          anything.filter((v) => v !== undefined && !Number.isSafeInteger(v)),
        ),
      }),
      fc.record({ maxAttempts: fc.oneof(fc.integer({ max: 0 }), fc.string()) }),
      fc.record({ priority: fc.oneof(fc.double({ noInteger: true }), fc.string(), fc.bigInt()) }),
      fc.record({ workflowRunId: fc.oneof(fc.constant(""), fc.integer(), fc.constant(null)) }),
      fc.record({
        payload: fc.oneof(
          fc.array(fc.integer()),
          fc.string(),
          fc.record({
            x: fc.oneof(
              fc.bigInt(),
              fc.constant(Number.NaN),
              fc.constant(() => 1),
            ),
          }),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(badField, async (fields) => {
        const result = await host.handleJob({ jobId: live.jobId, ...fields });
        expectInvalid(result);
        expect(Object.keys(fields)).toContain(result.error?.field?.split(".")[0]);
      }),
      { numRuns: NUM_RUNS, seed: 44 },
    );

    expect(snapshot()).toEqual(before);
    expect(executions.total()).toBe(0);
    const stats = host.getStats();
    expect(stats.errors).toBe(0);
    expect(stats.jobsProcessed).toBe(0);
    expect(stats.invalidMessages).toBeGreaterThan(NUM_RUNS);

    // The engine keeps serving: the good message runs the stage, then the rest of the run.
    const good = await host.handleJob(parseBody(goodBody));
    expect(good).toMatchObject({ outcome: "completed", ack: true, jobId: live.jobId });
    const run = await t.driver.runToCompletion(live.workflowRunId);
    expect(run.status).toBe("COMPLETED");
  });

  it("settles values the schema cannot walk — 4,000 levels deep, throwing Proxies and getters — without throwing", async () => {
    const { host, snapshot, startRun, executions } = setup();
    const live = await startRun("odd");
    const before = snapshot();
    let deep: Record<string, unknown> = {};
    const payload = deep;
    for (let i = 0; i < 4_000; i++) {
      const next: Record<string, unknown> = {};
      deep.a = next;
      deep = next;
    }
    const trap = () => {
      throw new Error("trap");
    };
    const hostile = new Proxy(
      {},
      { get: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, has: trap },
    );
    const getter = Object.defineProperty({ jobId: live.jobId }, "payload", {
      enumerable: true,
      get: trap,
    });
    const results = [
      await host.handleJob({ jobId: live.jobId, payload }),
      await host.handleJob(JSON.stringify({ jobId: live.jobId, payload })),
      await host.handleJob(hostile),
      await host.handleJob(getter),
    ];
    for (const result of results) expectInvalid(result);
    expect(results[0]?.error?.field).toMatch(/^payload\.a\.a/);
    expect(results[0]?.error?.message).toContain("nested deeper than 64 levels");
    expect(results[2]?.error).toMatchObject({ field: "message" });
    expect(results[2]?.error?.message).toContain("cannot be read: trap");
    expect(snapshot()).toEqual(before);
    expect(executions.total()).toBe(0);
    expect((await host.handleJob({ jobId: live.jobId })).outcome).toBe("completed");
  });

  it("settles huge bodies (MB-sized ids, payloads and junk) without writing anything", async () => {
    const { host, snapshot, startRun, executions } = setup();
    const live = await startRun("big");
    const before = snapshot();
    const mb = 1024 * 1024;
    const huge = "z".repeat(8 * mb);
    const results = [
      await host.handleJob({ jobId: huge }),
      await host.handleJob(huge),
      await host.handleJob(`{"jobId": "${huge}`),
      await host.handleJob({ jobId: live.jobId, payload: { blob: huge }, attempt: 0 }),
      await host.handleJob(Array.from({ length: 100_000 }, (_, i) => ({ jobId: `j${i}` }))),
    ];
    expect(results[0]).toEqual({
      outcome: "skipped",
      ack: true,
      jobId: huge,
      reason: "job not found",
    });
    for (const result of results.slice(1)) expectInvalid(result);
    expect(results[3]?.error?.field).toBe("attempt");
    expect(snapshot()).toEqual(before);
    expect(executions.total()).toBe(0);
    expect((await host.handleJob({ jobId: live.jobId })).outcome).toBe("completed");
  });

  describe("with a transport without claimJob (the message is the job)", () => {
    const withoutClaim = (transport: JobTransport): JobTransport => {
      const plain: JobTransport = Object.create(transport);
      Object.defineProperty(plain, "claimJob", { value: undefined });
      return plain;
    };

    it(`rejects partial jobs and skips jobs of unknown runs, writing nothing (${NUM_RUNS} messages)`, async () => {
      const { t, host, snapshot, startRun, executions } = setup(withoutClaim);
      const live = await startRun("no claim");
      const before = snapshot();
      const id = fc.string({ minLength: 1, maxLength: 12 });
      const fullJob = fc.record({
        jobId: id,
        workflowRunId: id,
        workflowId: fc.constantFrom("pipeline", "nope"),
        stageId: fc.constantFrom("split", "count", "nope"),
        attempt: fc.integer({ min: 1, max: 5 }),
        maxAttempts: fc.integer({ min: 1, max: 5 }),
        priority: fc.integer({ min: -5, max: 5 }),
        payload: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), {
          maxKeys: 3,
        }),
      });
      const partial = fullJob.chain((job) =>
        fc
          .subarray(Object.keys(job), { minLength: 1 })
          .map((drop) =>
            Object.fromEntries(Object.entries(job).filter(([key]) => !drop.includes(key))),
          ),
      );
      await fc.assert(
        fc.asyncProperty(fc.oneof(junk, partial, fullJob), async (message) => {
          const result = await host.handleJob(message);
          if (result.outcome === "skipped") {
            // A whole job naming a run that does not exist.
            expect(result).toMatchObject({ ack: true, reason: "run not found" });
            return;
          }
          expectInvalid(result);
        }),
        { numRuns: NUM_RUNS, seed: 45 },
      );
      expect(snapshot()).toEqual(before);
      expect(executions.total()).toBe(0);

      const [job] = await t.jobTransport.dequeue({
        workerId: "bad-messages-host",
        limit: 1,
        leaseMs: 30_000,
        now: t.clock.now(),
      });
      const good = await host.handleJob(JSON.parse(JSON.stringify(job)));
      expect(good).toMatchObject({ outcome: "completed", workflowRunId: live.workflowRunId });
    });
  });
});
