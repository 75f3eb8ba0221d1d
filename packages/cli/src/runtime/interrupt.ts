/**
 * SIGINT/SIGTERM while a command works: the first signal aborts `signal` (the command stops
 * gracefully); a second one is left to Node's default handling (the process ends at once).
 */

/** A subscription to SIGINT/SIGTERM. */
export interface Interrupt {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal;
  /** The signal received, if any. */
  received(): NodeJS.Signals | undefined;
  /** Stops listening. */
  dispose(): void;
}

/** Listens for SIGINT and SIGTERM; `onSignal` runs when the first arrives. */
export function listenForInterrupt(onSignal?: (signal: NodeJS.Signals) => void): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handlers = new Map<NodeJS.Signals, () => void>();
  const dispose = () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    handlers.clear();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const handler = () => {
      dispose();
      received = signal;
      onSignal?.(signal);
      controller.abort(new Error(`received ${signal}`));
    };
    handlers.set(signal, handler);
    process.once(signal, handler);
  }
  return { signal: controller.signal, received: () => received, dispose };
}
