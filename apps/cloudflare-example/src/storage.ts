/**
 * Where the Worker's ports come from: an injectable factory, chosen by `env`.
 *
 * - `d1` (the default when the `DB` binding exists): `createD1Stack` of `@ratchet/prisma/d1`,
 *   every port on Cloudflare D1 — durable, shared by every isolate, migrated on first use. D1
 *   has no interactive transactions; how Ratchet keeps its commits atomic and isolated there
 *   (a database lock row and an undo journal) is in docs/adr/0008-d1-transactions.md.
 * - `memory` (the default without `DB`): the kernel's in-memory stack. It lives in one
 *   isolate, is lost when the isolate is evicted and is not shared between isolates — fine
 *   for a demo and for tests, **not for production**.
 */
import type { BlobStore, Clock, JobTransport, Persistence, Scheduler } from "@ratchet/kernel";
import { createInMemoryStack } from "@ratchet/kernel/in-memory";
import { createD1Stack } from "@ratchet/prisma/d1";
import type { Env } from "./env.js";

/** Storage ports, as the kernel takes them. */
export interface StoragePorts {
  persistence: Persistence;
  jobTransport: JobTransport;
  scheduler: Scheduler;
  blobStore: BlobStore;
  /** The stack's clock, when it has one (PostgreSQL: the database server's); else the system clock. */
  clock?: Clock;
}

/** Makes the ports for an isolate, from its bindings. */
export type PortsFactory = (env: Env) => StoragePorts | Promise<StoragePorts>;

/** The default factory: `RATCHET_STORAGE` (`d1` or `memory`; default `d1` when `DB` is bound). */
export const defaultPorts: PortsFactory = async (env) => {
  const storage = env.RATCHET_STORAGE ?? (env.DB ? "d1" : "memory");
  if (storage === "memory") return createInMemoryStack();
  if (storage === "d1") {
    if (!env.DB) {
      throw new Error(
        "[ratchet] [serverless] [cloudflare] RATCHET_STORAGE=d1 needs a D1 binding named DB ([[d1_databases]] in wrangler.toml)",
      );
    }
    return createD1Stack({ database: env.DB });
  }
  throw new Error(
    `[ratchet] [serverless] [cloudflare] unknown RATCHET_STORAGE "${storage}" (d1 or memory); or pass a ports factory to createWorker({ ports })`,
  );
};
