/**
 * `simulate`: a seeded, deterministic simulation of several worker processes running the
 * kernel over one in-memory store. It interleaves their commands, injects faults (crashes
 * between and inside commands, crashes after a commit, paused commands, duplicate and stale
 * deliveries, lease expiry, clock jumps, event-sink outages, cancellations), checks the
 * invariants after every step, then stops the faults and drives every run to its end.
 */
import { createRegistry } from "../../dsl/registry.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import { RatchetError } from "../../errors.js";
import type { KernelOptions } from "../../internal/deps.js";
import { createKernel, type Kernel } from "../../kernel.js";
import type { BlobStore } from "../../ports/blob-store.js";
import type { JobTransport } from "../../ports/job-transport.js";
import type { Persistence } from "../../ports/persistence.js";
import type { Scheduler } from "../../ports/scheduler.js";
import { type DequeuedJob, isTerminalRunStatus } from "../../records.js";
import { CollectingEventSink } from "../collecting-event-sink.js";
import { FakeClock } from "../fake-clock.js";
import { createInMemoryStack, type InMemoryStore } from "../in-memory/index.js";
import { SimulationFailure } from "./failure.js";
import {
  type CrashKind,
  faultyPersistence,
  faultyPort,
  faultySink,
  SimulatedCrash,
  WorkerFaults,
} from "./faults.js";
import { InvariantChecker, type InvariantName } from "./invariants.js";
import { createPrng, type Prng } from "./prng.js";
import { type StageExecution, simulationWorkflows } from "./workflows.js";

/** Fault rates; each is a probability (0 turns the fault off). */
export interface SimulationFaults {
  /** Per step: a worker process dies between commands (its leased jobs must expire). */
  crashBetween: number;
  /** Per command: the worker dies at a random port call inside it (its transaction rolls back). */
  crashInside: number;
  /** Per command: the worker dies right after a commit, before it sees the result. */
  crashAfterCommit: number;
  /** Per port call outside a transaction: the command pauses, so others run in between. */
  pause: number;
  /** Per executed job: the same delivery is executed again at once. */
  duplicate: number;
  /** Per step: an old delivery (maybe long re-leased to another worker) is executed again. */
  staleDelivery: number;
  /** Per step: the clock jumps (up to minutes, past leases and back-offs). */
  clockJump: number;
  /** Per publish: the event sink rejects the event. */
  sinkFailure: number;
  /** Per step: a random unfinished run is cancelled. */
  cancel: number;
}

/** The fault rates `simulate` uses by default. */
export const DEFAULT_SIMULATION_FAULTS: Readonly<SimulationFaults> = Object.freeze({
  crashBetween: 0.02,
  crashInside: 0.04,
  crashAfterCommit: 0.03,
  pause: 0.06,
  duplicate: 0.1,
  staleDelivery: 0.04,
  clockJump: 0.08,
  sinkFailure: 0.05,
  cancel: 0.01,
});

/** A run to create: a registered workflow and its input. */
export interface SimulationRunSpec {
  workflowId: string;
  input: unknown;
}

/** What a `workflows` factory gets, to build deterministic stages. */
export interface SimulationEnv {
  seed: number;
  /** The simulation's clock (all workers share it). */
  clock: FakeClock;
  /** A generator of its own, for the factory to use. */
  prng: Prng;
  /** Stages may record their executions here; `SimulationResult.executions` counts them. */
  executions: StageExecution[];
}

/** The shared ports a simulation runs on (before fault injection). */
export interface SimulationPorts {
  persistence: Persistence;
  jobTransport: JobTransport;
  scheduler: Scheduler;
}

/** Options of {@link simulate}. */
export interface SimulationOptions {
  /** The seed: the same options and seed replay the same simulation exactly. */
  seed: number;
  /**
   * The workflows to run, or a factory of them (stages must be deterministic: decide failures
   * with `hashUnit(seed, ctx.workflowRunId, ctx.stageId, ctx.attempt)`, never `Math.random`).
   * Default: {@link simulationWorkflows}.
   */
  workflows?: readonly AnyWorkflow[] | ((env: SimulationEnv) => readonly AnyWorkflow[]);
  /** Runs to create: a number (of random workflows and {@link SimulationOptions.input}) or a list. Default 6. */
  runs?: number | readonly SimulationRunSpec[];
  /** The input of the `index`-th run when `runs` is a number (default `{ n: index }`). */
  input?: (workflowId: string, index: number, prng: Prng) => unknown;
  /** Simulated worker processes (default 3). */
  workers?: number;
  /** Steps with faults (default 150). */
  steps?: number;
  /** Fault rates over {@link DEFAULT_SIMULATION_FAULTS}; `false`: no faults at all. */
  faults?: Partial<SimulationFaults> | false;
  /** Rounds of the quiescent phase before "every run terminates" fails (default 400). */
  quiescentRounds?: number;
  /** Fake time each quiescent round moves the clock (default 5 000 ms). */
  quiescentStepMs?: number;
  /** Kernel options of every worker. */
  kernelOptions?: Partial<KernelOptions>;
  /**
   * Whether completions use the in-memory store's own stage committer, or the kernel's
   * transactional one (where a crash can hit every write). Default: chosen by the seed.
   */
  storeCommitter?: boolean;
  /** Wraps the shared ports (e.g. to test the invariants against a broken adapter). */
  wrapPorts?: (ports: SimulationPorts, store: InMemoryStore) => SimulationPorts;
  /** The one-line reproducer printed on failure (default `simulate({ seed: N, … })`). */
  reproduce?: (seed: number) => string;
  /** How many recent actions a failure shows (default 20). */
  traceSize?: number;
}

/** Counts of what a simulation did. */
export interface SimulationResult {
  seed: number;
  /** Steps with faults, and quiescent rounds it took to finish every run. */
  steps: number;
  quiescentRounds: number;
  /** Commands dispatched (every worker, both phases). */
  commands: number;
  /** Commands that were rejected with a `RatchetError` (e.g. cancelling a finished run). */
  commandErrors: number;
  /** Stage executions recorded by the stages. */
  executions: number;
  /** Fake time that passed (ms). */
  fakeTimeMs: number;
  /** Faults injected. */
  faults: {
    crashesBetween: number;
    crashesInside: number;
    crashesAfterCommit: number;
    pauses: number;
    duplicateDeliveries: number;
    staleDeliveries: number;
    clockJumps: number;
    sinkFailures: number;
    cancels: number;
  };
  /** Final statuses of the runs. */
  runs: { total: number; completed: number; failed: number; cancelled: number; timedOut: number };
}

/**
 * Runs one seeded simulation; resolves with its counts, or rejects with a
 * {@link SimulationFailure} naming the broken invariant, the step and a reproducer.
 *
 * @example
 * ```ts
 * import { simulate } from "@ratchet/kernel/testing";
 *
 * for (let seed = 1; seed <= 200; seed++) {
 *   await simulate({ seed, workflows: [orderWorkflow], runs: 5, input: (_, i) => ({ orderId: `o-${i}` }) });
 * }
 * ```
 */
export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  return new Simulation(options).run();
}

interface Worker {
  slot: number;
  id: string;
  faults: WorkerFaults;
  kernel: Kernel;
  jobTransport: JobTransport;
  /** Jobs dequeued but not yet executed. */
  held: DequeuedJob[];
}

type TaskOutcome = { ok: true } | { ok: false; error: unknown };

interface Task {
  worker: Worker;
  label: string;
  /** Jobs the task is executing (a host heartbeats them). */
  jobIds: Set<string>;
  /** Resumes the port calls it is paused at. */
  releases: Array<() => void>;
  done: Promise<TaskOutcome>;
  outcome: TaskOutcome | undefined;
}

const MAX_PAUSED = 4;
const MAX_DELIVERIES = 24;

class Simulation {
  private readonly seed: number;
  private readonly prng: Prng;
  private readonly faultRates: SimulationFaults;
  private readonly faultsOn: boolean;
  private readonly clock = new FakeClock();
  private readonly events = new CollectingEventSink();
  private readonly executions: StageExecution[] = [];
  private readonly store: InMemoryStore;
  private readonly blobStore: BlobStore;
  private readonly inner: SimulationPorts;
  private readonly storeCommitter: boolean;
  private readonly workflows: readonly AnyWorkflow[];
  private readonly workers: Worker[] = [];
  private readonly checker: InvariantChecker;
  private readonly runIds: string[] = [];
  private readonly paused: Task[] = [];
  private readonly deliveries: DequeuedJob[] = [];
  private readonly trace: string[] = [];
  private readonly traceSize: number;
  private readonly kernelRandom: Prng;
  private incarnations = 0;
  private ids = 0;
  private step = 0;
  private phase: "faults" | "quiescent" = "faults";
  private current: Task | undefined;
  private notifyPause: (() => void) | undefined;
  private readonly result: SimulationResult;

  constructor(private readonly options: SimulationOptions) {
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
    this.checker = new InvariantChecker({
      store: this.store,
      events: this.events,
      workflows: new Map(this.workflows.map((w) => [w.id, w])),
    });
    this.result = {
      seed: this.seed,
      steps: 0,
      quiescentRounds: 0,
      commands: 0,
      commandErrors: 0,
      executions: 0,
      fakeTimeMs: 0,
      faults: {
        crashesBetween: 0,
        crashesInside: 0,
        crashesAfterCommit: 0,
        pauses: 0,
        duplicateDeliveries: 0,
        staleDeliveries: 0,
        clockJumps: 0,
        sinkFailures: 0,
        cancels: 0,
      },
      runs: { total: 0, completed: 0, failed: 0, cancelled: 0, timedOut: 0 },
    };
    this.events.failWhen(null);
  }

  async run(): Promise<SimulationResult> {
    const start = this.clock.now().getTime();
    const count = Math.max(1, this.options.workers ?? 3);
    for (let slot = 0; slot < count; slot++) this.workers.push(this.spawn(slot));
    await this.createRuns();

    const steps = this.options.steps ?? 150;
    for (this.step = 1; this.step <= steps; this.step++) {
      await this.faultStep();
      this.verify();
    }
    this.result.steps = steps;
    await this.quiesce(steps);

    const runs = this.result.runs;
    runs.total = this.runIds.length;
    for (const id of this.runIds) {
      const status = this.store.runs.get(id)?.status;
      if (status === "COMPLETED") runs.completed++;
      else if (status === "FAILED") runs.failed++;
      else if (status === "CANCELLED") runs.cancelled++;
      else if (status === "TIMED_OUT") runs.timedOut++;
    }
    this.result.executions = this.executions.length;
    this.result.fakeTimeMs = this.clock.now().getTime() - start;
    return this.result;
  }

  // ---- workers ----------------------------------------------------------------------------

  private spawn(slot: number): Worker {
    this.incarnations += 1;
    const id = `w${slot}-${this.incarnations}`;
    const faults = new WorkerFaults(
      this.prng.fork(),
      () => this.pause(),
      (kind, where) => this.crashed(id, kind, where),
    );
    if (this.faultsOn && this.phase === "faults") {
      faults.parkRate = this.faultRates.pause;
      faults.sinkFailureRate = this.faultRates.sinkFailure;
    }
    const jobTransport = faultyPort(faults, this.inner.jobTransport, "jobs");
    const persistence = faultyPersistence(faults, this.inner.persistence, {
      jobTransports: { outer: jobTransport, inner: this.inner.jobTransport },
      storeCommitter: this.storeCommitter,
    });
    const sink = faultySink(faults, this.events);
    const kernel = createKernel({
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
      clock: this.clock,
      registry: createRegistry(this.workflows),
      ...(this.options.kernelOptions ? { options: this.options.kernelOptions } : {}),
      newId: () => {
        this.ids += 1;
        return `s${String(this.ids).padStart(7, "0")}`;
      },
      random: () => this.kernelRandom.next(),
    });
    return { slot, id, faults, kernel, jobTransport, held: [] };
  }

  private crashed(workerId: string, kind: CrashKind, where: string): void {
    if (kind === "inside") this.result.faults.crashesInside++;
    else this.result.faults.crashesAfterCommit++;
    this.note(`${workerId} CRASH ${kind} ${where}`);
  }

  /** The process of `worker` is gone: its paused commands never resume; a new one starts. */
  private restart(worker: Worker): void {
    worker.faults.dead = true;
    if (this.workers[worker.slot] !== worker) return;
    for (let i = this.paused.length - 1; i >= 0; i--) {
      if (this.paused[i]?.worker === worker) this.paused.splice(i, 1);
    }
    const next = this.spawn(worker.slot);
    this.workers[worker.slot] = next;
    this.note(`${worker.id} restarted as ${next.id} (held ${worker.held.length} job(s))`);
  }

  // ---- tasks: commands that may pause -------------------------------------------------------

  private pause(): Promise<void> | undefined {
    const task = this.current;
    const notify = this.notifyPause;
    if (!task || !notify || this.phase !== "faults" || this.paused.length >= MAX_PAUSED) {
      return undefined;
    }
    this.result.faults.pauses++;
    return new Promise<void>((resolve) => {
      task.releases.push(resolve);
      notify();
    });
  }

  /** Lets `task` run until it finishes or pauses. */
  private async advance(task: Task, start: () => void): Promise<void> {
    let pausedNow = false;
    const paused = new Promise<void>((resolve) => {
      this.notifyPause = () => {
        pausedNow = true;
        resolve();
      };
    });
    this.current = task;
    start();
    await Promise.race([task.done, paused]);
    this.current = undefined;
    this.notifyPause = undefined;
    if (task.outcome === undefined) {
      if (pausedNow) {
        this.paused.push(task);
        this.note(`${task.worker.id} ${task.label} paused`);
      }
      return;
    }
    this.settle(task, task.outcome);
  }

  private settle(task: Task, outcome: TaskOutcome): void {
    const { worker } = task;
    if (!outcome.ok) {
      const { error } = outcome;
      if (error instanceof SimulatedCrash || worker.faults.dead) {
        this.restart(worker);
        return;
      }
      if (error instanceof RatchetError) {
        this.result.commandErrors++;
        this.note(`${worker.id} ${task.label} rejected ${error.code}`);
        return;
      }
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.fail("unexpected-error", `${worker.id} ${task.label} threw: ${message}`);
    }
    if (worker.faults.dead) this.restart(worker);
  }

  /** Starts a task on `worker` and lets it run until it finishes or pauses. */
  private async task(
    worker: Worker,
    label: string,
    body: (kernel: Kernel, task: Task) => Promise<void>,
  ): Promise<void> {
    if (this.faultsOn && this.phase === "faults") {
      if (this.prng.chance(this.faultRates.crashInside))
        worker.faults.crashInCalls = this.prng.int(1, 12);
      else if (this.prng.chance(this.faultRates.crashAfterCommit))
        worker.faults.crashAfterNextCommit = true;
    }
    let startBody: () => void = () => undefined;
    const begun = new Promise<void>((resolve) => {
      startBody = resolve;
    });
    const task: Task = {
      worker,
      label,
      jobIds: new Set(),
      releases: [],
      outcome: undefined,
      done: undefined as unknown as Promise<TaskOutcome>,
    };
    task.done = begun
      .then(() => body(worker.kernel, task))
      .then(
        (): TaskOutcome => ({ ok: true }),
        (error: unknown): TaskOutcome => ({ ok: false, error }),
      )
      .then((outcome) => {
        task.outcome = outcome;
        return outcome;
      });
    await this.advance(task, startBody);
  }

  private async resume(task: Task): Promise<void> {
    const releases = task.releases.splice(0);
    this.note(`${task.worker.id} ${task.label} resumed`);
    await this.advance(task, () => {
      for (const release of releases) release();
    });
  }

  // ---- actions ---------------------------------------------------------------------------

  private async createRuns(): Promise<void> {
    const runs = this.options.runs ?? 6;
    const specs: SimulationRunSpec[] =
      typeof runs === "number"
        ? Array.from({ length: runs }, (_, index) => {
            const workflow = this.prng.pick(this.workflows);
            const input = this.options.input
              ? this.options.input(workflow.id, index, this.prng)
              : { n: index };
            return { workflowId: workflow.id, input };
          })
        : [...runs];
    const kernel = (this.workers[0] as Worker).kernel;
    for (const spec of specs) {
      this.result.commands++;
      const created = await kernel.dispatch({
        type: "run.create",
        workflowId: spec.workflowId,
        input: spec.input,
      });
      this.runIds.push(created.workflowRunId);
    }
    this.note(`created ${specs.length} run(s)`);
  }

  private liveWorker(): Worker {
    return this.prng.pick(this.workers);
  }

  private async faultStep(): Promise<void> {
    const rates = this.faultRates;
    this.clock.advance(this.prng.int(0, 400));
    if (this.faultsOn) {
      if (this.prng.chance(rates.clockJump)) return this.jumpClock();
      if (this.prng.chance(rates.crashBetween)) {
        const worker = this.liveWorker();
        this.result.faults.crashesBetween++;
        this.note(`${worker.id} CRASH between commands`);
        this.restart(worker);
        return;
      }
      if (this.deliveries.length > 0 && this.prng.chance(rates.staleDelivery)) {
        const job = this.prng.pick(this.deliveries);
        const worker = this.liveWorker();
        this.result.faults.staleDeliveries++;
        return this.task(worker, `stale ${describeJob(job)}`, (k, t) =>
          this.execute(k, t, worker, job, "stale"),
        );
      }
      if (this.prng.chance(rates.cancel)) return this.cancelOne();
    }
    const weights = [
      3, // claim
      8, // execute
      2, // poll
      2, // fire schedules
      1.5, // reap stale leases
      1, // reap stuck runs
      2, // flush the outbox
      1.5, // heartbeat
      this.paused.length > 0 ? 5 : 0, // resume a paused command
    ];
    const worker = this.liveWorker();
    switch (this.prng.weighted(weights)) {
      case 0:
        return this.claim(worker);
      case 1:
        return this.task(worker, "execute", (k, t) => this.executeNext(k, t, worker));
      case 2:
        return this.simple(worker, "stage.pollSuspended", (k) =>
          k.dispatch({ type: "stage.pollSuspended", workerId: worker.id }),
        );
      case 3:
        return this.simple(worker, "schedule.fireDue", (k) =>
          k.dispatch({ type: "schedule.fireDue", workerId: worker.id }),
        );
      case 4:
        return this.simple(worker, "lease.reapStale", (k) =>
          k.dispatch({ type: "lease.reapStale" }),
        );
      case 5:
        return this.simple(worker, "run.reapStuck", (k) => k.dispatch({ type: "run.reapStuck" }));
      case 6:
        return this.simple(worker, "outbox.flush", (k) =>
          k.dispatch({ type: "outbox.flush", workerId: worker.id }),
        );
      case 7:
        return this.heartbeat(worker);
      default: {
        const task = this.paused.splice(this.prng.int(0, this.paused.length - 1), 1)[0];
        if (task) await this.resume(task);
      }
    }
  }

  private jumpClock(): void {
    const ms = [
      () => this.prng.int(0, 2_000),
      () => this.prng.int(2_000, 29_000),
      () => this.prng.int(30_001, 90_000),
      () => this.prng.int(90_000, 600_000),
    ][this.prng.weighted([4, 3, 2, 0.5])]?.() as number;
    this.clock.advance(ms);
    this.result.faults.clockJumps++;
    this.note(`clock +${ms} ms`);
  }

  private async cancelOne(): Promise<void> {
    const open = this.runIds.filter((id) => {
      const run = this.store.runs.get(id);
      return run !== undefined && !isTerminalRunStatus(run.status);
    });
    if (open.length === 0) return;
    const runId = this.prng.pick(open);
    const worker = this.liveWorker();
    this.result.faults.cancels++;
    await this.simple(worker, `run.cancel ${runId}`, (k) =>
      k.dispatch({ type: "run.cancel", workflowRunId: runId, reason: "simulated" }),
    );
  }

  private async simple(
    worker: Worker,
    label: string,
    command: (kernel: Kernel) => Promise<unknown>,
  ): Promise<void> {
    await this.task(worker, label, async (k) => {
      this.result.commands++;
      const result = await command(k);
      this.note(`${worker.id} ${label} → ${summarise(result)}`);
    });
  }

  private async claim(worker: Worker): Promise<void> {
    const continueWith = this.prng.chance(0.5) ? this.prng.int(1, 2) : 0;
    const maxClaims = this.prng.int(1, 3);
    await this.task(worker, "run.claimPending", async (k, t) => {
      this.result.commands++;
      const claimed = await k.dispatch({
        type: "run.claimPending",
        workerId: worker.id,
        maxClaims,
        ...(continueWith > 0 ? { continueWith } : {}),
      });
      this.note(
        `${worker.id} run.claimPending → ${claimed.claimed.length} claimed, ${claimed.jobs?.length ?? 0} continued`,
      );
      for (const job of claimed.jobs ?? []) await this.execute(k, t, worker, job, "continued");
    });
  }

  private async executeNext(kernel: Kernel, task: Task, worker: Worker): Promise<void> {
    if (worker.held.length === 0 || this.prng.chance(0.3)) {
      const jobs = await worker.jobTransport.dequeue({
        workerId: worker.id,
        limit: this.prng.int(1, 3),
        leaseMs: kernel.options.jobLeaseMs,
        now: this.clock.now(),
      });
      worker.held.push(...jobs);
    }
    const job = worker.held.shift();
    if (job) await this.execute(kernel, task, worker, job, "dequeued");
  }

  private async execute(
    kernel: Kernel,
    task: Task,
    worker: Worker,
    job: DequeuedJob,
    how: string,
  ): Promise<void> {
    task.jobIds.add(job.jobId);
    this.deliveries.push(job);
    if (this.deliveries.length > MAX_DELIVERIES) this.deliveries.shift();
    const continueWith = this.prng.chance(0.4) ? 1 : 0;
    this.result.commands++;
    const result = await kernel.dispatch({
      type: "job.execute",
      workerId: worker.id,
      job,
      ...(continueWith > 0 ? { continueWith } : {}),
    });
    this.note(`${worker.id} job.execute ${how} ${describeJob(job)} → ${result.outcome}`);
    if (this.faultsOn && this.phase === "faults" && this.prng.chance(this.faultRates.duplicate)) {
      this.result.faults.duplicateDeliveries++;
      this.result.commands++;
      const again = await kernel.dispatch({ type: "job.execute", workerId: worker.id, job });
      this.note(`${worker.id} job.execute duplicate ${describeJob(job)} → ${again.outcome}`);
    }
    task.jobIds.delete(job.jobId);
    if (result.outcome === "completed") {
      for (const next of result.next ?? []) await this.execute(kernel, task, worker, next, "next");
    }
  }

  private async heartbeat(worker: Worker): Promise<void> {
    const jobIds = new Set(worker.held.map((job) => job.jobId));
    for (const task of this.paused)
      if (task.worker === worker) for (const id of task.jobIds) jobIds.add(id);
    if (jobIds.size === 0) return;
    await this.task(worker, "job.heartbeat", async (k) => {
      this.result.commands++;
      const beat = await k.dispatch({
        type: "job.heartbeat",
        workerId: worker.id,
        jobIds: [...jobIds],
      });
      const gone = new Set([...beat.lost, ...beat.cancelled]);
      worker.held = worker.held.filter((job) => !gone.has(job.jobId));
      this.note(
        `${worker.id} job.heartbeat → ${beat.renewed.length} renewed, ${beat.lost.length} lost, ${beat.cancelled.length} cancelled`,
      );
    });
  }

  // ---- the quiescent phase --------------------------------------------------------------

  private async quiesce(faultSteps: number): Promise<void> {
    this.phase = "quiescent";
    this.events.failWhen(null);
    for (const worker of this.workers) worker.faults.calm();
    this.note("faults stop");
    while (this.paused.length > 0) {
      const task = this.paused.shift() as Task;
      if (this.workers[task.worker.slot] === task.worker) await this.resume(task);
      this.step++;
      this.verify();
    }
    const rounds = this.options.quiescentRounds ?? 400;
    const stepMs = this.options.quiescentStepMs ?? 5_000;
    let round = 0;
    for (; round < rounds && !this.finished(); round++) {
      const worker = this.workers[round % this.workers.length] as Worker;
      await this.task(worker, "duties", (k, t) => this.duties(k, t, worker));
      this.step = faultSteps + round + 1;
      this.verify();
      this.clock.advance(stepMs);
    }
    this.result.quiescentRounds = round;
    const broken = this.checker.checkEnd(this.runIds);
    if (broken) this.fail(broken.invariant, `${broken.detail} (after ${round} quiescent rounds)`);
  }

  /** One round of everything a host does. */
  private async duties(kernel: Kernel, task: Task, worker: Worker): Promise<void> {
    const dispatch = async <R>(label: string, run: () => Promise<R>): Promise<R> => {
      this.result.commands++;
      const result = await run();
      this.note(`${worker.id} ${label} → ${summarise(result)}`);
      return result;
    };
    const claimed = await dispatch("run.claimPending", () =>
      kernel.dispatch({
        type: "run.claimPending",
        workerId: worker.id,
        maxClaims: 50,
        continueWith: 1,
      }),
    );
    for (const job of claimed.jobs ?? [])
      await this.execute(kernel, task, worker, job, "continued");
    const jobs = await worker.jobTransport.dequeue({
      workerId: worker.id,
      limit: 50,
      leaseMs: kernel.options.jobLeaseMs,
      now: this.clock.now(),
    });
    worker.held.push(...jobs);
    while (worker.held.length > 0) {
      await this.execute(kernel, task, worker, worker.held.shift() as DequeuedJob, "dequeued");
    }
    await dispatch("stage.pollSuspended", () =>
      kernel.dispatch({ type: "stage.pollSuspended", workerId: worker.id, maxChecks: 100 }),
    );
    await dispatch("schedule.fireDue", () =>
      kernel.dispatch({ type: "schedule.fireDue", workerId: worker.id, maxCommands: 100 }),
    );
    await dispatch("lease.reapStale", () => kernel.dispatch({ type: "lease.reapStale" }));
    await dispatch("run.reapStuck", () => kernel.dispatch({ type: "run.reapStuck", maxRuns: 100 }));
    await dispatch("plugin.replayDLQ", () => kernel.dispatch({ type: "plugin.replayDLQ" }));
    await dispatch("outbox.flush", () =>
      kernel.dispatch({ type: "outbox.flush", workerId: worker.id, maxEvents: 1_000 }),
    );
  }

  /** Every run ended, every event published, no job left to run. */
  private finished(): boolean {
    for (const id of this.runIds) {
      const run = this.store.runs.get(id);
      if (!run || !isTerminalRunStatus(run.status)) return false;
      if (this.store.unpublishedOutboxByRun.keysOf(id).size > 0) return false;
      for (const key of this.store.jobsByRun.keysOf(id)) {
        const status = this.store.jobs.get(key)?.status;
        if (status === "PENDING" || status === "RUNNING") return false;
      }
    }
    return this.store.deadLetters.values.size === 0;
  }

  // ---- checking and tracing --------------------------------------------------------------

  private verify(): void {
    const broken = this.checker.check(this.runIds);
    if (broken) this.fail(broken.invariant, broken.detail);
  }

  private note(text: string): void {
    this.trace.push(`#${this.step} ${text}`);
    if (this.trace.length > this.traceSize) this.trace.shift();
  }

  private fail(invariant: InvariantName, detail: string): never {
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

function defaultReproducer(options: SimulationOptions): string {
  const parts = [`seed: ${options.seed}`];
  if (typeof options.runs === "number") parts.push(`runs: ${options.runs}`);
  if (options.workers !== undefined) parts.push(`workers: ${options.workers}`);
  if (options.steps !== undefined) parts.push(`steps: ${options.steps}`);
  if (options.storeCommitter !== undefined) parts.push(`storeCommitter: ${options.storeCommitter}`);
  if (options.faults === false) parts.push("faults: false");
  else if (options.faults) parts.push(`faults: ${JSON.stringify(options.faults)}`);
  return `simulate({ ${parts.join(", ")} })`;
}

function describeJob(job: DequeuedJob): string {
  return `${job.workflowRunId}/${job.stageId}#${job.attempt}`;
}

function summarise(result: unknown): string {
  if (result === null || typeof result !== "object") return String(result);
  return Object.entries(result as Record<string, unknown>)
    .filter(([, value]) => typeof value === "number" || typeof value === "string")
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
}
