/**
 * Runs the kernel's workflow behaviour suite (every step type and policy, with a fake clock)
 * on a Prisma stack. A restart opens a second stack on the same database: a new connection
 * and new adapters, with only what the database kept.
 */
import { workflowConformance } from "@ratchet/kernel/testing";
import type { DatabaseProvider } from "../../src/provider.js";
import { useStack } from "./stacks.js";

/** Registers the workflow behaviour suite for `provider`. */
export function registerWorkflowConformance(provider: DatabaseProvider): void {
  const harness = useStack(provider, `workflow_conformance_${provider}`);
  workflowConformance({
    name: `prisma (${provider})`,
    create: async () => {
      const h = harness();
      await h.truncate();
      return {
        ports: h.stack,
        restart: () => h.open(),
        close: async () => {},
      };
    },
  });
}
