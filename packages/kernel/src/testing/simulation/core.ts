/**
 * The simulation's shared state and its machinery: the simulated worker processes (spawned
 * with fault-injecting ports and clocks of their own, crashed and restarted), the ledger of
 * job deliveries, the work's model, and the invariant checks and trace.
 */
import { createRegistry } from "../../dsl/registry.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import { RatchetError } from "../../errors.js";
import { createInMemoryStack, type InMemoryStore } from "../../in-memory/index.js";
import { createKernel, type Kernel } from "../../kernel.js";
import type { BlobStore } from "../../ports/blob-store.js";
import type { JobTransport } from "../../ports/job-transport.js";
import type { DequeuedJob } from "../../records.js";
import { CollectingEventSink } from "../collecting-event-sink.js";
import { FakeClock } from "../fake-clock.js";
import { SkewedClock } from "./clocks.js";
import { type Delivery, ExecutionLedger } from "./executions.js";
import { SimulationFailure } from "./failure.js";
import {
  type CrashKind,
  type FaultListener,
  faultyPersistence,
  faultyPort,
  faultySink,
  WorkerFaults,
} from "./faults.js";
import { InvariantChecker, type InvariantName, type InvariantViolation } from "./invariants.js";
import { simulationModel } from "./model.js";
import {
  DEFAULT_SIMULATION_FAULTS,
  defaultReproducer,
  emptySimulationResult,
  type SimulationEnv,
  type SimulationFaults,
  type SimulationOptions,
  type SimulationPorts,
  type SimulationResult,
} from "./options.js";
import { createPrng, type Prng } from "./prng.js";
import { checkScheduleSlots, newScheduledRuns } from "./schedules.js";
import { SignalLog } from "./signal-log.js";
import { type StageExecution, simulationWorkflows } from "./workflows.js";

/** One incarnation of a simulated worker process, in its slot. */
export interface Worker {
  /** Its place in the worker list (a restarted process takes the same slot). */
  slot: number;
  /** `w<slot>-<incarnation>`, the worker id its commands use. */
  id: string;
  /** The fault state its ports consult. */
  faults: WorkerFaults;
  /** Its host's clock (the shared time plus the host's skew; a restart keeps the host's). */
  clock: SkewedClock;
  /** Its kernel, over the fault-injecting ports. */
  kernel: Kernel;
  /** Its fault-injecting job transport. */
  jobTransport: JobTransport;
  /** Jobs dequeued but not yet executed. */
  held: DequeuedJob[];
}

/** How a task ended: it returned, or it threw `error`. */
export type TaskOutcome = { ok: true } | { ok: false; error: unknown };

/** A command of one worker, which may pause at a port call and resume later. */
export interface Task {
  /** The worker running it. */
  worker: Worker;
  /** What the trace calls it. */
  label: string;
  /** Jobs the task is executing (a host heartbeats them). */
  jobIds: Set<string>;
  /** The deliveries it is executing, innermost last. */
  deliveries: Delivery[];
  /** Resumes the port calls it is paused at. */
  releases: Array<() => void>;
  /** Settles when the task ends. */
  done: Promise<TaskOutcome>;
  /** How it ended, once it has. */
  outcome: TaskOutcome | undefined;
}

/**
 * The state of one simulation and what every phase of it uses: its worker processes, the
 * invariant checks and the trace. `SimulationTasks` runs commands on it, `SimulationActions`
 * picks them, and `Simulation` builds both phases on those.
 */
export abstract class SimulationCore {
  private readonly seed: number;
  /** The generator every random choice of the simulation draws from, in order. */
  protected readonly prng: Prng;
  /** The fault rates (the defaults under the given ones). */
  protected readonly faultRates: SimulationFaults;
  /** False when the options turned every fault off. */
  protected readonly faultsOn: boolean;
  /** The clock every worker shares. */
  protected readonly clock = new FakeClock();
  /** The events published so far (the sink under the faulty ones). */
  protected readonly events = new CollectingEventSink();
  /** Stage executions the stages recorded. */
  protected readonly executions: StageExecution[] = [];
  /** The signals sent (`run.signal`) and what they came to. */
  protected readonly signalLog = new SignalLog();
  /** Transactions open over every worker (the checks wait for none to be). */
  protected readonly transactions = { open: 0 };
  /** The shared in-memory store. */
  protected readonly store: InMemoryStore;
  private readonly blobStore: BlobStore;
  private readonly inner: SimulationPorts;
  private readonly storeCommitter: boolean;
  private readonly partialRegistries: boolean;
  /** The workflows, as written (what the checks judge the work by). */
  protected readonly workflows: readonly AnyWorkflow[];
  /** The workflows the workers register (`wrapWorkflows` of them, if given). */
  private readonly registered: readonly AnyWorkflow[];
  /** Each host's clock, by slot. */
  private readonly clocks: SkewedClock[] = [];
  /** The deliveries being executed. */
  protected readonly ledger: ExecutionLedger;
  /** A violation found inside a command (a stage body), reported after the step. */
  protected pending: InvariantViolation | undefined;
  /** The live worker process of every slot. */
  protected readonly workers: Worker[] = [];
  /** Checks the invariants over the store and the events. */
  protected readonly checker: InvariantChecker;
  /** The runs created. */
  protected readonly runIds: string[] = [];
  /** {@link runIds} as a set. */
  private readonly knownRuns = new Set<string>();
  /** Tasks paused at a port call, waiting to be resumed. */
  protected readonly paused: Task[] = [];
  /** Recent deliveries, to execute again as stale ones. */
  protected readonly deliveries: DequeuedJob[] = [];
  private readonly trace: string[] = [];
  private readonly traceSize: number;
  private readonly kernelRandom: Prng;
  private incarnations = 0;
  private ids = 0;
  /** The current step (fault steps, then quiescent rounds). */
  protected step = 0;
  /** Faults are injected only in the `faults` phase. */
  protected phase: "faults" | "quiescent" = "faults";
  /** The counts `run` resolves with. */
  protected readonly result: SimulationResult;

  /** Sets up the store, ports, workflows and checker of `options` (no worker yet). */
  constructor(protected readonly options: SimulationOptions) {
    this.seed = options.seed;
    this.prng = createPrng(options.seed);
    this.kernelRandom = this.prng.fork();
    this.faultsOn = options.faults !== false;
    this.faultRates = {
      ...DEFAULT_SIMULATION_FAULTS,
      ...(options.faults === false ? {} : options.faults),
    };
    this.traceSize = options.traceSize ?? 20;
    const stack = createInMemoryStack();
    this.store = stack.store;
    this.blobStore = stack.blobStore;
    const ports: SimulationPorts = {
      persistence: stack.persistence,
      jobTransport: stack.jobTransport,
      scheduler: stack.scheduler,
    };
    this.inner = options.wrapPorts ? options.wrapPorts(ports, stack.store) : ports;
    this.storeCommitter = options.storeCommitter ?? this.prng.chance(0.5);
    // Decided without the PRNG, so a seed replays the same actions either way.
    this.partialRegistries = options.partialRegistries ?? options.seed % 2 === 1;
    const env: SimulationEnv = {
      seed: this.seed,
      clock: this.clock,
      prng: this.prng.fork(),
      executions: this.executions,
    };
    const given = options.workflows;
    this.workflows =
      typeof given === "function"
        ? given(env)
        : (given ??
          simulationWorkflows({ seed: this.seed, clock: this.clock, executions: this.executions }));
    this.registered = options.wrapWorkflows?.(this.workflows) ?? this.workflows;
    const model =
      options.model ??
      (given === undefined
        ? simulationModel({ seed: this.seed, signals: this.signalLog })
        : undefined);
    this.checker = new InvariantChecker({
      store: this.store,
      events: this.events,
      workflows: new Map(this.workflows.map((w) => [w.id, w])),
      executions: this.executions,
      signals: this.signalLog,
      ...(model ? { model } : {}),
    });
    this.ledger = new ExecutionLedger(this.store);
    // Every stage execution is matched with the delivery it ran for, as it happens.
    this.executions.push = (...items: StageExecution[]): number => {
      for (const item of items) this.bodyRan(item);
      return Array.prototype.push.apply(this.executions, items);
    };
    this.result = emptySimulationResult(this.seed);
    this.events.failWhen(null);
  }

  // ---- workers ----------------------------------------------------------------------------

  /** Starts a new incarnation of the worker process in `slot`, with fresh faults. */
  protected spawn(slot: number): Worker {
    this.incarnations += 1;
    const id = `w${slot}-${this.incarnations}`;
    const listener: FaultListener = {
      crashed: (kind, where) => this.crashed(id, kind, where),
      databaseError: (where) => {
        this.result.faults.databaseErrors++;
        this.note(`${id} DATABASE ERROR at ${where}`);
      },
      slowCommit: (ms, where) => {
        this.result.faults.slowCommits++;
        this.clock.advance(ms);
        this.note(`${id} slow ${where}: +${ms} ms`);
      },
    };
    const faults = new WorkerFaults(this.prng.fork(), () => this.pause(), listener);
    let clock = this.clocks[slot];
    if (!clock) {
      clock = new SkewedClock(this.clock);
      this.clocks[slot] = clock;
    }
    if (this.faultsOn && this.phase === "faults") {
      faults.parkRate = this.faultRates.pause;
      faults.sinkFailureRate = this.faultRates.sinkFailure;
    }
    const jobTransport = faultyPort(faults, this.inner.jobTransport, "jobs");
    const persistence = faultyPersistence(faults, this.inner.persistence, {
      jobTransports: { outer: jobTransport, inner: this.inner.jobTransport },
      storeCommitter: this.storeCommitter,
      transactions: this.transactions,
    });
    const sink = faultySink(faults, this.events);
    const kernel = (this.options.createKernel ?? createKernel)({
      persistence,
      jobTransport,
      scheduler: faultyPort(faults, this.inner.scheduler, "scheduler"),
      blobStore: this.blobStore,
      eventSink: {
        emit: async (event) => {
          try {
            await sink.emit(event);
          } catch (error) {
            if (error instanceof RatchetError) this.result.faults.sinkFailures++;
            throw error;
          }
        },
      },
      clock,
      registry: createRegistry(this.workflowsOf(slot, this.registered)),
      ...(this.options.kernelOptions ? { options: this.options.kernelOptions } : {}),
      newId: () => {
        this.ids += 1;
        return `s${String(this.ids).padStart(7, "0")}`;
      },
      random: () => this.kernelRandom.next(),
    });
    return { slot, id, faults, clock, kernel, jobTransport, held: [] };
  }

  /**
   * The workflows the worker in `slot` registers: all of them, or (with partial registries and
   * more than one worker and workflow) all but workflow `slot mod n` — every workflow keeps a
   * worker, since only one slot in n lacks each.
   */
  protected workflowsOf(
    slot: number,
    workflows: readonly AnyWorkflow[] = this.workflows,
  ): readonly AnyWorkflow[] {
    const count = Math.max(1, this.options.workers ?? 3);
    const n = workflows.length;
    if (!this.partialRegistries || count < 2 || n < 2) return workflows;
    const lacking = slot % n;
    // A worker that runs a parent runs its children (it creates their runs): a workflow some
    // other one starts as a child is never left out.
    const dropped = workflows[lacking]?.id;
    if (workflows.some((w) => w.groups.some((g) => g.some((s) => s.childWorkflowId === dropped))))
      return workflows;
    // A workflow whose only worker would lack it stays registered there.
    const others = Array.from({ length: count }, (_, s) => s).filter((s) => s !== slot);
    if (!others.some((s) => s % n !== lacking)) return workflows;
    return workflows.filter((_, i) => i !== lacking);
  }

  /**
   * Pauses the running task at a port call: resolves when it is resumed, or `undefined` when
   * it cannot pause now.
   */
  protected abstract pause(): Promise<void> | undefined;

  /** A stage body recorded an execution (matched with the delivery it ran for). */
  protected abstract bodyRan(execution: StageExecution): void;

  private crashed(workerId: string, kind: CrashKind, where: string): void {
    if (kind === "inside") this.result.faults.crashesInside++;
    else this.result.faults.crashesAfterCommit++;
    this.note(`${workerId} CRASH ${kind} ${where}`);
  }

  /** The process of `worker` is gone: its paused commands never resume; a new one starts. */
  protected restart(worker: Worker): void {
    worker.faults.dead = true;
    this.ledger.endWorker(worker.id);
    if (this.workers[worker.slot] !== worker) return;
    for (let i = this.paused.length - 1; i >= 0; i--) {
      if (this.paused[i]?.worker === worker) this.paused.splice(i, 1);
    }
    const next = this.spawn(worker.slot);
    this.workers[worker.slot] = next;
    this.note(`${worker.id} restarted as ${next.id} (held ${worker.held.length} job(s))`);
  }

  // ---- checking and tracing --------------------------------------------------------------

  /** Checks every invariant now; fails the simulation on the first broken one. */
  protected verify(): void {
    if (this.pending) this.fail(this.pending.invariant, this.pending.detail);
    this.ledger.refresh();
    // Runs the schedules started are runs of the simulation too, checked like the others.
    for (const id of newScheduledRuns(this.store, this.knownRuns)) this.runIds.push(id);
    for (const id of this.runIds) this.knownRuns.add(id);
    const slots = checkScheduleSlots(this.store);
    if (slots) this.fail(slots.invariant, slots.detail);
    const broken = this.checker.check(this.runIds);
    if (broken) this.fail(broken.invariant, broken.detail);
  }

  /** Adds a line to the trace a failure shows (only the last `traceSize` are kept). */
  protected note(text: string): void {
    this.trace.push(`#${this.step} ${text}`);
    if (this.trace.length > this.traceSize) this.trace.shift();
  }

  /** Throws the {@link SimulationFailure} of `invariant`, with the step, trace and reproducer. */
  protected fail(invariant: InvariantName, detail: string): never {
    throw new SimulationFailure({
      seed: this.seed,
      invariant,
      detail,
      step: this.step,
      reproducer: this.options.reproduce?.(this.seed) ?? defaultReproducer(this.options),
      trace: [...this.trace],
    });
  }
}
