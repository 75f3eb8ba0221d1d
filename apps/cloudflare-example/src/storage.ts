/**
 * Where the Worker's ports come from: an injectable factory, chosen by `env`.
 *
 * Cloudflare Workers cannot load better-sqlite3 (a native addon) nor pg's TCP driver as is, so
 * the Prisma stacks of `@ratchet/prisma` do not run here. The default is therefore the
 * kernel's in-memory stack: it lives in one isolate, is lost when the isolate is evicted, and
 * is not shared between isolates — fine for a demo and for tests, **not for production**.
 * Production needs a D1- or Hyperdrive-backed adapter (Ratchet does not ship one yet) passed as
 * `createWorker({ ports })`; it must pass the kernel's conformance suites.
 */
import type { BlobStore, Clock, JobTransport, Persistence, Scheduler } from "@ratchet/kernel";
import { createInMemoryStack } from "@ratchet/kernel/in-memory";
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

/** The default factory: `RATCHET_STORAGE=memory` (or unset) → the in-memory stack. */
export const defaultPorts: PortsFactory = (env) => {
  const storage = env.RATCHET_STORAGE ?? "memory";
  if (storage !== "memory") {
    throw new Error(
      `[ratchet] [serverless] [cloudflare] storage "${storage}" is not shipped yet; pass a ports factory to createWorker({ ports })`,
    );
  }
  return createInMemoryStack();
};
