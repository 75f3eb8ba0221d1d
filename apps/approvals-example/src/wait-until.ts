/** Polling until something is true, with a deadline (the example waits on a real host). */
import { setTimeout as sleep } from "node:timers/promises";

/** Options of {@link waitUntil}. */
export interface WaitOptions {
  /** Give up after this long (default 10 000 ms). */
  timeoutMs?: number;
  /** Between checks (default 25 ms). */
  intervalMs?: number;
}

/**
 * Calls `check` until it returns something other than `undefined`, and returns that; throws
 * naming `what` when `timeoutMs` passes first.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(options.intervalMs ?? 25);
  }
}
