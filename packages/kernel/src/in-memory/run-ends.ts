/**
 * Run-end notices of the in-memory store: an index on the runs table that notes runs a
 * transaction moved to a terminal status, told to subscribers once that transaction commits
 * (and forgotten when it rolls back).
 */

import type { RunEndListener, RunEndSource } from "../ports/run-ends.js";
import { isTerminalRunStatus, type RunRecord } from "../records.js";
import type { RowIndex } from "./table.js";

/** The in-memory {@link RunEndSource}; the store tells it about commits and rollbacks. */
export class InMemoryRunEnds implements RowIndex<RunRecord>, RunEndSource {
  private readonly listeners = new Set<RunEndListener>();
  /** Runs the open transaction ended (one transaction at a time: the store's mutex). */
  private ended = new Set<string>();

  /** @inheritDoc */
  update(key: string, prev: RunRecord | undefined, next: RunRecord | undefined): void {
    if (prev?.status === next?.status) return;
    const was = prev !== undefined && isTerminalRunStatus(prev.status);
    const is = next !== undefined && isTerminalRunStatus(next.status);
    if (!was && is) this.ended.add(key);
    else if (was && !is) this.ended.delete(key);
  }

  /** The open transaction committed: tells every subscriber of the runs it ended. */
  committed(): void {
    if (this.ended.size === 0) return;
    const ended = this.ended;
    this.ended = new Set();
    for (const runId of ended) {
      for (const listener of this.listeners) {
        try {
          listener(runId);
        } catch {
          // A subscriber's failure is its own; the others still hear.
        }
      }
    }
  }

  /** The open transaction rolled back: nothing it did ended a run. */
  rolledBack(): void {
    if (this.ended.size > 0) this.ended = new Set();
  }

  /** @inheritDoc */
  subscribe(listener: RunEndListener): () => void {
    // A wrapper, so one function subscribed twice is told twice and unsubscribed once each.
    const entry: RunEndListener = (runId) => listener(runId);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }
}
