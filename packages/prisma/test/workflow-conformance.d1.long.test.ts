/**
 * Every step type and policy (the kernel's workflow behaviour suite, fake clock) on workerd's
 * D1 under Miniflare. A restart opens a second D1 stack on the same database: a new executor
 * (another isolate's lock token and mutex) with only what D1 kept.
 */
import { workflowConformance } from "@ratchet/kernel/testing";
import { vi } from "vitest";
import { useD1Stack } from "./support/d1.js";

// Statements cross from Node to workerd through Miniflare's proxy (see conformance.d1.test.ts).
vi.setConfig({ testTimeout: 120_000 });

const harness = useD1Stack();

workflowConformance({
  name: "prisma (d1)",
  create: async () => {
    const h = harness();
    await h.truncate();
    return { ports: h.stack, restart: () => h.open(), close: async () => {} };
  },
});
