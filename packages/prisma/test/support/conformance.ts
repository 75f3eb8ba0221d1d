/**
 * Runs the kernel's conformance suites against a Prisma stack, with SQL backdoors: over
 * the stack's own driver (`pg` / better-sqlite3), or over the stack's Prisma client (the ports
 * `createPrismaPersistence(prisma)` and friends build for a client the caller created).
 */

import {
  type BlobStore,
  type JobTransport,
  type Persistence,
  type RunQueries,
  type Scheduler,
  stageCommitterFor,
  systemClock,
} from "@ratchet/kernel/adapter";
import {
  blobStoreConformance,
  jobTransportConformance,
  persistenceConformance,
  runQueriesConformance,
  schedulerConformance,
  stageCommitterConformance,
} from "@ratchet/kernel/testing";
import {
  createPrismaBlobStore,
  createPrismaJobQueue,
  createPrismaPersistence,
  createPrismaRunQueries,
  createPrismaScheduler,
  type PrismaStack,
} from "../../src/index.js";
import type { DatabaseProvider } from "../../src/provider.js";
import { blobBackdoor, jobBackdoor, persistenceBackdoor, schedulerBackdoor } from "./backdoor.js";
import { useStack } from "./stacks.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Which SQL path the ports under test use. */
export type PortsOver = "stack driver" | "prisma client";

type Ports = {
  persistence: Persistence;
  jobTransport: JobTransport;
  scheduler: Scheduler;
  blobStore: BlobStore;
  queries: RunQueries;
};

function prismaClientPorts(stack: PrismaStack): Ports {
  const options = { provider: stack.provider };
  return {
    persistence: createPrismaPersistence(stack.prisma, options),
    jobTransport: createPrismaJobQueue(stack.prisma, options),
    scheduler: createPrismaScheduler(stack.prisma, options),
    blobStore: createPrismaBlobStore(stack.prisma, options),
    queries: createPrismaRunQueries(stack.prisma, options),
  };
}

/** Registers every conformance suite for `provider`, with ports over `over`. */
export function registerConformance(
  provider: DatabaseProvider,
  over: PortsOver = "stack driver",
): void {
  const label = over === "stack driver" ? provider : `${provider}_prisma_client`;
  const harness = useStack(provider, `conformance_${label}`);
  const name = over === "stack driver" ? `prisma (${provider})` : `prisma client (${provider})`;
  let clientPorts: Ports | undefined;
  const fresh = async () => {
    const h = harness();
    await h.truncate();
    if (over === "prisma client" && !clientPorts) clientPorts = prismaClientPorts(h.stack);
    const ports = clientPorts ?? h.stack;
    return { ...h, stack: { ...h.stack, ...ports } };
  };
  const close = async () => {};

  persistenceConformance({
    name,
    create: async () => {
      const h = await fresh();
      return {
        persistence: h.stack.persistence,
        queries: h.stack.queries,
        backdoor: persistenceBackdoor(h.reader),
        close,
      };
    },
  });
  jobTransportConformance({
    name,
    settle: () => sleep(50),
    create: async () => {
      const h = await fresh();
      return {
        jobTransport: h.stack.jobTransport,
        persistence: h.stack.persistence,
        backdoor: jobBackdoor(h.reader),
        close,
      };
    },
  });
  stageCommitterConformance({
    name,
    create: async () => {
      const h = await fresh();
      const { persistence, jobTransport, scheduler, queries } = h.stack;
      return {
        committer: stageCommitterFor({
          persistence,
          jobTransport,
          scheduler,
          clock: systemClock,
          newId: () => crypto.randomUUID(),
        }),
        persistence,
        queries,
        jobTransport,
        backdoor: { ...persistenceBackdoor(h.reader), ...jobBackdoor(h.reader) },
        close,
      };
    },
  });
  schedulerConformance({
    name,
    create: async () => {
      const h = await fresh();
      return {
        scheduler: h.stack.scheduler,
        persistence: h.stack.persistence,
        backdoor: schedulerBackdoor(h.reader),
        close,
      };
    },
  });
  runQueriesConformance({
    name,
    create: async () => {
      const h = await fresh();
      return {
        persistence: h.stack.persistence,
        jobTransport: h.stack.jobTransport,
        queries: h.stack.queries,
        close,
      };
    },
  });
  blobStoreConformance({
    name,
    create: async () => {
      const h = await fresh();
      return { blobStore: h.stack.blobStore, backdoor: blobBackdoor(h.reader), close };
    },
  });
}
