/**
 * Crashes aimed at one moment of a child run's life: every worker is armed to die right after
 * the first commit that made it happen — the commit ending a child run (before the outbox has
 * told its parent), or the one delivering a child's end to its parent (before the parent is
 * resumed) — so parent and child runs are seen crashing independently.
 */
import type { InMemoryStore } from "../../in-memory/store.js";
import { isTerminalRunStatus } from "../../records.js";
import type { Worker } from "./core.js";

/** Tells what has happened since the crash was armed (`undefined`: nothing yet). */
export type Happening = () => string | undefined;

/** An armed crash. */
export interface ArmedCrash {
  /** The last step it stays armed for. */
  until: number;
  /** Disarms every worker it was armed on. */
  disarm(): void;
}

/**
 * Arms `workers` to die right after the first commit (by any of them) after which `happened`
 * tells something; `died` hears which worker died, after what, and where.
 *
 * @example
 * ```ts
 * const armed = armCrash(workers, childEndedSince(store, children), (w, what) => note(`${w.id} dies after ${what}`), step + 30);
 * ```
 */
export function armCrash(
  workers: readonly Worker[],
  happened: Happening,
  died: (worker: Worker, what: string, where: string) => void,
  until: number,
): ArmedCrash {
  const armed = [...workers];
  const disarm = () => {
    for (const worker of armed) worker.faults.crashAfterCommitIf = undefined;
  };
  for (const worker of armed) {
    worker.faults.crashAfterCommitIf = (where) => {
      const what = happened();
      if (what === undefined) return false;
      disarm();
      died(worker, what, where);
      return true;
    };
  }
  return { until, disarm };
}

/** Which of `children` has ended since now, if any. */
export function childEndedSince(store: InMemoryStore, children: readonly string[]): Happening {
  const ended = (id: string) => {
    const run = store.runs.get(id);
    return run !== undefined && isTerminalRunStatus(run.status);
  };
  const before = new Set(children.filter(ended));
  return () => {
    const child = children.find((id) => !before.has(id) && ended(id));
    return child === undefined ? undefined : `child ${child}'s end`;
  };
}

/** Which child run's end has been delivered to its parent since now, if any. */
export function childEndDeliveredSince(store: InMemoryStore): Happening {
  const stored = store.signals.size;
  return () => {
    if (store.signals.size === stored) return undefined;
    let i = 0;
    // Signals are never deleted, and the store keeps them in the order they were stored.
    for (const id of store.signals.keys())
      if (i++ >= stored && id.startsWith("child-end:")) return `the delivery of ${id}`;
    return undefined;
  };
}
