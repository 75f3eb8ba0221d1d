/**
 * The in-memory outbox's index by run: each run's events by sequence, and how many of them are
 * neither published nor dead-lettered. One entry per run holds both, so storing an event finds
 * its run once and counts it there, where a second index (a set of event ids per run, behind a
 * second map lookup by run id) used to list the unpublished ones: every event of a run is
 * stored with an insert, and a run's unpublished events are read only by a claim, a failed
 * publish and retention, which filter its events instead.
 */
import type { OutboxRecord } from "../records.js";
import { KeysBySequence } from "./keys-by-sequence.js";
import type { KeysByGroup, KeyView } from "./pair-index.js";
import type { RowIndex } from "./table.js";

/** The fields of a stored outbox event the index reads. */
type OutboxRow = Pick<OutboxRecord, "runId" | "sequence" | "publishedAt" | "dlqAt">;

/** One run's entry. */
interface RunEvents {
  /** Event key by sequence, in insertion order. */
  readonly bySequence: KeysBySequence;
  /** How many of the run's events are neither published nor dead-lettered. */
  unpublished: number;
}

const NO_KEYS: KeyView = { size: 0, [Symbol.iterator]: () => [][Symbol.iterator]() };

/** Whether an event still waits to be published (not published, not dead-lettered). */
export function isUnpublished(row: OutboxRow): boolean {
  return row.publishedAt === null && row.dlqAt === null;
}

/** A run's unpublished event keys, in sequence-insertion order (a live view). */
class UnpublishedKeys implements KeyView {
  constructor(
    private readonly events: RunEvents,
    private readonly rowOf: (key: string) => OutboxRow | undefined,
  ) {}

  get size(): number {
    return this.events.unpublished;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (const key of this.events.bySequence.values()) {
      const row = this.rowOf(key);
      if (row !== undefined && isUnpublished(row)) yield key;
    }
  }
}

/** The unpublished events by run, as {@link RunOutboxIndex.unpublished} lists them. */
export interface UnpublishedByRun extends KeysByGroup {
  /** Runs with unpublished events, in the order each got its first (again). */
  groupNames(): IterableIterator<string>;
}

/**
 * An outbox event's key by run and sequence ({@link get}, unique: callers check for conflicts
 * first), a run's event keys ({@link keysOf}), and its unpublished ones ({@link unpublished}).
 */
export class RunOutboxIndex implements RowIndex<OutboxRow>, KeysByGroup {
  private readonly runs = new Map<string, RunEvents>();
  /**
   * The run whose entry was looked up last, and that entry: a commit stores its run's events
   * one after another, each checked by {@link get} and then indexed, so one lookup serves all.
   */
  private lastRunId: string | undefined;
  private lastEvents: RunEvents | undefined;
  /** Runs with unpublished events, in the order each got its first (again). */
  private readonly pending = new Set<string>();
  /** The unpublished events by run. */
  readonly unpublished: UnpublishedByRun;

  /** `rowOf` reads a stored event by key (to list a run's unpublished ones). */
  constructor(rowOf: (key: string) => OutboxRow | undefined) {
    this.unpublished = {
      keysOf: (runId) => {
        const events = this.entryOf(runId);
        return events === undefined || events.unpublished === 0
          ? NO_KEYS
          : new UnpublishedKeys(events, rowOf);
      },
      groupNames: () => this.pending.values(),
    };
  }

  /** @inheritDoc */
  update(key: string, prev: OutboxRow | undefined, next: OutboxRow | undefined): void {
    if (prev !== undefined && next !== undefined) {
      if (prev.runId === next.runId && prev.sequence === next.sequence) {
        const was = isUnpublished(prev);
        if (was !== isUnpublished(next)) {
          const events = this.entryOf(prev.runId);
          if (events !== undefined) this.count(prev.runId, events, was ? -1 : 1);
        }
        return;
      }
    }
    if (prev !== undefined) this.remove(key, prev);
    if (next !== undefined) this.add(key, next);
  }

  /** The key of run `runId`'s event `sequence`, if any. */
  get(runId: string, sequence: number): string | undefined {
    return this.entryOf(runId)?.bySequence.get(sequence);
  }

  /** Keys of run `runId`'s events, in insertion order (live view). */
  keysOf(runId: string): KeyView {
    const events = this.entryOf(runId);
    return events === undefined ? NO_KEYS : new SequenceKeys(events.bySequence);
  }

  private add(key: string, row: OutboxRow): void {
    let events = this.entryOf(row.runId);
    if (events === undefined) {
      events = { bySequence: new KeysBySequence(), unpublished: 0 };
      this.runs.set(row.runId, events);
      this.lastRunId = row.runId;
      this.lastEvents = events;
    }
    events.bySequence.set(row.sequence, key);
    if (isUnpublished(row)) this.count(row.runId, events, 1);
  }

  private remove(key: string, row: OutboxRow): void {
    const events = this.entryOf(row.runId);
    if (events === undefined) return;
    if (events.bySequence.get(row.sequence) === key) events.bySequence.delete(row.sequence);
    if (isUnpublished(row)) this.count(row.runId, events, -1);
    if (events.bySequence.size === 0 && events.unpublished === 0) {
      this.runs.delete(row.runId);
      this.lastRunId = undefined;
      this.lastEvents = undefined;
    }
  }

  /** Run `runId`'s entry, if it has one. */
  private entryOf(runId: string): RunEvents | undefined {
    if (runId === this.lastRunId) return this.lastEvents;
    const events = this.runs.get(runId);
    this.lastRunId = runId;
    this.lastEvents = events;
    return events;
  }

  private count(runId: string, events: RunEvents, delta: 1 | -1): void {
    events.unpublished += delta;
    if (events.unpublished === 0) this.pending.delete(runId);
    else if (delta === 1 && events.unpublished === 1) this.pending.add(runId);
  }
}

/** The keys of one run's events, as a {@link KeyView}. */
class SequenceKeys implements KeyView {
  constructor(private readonly bySequence: KeysBySequence) {}

  get size(): number {
    return this.bySequence.size;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.bySequence.values();
  }
}
