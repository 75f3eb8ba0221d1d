/**
 * Helpers for the kernel's tests.
 */
import type { DequeuedJob, RunRecord } from "../src/index.js";
import type { TestKernel } from "../src/testing/index.js";

/** Creates a run, claims it and dequeues its first job as `workerId`. */
export async function startOne(
  t: TestKernel,
  workflowId: string,
  input: unknown = {},
  workerId = "worker-1",
): Promise<{ workflowRunId: string; job: DequeuedJob }> {
  const { workflowRunId } = await t.kernel.dispatch({ type: "run.create", workflowId, input });
  await t.kernel.dispatch({ type: "run.claimPending", workerId });
  const [job] = await t.jobTransport.dequeue({
    workerId,
    limit: 1,
    leaseMs: 30_000,
    now: t.clock.now(),
  });
  if (!job) throw new Error("no job");
  return { workflowRunId, job };
}

/**
 * A running run's record for unit tests that take one: every field set (group 0 of a workflow
 * `wf`, created at 0, updated and started at 1), `overrides` win.
 */
export function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: "run-1",
    workflowId: "wf",
    workflowVersion: "1",
    fingerprint: "",
    status: "RUNNING",
    version: 2,
    priority: 0,
    input: { n: 1 },
    config: {},
    metadata: {},
    control: {},
    concurrencyKey: null,
    output: null,
    error: null,
    currentGroup: 0,
    groupRemaining: 1,
    eventSeq: 1,
    idempotencyKey: null,
    parentRunId: null,
    waiting: false,
    createdAt: new Date(0),
    updatedAt: new Date(1),
    startedAt: new Date(1),
    completedAt: null,
    ...overrides,
  };
}

/** Wraps an object, replacing some methods; other members pass through (bound to the target). */
export function override<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      if (key in overrides) return (overrides as Record<PropertyKey, unknown>)[key];
      const value = Reflect.get(obj, key, receiver);
      return typeof value === "function" ? value.bind(obj) : value;
    },
  });
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending microtasks and I/O callbacks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
