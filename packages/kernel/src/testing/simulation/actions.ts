/**
 * What the simulation does in a step: create the runs, inject a fault between commands (a
 * clock jump, a change of a host's clock skew, a crash, a stale delivery, a cancellation, two
 * hosts' maintenance ticks overlapping), or have a random worker run one of the commands a
 * host runs (claim, execute, poll, fire schedules, reap, flush, heartbeat, transition), a
 * signal or child-run action (`wait-actions.ts`), or resume a paused one.
 */
import type { CommandResult } from "../../commands/index.js";
import { type DutyName, dutyCommand } from "../../duties/duties.js";
import type { DutyOptions } from "../../duties/options.js";
import { type DutyDispatcher, runDuties } from "../../duties/run-duties.js";
import type { Kernel } from "../../kernel.js";
import { type DequeuedJob, isTerminalRunStatus } from "../../records.js";
import { SIMULATION_MAX_CLOCK_SKEW_MS, SIMULATION_STALE_LEASE_GRACE_MS } from "./clocks.js";
import type { Task, Worker } from "./core.js";
import type { SimulationRunSpec } from "./options.js";
import { describeJob, summarise } from "./trace.js";
import { SimulationWaitActions } from "./wait-actions.js";

/** At most this many recent deliveries are kept for stale re-execution. */
const MAX_DELIVERIES = 24;

/** The actions of the fault phase, and the job execution both phases share. */
export abstract class SimulationActions extends SimulationWaitActions {
  /**
   * Creates the runs of the options (random workflows when `runs` is a number), each on the
   * first worker that registers its workflow.
   */
  protected async createRuns(): Promise<void> {
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
    for (const spec of specs) {
      this.result.commands++;
      const creator =
        this.workers.find((w) =>
          this.workflowsOf(w.slot).some((wf) => wf.id === spec.workflowId),
        ) ?? (this.workers[0] as Worker);
      const created = await creator.kernel.dispatch({
        type: "run.create",
        workflowId: spec.workflowId,
        input: spec.input,
      });
      this.runIds.push(created.workflowRunId);
    }
    this.note(`created ${specs.length} run(s)`);
  }

  /** A random live worker. */
  private liveWorker(): Worker {
    return this.prng.pick(this.workers);
  }

  /** One step of the fault phase: a fault between commands, or one action of a random worker. */
  protected async faultStep(): Promise<void> {
    const rates = this.faultRates;
    this.clock.advance(this.prng.int(0, 400));
    if (this.faultsOn) {
      if (this.prng.chance(rates.clockJump)) return this.jumpClock();
      if (this.prng.chance(rates.clockSkew)) return this.skewClock();
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
      if (this.workers.length > 1 && this.prng.chance(rates.tickOverlap))
        return this.overlapTicks();
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
      1, // transition a running run
      this.waitWeight(), // send a signal, race a time-out, crash around a child's end
    ];
    const worker = this.liveWorker();
    switch (this.prng.weighted(weights)) {
      case 0:
        return this.claim(worker);
      case 1:
        return this.task(worker, "execute", (k, t) => this.executeNext(k, t, worker));
      case 2:
        return this.duty(worker, "poll");
      case 3:
        return this.duty(worker, "schedule");
      case 4:
        return this.duty(worker, "reapStale");
      case 5:
        return this.duty(worker, "reapStuck");
      case 6:
        return this.duty(worker, "outbox");
      case 7:
        return this.heartbeat(worker);
      case 9:
        return this.transitionOne(worker);
      case 10:
        return this.waitStep();
      default: {
        const task = this.paused.splice(this.prng.int(0, this.paused.length - 1), 1)[0];
        if (task) await this.resume(task);
      }
    }
  }

  /** Moves the clock by up to minutes (past leases and back-offs). */
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

  /**
   * Gives a random host's clock a new skew within ±{@link SIMULATION_MAX_CLOCK_SKEW_MS}; a
   * skew below the old one steps that clock back.
   */
  private skewClock(): void {
    const worker = this.liveWorker();
    const before = worker.clock.skewMs;
    const after = this.prng.int(-SIMULATION_MAX_CLOCK_SKEW_MS, SIMULATION_MAX_CLOCK_SKEW_MS);
    worker.clock.skewMs = after;
    this.result.faults.clockSkews++;
    if (after < before) this.result.faults.clockStepsBack++;
    this.note(`${worker.id} clock skew ${before} → ${after} ms`);
  }

  /**
   * Two hosts' maintenance ticks overlap: the first pauses a few port calls into its tick, the
   * second runs a whole tick, then the first goes on (unless its process died meanwhile).
   */
  private async overlapTicks(): Promise<void> {
    const first = this.liveWorker();
    const others = this.workers.filter((w) => w !== first);
    const second = this.prng.pick(others);
    this.result.faults.overlappingTicks++;
    first.faults.pauseInCalls = this.prng.int(1, 8);
    const before = this.paused.length;
    await this.task(first, "tick", (k, t) => this.tick(k, t, first, this.hostLimits(first)));
    // Paused mid-tick, it is the last task paused.
    const mine = this.paused.length > before ? this.paused[this.paused.length - 1] : undefined;
    first.faults.pauseInCalls = undefined;
    await this.task(second, "tick", (k, t) => this.tick(k, t, second, this.hostLimits(second)));
    const at = mine ? this.paused.indexOf(mine) : -1;
    if (mine && at >= 0 && this.workers[first.slot] === first) {
      this.paused.splice(at, 1);
      await this.resume(mine);
    }
  }

  /** The duty limits of a host's ordinary tick. */
  private hostLimits(worker: Worker): DutyOptions {
    return {
      workerId: worker.id,
      claimContinueWith: this.prng.int(0, 1),
      staleLeaseThresholdMs: SIMULATION_STALE_LEASE_GRACE_MS,
    };
  }

  /**
   * One round of a host's duties (the hosts' own duty list), running the jobs a claim hands
   * back; with `executeAll`, then dequeuing and executing every job the worker can get.
   */
  protected async tick(
    kernel: Kernel,
    task: Task,
    worker: Worker,
    limits: DutyOptions,
    executeAll = false,
  ): Promise<void> {
    const noting: DutyDispatcher = {
      dispatch: async (command) => {
        this.result.commands++;
        const result = await kernel.dispatch(command);
        this.note(`${worker.id} ${command.type} → ${summarise(result)}`);
        return result as never;
      },
    };
    await runDuties(noting, limits, {
      afterDuty: async (name, result) => {
        if (name !== "claim") return;
        const claimed = result as CommandResult<"run.claimPending">;
        for (const job of claimed.jobs ?? [])
          await this.execute(kernel, task, worker, job, "continued");
        if (!executeAll) return;
        const jobs = await worker.jobTransport.dequeue({
          workerId: worker.id,
          limit: 50,
          leaseMs: kernel.options.jobLeaseMs,
          now: worker.clock.now(),
          routes: kernel.routes,
        });
        worker.held.push(...jobs);
        while (worker.held.length > 0) {
          await this.execute(kernel, task, worker, worker.held.shift() as DequeuedJob, "dequeued");
        }
      },
    });
  }

  /** Re-evaluates a random running run (`run.transition` is idempotent; hosts may call it any time). */
  private async transitionOne(worker: Worker): Promise<void> {
    const running = this.runIds.filter((id) => this.store.runs.get(id)?.status === "RUNNING");
    if (running.length === 0) return;
    const runId = this.prng.pick(running);
    await this.simple(worker, `run.transition ${runId}`, (k) =>
      k.dispatch({ type: "run.transition", workflowRunId: runId }),
    );
  }

  /** Cancels a random unfinished run. */
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

  /** Runs one command as a task and traces its result. */
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

  /** Runs one of the hosts' duties (from the kernel's duty list) with its default limits. */
  private duty(worker: Worker, name: Exclude<DutyName, "claim">): Promise<void> {
    const command = dutyCommand(name, {
      workerId: worker.id,
      staleLeaseThresholdMs: SIMULATION_STALE_LEASE_GRACE_MS,
    });
    if (command === undefined) return Promise.resolve();
    return this.simple(worker, command.type, (k) => k.dispatch(command as never));
  }

  /** Claims pending runs, executing the jobs it continues with. */
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

  /** Executes a held job, dequeuing more first when none is held (or at random). */
  private async executeNext(kernel: Kernel, task: Task, worker: Worker): Promise<void> {
    if (worker.held.length === 0 || this.prng.chance(0.3)) {
      const jobs = await worker.jobTransport.dequeue({
        workerId: worker.id,
        limit: this.prng.int(1, 3),
        leaseMs: kernel.options.jobLeaseMs,
        now: worker.clock.now(),
        routes: kernel.routes,
      });
      worker.held.push(...jobs);
    }
    const job = worker.held.shift();
    if (job) await this.execute(kernel, task, worker, job, "dequeued");
  }

  /** Executes `job` (maybe twice, as a duplicate delivery), then the jobs it continues with. */
  protected async execute(
    kernel: Kernel,
    task: Task,
    worker: Worker,
    job: DequeuedJob,
    how: string,
  ): Promise<void> {
    // Handed out by the worker's own dequeue, claim or commit: routing promised a job of a
    // workflow it registered (a stale re-delivery is the simulator's doing, not the store's).
    if (how !== "stale" && !this.workflowsOf(worker.slot).some((w) => w.id === job.workflowId))
      this.fail(
        "routed-to-wrong-worker",
        `${worker.id} was handed job ${job.jobId} (${how}) of workflow ${job.workflowId}, which it does not register`,
      );
    task.jobIds.add(job.jobId);
    this.deliveries.push(job);
    if (this.deliveries.length > MAX_DELIVERIES) this.deliveries.shift();
    const continueWith = this.prng.chance(0.4) ? 1 : 0;
    this.result.commands++;
    const result = await this.deliver(task, worker, job, () =>
      kernel.dispatch({
        type: "job.execute",
        workerId: worker.id,
        job,
        ...(continueWith > 0 ? { continueWith } : {}),
      }),
    );
    this.note(`${worker.id} job.execute ${how} ${describeJob(job)} → ${result.outcome}`);
    if (this.faultsOn && this.phase === "faults" && this.prng.chance(this.faultRates.duplicate)) {
      this.result.faults.duplicateDeliveries++;
      this.result.commands++;
      const again = await this.deliver(task, worker, job, () =>
        kernel.dispatch({ type: "job.execute", workerId: worker.id, job }),
      );
      this.note(`${worker.id} job.execute duplicate ${describeJob(job)} → ${again.outcome}`);
    }
    task.jobIds.delete(job.jobId);
    if (result.outcome === "completed") {
      for (const next of result.next ?? []) await this.execute(kernel, task, worker, next, "next");
    }
  }

  /** Runs one `job.execute` of `job` as a delivery the ledger follows from start to end. */
  private async deliver<T>(
    task: Task,
    worker: Worker,
    job: DequeuedJob,
    dispatch: () => Promise<T>,
  ): Promise<T> {
    const delivery = this.beginDelivery(task, worker, job);
    try {
      return await dispatch();
    } finally {
      this.endDelivery(task, delivery);
    }
  }

  /** Heartbeats the jobs `worker` holds or its paused tasks execute; drops the lost ones. */
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
}
