/**
 * Test kernels over Prisma stacks, for race tests that run several kernels on connections of
 * their own (as separate worker processes have), and the jobs such a kernel leases.
 */
import type { AnyWorkflow, DequeuedJob, EventSink } from "@ratchet/kernel";
import { createTestKernel, type FakeClock, type TestKernel } from "@ratchet/kernel/testing";
import type { PrismaStack } from "../../src/index.js";

/** A test kernel over `stack`'s ports, registering `workflows`, on `clock`. */
export function kernelOver(
  stack: Pick<PrismaStack, "persistence" | "jobTransport" | "scheduler" | "blobStore" | "queries">,
  workflows: readonly AnyWorkflow[],
  clock: FakeClock,
  workerId: string,
  eventSink?: EventSink,
): TestKernel {
  return createTestKernel({
    workflows,
    persistence: stack.persistence,
    jobTransport: stack.jobTransport,
    scheduler: stack.scheduler,
    blobStore: stack.blobStore,
    queries: stack.queries,
    clock,
    workerId,
    ...(eventSink ? { eventSink } : {}),
  });
}

/** Up to `limit` jobs of `t`'s routes, leased to worker `w0` for `leaseMs` (default 60 s). */
export function leaseJobs(t: TestKernel, limit: number, leaseMs = 60_000): Promise<DequeuedJob[]> {
  return t.jobTransport.dequeue({
    workerId: "w0",
    limit,
    leaseMs,
    now: t.clock.now(),
    routes: t.kernel.routes,
  });
}
