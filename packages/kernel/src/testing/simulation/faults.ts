/**
 * Fault injection for the simulator: port wrappers that make one simulated worker's process
 * die at a chosen port call (inside a transaction, which then rolls back, or right after a
 * commit, before the caller sees the result), make a port call fail with a database error the
 * process survives (a transaction it hits is aborted: it can only roll back), make a commit
 * slow (simulated time passes before the caller hears back), pause its commands between port
 * calls so other workers' commands interleave with them, and make its event sink reject
 * publishes.
 */
import { RatchetError } from "../../errors.js";
import type { EventSink } from "../../ports/event-sink.js";
import type { JobTransport } from "../../ports/job-transport.js";
import type { Persistence, PersistenceTransaction } from "../../ports/persistence/index.js";
import type { Scheduler } from "../../ports/scheduler.js";
import type { StageCommitter } from "../../ports/stage-committer.js";
import type { Prng } from "./prng.js";

/** Thrown by a wrapped port when its simulated process dies; the kernel must not survive it. */
export class SimulatedCrash extends Error {
  /** Where the process died (e.g. `inside tx.updateStage`). */
  readonly where: string;

  /** A crash at `where`. */
  constructor(where: string) {
    super(`[ratchet] [simulation] simulated process death ${where}`);
    this.name = "SimulatedCrash";
    this.where = where;
  }
}

/**
 * Thrown by a wrapped port for a database error the process survives (a dropped connection,
 * a serialization failure): the call did nothing, and a transaction it happened in is aborted
 * — every later call in it fails too, and it cannot commit.
 */
export class SimulatedDatabaseError extends Error {
  /** Like a driver's SQLSTATE: lets code that looks at `code` see a database error. */
  readonly code = "SIMULATED_DB_ERROR";
  /** Marked transient, as an adapter marks an error worth retrying (see `isTransientError`). */
  readonly transient = true;
  /** The port call that failed (e.g. `tx.updateStage`). */
  readonly where: string;

  /** A database error at `where`. */
  constructor(where: string) {
    super(`[ratchet] [simulation] simulated database error at ${where}`);
    this.name = "SimulatedDatabaseError";
    this.where = where;
  }
}

/** Whether `error`, or an error in its `cause` chain, is a {@link SimulatedDatabaseError}. */
export function isSimulatedDatabaseError(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e instanceof SimulatedDatabaseError) return true;
    e = e.cause;
  }
  return false;
}

/** How a crash happened: mid-command (the transaction rolls back) or right after a commit. */
export type CrashKind = "inside" | "after-commit";

/**
 * Pauses the current command at a port call; resolves when the simulator resumes it, or
 * returns `undefined` when it cannot pause now.
 */
export type Parker = () => Promise<void> | undefined;

/** What a {@link WorkerFaults} tells the simulator about the faults it injects. */
export interface FaultListener {
  /** The process died. */
  crashed(kind: CrashKind, where: string): void;
  /** A port call failed with a database error. */
  databaseError(where: string): void;
  /** A commit took `ms` of simulated time (the listener moves the clock). */
  slowCommit(ms: number, where: string): void;
}

/** The state of one transaction: aborted by a database error inside it. */
export interface TransactionState {
  aborted: SimulatedDatabaseError | undefined;
}

/**
 * The fault state of one incarnation of a simulated worker process. Its port wrappers consult
 * it on every call; once it is `dead`, every call throws {@link SimulatedCrash}.
 */
export class WorkerFaults {
  /** Set when the process died; a new incarnation gets new faults. */
  dead = false;
  /** Crash at this many port calls from now (counting down), if set. */
  crashInCalls: number | undefined;
  /** Crash right after the next commit (a transaction, a stage commit or a standalone write). */
  crashAfterNextCommit = false;
  /**
   * Crash right after the first commit this says yes to (asked after every port call that may
   * have committed, with where it was): a crash aimed at one moment, e.g. a child run's end.
   */
  crashAfterCommitIf: ((where: string) => boolean) | undefined;
  /** Fail with a database error at this many port calls from now (counting down), if set. */
  databaseErrorInCalls: number | undefined;
  /** The next transaction or stage commit takes this much simulated time (ms), if set. */
  slowCommitMs: number | undefined;
  /** Pause at this many pausable port calls from now (counting down), if set. */
  pauseInCalls: number | undefined;
  /** Probability that a pausable port call pauses the command. */
  parkRate = 0;
  /**
   * Set while `outbox.flush` publishes runs in parallel (delivering child runs' ends on the
   * way): no branch may pause, or the others would go on while other commands run.
   */
  noPauses = false;
  /** Probability that an event-sink publish rejects. */
  sinkFailureRate = 0;

  /** `listener` is told about every fault this controller injects. */
  constructor(
    private readonly prng: Prng,
    private readonly parker: Parker,
    private readonly listener: FaultListener,
  ) {}

  /** Turns every fault off (the quiescent phase); a dead process stays dead. */
  calm(): void {
    this.crashInCalls = undefined;
    this.crashAfterNextCommit = false;
    this.crashAfterCommitIf = undefined;
    this.databaseErrorInCalls = undefined;
    this.slowCommitMs = undefined;
    this.pauseInCalls = undefined;
    this.parkRate = 0;
    this.sinkFailureRate = 0;
  }

  /**
   * Called before every port call (`tx`: the transaction it is made in); throws when the
   * process is dead or dies now, or (a database call) when the call fails with a database error.
   */
  beforeCall(where: string, tx?: TransactionState, database = true): void {
    if (this.dead) throw new SimulatedCrash(`(already dead) at ${where}`);
    if (tx?.aborted) throw new SimulatedDatabaseError(`${where} (in an aborted transaction)`);
    if (this.crashInCalls !== undefined) {
      this.crashInCalls -= 1;
      if (this.crashInCalls > 0) return;
      this.crashInCalls = undefined;
      this.dead = true;
      this.listener.crashed("inside", where);
      throw new SimulatedCrash(`inside ${where}`);
    }
    if (database && this.databaseErrorInCalls !== undefined) {
      this.databaseErrorInCalls -= 1;
      if (this.databaseErrorInCalls > 0) return;
      this.databaseErrorInCalls = undefined;
      this.listener.databaseError(where);
      const error = new SimulatedDatabaseError(where);
      if (tx) tx.aborted = error;
      throw error;
    }
  }

  /** Called when a transaction or stage commit is done: maybe it took a while. */
  committing(where: string): void {
    if (this.slowCommitMs === undefined || this.dead) return;
    const ms = this.slowCommitMs;
    this.slowCommitMs = undefined;
    this.listener.slowCommit(ms, where);
  }

  /** Called after something committed; throws when the process is set to die now. */
  afterCommit(where: string): void {
    if (this.dead) throw new SimulatedCrash(`(already dead) after ${where}`);
    if (!this.crashAfterNextCommit && !this.crashAfterCommitIf?.(where)) return;
    this.crashAfterNextCommit = false;
    this.crashAfterCommitIf = undefined;
    this.dead = true;
    this.listener.crashed("after-commit", where);
    throw new SimulatedCrash(`after the commit of ${where}`);
  }

  /** Maybe pauses the command before a port call made outside any transaction. */
  maybePark(): Promise<void> | undefined {
    if (this.noPauses) return undefined;
    if (this.pauseInCalls !== undefined) {
      this.pauseInCalls -= 1;
      if (this.pauseInCalls <= 0) {
        this.pauseInCalls = undefined;
        return this.parker();
      }
    }
    return this.prng.chance(this.parkRate) ? this.parker() : undefined;
  }

  /** Whether the next publish should be rejected. */
  sinkFails(): boolean {
    return this.prng.chance(this.sinkFailureRate);
  }
}

type AnyFn = (...args: unknown[]) => unknown;

const isScope = (value: unknown): boolean =>
  typeof value === "object" &&
  value !== null &&
  (value as { isTransactionScope?: unknown }).isTransactionScope === true;

/**
 * A standalone call (no transaction): it may pause first, and the process may die right
 * after it committed.
 */
async function standalone<T>(
  faults: WorkerFaults,
  where: string,
  call: () => Promise<T>,
  kind: "pausable" | "unpausable" | "commit" = "pausable",
): Promise<T> {
  const parked = kind === "unpausable" ? undefined : faults.maybePark();
  if (parked) await parked;
  faults.beforeCall(where);
  const result = await call();
  if (kind === "commit") faults.committing(where);
  faults.afterCommit(where);
  return result;
}

/**
 * A view of a transaction whose every call may be where the process dies or fails with a
 * database error (after which every call fails: the transaction is aborted).
 */
function faultyTransaction(
  faults: WorkerFaults,
  tx: PersistenceTransaction,
  state: TransactionState,
): PersistenceTransaction {
  const view: PersistenceTransaction = new Proxy(tx, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const name = `tx.${String(property)}`;
      if (property === "withTransaction") {
        return (fn: (inner: PersistenceTransaction) => Promise<unknown>) => {
          faults.beforeCall(name, state);
          return target.withTransaction(() => fn(view));
        };
      }
      return (...args: unknown[]) => {
        faults.beforeCall(name, state);
        return (value as AnyFn).apply(target, args);
      };
    },
  });
  return view;
}

/** The transaction state of scopes handed to the kernel, so the job and scheduler ports see aborts. */
const transactionStates = new WeakMap<object, TransactionState>();

/** Options of {@link faultyPersistence}. */
export interface FaultyPersistenceOptions {
  /** The job transport the kernel is given (the wrapper), and the one it wraps. */
  jobTransports: { outer: JobTransport; inner: JobTransport };
  /** Offer the store's own stage committer (else the kernel writes completions in transactions). */
  storeCommitter: boolean;
  /** Counts the transactions open over every worker (the checks read none half-way). */
  transactions?: { open: number };
}

/**
 * Wraps a persistence: a transaction rolls back when the process dies inside it (the wrapper
 * rethrows at its end if the process died, so a kernel that caught the crash cannot commit
 * half a command), and when a database error aborted it (rethrown at its end, so a kernel
 * that caught the error cannot commit what it wrote before or after it).
 */
export function faultyPersistence(
  faults: WorkerFaults,
  inner: Persistence,
  options: FaultyPersistenceOptions,
): Persistence {
  const committer = (): StageCommitter | undefined => {
    if (!options.storeCommitter) return undefined;
    const own = inner.stageCommitter?.(options.jobTransports.inner);
    if (!own) return undefined;
    return {
      commit: (completion) =>
        standalone(faults, "stageCommitter.commit", () => own.commit(completion), "commit"),
    };
  };
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const name = String(property);
      if (property === "stageCommitter") {
        return (jobTransport: JobTransport) =>
          jobTransport === options.jobTransports.outer ? committer() : undefined;
      }
      // No run starter: the simulation's claims go through (faulty) transactions.
      if (property === "runStarter") return () => undefined;
      if (property === "withTransaction") {
        const counter = options.transactions ?? { open: 0 };
        return (fn: (tx: PersistenceTransaction) => Promise<unknown>) =>
          standalone(
            faults,
            "transaction",
            async () => {
              let begun = false;
              try {
                return await target.withTransaction(async (tx) => {
                  begun = true;
                  counter.open++;
                  const state: TransactionState = { aborted: undefined };
                  const view = faultyTransaction(faults, tx, state);
                  transactionStates.set(view, state);
                  const result = await fn(view);
                  // A kernel that swallowed the crash must not commit what it wrote before it.
                  if (faults.dead) throw new SimulatedCrash("(transaction of a dead process)");
                  // Nor commit a transaction a database error aborted.
                  if (state.aborted) throw state.aborted;
                  return result;
                });
              } finally {
                if (begun) counter.open--; // committed or rolled back by now
              }
            },
            "commit",
          );
      }
      // Runs are published in parallel from the claim to the mark: nothing may pause there.
      if (property === "claimOutboxEvents") {
        return async (...args: unknown[]) => {
          const claimed = await standalone(
            faults,
            name,
            () => (value as AnyFn).apply(target, args) as Promise<unknown>,
          );
          faults.noPauses = true;
          return claimed;
        };
      }
      if (property === "markOutboxPublished") faults.noPauses = false;
      // (A run's failure write must never pause: it is in one of those branches.)
      const kind = property === "recordOutboxFailure" ? "unpausable" : "pausable";
      return (...args: unknown[]) =>
        standalone(
          faults,
          name,
          () => (value as AnyFn).apply(target, args) as Promise<unknown>,
          kind,
        );
    },
  });
}

/**
 * Wraps a job transport or scheduler: calls in a transaction may crash or fail (aborting it),
 * standalone ones may also pause.
 */
export function faultyPort<T extends JobTransport | Scheduler>(
  faults: WorkerFaults,
  inner: T,
  label: string,
): T {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const name = `${label}.${String(property)}`;
      return (...args: unknown[]) => {
        const scope = args.find(isScope);
        if (scope !== undefined) {
          faults.beforeCall(name, transactionStates.get(scope as object));
          return (value as AnyFn).apply(target, args);
        }
        return standalone(
          faults,
          name,
          () => (value as AnyFn).apply(target, args) as Promise<unknown>,
        );
      };
    },
  });
}

/** Wraps an event sink: publishes may reject (a broker outage) or die with their process */
export function faultySink(faults: WorkerFaults, inner: EventSink): EventSink {
  return {
    emit: async (event) => {
      faults.beforeCall("eventSink.emit", undefined, false);
      if (faults.sinkFails()) {
        throw new RatchetError(
          "SIMULATED_SINK_FAILURE",
          `[ratchet] [simulation] the event sink rejected ${event.type} #${event.sequence}`,
        );
      }
      await inner.emit(event);
    },
  };
}
