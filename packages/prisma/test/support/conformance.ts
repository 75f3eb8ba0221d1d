/**
 * Runs the kernel's four conformance suites against a Prisma stack, with SQL backdoors.
 */
import {
  blobStoreConformance,
  jobTransportConformance,
  persistenceConformance,
  schedulerConformance,
} from "@ratchet/kernel/testing";
import { blobBackdoor, jobBackdoor, persistenceBackdoor, schedulerBackdoor } from "./backdoor.js";
import { useStack } from "./stacks.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Registers every conformance suite for `provider`. */
export function registerConformance(provider: "sqlite" | "postgresql"): void {
  const harness = useStack(provider, `conformance_${provider}`);
  const name = `prisma (${provider})`;
  const fresh = async () => {
    const h = harness();
    await h.truncate();
    return h;
  };
  const close = async () => {};

  persistenceConformance({
    name,
    create: async () => {
      const h = await fresh();
      return { persistence: h.stack.persistence, backdoor: persistenceBackdoor(h.reader), close };
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
  blobStoreConformance({
    name,
    create: async () => {
      const h = await fresh();
      return { blobStore: h.stack.blobStore, backdoor: blobBackdoor(h.reader), close };
    },
  });
}
