/**
 * A kernel on the in-memory stack for the host's unit tests, with a fake clock the host
 * shares (so host and kernel agree on what is due) and optional transport wrapping.
 */
import type { AnyWorkflow, EventSink, JobTransport } from "@ratchet/kernel";
import { createInMemoryStack, createTestKernel, type TestKernel } from "@ratchet/kernel/testing";
import {
  createServerlessHost,
  type ServerlessHost,
  type ServerlessHostOptions,
} from "../../src/index.js";

/** A test kernel and a serverless host over it. */
export interface InMemoryHarness extends TestKernel {
  host: ServerlessHost;
  /** Another host ("container") on the same kernel and transport. */
  makeHost(overrides?: Partial<ServerlessHostOptions>): ServerlessHost;
  /** Creates runs of `workflowId` and claims them (their first jobs are queued). */
  startRuns(workflowId: string, inputs: readonly unknown[]): Promise<string[]>;
}

/** Builds an {@link InMemoryHarness}. */
export function inMemoryHarness(options: {
  workflows: readonly AnyWorkflow[];
  wrapTransport?: (transport: JobTransport) => JobTransport;
  host?: Partial<ServerlessHostOptions>;
  /** Where events go (default: the test kernel's `CollectingEventSink`, `events`). */
  eventSink?: EventSink;
}): InMemoryHarness {
  const stack = createInMemoryStack();
  const jobTransport = options.wrapTransport?.(stack.jobTransport) ?? stack.jobTransport;
  const t = createTestKernel({
    workflows: options.workflows,
    persistence: stack.persistence,
    jobTransport,
    scheduler: stack.scheduler,
    blobStore: stack.blobStore,
    ...(options.eventSink ? { eventSink: options.eventSink } : {}),
  });
  const makeHost = (overrides: Partial<ServerlessHostOptions> = {}) =>
    createServerlessHost({
      kernel: t.kernel,
      jobTransport,
      workerId: "test-host",
      clock: t.clock,
      ...options.host,
      ...overrides,
    });
  const host = makeHost();
  return {
    ...t,
    host,
    makeHost,
    startRuns: async (workflowId, inputs) => {
      const ids: string[] = [];
      for (const input of inputs) {
        const { workflowRunId } = await t.kernel.dispatch({
          type: "run.create",
          workflowId,
          input,
        });
        ids.push(workflowRunId);
      }
      await t.kernel.dispatch({ type: "run.claimPending", workerId: "test", maxClaims: 1_000 });
      return ids;
    },
  };
}

/** Ids of the jobs waiting in the queue, oldest first (read without taking them). */
export async function pendingJobIds(t: TestKernel, runIds: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const runId of runIds) {
    for (const job of await t.jobTransport.activeJobsForRun(runId)) {
      if (job.status === "PENDING") ids.push(job.jobId);
    }
  }
  return ids;
}
