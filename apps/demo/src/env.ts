/**
 * What the demo's stages take from their surroundings — the time and a way to wait — so tests
 * can run them on a fake clock without sleeping, while `ratchet demo` runs them in real time.
 */

/** The demo's dependencies. */
export interface DemoEnv {
  /** Milliseconds since the epoch (the batch service decides readiness with it). */
  now(): number;
  /** Waits `ms` (simulated work), rejecting with the signal's reason when it is aborted. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Multiplies every simulated latency (1 = real time, 0 = no waiting). */
  latencyScale: number;
}

/** Waits `ms` on a real timer; an abort (cancel, shutdown, timeout) stops the wait. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return signal.aborted ? Promise.reject(signal.reason) : Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Real time: what `ratchet demo` and `ratchet worker` use. */
export const realTimeEnv: DemoEnv = {
  now: () => Date.now(),
  sleep: abortableSleep,
  latencyScale: 1,
};

/** Simulates `baseMs` of work, scaled by the environment. */
export function simulateWork(env: DemoEnv, baseMs: number, signal: AbortSignal): Promise<void> {
  return env.sleep(Math.round(baseMs * env.latencyScale), signal);
}
