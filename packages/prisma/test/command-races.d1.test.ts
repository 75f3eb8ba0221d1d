/**
 * Commands racing each other on workerd's D1 under Miniflare, each kernel on a stack of its own
 * (another isolate: its own executor, mutex and lock tokens): a cancellation racing a stage's
 * commits, two outbox flushers. The kernel's own compare-and-sets decide these races (they
 * still pass with the D1 lock's mutual exclusion taken out); that the lock keeps read-then-write
 * transactions apart is what d1-transactions.test.ts checks.
 */
import { vi } from "vitest";
import { registerCommandRaces } from "./support/command-races.js";
import { useD1Stack } from "./support/d1.js";

vi.setConfig({ testTimeout: 120_000 });

const harness = useD1Stack();

registerCommandRaces("d1", () => {
  const h = harness();
  return { reader: h.reader, truncate: h.truncate, open: () => h.open() };
});
