/**
 * The kernel's conformance suites on D1: workerd's D1 under Miniflare (statements sent from
 * Node through Miniflare's binding proxy), through the D1 stack's lock-and-journal
 * transactions; checked through raw SQL on the same database.
 */
import { vi } from "vitest";
import { registerSuites } from "./support/conformance.js";
import { useD1Stack } from "./support/d1.js";

// Every statement crosses from Node to workerd through Miniflare's proxy (~10-25 ms here, a
// fraction of a millisecond inside a Worker): the suites' busiest tests need more than 30 s.
vi.setConfig({ testTimeout: 120_000 });

const harness = useD1Stack();

registerSuites("prisma (d1)", async () => {
  const h = harness();
  await h.truncate();
  return { stack: h.stack, reader: h.reader };
});
