/**
 * The in-memory store: every table of the in-memory adapters (runs, stages with inline
 * outputs, logs, outbox, idempotency keys, signals and signal waits, cron schedules, jobs,
 * scheduled commands), their indexes, and real transactions.
 *
 * Concurrency model: one async mutex stands in for the database's locks. A transaction holds
 * it from start to commit or rollback; every operation outside a transaction takes it too.
 * So nothing ever reads uncommitted data (a job enqueued in an open transaction cannot be
 * dequeued before the transaction commits), and operations inside a transaction run through
 * it without taking the mutex again.
 *
 * Caution: code running inside a transaction must use the transaction (or pass it as the
 * scope), never the store's non-transactional adapters: those wait for the mutex the
 * transaction holds, which is never released.
 */
import { RatchetError } from "../errors.js";
import type { BreakerRecord } from "../ports/persistence/breakers.js";
import type { StartRateState } from "../ports/persistence/flow-limits.js";
import type { SignalMatch } from "../ports/persistence/signals.js";
import type { TransactionScope } from "../ports/transaction.js";
import type {
  JobRecord,
  JsonValue,
  LogRecord,
  OutboxRecord,
  RunRecord,
  ScheduledCommand,
  ScheduleRecord,
  SignalRecord,
  SignalWaitRecord,
  StageRecord,
} from "../records.js";
import { FreshKeyTable } from "./fresh-key-table.js";
import { AsyncMutex } from "./mutex.js";
import { type KeysByGroup, PairIndex } from "./pair-index.js";
import { InMemoryRunEnds } from "./run-ends.js";
import { RunOutboxIndex, type UnpublishedByRun } from "./run-outbox-index.js";
import { compareIds } from "./select.js";
import { FilterIndex, GroupIndex, OrderedIndex, StoreTransaction, Table } from "./table.js";

/** A stored stage: the record, its inline output, and its insertion order. */
export interface StageRow extends StageRecord {
  /** Inline output; `undefined` when the stage has none. */
  output: JsonValue | undefined;
  seq: number;
}

/** A stored log line with its insertion order. */
export interface LogRow extends LogRecord {
  seq: number;
}

/** A stored outbox event with its insertion order. */
export interface OutboxRow extends OutboxRecord {
  seq: number;
}

/** A stored idempotency key. */
export interface IdempotencyRow {
  key: string;
  commandType: string;
  status: "in_progress" | "completed";
  result: JsonValue | null;
  /** When it was first acquired (`null` when completed without an acquire). */
  createdAt: Date | null;
}

/** A stored job with its insertion order (the FIFO tie-break). */
export interface JobRow extends JobRecord {
  seq: number;
  /** The job's place in the dequeue order among its priority (`jobOrderAt`, set at enqueue). */
  orderAt: Date;
}

/** A stored scheduled command with its lease and insertion order. */
export interface ScheduledRow extends ScheduledCommand {
  leasedBy: string | null;
  leaseUntil: Date | null;
  seq: number;
}

/** Key of an idempotency key by command type and key. */
export function idempotencyKey(key: string, commandType: string): string {
  return `${commandType}\u0000${key}`;
}

/**
 * The group of signals and waits a {@link SignalMatch} selects: a run's own (by run id and name)
 * or a key's (by name and key). JSON, so no run id, name or key can run into the next one.
 */
export function signalMatchGroup(match: SignalMatch): string {
  return "runId" in match
    ? JSON.stringify(["run", match.runId, match.name])
    : JSON.stringify(["key", match.name, match.matchKey]);
}

/**
 * The {@link signalMatchGroup} a signal or wait belongs to: its key's when it has a key, else
 * its run's; `null` (no group: nothing matches it) for a signal with neither.
 */
export function signalGroupOf(row: {
  runId: string | null;
  name: string;
  matchKey: string | null;
}): string | null {
  if (row.matchKey !== null) return signalMatchGroup({ name: row.name, matchKey: row.matchKey });
  return row.runId === null ? null : signalMatchGroup({ runId: row.runId, name: row.name });
}

/** Order in which pending runs are claimed: highest priority, then oldest, then by id. */
export function claimOrder(a: RunRecord, b: RunRecord): number {
  return (
    b.priority - a.priority ||
    a.createdAt.getTime() - b.createdAt.getTime() ||
    compareIds(a.id, b.id)
  );
}

/** Order in which pending jobs are dequeued: highest priority, then oldest run (`orderAt`), then first enqueued. */
export function dequeueOrder(a: JobRow, b: JobRow): number {
  return b.priority - a.priority || a.orderAt.getTime() - b.orderAt.getTime() || a.seq - b.seq;
}

/** Error for an insert whose primary or unique key is taken. */
export function duplicateKeyError(what: string, key: string): RatchetError {
  return new RatchetError("DUPLICATE_KEY", `[ratchet] [in-memory] ${what} "${key}" already exists`);
}

/**
 * Every table of the in-memory adapters, shared by the persistence, job transport and
 * scheduler created over it. Create one per test (or per kernel) with `new InMemoryStore()`.
 */
export class InMemoryStore {
  /** `PENDING` runs in claim order. */
  readonly pendingRuns = new OrderedIndex<RunRecord>(
    ["status", "priority", "createdAt", "id"],
    (run) => run.status === "PENDING",
    claimOrder,
  );
  /** Runs each transaction ended, told to subscribers after it commits (`RunEndSource`). */
  readonly runEnds = new InMemoryRunEnds();
  /** Runs by id. */
  readonly runs = new Table<RunRecord>([this.pendingRuns, this.runEnds]);

  /** Stage row id by run id and stage id. */
  readonly stageByName = new PairIndex<StageRow, string>(
    (stage) => stage.runId,
    (stage) => stage.stageId,
    (a, b) => a.runId === b.runId && a.stageId === b.stageId,
  );
  /** Stage row ids by run id: the run's entries of {@link stageByName}. */
  readonly stagesByRun: KeysByGroup = this.stageByName;
  /** `SUSPENDED` stage row ids. */
  readonly suspendedStages = new FilterIndex<StageRow>(
    ["status"],
    (stage) => stage.status === "SUSPENDED",
  );
  /** Stages by row id. */
  readonly stages = new Table<StageRow>([this.stageByName, this.suspendedStages]);

  /** Log ids by run id. */
  readonly logsByRun = new GroupIndex<LogRow>(["runId"], (log) => log.runId);
  /** Logs by id. */
  readonly logs = new Table<LogRow>([this.logsByRun]);

  /**
   * Event id by run id and sequence, with each run's count of events neither published nor
   * dead-lettered: one entry per run (see `run-outbox-index.ts`).
   */
  readonly outboxBySequence: RunOutboxIndex = new RunOutboxIndex((id) => this.outbox.get(id));
  /** Ids of events neither published nor dead-lettered, by run id. */
  readonly unpublishedOutboxByRun: UnpublishedByRun = this.outboxBySequence.unpublished;
  /** Ids of dead-lettered, unpublished events. */
  readonly deadLetters = new FilterIndex<OutboxRow>(
    ["publishedAt", "dlqAt"],
    (event) => event.publishedAt === null && event.dlqAt !== null,
  );
  /** Outbox event ids by run id: the run's entries of {@link outboxBySequence}. */
  readonly outboxByRun: KeysByGroup = this.outboxBySequence;
  /** Outbox events by id (new ones wait outside its map until it is read: see the class). */
  readonly outbox: FreshKeyTable<OutboxRow> = new FreshKeyTable<OutboxRow>([
    this.deadLetters,
    this.outboxBySequence,
  ]);

  /** Idempotency keys by {@link idempotencyKey}. */
  readonly idempotencyKeys = new Table<IdempotencyRow>();

  /** Start-rate state (`ClaimPendingOptions.rates`) by concurrency key. */
  readonly startRates = new Table<StartRateState>();

  /** Ids of unconsumed (buffered) signals by {@link signalGroupOf}. */
  readonly bufferedSignals = new GroupIndex<SignalRecord>(
    ["runId", "name", "matchKey", "consumedAt"],
    (signal) => (signal.consumedAt === null ? signalGroupOf(signal) : null),
  );
  /** Signals by id. */
  readonly signals = new Table<SignalRecord>([this.bufferedSignals]);

  /** Stage record ids of waits by {@link signalGroupOf}. */
  readonly signalWaitsByMatch = new GroupIndex<SignalWaitRecord>(
    ["runId", "name", "matchKey"],
    signalGroupOf,
  );
  /** Stage record ids of waits by run id. */
  readonly signalWaitsByRun = new GroupIndex<SignalWaitRecord>(["runId"], (wait) => wait.runId);
  /** Stage record ids of waits by kind. */
  readonly signalWaitsByKind = new GroupIndex<SignalWaitRecord>(["kind"], (wait) => wait.kind);
  /** Signal waits by stage record id. */
  readonly signalWaits = new Table<SignalWaitRecord>([
    this.signalWaitsByMatch,
    this.signalWaitsByRun,
    this.signalWaitsByKind,
  ]);

  /** Job ids by run id. */
  readonly jobsByRun = new GroupIndex<JobRow>(["workflowRunId"], (job) => job.workflowRunId);
  /** `PENDING` jobs in dequeue order. */
  readonly pendingJobs = new OrderedIndex<JobRow>(
    ["status", "priority", "orderAt", "seq"],
    (job) => job.status === "PENDING",
    dequeueOrder,
  );
  /** `RUNNING` job ids. */
  readonly runningJobs = new FilterIndex<JobRow>(["status"], (job) => job.status === "RUNNING");
  /** Jobs by id. */
  readonly jobs = new Table<JobRow>([this.jobsByRun, this.pendingJobs, this.runningJobs]);

  /** Scheduled command id by type and correlation id. */
  readonly scheduledByKey = new PairIndex<ScheduledRow, string>(
    (row) => row.type,
    (row) => row.correlationId,
    (a, b) => a.type === b.type && a.correlationId === b.correlationId,
  );
  /** Scheduled commands by id. */
  readonly scheduled = new Table<ScheduledRow>([this.scheduledByKey]);

  /** Cron schedules by id. */
  readonly schedules = new Table<ScheduleRecord>();

  /** Circuit breakers by name. */
  readonly breakers = new Table<BreakerRecord>();

  private readonly mutex = new AsyncMutex();
  /** Job transports over this store (their jobs live here: a stage committer may write them). */
  private readonly jobTransports = new WeakSet<object>();
  /**
   * The property under which a transaction scope of this store holds its transaction: a
   * symbol of this store's own, so no other object (or other store's scope) carries it. A
   * property read is cheaper than a `WeakMap`, which also costs the collector extra work.
   */
  private readonly scopeKey: symbol = Symbol("ratchet.in-memory.transaction");
  private seq = 0;

  /** A number larger than every earlier one: insertion order for tie-breaks. */
  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /**
   * Runs a synchronous operation: inside `tx` when given (undoing its own writes if it throws,
   * like a failed SQL statement), otherwise as its own transaction under the mutex.
   *
   * Without `tx`, an operation that finds the mutex free runs at once: it is synchronous, so
   * nothing can interleave with it, and it needs neither the lock nor an extra microtask.
   */
  execute<T>(tx: StoreTransaction | undefined, operation: (tx: StoreTransaction) => T): Promise<T> {
    if (tx !== undefined) {
      const mark = tx.mark();
      try {
        tx.assertOpen();
        return Promise.resolve(operation(tx));
      } catch (error) {
        if (tx.isOpen) tx.rollbackTo(mark);
        return Promise.reject(error);
      }
    }
    if (this.mutex.isLocked) return this.transaction(operation);
    const own = new StoreTransaction();
    try {
      const result = operation(own);
      own.commit();
      this.runEnds.committed();
      return Promise.resolve(result);
    } catch (error) {
      own.rollback();
      this.runEnds.rolledBack();
      return Promise.reject(error);
    }
  }

  /**
   * Runs `fn` in a new transaction holding the mutex: commits when it resolves, rolls back
   * every write and rethrows when it throws. When the mutex is free, `fn` starts at once.
   */
  transaction<T>(fn: (tx: StoreTransaction) => T | Promise<T>): Promise<T> {
    if (this.mutex.tryLock()) return this.runLocked(fn);
    return this.mutex.lock().then(() => this.runLocked(fn));
  }

  /** Runs `fn` in a new transaction; the caller holds the mutex, which this releases. */
  private async runLocked<T>(fn: (tx: StoreTransaction) => T | Promise<T>): Promise<T> {
    const tx = new StoreTransaction();
    let committed = false;
    try {
      const result = await fn(tx);
      tx.commit();
      committed = true;
      return result;
    } catch (error) {
      tx.rollback();
      this.runEnds.rolledBack();
      throw error;
    } finally {
      this.mutex.unlock();
      if (committed) this.runEnds.committed();
    }
  }

  /** Marks `transport` as one whose jobs live in this store; returns it. */
  ownJobTransport<T extends object>(transport: T): T {
    this.jobTransports.add(transport);
    return transport;
  }

  /** Whether `transport`'s jobs live in this store. */
  ownsJobTransport(transport: object): boolean {
    return this.jobTransports.has(transport);
  }

  /** Makes `scope` stand for `tx`, so adapters handed the scope write through `tx`. */
  registerScope(scope: TransactionScope, tx: StoreTransaction): void {
    (scope as unknown as Record<symbol, StoreTransaction>)[this.scopeKey] = tx;
  }

  /** The transaction `scope` stands for, or `undefined` when it is not one of this store's. */
  transactionOf(scope: TransactionScope | undefined): StoreTransaction | undefined {
    if (typeof scope !== "object" || scope === null) return undefined;
    const tx = (scope as unknown as Record<symbol, unknown>)[this.scopeKey];
    return tx instanceof StoreTransaction ? tx : undefined;
  }
}
