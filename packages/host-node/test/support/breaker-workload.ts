/**
 * The workload of the circuit-breaker test: one task guarded by the breaker "flaky-api". Its
 * input says whether the call fails; its output names the worker process that ran it and when.
 */
import { workflow } from "@ratchet/kernel";

/** The breaker's settings: 3 failures in a minute open it for 8 s. */
export const FLAKY_API = {
  name: "flaky-api",
  failureThreshold: 3,
  windowMs: 60_000,
  coolDownMs: 8_000,
} as const;

/** A workflow whose one step calls the guarded API. */
export const guardedWorkflow = workflow("guarded-call")
  .task("call", {
    breaker: FLAKY_API,
    retry: { maxAttempts: 1 },
    handler: async (input: { fail: boolean }) => {
      if (input.fail) throw new Error("flaky-api answered 503");
      return { workerId: process.env.RATCHET_WORKER_ID ?? "", ranAt: Date.now() };
    },
  })
  .build();
