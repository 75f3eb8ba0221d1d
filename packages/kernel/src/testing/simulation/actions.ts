/**
 * What the simulation does in a step: create the runs, inject a fault between commands (a
 * clock jump, a crash, a stale delivery, a cancellation), or have a random worker run one of
 * the commands a host runs (claim, execute, poll, fire schedules, reap, flush, heartbeat) or
 * resume a paused one.
 */
import { type DutyName, dutyCommand } from "../../duties/duties.js";
import type { Kernel } from "../../kernel.js";
import { type DequeuedJob, isTerminalRunStatus } from "../../records.js";
import { SimulationCore, type Task, type Worker } from "./core.js";
import type { SimulationRunSpec } from "./options.js";

/** At most this many recent deliveries are kept for stale re-execution. */
const MAX_DELIVERIES = 24;

/** The actions of the fault phase, and the job execution both phases share. */
export abstract class SimulationActions extends SimulationCore {
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
    const command = dutyCommand(name, { workerId: worker.id, staleLeaseThresholdMs: 0 });
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
        now: this.clock.now(),
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

/** `run/stage#attempt` of `job`, for the trace. */
function describeJob(job: DequeuedJob): string {
  return `${job.workflowRunId}/${job.stageId}#${job.attempt}`;
}

/** The number and string fields of a command result, for the trace. */
export function summarise(result: unknown): string {
  if (result === null || typeof result !== "object") return String(result);
  return Object.entries(result as Record<string, unknown>)
    .filter(([, value]) => typeof value === "number" || typeof value === "string")
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
}
