/**
 * The executor of the ports built over a Prisma client the caller created
 * (`createPrismaPersistence(prisma)` and friends), and their options. Each port's module
 * imports it from here, so no port depends on another port's module for it.
 */
import { type DatabaseProvider, detectProvider } from "../provider.js";
import { dialectFor } from "./dialect.js";
import { prismaDriver } from "./drivers/prisma.js";
import { createExecutor, type SqlExecutor, type TransactionSettings } from "./executor.js";
import type { RawRootClient } from "./raw-client.js";

/** Options of the Prisma adapters. */
export interface PrismaAdapterOptions {
  /** The database behind the client (default: read from the client). */
  provider?: DatabaseProvider;
  /** Transaction limits (PostgreSQL: pool wait and transaction timeout). */
  transactions?: Partial<TransactionSettings>;
}

/** The executor the adapters of one client share. */
export function executorOf(prisma: RawRootClient, options: PrismaAdapterOptions = {}): SqlExecutor {
  const provider = options.provider ?? detectProvider(prisma);
  if (!provider) {
    throw new Error(
      "[ratchet] [prisma] cannot tell whether this Prisma client is for PostgreSQL or SQLite; pass { provider }",
    );
  }
  return createExecutor(prismaDriver(prisma, provider), dialectFor(provider), {
    maxWaitMs: options.transactions?.maxWaitMs ?? 10_000,
    timeoutMs: options.transactions?.timeoutMs ?? 30_000,
  });
}
