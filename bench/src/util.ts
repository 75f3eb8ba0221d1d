/** Small helpers shared by the workloads. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Shuffles `list` in place (Fisher–Yates, `Math.random`) and returns it. */
export function shuffle<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}

/** Calls `fn(i)` for i in [0, count) with at most `limit` calls in flight. */
export async function forEachLimit(
  count: number,
  limit: number,
  fn: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

/** Polls `check` every `everyMs` until it returns true; throws after `timeoutMs`. Returns the polls made. */
export async function pollUntil(
  check: () => Promise<boolean>,
  { everyMs, timeoutMs, what }: { everyMs: number; timeoutMs: number; what: string },
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let polls = 0;
  for (;;) {
    polls++;
    if (await check()) return polls;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(everyMs);
  }
}

/** A logger for libraries that want one: errors and warnings go to stderr, the rest is dropped. */
export const quietLogger = {
  warn: (message: string, details?: unknown) =>
    console.error(`[warn] ${message}`, details === undefined ? "" : details),
  error: (message: string, details?: unknown) =>
    console.error(`[error] ${message}`, details === undefined ? "" : details),
};
