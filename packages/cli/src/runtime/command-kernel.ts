/**
 * A kernel for commands that dispatch a few commands and end (`run` without `--wait`,
 * `runs migrate`, `deploy-check`): no host, no event sink of its own — the events it writes
 * stay in the outbox until a worker publishes them.
 */
import {
  type AnyWorkflow,
  createKernel,
  createRegistry,
  type Kernel,
  systemClock,
} from "@ratchet/kernel";
import type { PrismaStack } from "@ratchet/prisma";

/** A kernel over `stack` that registers `workflows` (several versions of one may be among them). */
export function createCommandKernel(
  stack: Pick<PrismaStack, "persistence" | "jobTransport" | "scheduler" | "blobStore"> &
    Partial<Pick<PrismaStack, "clock">>,
  workflows: readonly AnyWorkflow[],
): Kernel {
  return createKernel({
    persistence: stack.persistence,
    jobTransport: stack.jobTransport,
    scheduler: stack.scheduler,
    blobStore: stack.blobStore,
    eventSink: { emit: async () => {} },
    clock: stack.clock ?? systemClock,
    registry: createRegistry(workflows),
  });
}
