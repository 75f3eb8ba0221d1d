/**
 * SQLite's "database is locked": another connection (usually another process) holds the write
 * lock. better-sqlite3 waits for a lock by blocking the whole process, so Ratchet's SQLite
 * clients use a busy timeout of 0 and retry here, asynchronously, with a short jittered back-off.
 */
import { errorTexts } from "../migrate/dialect.js";

/** Whether `error` is SQLite's busy/locked error. */
export function isSqliteBusy(error: unknown): boolean {
  return errorTexts(error).some(
    (text) => text.startsWith("SQLITE_BUSY") || text.includes("database is locked"),
  );
}

/** How long to keep retrying a busy database before giving up (ms). */
export const SQLITE_BUSY_RETRY_MS = 30_000;

/** Runs `fn`, retrying while the database is busy, for at most `budgetMs`. */
export async function retryWhileBusy<T>(
  fn: () => Promise<T>,
  budgetMs = SQLITE_BUSY_RETRY_MS,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let delay = 1;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (!isSqliteBusy(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
      delay = Math.min(delay * 2, 50);
    }
  }
}
