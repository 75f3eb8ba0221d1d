/**
 * The PostgreSQL client: a Prisma client of the generated PostgreSQL flavour on the `pg`
 * driver adapter, over a `pg` connection pool (its own, or one the caller shares with it).
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/postgresql/client.js";
import {
  type PostgresSessionOptions,
  pgSessionConfig,
  resolveSessionLimits,
} from "./postgres-session.js";

/** Default maximum number of pooled connections per client. */
export const POSTGRES_DEFAULT_POOL_SIZE = 10;

/** Default time to establish a connection before failing (pg's own default is to wait forever). */
export const POSTGRES_DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Options of {@link createPostgresClient} and {@link createPostgresPool}, with the limits of
 * every session it opens ({@link PostgresSessionOptions}: statement, lock and
 * idle-in-transaction timeouts, TCP keepalive).
 */
export interface PostgresClientOptions extends PostgresSessionOptions {
  /** Connection string, e.g. `postgresql://user:pass@host:5432/db`. */
  url: string;
  /** Maximum number of pooled connections (default {@link POSTGRES_DEFAULT_POOL_SIZE}). */
  max?: number;
  /** Called when an idle pooled connection fails (default: ignored; the pool replaces it). */
  onPoolError?: (error: Error) => void;
  /** Time to establish a connection before failing (default {@link POSTGRES_DEFAULT_CONNECT_TIMEOUT_MS}). */
  connectTimeoutMs?: number;
}

/** The Prisma client {@link createPostgresClient} returns. */
export type PostgresPrismaClient = PrismaClient;

/**
 * Creates a `pg` pool with Ratchet's defaults: at most `max` connections, a connect timeout,
 * `onPoolError` for idle connections that fail, TCP keepalive, and the session limits of
 * {@link PostgresSessionOptions}. Its sessions run with
 * `plan_cache_mode = force_generic_plan`: Ratchet's statements are written to look rows up by
 * index whatever the parameters, so each connection plans a statement once, instead of five
 * times before PostgreSQL settles on the generic plan (a batch of completions takes milliseconds
 * to plan). With `indexLookups`, also `enable_seqscan = off`, so that plan is the index lookup it was written
 * for even when the connection plans it against tables that are still small or were never
 * analysed (a new database, or autovacuum off): there the planner prefers a sequential scan,
 * and the cached plan kept scanning every row as the tables grew (W1 on PostgreSQL: 3,148 of
 * 5,563 statements scanned a whole table, the stage completions 21% more buffers). Statements
 * without a usable index still scan. The caller ends it (`pool.end()`).
 */
export function createPostgresPool(
  options: PostgresClientOptions & {
    /**
     * Plan with `enable_seqscan = off` (see above): for Ratchet's own statements only, which
     * are written for index lookups; other queries (catalog reads, your own reports) keep the
     * planner's free choice. Default false.
     */
    indexLookups?: boolean;
  },
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? POSTGRES_DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_DEFAULT_CONNECT_TIMEOUT_MS,
    options: `-c plan_cache_mode=force_generic_plan${options.indexLookups ? " -c enable_seqscan=off" : ""}`,
    ...pgSessionConfig(resolveSessionLimits(options)),
  });
  // Without a listener, an idle connection's "error" event would crash the process.
  pool.on("error", (error) => options.onPoolError?.(error));
  return pool;
}

/**
 * A Prisma client (PostgreSQL flavour) over an existing `pg` pool. `$disconnect()` leaves the
 * pool open: its owner ends it.
 */
export function prismaOverPool(pool: pg.Pool): PostgresPrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}

/**
 * Creates a Prisma client (PostgreSQL flavour) on `@prisma/adapter-pg` with its own `pg` pool of
 * at most `max` connections, whose sessions have the limits of {@link PostgresSessionOptions}.
 * Call `$disconnect()` to end the pool.
 */
export function createPostgresClient(options: PostgresClientOptions): PostgresPrismaClient {
  const adapter = new PrismaPg(
    {
      connectionString: options.url,
      max: options.max ?? POSTGRES_DEFAULT_POOL_SIZE,
      connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_DEFAULT_CONNECT_TIMEOUT_MS,
      ...pgSessionConfig(resolveSessionLimits(options)),
    },
    options.onPoolError === undefined ? undefined : { onPoolError: options.onPoolError },
  );
  return new PrismaClient({ adapter });
}
