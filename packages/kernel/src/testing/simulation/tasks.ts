/**
 * Commands as tasks: each runs on one worker and may pause at a port call so other workers'
 * commands interleave with it, then resume later (or never, if its process dies). Job
 * executions inside a task are deliveries the ledger follows from start to end.
 */
import { RatchetError } from "../../errors.js";
import type { Kernel } from "../../kernel.js";
import type { DequeuedJob } from "../../records.js";
import { SimulationCore, type Task, type TaskOutcome, type Worker } from "./core.js";
import type { Delivery } from "./executions.js";
import { SimulationFailure } from "./failure.js";
import { isSimulatedDatabaseError, SimulatedCrash } from "./faults.js";
import type { StageExecution } from "./workflows.js";

/** At most this many tasks are paused at once. */
const MAX_PAUSED = 4;
/** Most turns of the microtask queue to wait for open transactions to end before checking. */
const MAX_DRAIN_TURNS = 10_000;

/** Runs commands as tasks that may pause, and follows the job deliveries they execute. */
export abstract class SimulationTasks extends SimulationCore {
  private current: Task | undefined;
  private notifyPause: (() => void) | undefined;
  /** The checks were put off: a background branch was in a transaction. */
  private checkPending = false;

  /**
   * Checks the invariants — unless a transaction is open: a command's parallel branches can
   * outlive it (`outbox.flush` publishes runs in parallel; when one branch dies with its
   * process, the others end in the background), and the checks must never read half of a
   * transaction. Then they run before the next command starts, once none is open.
   */
  protected override verify(): void {
    if (this.transactions.open > 0) {
      this.checkPending = true;
      return;
    }
    this.checkPending = false;
    super.verify();
  }

  /** Pauses the running task at a port call (unless too many are paused already). */
  protected pause(): Promise<void> | undefined {
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
    if (this.checkPending) {
      for (let turn = 0; this.transactions.open > 0 && turn < MAX_DRAIN_TURNS; turn++)
        await Promise.resolve();
      // No await between the wait and the checks: nothing runs in between.
      this.verify();
    }
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

  /** Handles how `task` ended: a crash restarts its process, a bad rejection fails the run. */
  private settle(task: Task, outcome: TaskOutcome): void {
    const { worker } = task;
    if (!outcome.ok) {
      const { error } = outcome;
      if (error instanceof SimulatedCrash || worker.faults.dead) {
        this.restart(worker);
        return;
      }
      if (isSimulatedDatabaseError(error)) {
        // The process survives it; the command's work was rolled back or is redone later.
        this.result.faults.databaseErrorRejections++;
        this.note(`${worker.id} ${task.label} rejected with the database error`);
        return;
      }
      if (error instanceof RatchetError) {
        this.result.commandErrors++;
        this.note(`${worker.id} ${task.label} rejected ${error.code}`);
        return;
      }
      // An invariant broken inside the task stands as it is.
      if (error instanceof SimulationFailure) throw error;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.fail("unexpected-error", `${worker.id} ${task.label} threw: ${message}`);
    }
    if (worker.faults.dead) this.restart(worker);
  }

  /** Starts a task on `worker` and lets it run until it finishes or pauses. */
  protected async task(
    worker: Worker,
    label: string,
    body: (kernel: Kernel, task: Task) => Promise<void>,
  ): Promise<void> {
    worker.faults.noPauses = false;
    if (this.faultsOn && this.phase === "faults") {
      const rates = this.faultRates;
      if (this.prng.chance(rates.crashInside)) worker.faults.crashInCalls = this.prng.int(1, 12);
      else if (this.prng.chance(rates.crashAfterCommit)) worker.faults.crashAfterNextCommit = true;
      else if (this.prng.chance(rates.databaseError))
        worker.faults.databaseErrorInCalls = this.prng.int(1, 12);
      if (this.prng.chance(rates.slowCommit)) worker.faults.slowCommitMs = this.slowCommitMs();
    }
    let startBody: () => void = () => undefined;
    const begun = new Promise<void>((resolve) => {
      startBody = resolve;
    });
    const task: Task = {
      worker,
      label,
      jobIds: new Set(),
      deliveries: [],
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

  /** Resumes the paused `task` and lets it run until it finishes or pauses again. */
  protected async resume(task: Task): Promise<void> {
    task.worker.faults.noPauses = false;
    const releases = task.releases.splice(0);
    this.note(`${task.worker.id} ${task.label} resumed`);
    await this.advance(task, () => {
      for (const release of releases) release();
    });
  }

  /** How long a slow commit takes: mostly seconds, sometimes past a job's lease. */
  private slowCommitMs(): number {
    return [
      () => this.prng.int(1_000, 5_000),
      () => this.prng.int(5_000, 29_000),
      () => this.prng.int(30_000, 45_000),
    ][this.prng.weighted([5, 3, 1])]?.() as number;
  }

  // ---- deliveries ---------------------------------------------------------------------------

  /**
   * `task` begins executing `job` on `worker`: recorded in the ledger, which checks no other
   * execution of the stage holds a valid lease if this one starts under a lease of its own.
   */
  protected beginDelivery(task: Task, worker: Worker, job: DequeuedJob): Delivery {
    const { delivery, violation } = this.ledger.begin(worker.id, job, () => worker.clock.millis());
    if (violation) this.fail(violation.invariant, violation.detail);
    task.deliveries.push(delivery);
    return delivery;
  }

  /** The `job.execute` of `delivery` ended. */
  protected endDelivery(task: Task, delivery: Delivery): void {
    const at = task.deliveries.lastIndexOf(delivery);
    if (at >= 0) task.deliveries.splice(at, 1);
    this.ledger.end(delivery);
  }

  /** A stage body ran: for the delivery the running task is executing (checked for reruns). */
  protected bodyRan(execution: StageExecution): void {
    const delivery = this.current?.deliveries.at(-1);
    if (!delivery || delivery.job.workflowRunId !== execution.workflowRunId) return;
    if (delivery.job.stageId !== execution.stageId) return;
    // Not thrown here: the stage would fail with it. Reported after the step.
    this.pending ??= this.ledger.bodyRan(delivery) ?? undefined;
  }
}
