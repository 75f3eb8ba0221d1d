/**
 * Fault injection for the simulator: port wrappers that make one simulated worker's process
 * die at a chosen port call (inside a transaction, which then rolls back, or right after a
 * commit, before the caller sees the result), pause its commands between port calls so other
 * workers' commands interleave with them, and make its event sink reject publishes.
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

/** How a crash happened: mid-command (the transaction rolls back) or right after a commit. */
export type CrashKind = "inside" | "after-commit";

/**
 * Pauses the current command at a port call; resolves when the simulator resumes it, or
 * returns `undefined` when it cannot pause now.
 */
export type Parker = () => Promise<void> | undefined;

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
  /** Probability that a pausable port call pauses the command. */
  parkRate = 0;
  /** Probability that an event-sink publish rejects. */
  sinkFailureRate = 0;

  /** `onCrash` is told about every crash this controller causes. */
  constructor(
    private readonly prng: Prng,
    private readonly parker: Parker,
    private readonly onCrash: (kind: CrashKind, where: string) => void,
  ) {}

  /** Turns every fault off (the quiescent phase); a dead process stays dead. */
  calm(): void {
    this.crashInCalls = undefined;
    this.crashAfterNextCommit = false;
    this.parkRate = 0;
    this.sinkFailureRate = 0;
  }

  /** Called before every port call; throws when the process is dead or dies now. */
  beforeCall(where: string): void {
    if (this.dead) throw new SimulatedCrash(`(already dead) at ${where}`);
    if (this.crashInCalls === undefined) return;
    this.crashInCalls -= 1;
    if (this.crashInCalls > 0) return;
    this.crashInCalls = undefined;
    this.dead = true;
    this.onCrash("inside", where);
    throw new SimulatedCrash(`inside ${where}`);
  }

  /** Called after something committed; throws when the process is set to die now. */
  afterCommit(where: string): void {
    if (this.dead) throw new SimulatedCrash(`(already dead) after ${where}`);
    if (!this.crashAfterNextCommit) return;
    this.crashAfterNextCommit = false;
    this.dead = true;
    this.onCrash("after-commit", where);
    throw new SimulatedCrash(`after the commit of ${where}`);
  }

  /** Maybe pauses the command before a port call made outside any transaction. */
  maybePark(): Promise<void> | undefined {
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
  pausable = true,
): Promise<T> {
  const parked = pausable ? faults.maybePark() : undefined;
  if (parked) await parked;
  faults.beforeCall(where);
  const result = await call();
  faults.afterCommit(where);
  return result;
}

/** A view of a transaction whose every call may be where the process dies. */
function faultyTransaction(
  faults: WorkerFaults,
  tx: PersistenceTransaction,
): PersistenceTransaction {
  const view: PersistenceTransaction = new Proxy(tx, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const name = `tx.${String(property)}`;
      if (property === "withTransaction") {
        return (fn: (inner: PersistenceTransaction) => Promise<unknown>) => {
          faults.beforeCall(name);
          return target.withTransaction(() => fn(view));
        };
      }
      return (...args: unknown[]) => {
        faults.beforeCall(name);
        return (value as AnyFn).apply(target, args);
      };
    },
  });
  return view;
}

/** Options of {@link faultyPersistence}. */
export interface FaultyPersistenceOptions {
  /** The job transport the kernel is given (the wrapper), and the one it wraps. */
  jobTransports: { outer: JobTransport; inner: JobTransport };
  /** Offer the store's own stage committer (else the kernel writes completions in transactions). */
  storeCommitter: boolean;
}

/**
 * Wraps a persistence: a transaction rolls back when the process dies inside it (the wrapper
 * rethrows at its end if the process died, so a kernel that caught the crash cannot commit
 * half a command).
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
        standalone(faults, "stageCommitter.commit", () => own.commit(completion)),
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
      if (property === "withTransaction") {
        return (fn: (tx: PersistenceTransaction) => Promise<unknown>) =>
          standalone(faults, "transaction", () =>
            target.withTransaction(async (tx) => {
              const result = await fn(faultyTransaction(faults, tx));
              // A kernel that swallowed the crash must not commit what it wrote before it.
              if (faults.dead) throw new SimulatedCrash("(transaction of a dead process)");
              return result;
            }),
          );
      }
      // Publishing goes on in parallel per run: its failure write must not pause, or a pause
      // could not be told apart from the command's other branch.
      const pausable = property !== "recordOutboxFailure";
      return (...args: unknown[]) =>
        standalone(
          faults,
          name,
          () => (value as AnyFn).apply(target, args) as Promise<unknown>,
          pausable,
        );
    },
  });
}

/** Wraps a job transport or scheduler: calls in a transaction may crash, standalone ones may also pause. */
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
        if (args.some(isScope)) {
          faults.beforeCall(name);
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
      faults.beforeCall("eventSink.emit");
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
