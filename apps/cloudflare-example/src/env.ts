/**
 * The Worker's bindings (`wrangler.toml`: the D1 database `DB`, and `[vars]`, all strings) and
 * the settings read from them.
 */
import type { QueueProducer } from "@ratchet/cloudflare";
import type { JsonObject } from "@ratchet/kernel";
import type { D1Database } from "@ratchet/prisma/d1";

/** Bindings the Worker reads. Every one is optional. */
export interface Env {
  /** The D1 database Ratchet keeps its state in (`[[d1_databases]]` binding `DB`). */
  DB?: D1Database;
  /**
   * The job queue's producer (`[[queues.producers]]` binding `JOBS`): when bound, every commit
   * that makes work ready sends it a message, so runs start at once instead of at the next
   * cron tick.
   */
  JOBS?: QueueProducer<JsonObject>;
  /**
   * Storage: `d1` (the default when `DB` is bound: durable, shared by every isolate) or
   * `memory` (the default without `DB`: per isolate, not durable — see storage.ts).
   */
  RATCHET_STORAGE?: string;
  /** Names this isolate in job leases (default `cf-<random>`). */
  RATCHET_WORKER_ID?: string;
  /** Jobs one cron invocation runs (default 25; `0` only ticks). */
  RATCHET_MAX_JOBS?: string;
  /** Jobs run at once by a cron invocation (default 4). */
  RATCHET_CONCURRENCY?: string;
  /** Time a cron invocation spends starting jobs, ms (default 20 000). */
  RATCHET_TIME_BUDGET_MS?: string;
  /**
   * Time a queue invocation spends publishing outbox events after its batch, ms (default
   * 1 000; `0` leaves them to the cron tick). The cron invocation publishes with what is left
   * of `RATCHET_TIME_BUDGET_MS` after its jobs.
   */
  RATCHET_PUBLISH_BUDGET_MS?: string;
  /** Redelivery delay of a message that hit an unexpected error, s (default 10). */
  RATCHET_RETRY_DELAY_SECONDS?: string;
  /** `true` logs every published workflow event. */
  RATCHET_LOG_EVENTS?: string;
}

/** Settings derived from {@link Env}. */
export interface Settings {
  maxJobs: number;
  concurrency: number;
  timeBudgetMs: number;
  publishBudgetMs: number;
  retryDelaySeconds: number;
  logEvents: boolean;
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(
      `[ratchet] [serverless] [cloudflare] ${name} must be a whole number, got "${value}"`,
    );
  }
  return n;
}

/** Reads the settings from the bindings; throws on a malformed number. */
export function readSettings(env: Env): Settings {
  return {
    maxJobs: int(env.RATCHET_MAX_JOBS, 25, "RATCHET_MAX_JOBS"),
    concurrency: Math.max(1, int(env.RATCHET_CONCURRENCY, 4, "RATCHET_CONCURRENCY")),
    timeBudgetMs: int(env.RATCHET_TIME_BUDGET_MS, 20_000, "RATCHET_TIME_BUDGET_MS"),
    publishBudgetMs: int(env.RATCHET_PUBLISH_BUDGET_MS, 1_000, "RATCHET_PUBLISH_BUDGET_MS"),
    retryDelaySeconds: int(env.RATCHET_RETRY_DELAY_SECONDS, 10, "RATCHET_RETRY_DELAY_SECONDS"),
    logEvents: env.RATCHET_LOG_EVENTS === "true",
  };
}
