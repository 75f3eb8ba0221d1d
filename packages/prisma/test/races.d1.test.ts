/**
 * Claim and dequeue races on workerd's D1 under Miniflare: 4 stacks over one D1 database stand
 * for 4 isolates (each its own executor, mutex and lock tokens). A claim and a dequeue are one
 * `UPDATE … RETURNING` each, atomic in D1 on its own (these pass with the lock's guards made
 * always true); what the lock adds for read-then-write transactions is tested in
 * d1-transactions.test.ts.
 */
import { vi } from "vitest";
import { useD1Stack } from "./support/d1.js";
import { registerRaces } from "./support/races.js";

vi.setConfig({ testTimeout: 120_000 });

const harness = useD1Stack();

registerRaces("d1", 4, 200, 400, () => {
  const h = harness();
  return { stack: h.stack, reader: h.reader, truncate: h.truncate, open: () => h.open() };
});
