/**
 * `simulate`: a seeded, deterministic simulation of several worker processes running the
 * kernel over one in-memory store. It interleaves their commands, injects faults (crashes
 * between and inside commands, crashes after a commit, database errors, slow commits, paused
 * commands, duplicate and stale deliveries, lease expiry, clock jumps and skewed host clocks,
 * overlapping maintenance ticks, event-sink outages, cancellations), checks the invariants —
 * the work's included — after every step, then stops the faults and drives every run to its
 * end.
 */
import type { DutyOptions } from "../../duties/options.js";
import { isTerminalRunStatus } from "../../records.js";
import { SimulationActions } from "./actions.js";
import { SIMULATION_STALE_LEASE_GRACE_MS } from "./clocks.js";
import type { Task, Worker } from "./core.js";
import type { SimulationOptions, SimulationResult } from "./options.js";
import { createSchedules } from "./schedules.js";

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

/**
 * The limits of a quiescent round: large batches, the claimed runs' first jobs run at once,
 * and dead letters replayed (the fault phase's sink outages are over, and every event must be
 * published before the simulation ends).
 */
const QUIESCENT_DUTY_LIMITS = (workerId: string): DutyOptions => ({
  workerId,
  maxClaimsPerTick: 50,
  claimContinueWith: 1,
  maxSuspendedChecksPerTick: 100,
  staleLeaseThresholdMs: SIMULATION_STALE_LEASE_GRACE_MS,
  maxStuckRunsPerTick: 100,
  maxScheduledPerTick: 100,
  replayDeadLettersPerTick: 100,
  maxOutboxFlushPerTick: 1_000,
});

/** One simulation: the fault phase, then the quiescent phase that drives every run to its end. */
class Simulation extends SimulationActions {
  /** Runs both phases and counts the runs' final statuses. */
  async run(): Promise<SimulationResult> {
    const start = this.clock.now().getTime();
    const count = Math.max(1, this.options.workers ?? 3);
    for (let slot = 0; slot < count; slot++) this.workers.push(this.spawn(slot));
    await this.createRuns();
    const schedules = await createSchedules(
      (workflowId) =>
        (
          this.workers.find((w) => this.workflowsOf(w.slot).some((wf) => wf.id === workflowId)) ??
          (this.workers[0] as Worker)
        ).kernel,
      this.options.schedules ?? [],
    );

    const steps = this.options.steps ?? 150;
    for (this.step = 1; this.step <= steps; this.step++) {
      await this.faultStep();
      this.verify();
    }
    this.result.steps = steps;
    await this.quiesce(steps, schedules);

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

  // ---- the quiescent phase --------------------------------------------------------------

  /**
   * Stops the faults, resumes every paused task, then runs every host duty until all runs end
   * (sending the signals runs still lack first in each round).
   */
  private async quiesce(faultSteps: number, schedules: readonly string[]): Promise<void> {
    this.phase = "quiescent";
    this.events.failWhen(null);
    for (const worker of this.workers) worker.faults.calm();
    this.note("faults stop");
    for (const scheduleId of schedules) {
      await (this.workers[0] as Worker).kernel.dispatch({ type: "schedules.pause", scheduleId });
    }
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
      await this.releaseWaiters();
      const worker = this.workers[round % this.workers.length] as Worker;
      await this.task(worker, "duties", (k, t) =>
        this.tick(k, t, worker, QUIESCENT_DUTY_LIMITS(worker.id), true),
      );
      this.step = faultSteps + round + 1;
      this.verify();
      this.clock.advance(stepMs);
    }
    this.result.quiescentRounds = round;
    const broken = this.checker.checkEnd(this.runIds);
    if (broken) this.fail(broken.invariant, `${broken.detail} (after ${round} quiescent rounds)`);
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
}
