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
import {
  blobBackdoor,
  jobBackdoor,
  persistenceBackdoor,
  type RawReader,
  schedulerBackdoor,
} from "./backdoor.js";
import { useStack } from "./stacks.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Which SQL path the ports under test use. */
export type PortsOver = "stack driver" | "prisma client";

/** The ports the suites test. */
export type Ports = {
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
  registerSuites(name, async () => {
    const h = harness();
    await h.truncate();
    if (over === "prisma client" && !clientPorts) clientPorts = prismaClientPorts(h.stack);
    return { reader: h.reader, stack: clientPorts ?? h.stack };
  });
}

/** What each suite's `create` needs: emptied ports and a backdoor reader of their database. */
export interface FreshPorts {
  stack: Ports;
  reader: RawReader;
}

/** Registers every conformance suite over the ports `fresh` returns (emptied each time). */
export function registerSuites(name: string, fresh: () => Promise<FreshPorts>): void {
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
