/**
 * Runs of the "order" fixture workflow (test/fixtures) written straight through a kernel, in
 * the states a deploy meets them in: PENDING (never claimed), RUNNING at `charge` (reserve done,
 * the charge job queued, no worker taking it), and RUNNING with `charge` being executed (its
 * job leased by a worker right now).
 */
import { join } from "node:path";
import type {
  AnyWorkflow,
  BlobStore,
  JobTransport,
  Kernel,
  Persistence,
  RunQueries,
  Scheduler,
} from "@ratchet/kernel";
import { createCommandKernel } from "../../src/runtime/command-kernel.js";
import { loadWorkflowModule } from "../../src/runtime/workflows.js";

/** The fixture modules' directory. */
export const FIXTURES = join(import.meta.dirname, "..", "fixtures");

/** The path of a fixture module, e.g. `order-v2.mjs`. */
export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** The workflows a fixture module exports. */
export function fixtureWorkflows(name: string): Promise<AnyWorkflow[]> {
  return loadWorkflowModule(fixture(name), FIXTURES);
}

/** The ports a kernel needs (an in-memory stack or a Prisma one). */
export interface StackPorts {
  persistence: Persistence;
  jobTransport: JobTransport;
  scheduler: Scheduler;
  blobStore: BlobStore;
  queries: RunQueries;
}

/** A kernel over `stack` registering `workflows`: the one the deploy commands build. */
export const kernelFor = (stack: StackPorts, workflows: readonly AnyWorkflow[]): Kernel =>
  createCommandKernel(stack, workflows);

/** How many runs of each kind to write. */
export interface OrderRunCounts {
  /** RUNNING, reserve completed, the charge job queued. */
  atCharge?: number;
  /** RUNNING like `atCharge`, but its charge job leased to worker "busy" for 10 minutes. */
  executing?: number;
  /** PENDING, never claimed. */
  pending?: number;
}

/** The ids of the runs written, by kind. */
export interface OrderRuns {
  atCharge: string[];
  executing: string[];
  pending: string[];
}

const input = (n: number) => ({ orderId: `o-${n}`, amount: 10 + n });

/** Writes version 1 runs of "order" through `kernel` (which must register version 1). */
export async function seedOrderRuns(
  stack: StackPorts,
  kernel: Kernel,
  counts: OrderRunCounts,
): Promise<OrderRuns> {
  const started = (counts.atCharge ?? 0) + (counts.executing ?? 0);
  const ids: string[] = [];
  for (let i = 0; i < started; i++) {
    const created = await kernel.dispatch({
      type: "run.create",
      workflowId: "order",
      input: input(i),
    });
    ids.push(created.workflowRunId);
  }
  if (started > 0) {
    await kernel.dispatch({ type: "run.claimPending", workerId: "seed", maxClaims: started });
    const reserves = await stack.jobTransport.dequeue({
      workerId: "seed",
      limit: started,
      leaseMs: 60_000,
      now: new Date(),
      routes: kernel.routes,
    });
    for (const job of reserves)
      await kernel.dispatch({ type: "job.execute", workerId: "seed", job });
  }
  const executing: string[] = [];
  if ((counts.executing ?? 0) > 0) {
    const charges = await stack.jobTransport.dequeue({
      workerId: "busy",
      limit: counts.executing ?? 0,
      leaseMs: 600_000,
      now: new Date(),
      routes: kernel.routes,
    });
    executing.push(...charges.map((job) => job.workflowRunId));
  }
  const pending: string[] = [];
  for (let i = 0; i < (counts.pending ?? 0); i++) {
    const created = await kernel.dispatch({
      type: "run.create",
      workflowId: "order",
      input: input(started + i),
    });
    pending.push(created.workflowRunId);
  }
  return { atCharge: ids.filter((id) => !executing.includes(id)), executing, pending };
}
