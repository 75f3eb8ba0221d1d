/** Retry policies as written: validation, resolution order, delays and error matching. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { resolveRetry } from "../../src/dsl/retry-policy.js";
import {
  DEFAULT_RETRY,
  defineStage,
  defineWorkflow,
  retriesError,
  retryDelayMs,
  WorkflowDefinitionError,
} from "../../src/index.js";

const io = { input: z.object({}), output: z.object({}) };
const stageWith = (retry: Record<string, unknown>) =>
  defineStage({ id: "s", name: "S", schemas: io, retry, execute: () => ({}) });

describe("retry policy", () => {
  it("grows delays by backoffRate and caps them at maxIntervalMs", () => {
    const policy = resolveRetry({ intervalMs: 500, backoffRate: 2, maxIntervalMs: 3_000 });
    const none = () => 0;
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(policy, a, none))).toEqual([
      500, 1_000, 2_000, 3_000, 3_000,
    ]);
    expect(retryDelayMs(resolveRetry({ intervalMs: 700, backoffRate: 1 }), 6, none)).toBe(700);
  });

  it("never caps below intervalMs unless a policy sets maxIntervalMs", () => {
    expect(resolveRetry({ intervalMs: 600_000 }).maxIntervalMs).toBe(600_000);
    expect(resolveRetry({ intervalMs: 600_000 }, { maxIntervalMs: 1_000 }).maxIntervalMs).toBe(
      1_000,
    );
  });

  it("takes jitter off the delay: random 0 keeps it, random → 1 removes the whole fraction", () => {
    const policy = resolveRetry({ intervalMs: 1_000, backoffRate: 1, jitter: 0.4 });
    expect(retryDelayMs(policy, 1, () => 0)).toBe(1_000);
    expect(retryDelayMs(policy, 1, () => 0.5)).toBe(800);
    expect(retryDelayMs(policy, 1, () => 0.999_999)).toBe(600);
  });

  it("keeps the former field names backoffMs and maxBackoffMs", () => {
    const stage = stageWith({ backoffMs: 250, maxBackoffMs: 400 });
    expect(stage.retry).toEqual({ intervalMs: 250, maxIntervalMs: 400 });
  });

  it("resolves stage fields over the workflow default over DEFAULT_RETRY", () => {
    const workflow = defineWorkflow({
      id: "retry-resolution",
      name: "R",
      input: io.input,
      output: io.output,
      defaultRetry: { maxAttempts: 7, intervalMs: 20 },
    })
      .pipe(
        defineStage({
          id: "own",
          name: "Own",
          schemas: io,
          retry: { intervalMs: 5 },
          execute: () => ({}),
        }),
      )
      .pipe(defineStage({ id: "plain", name: "Plain", schemas: io, execute: () => ({}) }))
      .build();
    expect(resolveRetry(workflow.retryOf("own"))).toEqual({
      ...DEFAULT_RETRY,
      maxAttempts: 7,
      intervalMs: 5,
    });
    expect(resolveRetry(workflow.retryOf("plain"))).toEqual({
      ...DEFAULT_RETRY,
      maxAttempts: 7,
      intervalMs: 20,
    });
  });

  it.each([
    [{ maxAttempts: 0 }, "retry.maxAttempts"],
    [{ maxAttempts: 1.5 }, "retry.maxAttempts"],
    [{ intervalMs: -1 }, "retry.intervalMs"],
    [{ backoffMs: Number.NaN }, "retry.backoffMs"],
    [{ maxIntervalMs: "10" }, "retry.maxIntervalMs"],
    [{ backoffRate: 0.5 }, "retry.backoffRate"],
    [{ intervalMs: 5_000, maxIntervalMs: 1_000 }, "retry.maxIntervalMs"],
    [{ jitter: 1.5 }, "retry.jitter"],
    [{ retryOn: "TIMEOUT" }, "retry.retryOn"],
    [{ retryOn: [42] }, "retry.retryOn"],
  ])("rejects %j with INVALID_RETRY_POLICY naming %s", (retry, field) => {
    let caught: unknown;
    try {
      stageWith(retry);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WorkflowDefinitionError);
    expect(caught).toMatchObject({ code: "INVALID_RETRY_POLICY", field, stageId: "s" });
  });

  it("rejects an invalid workflow default, naming the workflow", () => {
    expect(() =>
      defineWorkflow({
        id: "bad-default",
        name: "B",
        input: io.input,
        output: io.output,
        defaultRetry: { jitter: -0.1 },
      })
        .pipe(stageWith({}))
        .build(),
    ).toThrow(
      expect.objectContaining({
        code: "INVALID_RETRY_POLICY",
        workflowId: "bad-default",
        field: "retry.jitter",
      }),
    );
  });

  it("matches retryOn strings against code and name exactly and the message as a substring", () => {
    const policy = resolveRetry({ retryOn: ["ECONNRESET", "TimeoutError", "try again"] });
    expect(retriesError(policy, { code: "ECONNRESET", message: "x" })).toBe(true);
    expect(retriesError(policy, { code: "E", name: "TimeoutError", message: "x" })).toBe(true);
    expect(retriesError(policy, { code: "E", message: "please try again later" })).toBe(true);
    expect(retriesError(policy, { code: "ECONNRESET_2", message: "x" })).toBe(false);
    expect(retriesError(resolveRetry({}), { code: "ANY", message: "x" })).toBe(true);
  });

  it("tests a global RegExp the same way on every call", () => {
    const policy = resolveRetry({ retryOn: [/rate limit/gi] });
    const error = { code: "E", message: "Rate limit hit" };
    expect([1, 2, 3].map(() => retriesError(policy, error))).toEqual([true, true, true]);
  });
});
